"""Owners, review cycles and four eyes in the browser, and the dashboard's to-do list."""

from __future__ import annotations

import html
from typing import Any

from audit.tables import AuditEvent
from tests.integration.web.web_support import parse_form


def _events(activity_id: str) -> list[dict[str, Any]]:
    return list(
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.body)
        .where(AuditEvent.entity_id == activity_id)
        .order_by(AuditEvent.event_id)
        .run_sync()
    )


def _activities(w: Any, entity_id: str) -> list[dict[str, Any]]:
    return w.get("/api/activities", params={"entity": entity_id, "limit": 3}).json()["items"]


def _save(w: Any, entity_id: str, activity_id: str, **changes: str) -> Any:
    form = parse_form(w.get(f"/entities/{entity_id}/activities/{activity_id}/edit").text)
    return w.post(
        f"/entities/{entity_id}/activities/{activity_id}/edit", form | changes, follow_redirects=False
    )


def test_the_officer_who_changed_it_cannot_approve_and_a_second_officer_can(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    me = web.get("/api/auth/me").json()
    activity = _activities(web, dk)[0]
    saved = _save(
        web,
        dk,
        activity["id"],
        description="Checked by HR",
        status="in_review",
        owner="HR",
        review_interval_months="12",
    )
    assert saved.status_code == 303, saved.text
    page = web.get(f"/entities/{dk}/activities/{activity['id']}?lang=da").text
    assert "Ejer, gennemgang og godkendelse" in page and "Ikke godkendt" in page and "12 måneder" in page
    version = web.get(f"/api/activities/{activity['id']}").json()["version"]
    before = _events(activity["id"])

    # The officer's own approval is refused in Danish; nothing changes, nothing is logged.
    refused = web.post(
        f"/entities/{dk}/activities/{activity['id']}/approve",
        {"version": str(version)},
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "en anden person skal godkende den" in html.unescape(refused.text)
    assert web.get(f"/api/activities/{activity['id']}").json()["status"] == "in_review"
    assert _events(activity["id"]) == before
    # Choosing "approved" in the editor is refused too, on the status field (the page stays in Danish).
    by_editor = _save(web, dk, activity["id"], status="approved")
    assert by_editor.status_code == 409 and 'aria-invalid="true"' in by_editor.text
    assert "en anden person skal godkende den" in html.unescape(by_editor.text)
    assert _events(activity["id"]) == before

    # A second officer approves: audited with approved_by, shown on the page.
    web.sign_in("officer_all")
    other = web.get("/api/auth/me").json()
    page = web.get(f"/entities/{dk}/activities/{activity['id']}").text
    assert f'action="/entities/{dk}/activities/{activity["id"]}/approve"' in page
    approved = web.post(
        f"/entities/{dk}/activities/{activity['id']}/approve",
        {"version": str(version)},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    stored = web.get(f"/api/activities/{activity['id']}").json()
    assert stored["status"] == "approved" and stored["approved_by"] == f"user:{other['user_id']}"
    assert stored["description"] == "Checked by HR" and stored["owner"] == "HR"
    event = _events(activity["id"])[-1]
    assert len(_events(activity["id"])) == len(before) + 1
    assert event["actor_id"] == f"user:{other['user_id']}" != f"user:{me['user_id']}"
    assert '"approved_by":"user:' + other["user_id"] + '"' in event["body"]
    page = web.get(approved.headers["location"] + "&lang=nb").text
    assert "Godkjent av" in page and other["username"] in page
    assert f'{activity["id"]}/approve"' not in page  # approved: nothing left to approve


def test_the_dashboard_lists_an_overdue_review_and_an_activity_waiting_for_approval(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    first, second = _activities(web, dk)[:2]
    assert _save(web, dk, first["id"], name="Løn til medarbejdere", status="in_review").status_code == 303
    overdue = {"name": "Adgangskort", "last_reviewed_at": "2020-01-15", "next_review_due": "2021-01-15"}
    assert _save(web, dk, second["id"], **overdue).status_code == 303

    web.sign_in("officer_all")
    page = html.unescape(web.get("/?lang=nb").text)
    todo = page[page.index('id="todo-title"') : page.index('id="entities-title"')]
    assert "Venter på godkjenning av en annen person" in todo
    assert f'href="/entities/{dk}/activities/{first["id"]}">Løn til medarbejdere ({first["key"]})' in todo
    assert "Gjennomganger på overtid" in todo
    assert f'href="/entities/{dk}/activities/{second["key"]}">Adgangskort ({second["key"]})' in todo
    assert "gjennomgangen forfalt" in todo

    # The officer who changed it sees that another person approves it.
    web.sign_in("officer")
    todo = html.unescape(web.get("/?lang=da").text)
    assert "Venter på godkendelse af en anden person" in todo
    assert "du har foretaget den seneste ændring: en anden godkender den" in todo
