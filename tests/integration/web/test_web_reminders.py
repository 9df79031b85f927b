"""The reminder outbox page: officers see their entities' notices and send them now; auditors and
regulators neither see nor send; an account's e-mail address is checked and never logged."""

from __future__ import annotations

import html
from typing import Any

from audit.tables import AuditEvent
from ropa.reminders.tables import Reminder


def _entities_in_outbox() -> set[str]:
    return {str(r["entity"]) for r in Reminder.select(Reminder.entity).run_sync()}


def test_an_officer_queues_and_sees_the_outbox_of_their_entities(web: Any) -> None:
    web.sign_in("officer")
    page = html.unescape(web.get("/reminders?lang=da").text)
    assert "<h1>Påmindelser</h1>" in page
    assert "E-mail er ikke sat op" in page and "Udbakken er tom." in page
    sent = web.post("/reminders/send", follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/reminders?queued=")
    assert _entities_in_outbox() == {web.ids["TECHEM-DK"]}  # the officer's scope, not Norway's
    page = html.unescape(web.get(sent.headers["location"] + "&lang=da").text)
    assert "sat i kø" in page and 'data-status="queued"' in page
    assert "I kø" in page
    assert "Gennemgang overskredet" in page or "Åbent alvorligt fund" in page
    shown = page.count('<tr class="reminder"')
    assert shown == Reminder.count().run_sync() > 0
    assert html.unescape(web.get("/reminders?status=sent&lang=da").text).count('<tr class="reminder"') == 0
    queued_events = AuditEvent.count().where(AuditEvent.action == "reminder.queue").run_sync()
    assert queued_events == shown
    # The dashboard links to it.
    assert 'href="/reminders"' in web.get("/?lang=da").text
    # The audit log words the events in the page's language (an auditor reads it).
    web.sign_in("auditor")
    log = html.unescape(web.get("/audit?action=reminder.queue&lang=da").text)
    assert "Påmindelse: Sat i kø" in log


def test_sending_needs_the_form_token(web: Any) -> None:
    web.sign_in("officer")
    refused = web.client.post("/reminders/send", data={}, follow_redirects=False)
    assert refused.status_code == 403
    assert Reminder.count().run_sync() == 0


def test_auditors_and_regulators_neither_see_nor_send(web: Any) -> None:
    for role in ("auditor", "regulator_no", "admin"):
        web.sign_in(role)
        assert web.get("/reminders").status_code == 403, role
        assert web.post("/reminders/send", follow_redirects=False).status_code == 403, role
        assert 'href="/reminders"' not in web.get("/").text
    assert Reminder.count().run_sync() == 0


def test_an_account_e_mail_address_is_checked_and_not_logged(web: Any) -> None:
    web.sign_in("admin")
    headers = {"x-csrf-token": web.csrf}
    bad = web.client.patch("/api/users/w-officer-dk", json={"email": "anna\r\nBcc: x@y.z"}, headers=headers)
    assert bad.status_code == 422
    assert [p["name"] for p in bad.json()["invalid_params"]] == ["email"]
    good = web.client.patch("/api/users/w-officer-dk", json={"email": "anna@techem.example"}, headers=headers)
    assert good.status_code == 200 and good.json()["email"] == "anna@techem.example"
    listed = {u["username"]: u["email"] for u in web.get("/api/users").json()}
    assert listed["w-officer-dk"] == "anna@techem.example" and listed["w-auditor-dk"] == ""
    bodies = [
        e["body"]
        for e in AuditEvent.select(AuditEvent.body).where(AuditEvent.action == "user.update").run_sync()
    ]
    assert bodies and not [b for b in bodies if "anna@" in b]
    assert any('"email_set":true' in b for b in bodies)
