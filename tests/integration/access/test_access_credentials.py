"""Tokens expired, revoked, malformed and forged; sessions with CSRF; brute force; all audited."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec

from audit.tables import AuditEvent
from ropa.access import principals
from ropa.access.credentials import create_token, revoke_token
from ropa.access.denials import ACTION, DENIALS
from ropa.access.tables import Credential
from tests.conftest import run
from tests.integration.access.access_support import PASSWORD


def _events(secured, action):
    response = secured.client.get(
        "/api/audit/events", headers=secured.as_("auditor_all"), params={"action": action, "limit": 500}
    )
    return response.json()["items"]


def _anonymous_refusals() -> dict[str, int]:
    """The anonymous refusals counted so far, once written as summary events."""
    run(DENIALS.flush(everything=True))
    rows = AuditEvent.select(AuditEvent.body).where(AuditEvent.action == ACTION).run_sync()
    totals: dict[str, int] = {}
    for row in rows:
        for reason, count in msgspec.json.decode(row["body"])["details"]["reasons"].items():
            totals[reason] = totals.get(reason, 0) + count
    return totals


def test_bad_tokens_get_401_and_the_refusals_are_counted(secured):
    c = secured.client
    before = len(_events(secured, "auth.denied"))
    expired = run(create_token("t-officer-dk", "expiring", 1)).secret
    Credential.update({Credential.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)}).where(
        Credential.secret_hash == principals.digest(expired)
    ).run_sync()
    revoked = run(create_token("t-officer-dk", "revoked"))
    run(revoke_token(revoked.id))
    principals.forget()
    cases = {
        "none": {},
        "expired": {"authorization": f"Bearer {expired}"},
        "revoked": {"authorization": f"Bearer {revoked.secret}"},
        "forged": {"authorization": f"Bearer ropa_{uuid.uuid4().hex}"},
        "malformed": {"authorization": "Bearer"},
        "basic": {"authorization": "Basic dXNlcjpwYXNz"},
    }
    for name, headers in cases.items():
        response = c.get("/api/activities", headers=headers)
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.headers["content-type"].startswith("application/problem+json")
    # Anonymous refusals are not an event each (anyone could fill the log), but they are counted.
    assert len(_events(secured, "auth.denied")) == before
    assert _anonymous_refusals() == {"unauthenticated": len(cases)}


def test_disabling_a_user_ends_its_tokens(secured):
    c = secured.client
    assert c.get("/api/activities", headers=secured.as_("officer")).status_code == 200
    response = c.patch("/api/users/t-officer-dk", headers=secured.as_("admin"), json={"disabled": True})
    assert response.status_code == 200 and response.json()["disabled"] is True
    assert c.get("/api/activities", headers=secured.as_("officer")).status_code == 401
    assert _events(secured, "user.disable")


def test_admin_makes_users_and_tokens_secrets_shown_once(secured):
    c, admin = secured.client, secured.as_("admin")
    made = c.post(
        "/api/users",
        headers=admin,
        json={"username": "new-officer", "role": "compliance_officer", "entities": ["TECHEM-NO"]},
    )
    assert made.status_code == 201, made.text
    bad = c.post("/api/users", headers=admin, json={"username": "x2", "role": "superuser"})
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "role"
    token = c.post("/api/users/new-officer/tokens", headers=admin, json={"name": "ci", "days": 30}).json()
    assert token["secret"].startswith("ropa_")
    listed = c.get("/api/tokens", headers=admin, params={"owner": "new-officer"}).json()
    assert [t["secret"] for t in listed] == [None]
    me = c.get("/api/auth/me", headers={"authorization": f"Bearer {token['secret']}"}).json()
    assert me["role"] == "compliance_officer" and me["entities"] == [secured.ids["TECHEM-NO"]]
    assert c.delete(f"/api/tokens/{token['id']}", headers=admin).status_code == 200
    assert c.get("/api/auth/me", headers={"authorization": f"Bearer {token['secret']}"}).status_code == 401
    assert (
        _events(secured, "token.create")
        and _events(secured, "token.revoke")
        and _events(secured, "user.create")
    )


def test_session_sign_in_csrf_and_sign_out(secured):
    c = secured.client
    wrong = c.post("/api/auth/sign-in", json={"username": "t-officer-dk", "password": "not the password"})
    assert wrong.status_code == 401
    signed = c.post("/api/auth/sign-in", json={"username": "t-officer-dk", "password": PASSWORD})
    assert signed.status_code == 200
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")
    csrf = signed.json()["csrf_token"]
    assert c.get("/api/activities").status_code == 200  # the cookie
    body = {"entity": "TECHEM-DK", "key": "PA-CSRF", "name": "Made in a browser"}
    assert c.post("/api/activities", json=body).status_code == 403  # no CSRF token
    assert c.post("/api/activities", json=body, headers={"x-csrf-token": "forged"}).status_code == 403
    assert c.post("/api/activities", json=body, headers={"x-csrf-token": csrf}).status_code == 201
    assert c.post("/api/auth/sign-out", headers={"x-csrf-token": csrf}).status_code == 200
    c.cookies.clear()
    c.cookies.set("ropa_session", cookie.split(";")[0].split("=", 1)[1])
    assert c.get("/api/activities").status_code == 401  # the session is over, even if replayed
    results = {(e["outcome"], e["reason"]) for e in _events(secured, "auth.sign_in")}
    assert ("success", "") in results and ("failure", "bad credentials") in results
    assert _events(secured, "auth.sign_out")


def test_brute_force_hits_the_limit(secured):
    c = secured.client
    statuses = [
        c.post("/api/auth/sign-in", json={"username": "t-admin", "password": f"guess-{i}"}).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    limited = c.post("/api/auth/sign-in", json={"username": "t-admin", "password": PASSWORD})
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0  # even the right one
    failures = {(e["outcome"], e["reason"]) for e in _events(secured, "auth.sign_in")}
    assert failures == {("failure", "bad credentials")}  # one event for each password tried
    assert _anonymous_refusals() == {"rate_limited": 3}  # the refused attempts, counted


def test_security_headers_and_closed_cors(secured):
    response = secured.client.get("/health", headers={"origin": "https://evil.example"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "access-control-allow-origin" not in response.headers
    denied = secured.client.get("/api/activities")
    assert denied.headers["x-frame-options"] == "DENY"
