"""Sign-in limits under concurrency and for offices behind one address; anonymous refusals summarised."""

from __future__ import annotations

import asyncio
import dataclasses

import httpx
import msgspec

from audit.tables import AuditEvent
from ropa.access.denials import ACTION, DENIALS, WINDOW_SECONDS
from ropa.settings import get_settings
from tests.conftest import ENGINE
from tests.integration.access.access_support import PASSWORD


def _statuses_from_many_sources(username: str, count: int) -> list[httpx.Response]:
    """``count`` wrong passwords for one account, all at once, each from its own client address."""
    from ropa.app import create_app

    settings = dataclasses.replace(get_settings(), auth_enabled=True, cookie_secure=False)
    app = create_app(settings, pool=False, integrator=False)

    async def attempt(i: int) -> httpx.Response:
        # A Litestar app is an ASGI app; httpx's annotation names a narrower callable.
        transport = httpx.ASGITransport(app=app, client=(f"198.51.100.{i + 1}", 40000))  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            return await client.post("/api/auth/sign-in", json={"username": username, "password": f"x{i}"})

    async def all_at_once() -> list[httpx.Response]:
        return list(await asyncio.gather(*(attempt(i) for i in range(count))))

    return asyncio.run(all_at_once())


def test_concurrent_wrong_passwords_are_limited_as_they_arrive(secured):
    responses = _statuses_from_many_sources("t-admin", 30)
    statuses = sorted(r.status_code for r in responses)
    # The account allows 5 failures: the other 25 are refused before their password is checked.
    assert statuses == [401] * 5 + [429] * 25, statuses
    limited = [r for r in responses if r.status_code == 429]
    assert all(int(r.headers["retry-after"]) > 0 for r in limited)
    assert all(r.headers["content-type"].startswith("application/problem+json") for r in limited)
    # The right password is refused too while the account is limited.
    right = secured.client.post("/api/auth/sign-in", json={"username": "t-admin", "password": PASSWORD})
    assert right.status_code == 429


def test_good_sign_ins_from_one_address_are_never_limited(secured):
    c = secured.client
    statuses = [
        c.post("/api/auth/sign-in", json={"username": name, "password": PASSWORD}).status_code
        for _ in range(7)
        for name in ("t-admin", "t-officer-dk", "t-auditor-dk", "t-regulator-no")
    ]
    assert statuses == [200] * 28
    # Failures from the same address still count: 20 of them, on any accounts, and it is limited.
    wrong = [
        c.post("/api/auth/sign-in", json={"username": f"nobody-{i}", "password": "guess"}).status_code
        for i in range(21)
    ]
    assert wrong == [401] * 20 + [429]


def _anonymous_summaries() -> list[dict]:
    rows = AuditEvent.select().where(AuditEvent.action == ACTION).order_by(AuditEvent.event_id).run_sync()
    return [{**r, "details": msgspec.json.decode(r["body"])["details"]} for r in rows]


def test_anonymous_refusals_become_one_summary_event_per_source_and_window(secured, monkeypatch):
    c = secured.client
    now = [1_800_000_000.0]
    monkeypatch.setattr(DENIALS, "clock", lambda: now[0])
    before = AuditEvent.count().run_sync()
    for i in range(200):
        headers = {"authorization": f"Bearer ropa_forged{i}"} if i % 2 else {}
        assert c.get("/api/activities", headers=headers).status_code == 401
    assert AuditEvent.count().run_sync() - before <= 2  # not 200 rows
    # A signed-in caller's refusal is still its own event.
    assert c.get("/api/users", headers=secured.as_("officer")).status_code == 403
    # The window closes; the next request writes its summary.
    now[0] += WINDOW_SECONDS + 1
    assert c.get("/api/auth/me", headers=secured.as_("admin")).status_code == 200
    [summary] = _anonymous_summaries()
    details = summary["details"]
    assert details["count"] == 200 and details["reasons"] == {"unauthenticated": 200}
    assert summary["outcome"] == "denied" and summary["actor_id"] == "anonymous"
    assert details["source_ref"] == summary["source_ref"] == summary["entity_id"]
    assert len(summary["source_ref"]) == 32 and "testclient" not in summary["body"]
    assert details["window_start"] < details["window_end"]
    events = c.get(
        "/api/audit/events",
        headers=secured.as_("auditor_all"),
        params={"action": "auth.denied", "limit": 500},
    ).json()["items"]
    assert [e["actor_id"] for e in events] == [f"user:{_user_id(secured, 'officer')}"]


def test_a_stopping_server_writes_the_counts_of_open_windows(secured):
    from litestar.testing import TestClient

    from ropa.app import create_app

    settings = dataclasses.replace(get_settings(), auth_enabled=True, cookie_secure=False)
    app = create_app(settings, pool=ENGINE == "sqlite", integrator=False)
    with TestClient(app, raise_server_exceptions=False) as client:
        for _ in range(3):
            assert client.get("/api/entities").status_code == 401
        assert _anonymous_summaries() == []
    [summary] = _anonymous_summaries()
    assert summary["details"]["count"] == 3


def _user_id(secured, role: str) -> str:
    return secured.client.get("/api/auth/me", headers=secured.as_(role)).json()["user_id"]
