"""Who is calling: JWT bearer tokens (HS256 node secret, RS256 from an SSO issuer) and guests."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from salon.core.config import Settings
from salon.core.errors import SalonError

GUEST_PREFIX = "guest:"
MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: str
    name: str
    is_guest: bool = False


def mint_token(secret: str, user_id: str, name: str, ttl: float = 86400.0, **claims: Any) -> str:
    """An HS256 token for ``user_id``; used by the CLI, tests and scripts."""
    now = int(time.time())
    payload = {"sub": user_id, "name": name, "iat": now, "exp": now + int(ttl), **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def clean_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise SalonError("bad_request", "a display name is required")
    name = " ".join(value.split())
    if len(name) > MAX_NAME:
        raise SalonError("bad_request", f"display names are at most {MAX_NAME} characters")
    return name


class TokenAuthority:
    """Verifies tokens and admits guests where the settings allow."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.signing_secret()
        self._public_key = (
            settings.jwt_public_key_file.read_text() if settings.jwt_public_key_file else None
        )
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self.allow_guests = settings.allow_guests

    def mint(self, user_id: str, name: str, ttl: float = 86400.0) -> str:
        return mint_token(self._secret, user_id, name, ttl)

    def verify(self, token: object) -> Identity:
        if not isinstance(token, str) or not token:
            raise SalonError("unauthenticated", "a bearer token is required")
        try:
            claims = self._decode(token)
        except jwt.ExpiredSignatureError as exc:
            raise SalonError("token_expired", "the token has expired") from exc
        except jwt.PyJWTError as exc:
            raise SalonError("unauthenticated", "the token is not valid") from exc
        user_id = claims.get("sub")
        if not isinstance(user_id, str) or not user_id or user_id.startswith(GUEST_PREFIX):
            raise SalonError("unauthenticated", "the token has no usable subject")
        name = claims.get("name") or claims.get("preferred_username") or user_id
        return Identity(user_id=user_id[:128], name=clean_name(str(name)[:MAX_NAME]))

    def guest(self, name: object) -> Identity:
        if not self.allow_guests:
            raise SalonError("guests_disabled", "this server does not admit guests")
        return Identity(GUEST_PREFIX + secrets.token_hex(8), clean_name(name), is_guest=True)

    def from_handshake(self, auth: object) -> Identity:
        """Socket.IO ``auth``: ``{"token": ...}`` or ``{"guest": {"name": ...}}``."""
        if not isinstance(auth, dict):
            raise SalonError("unauthenticated", "the handshake carries no auth object")
        if "token" in auth:
            return self.verify(auth["token"])
        guest = auth.get("guest")
        if isinstance(guest, dict):
            return self.guest(guest.get("name"))
        raise SalonError("unauthenticated", "the handshake carries no token")

    def from_header(self, header: str | None) -> Identity:
        if not header or not header.lower().startswith("bearer "):
            raise SalonError("unauthenticated", "an Authorization: Bearer token is required")
        return self.verify(header[7:].strip())

    def _decode(self, token: str) -> dict[str, Any]:
        options: Any = {"require": ["exp", "sub"]}
        header = jwt.get_unverified_header(token)
        if header.get("alg") == "RS256" and self._public_key:
            return jwt.decode(
                token,
                self._public_key,
                algorithms=["RS256"],
                issuer=self._issuer,
                audience=self._audience,
                options=options,
            )
        return jwt.decode(
            token, self._secret, algorithms=["HS256"], audience=self._audience, options=options
        )
