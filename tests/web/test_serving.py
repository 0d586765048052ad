"""How `salon serve` serves the web client: index, client routes, assets, CSP, caching."""

from __future__ import annotations

import re

import httpx

from tests.support.servers import ServerProcess


def test_index_and_client_routes_carry_a_strict_csp(web_server: ServerProcess) -> None:
    for path in (
        "/",
        "/rooms/abc",
        "/search",
        "/replay/s1",
        "/experts/alice",
        "/signin",
        "/for-you",
        "/inbox",
    ):
        response = httpx.get(web_server.url + path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp
        assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
        nonce = re.search(r"style-src 'self' 'nonce-([^']+)'", csp)
        assert nonce and f'content="{nonce.group(1)}"' in response.text
        assert f"ws://127.0.0.1:{web_server.port} wss://127.0.0.1:{web_server.port}" in csp
        assert "<script" not in response.text.split('<script type="module" src="/static/')[0]


def test_each_page_gets_a_fresh_nonce(web_server: ServerProcess) -> None:
    first = httpx.get(web_server.url + "/").headers["content-security-policy"]
    second = httpx.get(web_server.url + "/").headers["content-security-policy"]
    assert first != second


def test_assets_are_hashed_and_cached_forever(web_server: ServerProcess) -> None:
    html = httpx.get(web_server.url + "/").text
    assets = re.findall(r'(?:src|href)="(/static/[^"]+-[A-Z0-9]{8}\.(?:js|css))"', html)
    assert len(assets) == 2
    for asset in assets:
        response = httpx.get(web_server.url + asset)
        assert response.status_code == 200
        assert "immutable" in response.headers["cache-control"]
        assert "content-security-policy" in response.headers


def test_api_routes_win_and_unknown_paths_are_404(web_server: ServerProcess) -> None:
    info = httpx.get(web_server.url + "/api/v1").json()
    assert info["ok"] and info["guests"] is True
    assert "content-security-policy" not in httpx.get(web_server.url + "/api/v1").headers
    assert httpx.get(web_server.url + "/api/v1/nope").status_code == 404
    assert httpx.get(web_server.url + "/wp-admin").status_code == 404
    assert httpx.get(web_server.url + "/static/missing.js").status_code == 404


def test_a_forged_host_header_cannot_add_to_the_policy(web_server: ServerProcess) -> None:
    response = httpx.get(web_server.url + "/", headers={"host": "x; script-src *"})
    csp = response.headers["content-security-policy"]
    assert "script-src *" not in csp and "connect-src 'self' ;" in csp
