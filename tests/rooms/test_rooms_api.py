"""REST rooms: create, search by title and tag, paging; health and readiness."""

from __future__ import annotations

import secrets

import httpx

from tests.support.clients import user_id
from tests.support.servers import ServerProcess


def test_health_and_readiness(server: ServerProcess) -> None:
    assert httpx.get(server.url + "/healthz").json()["status"] == "alive"
    ready = httpx.get(server.url + "/readyz").json()
    assert ready == {"ok": True, "checks": {"database": True}}
    assert httpx.get(server.url + "/api/v1").json()["protocol"] == 1


def test_metrics_are_exposed(server: ServerProcess) -> None:
    text = httpx.get(server.url + "/metrics").text
    for name in (
        "salon_connections",
        "salon_rooms_active",
        "salon_events_total",
        "salon_bus_lag_seconds",
        "salon_persistence_lag_seconds",
    ):
        assert name in text


def test_create_search_and_page_rooms(server: ServerProcess) -> None:
    owner = user_id("owner")
    marker = secrets.token_hex(4)
    with server.http(owner) as http:
        ids = []
        for i in range(5):
            body = {
                "title": f"{marker} talk {i}",
                "tags": ["kubernetes" if i % 2 else "python"],
                "description": "50% off_topic",
            }
            reply = http.post("/api/v1/rooms", json=body)
            assert reply.status_code == 201
            ids.append(reply.json()["room"]["id"])
        found = http.get("/api/v1/rooms", params={"q": marker.upper(), "limit": 2}).json()
        assert found["total"] == 5 and [r["id"] for r in found["rooms"]] == ids[:-3:-1]
        page2 = http.get("/api/v1/rooms", params={"q": marker, "limit": 2, "offset": 2}).json()
        assert [r["id"] for r in page2["rooms"]] == [ids[2], ids[1]]
        tagged = http.get("/api/v1/rooms", params={"q": marker, "tag": "kubernetes"}).json()
        assert {r["id"] for r in tagged["rooms"]} == {ids[1], ids[3]}
        # LIKE wildcards in the query are literal text
        assert http.get("/api/v1/rooms", params={"q": f"{marker}%"}).json()["total"] == 0
        assert http.get("/api/v1/rooms", params={"q": "50% off_"}).json()["total"] >= 5
        got = http.get(f"/api/v1/rooms/{ids[0]}").json()["room"]
        assert got["my_role"] == "host" and got["tags"] == ["python"]


def test_bad_room_requests_get_documented_errors(server: ServerProcess) -> None:
    with server.http(user_id("owner")) as http:
        cases = [
            (http.post("/api/v1/rooms", json={}), 400, "bad_request"),
            (http.post("/api/v1/rooms", json={"title": 5}), 400, "bad_request"),
            (
                http.post("/api/v1/rooms", json={"title": "x", "visibility": "secret"}),
                400,
                "bad_request",
            ),
            (http.post("/api/v1/rooms", json={"title": "x", "surprise": 1}), 400, "bad_request"),
            (http.post("/api/v1/rooms", content=b"{not json"), 400, "bad_request"),
            (http.post("/api/v1/rooms", json={"title": "x" * 300}), 400, "bad_request"),
            (http.post("/api/v1/rooms", content=b"[" * 2_000_000), 413, "too_large"),
            (http.get("/api/v1/rooms/nope"), 404, "not_found"),
            (http.get("/api/v1/rooms", params={"limit": "many"}), 400, "bad_request"),
            (http.get("/api/v1/rooms", params={"limit": 10_000}), 400, "bad_request"),
            (http.get("/api/v1/rooms/nope/chat"), 404, "not_found"),
        ]
        for response, status, code in cases:
            assert response.status_code == status, response.text
            assert response.json()["error"]["code"] == code
    anonymous = httpx.get(server.url + "/api/v1/rooms")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
