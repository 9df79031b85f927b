"""Withdrawing a risk acceptance in the browser: the API's retire, with a reason, audited; the finding
is open again, and a stale or second withdrawal changes nothing."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from tests.integration.web.web_support import parse_form

RULE, RECORD = "dpo.undecided", "TECHEM-DK"


def _status(w: Any) -> str:
    found = w.get("/api/findings", params={"entity": RECORD, "rule": RULE}).json()
    return str(found[0]["status"])


def _withdraw_form(page: str) -> dict[str, Any]:
    form = re.search(r'<form method="post" action="[^"]*/findings/withdraw".*?</form>', page, re.S)
    assert form, "no withdraw form"
    return parse_form(form[0])


def test_an_officer_withdraws_an_acceptance_and_the_finding_is_open_again(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    body = {"rule_id": RULE, "record_key": RECORD, "reason": "Decided at the board meeting", "until": until}
    assert web.post(f"/entities/{dk}/findings/accept", body, follow_redirects=False).status_code == 303
    assert _status(web) == "accepted"
    page = web.get(f"/entities/{dk}/findings?status=accepted&lang=da").text
    assert "Tilbagekald accepten" in page
    form = _withdraw_form(page)
    [held] = web.get("/api/finding-acceptances", params={"entity": dk}).json()["items"]
    assert form["key"] == held["key"] and form["version"] == str(held["version"])

    # Without a reason: refused on that field, in Danish; nothing changes.
    empty = web.post(f"/entities/{dk}/findings/withdraw?lang=da", form | {"reason": " "})
    assert empty.status_code == 422 and 'id="err-1-withdraw_reason"' in empty.text
    text = html.unescape(empty.text)
    assert "Begrundelse for tilbagekaldelsen" in text and "Angiv en begrundelse." in text
    assert _status(web) == "accepted"

    done = web.post(
        f"/entities/{dk}/findings/withdraw",
        form | {"reason": "The DPO decision is recorded now"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/entities/{dk}/findings?status=accepted&withdrawn={held['key']}"
    shown = html.unescape(web.get(done.headers["location"] + "&lang=nb").text)
    assert f"Aksepten {held['key']} er trukket tilbake; funnet er åpent igjen." in shown
    assert _status(web) == "open"
    record = web.get(f"/api/finding-acceptances/{held['id']}").json()
    assert record["status"] == "retired" and record["version"] == held["version"] + 1
    # The same audited retire as DELETE /api/finding-acceptances/{id}, with its reason, by this officer.
    web.sign_in("auditor")
    events = web.get(
        "/api/audit/events", params={"record_id": held["id"], "action": "finding_acceptance.retire"}
    ).json()["items"]
    assert len(events) == 1 and events[0]["actor_id"].startswith("user:")
    assert events[0]["reason"] == "The DPO decision is recorded now"

    # The same form again: nothing left to withdraw, said in the page's language.
    web.sign_in("officer")
    again = web.post(f"/entities/{dk}/findings/withdraw?lang=en", form | {"reason": "again"})
    assert again.status_code == 409 and "no longer exists or was withdrawn already" in again.text


def test_withdrawing_needs_write_access_and_a_stale_form_is_refused(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    until = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    body = {"rule_id": RULE, "record_key": RECORD, "reason": "Board decision pending", "until": until}
    assert web.post(f"/entities/{dk}/findings/accept", body, follow_redirects=False).status_code == 303
    form = _withdraw_form(web.get(f"/entities/{dk}/findings").text)
    web.sign_in("auditor")  # reads findings, may not change the register
    assert "/findings/withdraw" not in web.get(f"/entities/{dk}/findings").text
    refused = web.post(f"/entities/{dk}/findings/withdraw", form | {"reason": "no"}, follow_redirects=False)
    assert refused.status_code == 403
    web.sign_in("officer")
    stale = web.post(f"/entities/{dk}/findings/withdraw", form | {"reason": "x", "version": "99"})
    assert stale.status_code == 409 and "Someone else changed this acceptance meanwhile" in stale.text
    assert _status(web) == "accepted"
