"""The browser client: ``/`` and the client routes serve index.html, ``/static`` the built assets.

The assets are built from ``client/web`` (``npm run build``) into ``static/`` and ship inside the
Python package, so serving them needs no Node.js. Only these responses carry the
Content-Security-Policy: the API answers JSON and needs none.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).resolve().parent / "static"

# No inline script, nothing from other origins; Socket.IO reaches the same host over ws(s).
# 'self' in connect-src covers ws(s) only in newer browsers, hence the explicit origin from the
# Host header. CodeMirror injects its theme as a <style> element: it carries a per-response
# nonce (the page hands it to the editor through a <meta>), so no 'unsafe-inline' is needed.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'{nonce}; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self' {ws}; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)

# Client-side routes (registered in client/web/src/main.js); anything else is a 404.
CLIENT_ROUTES = (
    "signin",
    "rooms",
    "search",
    "experts",
    "replay",
    "ask",
    "queue",
    "kb",
    "for-you",
    "inbox",
)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
NONCE_PLACEHOLDER = "__CSP_NONCE__"
# A Host header that is not a plain host[:port] never reaches the policy text.
PLAIN_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def csp_for(request: Request, nonce: str | None = None) -> str:
    # Both schemes: behind a TLS-terminating proxy the request we see may be plain http.
    host = request.headers.get("host", "")
    return CSP.format(
        ws=f"ws://{host} wss://{host}" if PLAIN_HOST.match(host) else "",
        nonce=f" 'nonce-{nonce}'" if nonce else "",
    )


def page_headers(request: Request, cache: str, nonce: str | None = None) -> dict[str, str]:
    return {"content-security-policy": csp_for(request, nonce), "cache-control": cache}


class Assets(StaticFiles):
    """StaticFiles with the CSP and cache headers: content-hashed names never change."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        path = scope.get("path", "")
        cache = REVALIDATE if path.endswith(".html") else IMMUTABLE

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = page_headers(request, cache)
                message["headers"] = [
                    *message.get("headers", []),
                    *((k.encode(), v.encode()) for k, v in extra.items()),
                ]
            await send(message)

        await super().__call__(scope, receive, with_headers)


def routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    index = static_dir / "index.html"

    async def page(request: Request) -> Response:
        first = request.url.path.strip("/").split("/", 1)[0]
        if first and first not in CLIENT_ROUTES:
            return PlainTextResponse("not found", status_code=404)
        if not index.is_file():
            return PlainTextResponse(
                "the web client is not built: run `npm run build` in client/web",
                status_code=503,
            )
        nonce = secrets.token_urlsafe(18)
        html = index.read_text(encoding="utf-8").replace(NONCE_PLACEHOLDER, nonce)
        return HTMLResponse(html, headers=page_headers(request, "no-store", nonce))

    return [
        Route("/", page, methods=["GET", "HEAD"]),
        Mount("/static", app=Assets(directory=static_dir, check_dir=False), name="static"),
        Route("/{path:path}", page, methods=["GET", "HEAD"]),
    ]
