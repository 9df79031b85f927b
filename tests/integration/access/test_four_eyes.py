"""Four eyes through the API: an activity is approved by a second officer, never by its last author."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from audit.tables import AuditEvent
from ropa.access.credentials import create_token
from ropa.access.users import add_user
from tests.conftest import run
from tests.integration.access.access_support import PASSWORD, Secured
from tests.workbooks import visible_text

SERVER = ("id", "entity", "created_at", "updated_at")


def _events(activity_id: str) -> list[dict[str, Any]]:
    return list(
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.body)
        .where(AuditEvent.entity_id == activity_id)
        .order_by(AuditEvent.event_id)
        .run_sync()
    )


def _second_officer() -> dict[str, str]:
    run(add_user("t-officer-dk-2", "compliance_officer", PASSWORD, ["TECHEM-DK"], None))
    return {"authorization": f"Bearer {run(create_token('t-officer-dk-2', 'test')).secret}"}


def _body(c: Any, headers: dict[str, str], activity_id: str) -> dict[str, Any]:
    full = c.get(f"/api/activities/{activity_id}", headers=headers).json()
    return {k: v for k, v in full.items() if k not in SERVER}


def test_the_last_author_cannot_approve_and_a_second_officer_can(secured: Secured) -> None:
    c, officer, second = secured.client, secured.as_("officer"), _second_officer()
    me = c.get("/api/auth/me", headers=officer).json()
    other = c.get("/api/auth/me", headers=second).json()
    created = c.post(
        "/api/activities", headers=officer, json={"entity": "TECHEM-DK", "key": "PA-4EYES", "name": "Payroll"}
    ).json()
    # The officer writes the content and sends it for review.
    body = {**_body(c, officer, created["id"]), "description": "Monthly salaries", "status": "in_review"}
    assert c.put(f"/api/activities/{created['id']}", headers=officer, json=body).status_code == 200
    before = _events(created["id"])

    # Approving their own change is refused, naming the status; nothing changes, nothing is logged.
    body = {**_body(c, officer, created["id"]), "status": "approved"}
    refused = c.put(f"/api/activities/{created['id']}", headers=officer, json=body)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in refused.json()["invalid_params"]] == ["status"]
    stored = c.get(f"/api/activities/{created['id']}", headers=officer).json()
    assert stored["status"] == "in_review" and stored["approved_by"] is None
    assert _events(created["id"]) == before

    # A second officer who also changes the content in the same save is its author: refused too.
    edited = {**body, "description": "Monthly salaries and bonuses"}
    assert c.put(f"/api/activities/{created['id']}", headers=second, json=edited).status_code == 409
    assert _events(created["id"]) == before

    # The second officer approves the first one's content: recorded in the record and the log.
    approved = c.put(f"/api/activities/{created['id']}", headers=second, json=body)
    assert approved.status_code == 200, approved.text
    got = approved.json()
    assert got["status"] == "approved" and got["approved_by"] == f"user:{other['user_id']}"
    assert got["approved_at"] is not None
    last = _events(created["id"])[-1]
    assert last["action"] == "activity.update" and last["actor_id"] == f"user:{other['user_id']}"
    assert f'"approved_by":"user:{other["user_id"]}"' in last["body"]
    assert me["user_id"] != other["user_id"]

    # The export names the approval: its date and the second officer by user name, never the actor id.
    exported = c.get(
        "/api/entities/TECHEM-DK/export.xlsx", headers=officer, params={"layout": "canonical", "lang": "da"}
    )
    assert exported.status_code == 200, exported.text
    sheet = load_workbook(io.BytesIO(exported.content))["Aktiviteter"]
    header = [c.value for c in sheet[1]]
    (row,) = [r for r in sheet.iter_rows(min_row=2, values_only=True) if "PA-4EYES" in r]
    assert row[header.index("Godkendt af")] == "t-officer-dk-2"
    assert str(row[header.index("Godkendt")]).startswith(got["approved_at"][:10])
    assert f"user:{other['user_id']}" not in visible_text(exported.content)


def test_a_caller_cannot_write_the_approval_itself_nor_create_an_approved_activity(secured: Secured) -> None:
    c, officer = secured.client, secured.as_("officer")
    made = c.post(
        "/api/activities",
        headers=officer,
        json={"entity": "TECHEM-DK", "key": "PA-SELF", "name": "Self", "status": "approved"},
    )
    assert made.status_code == 409 and made.json()["invalid_params"][0]["name"] == "status"
    created = c.post(
        "/api/activities",
        headers=officer,
        json={"entity": "TECHEM-DK", "key": "PA-SELF", "name": "Self", "approved_by": "user:someone-else"},
    ).json()
    assert created["approved_by"] is None


def test_a_saved_review_gets_its_next_date_from_the_interval(secured: Secured) -> None:
    c, officer = secured.client, secured.as_("officer")
    created = c.post(
        "/api/activities",
        headers=officer,
        json={"entity": "TECHEM-DK", "key": "PA-CYCLE", "name": "Cycle", "owner": "HR department"},
    ).json()
    body = {
        **_body(c, officer, created["id"]),
        "review_interval_months": 12,
        "last_reviewed_at": "2026-01-31",
    }
    saved = c.put(f"/api/activities/{created['id']}", headers=officer, json=body).json()
    assert saved["owner"] == "HR department" and saved["next_review_due"] == "2027-01-31"
    # The next review saved with the old due date kept: the interval counts from the new review.
    body = {**_body(c, officer, created["id"]), "last_reviewed_at": "2026-08-31", "review_interval_months": 6}
    saved = c.put(f"/api/activities/{created['id']}", headers=officer, json=body).json()
    assert saved["next_review_due"] == "2027-02-28"
    # A date given by the caller is kept.
    body = {
        **_body(c, officer, created["id"]),
        "last_reviewed_at": "2026-09-01",
        "next_review_due": "2026-12-01",
    }
    saved = c.put(f"/api/activities/{created['id']}", headers=officer, json=body).json()
    assert saved["next_review_due"] == "2026-12-01"
    bad = c.put(
        f"/api/activities/{created['id']}",
        headers=officer,
        json={**_body(c, officer, created["id"]), "review_interval_months": 0},
    )
    assert bad.status_code in (400, 422) and "review_interval_months" in bad.text
