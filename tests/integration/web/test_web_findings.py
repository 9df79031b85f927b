"""An entity's findings in the browser: the API's list in the page's language, and accepting a risk."""

from __future__ import annotations

import datetime as dt
import html
import re

from ropa.constraints import KEY_PATTERN
from ropa.web.findings_pages import acceptance_key

PRIVACY_SHIELD = ("transfer.invalid_mechanism", "T-DK-PRIVACY-SHIELD")


def _api(w, **params):
    response = w.get("/api/findings", params={"entity": "TECHEM-DK", **params})
    assert response.status_code == 200, response.text
    return response.json()


def _text(response) -> str:
    return html.unescape(response.text)


def _acceptances(w) -> list[dict]:
    found = w.get("/api/finding-acceptances", params={"entity": "TECHEM-DK", "limit": 500})
    assert found.status_code == 200, found.text
    return found.json()["items"]


def _future(days: int = 90) -> str:
    return (dt.date.today() + dt.timedelta(days=days)).isoformat()


def _accept(w, rule_id: str, record_key: str, reason: str, until: str, **extra):
    dk = w.ids["TECHEM-DK"]
    body = {"rule_id": rule_id, "record_key": record_key, "reason": reason, "until": until, **extra}
    return w.post(f"/entities/{dk}/findings/accept", body, follow_redirects=False)


def _row(page: str, rule_id: str, record_key: str) -> str:
    """The table row of one finding (rule and record), after the heading of its record's group, as HTML."""
    for group in re.findall(r'<tbody id="record-.*?</tbody>', page, re.S):
        header = re.search(r'<tr class="group">.*?</tr>', group, re.S)[0]  # type: ignore[index]
        for row in re.findall(r'<tr id="finding-\d+"[^>]*>.*?</tr>', group, re.S):
            if f'data-rule="{rule_id}" data-record="{record_key}"' in row:
                return header + row
    raise AssertionError(f"no row for {rule_id} {record_key}")


def test_the_page_lists_the_apis_findings_with_what_to_do(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    api = _api(web)
    page = web.get(f"/entities/{dk}/findings")
    assert page.status_code == 200
    text = _text(page)
    assert f"{len(api)} findings shown" in text
    for item in api:
        finding = item["finding"]
        assert finding["message"]["en"] in text and finding["remediation"]["en"] in text
    assert len(re.findall(r'<tr id="finding-\d+"', page.text)) == len(api)
    assert "Findings for Techem Danmark A/S" in text and 'aria-current="page">Findings<' in page.text


def test_the_privacy_shield_finding_is_there_with_its_remediation_and_links(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/findings").text
    shield = _api(web, rule=PRIVACY_SHIELD[0])
    assert [f["finding"]["record_key"] for f in shield] == [PRIVACY_SHIELD[1]]
    row = html.unescape(_row(page, *PRIVACY_SHIELD))
    finding = shield[0]["finding"]
    assert "Privacy Shield" in row or "privacy_shield" in row
    assert f"What to do:</strong> {finding['remediation']['en']}" in row
    assert finding["article"] in row and "High" in row
    assert (
        f'href="/entities/{dk}/transfers#x-{PRIVACY_SHIELD[1]}"' in row
    )  # the record, where the register shows it
    # A finding on an activity links to that activity's page.
    activities = {
        a["key"]: a["id"]
        for a in web.get("/api/activities", params={"entity": dk, "limit": 500}).json()["items"]
    }
    on_activity = next(f["finding"] for f in _api(web) if f["finding"]["record_kind"] == "activity")
    row = _row(page, on_activity["rule_id"], on_activity["record_key"])
    assert f'href="/entities/{dk}/activities/{activities[on_activity["record_key"]]}"' in row


def test_filters_by_severity_and_status_as_the_api_does(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/findings", params={"severity": "high", "status": "open"})
    api = _api(web, severity="high", status="open")
    assert 0 < len(api) < len(_api(web))
    assert f"{len(api)} findings shown" in page.text
    assert '<option value="high" selected>' in page.text and '<option value="open" selected>' in page.text
    assert {m for m in re.findall(r'class="sev sev-(\w+)"', page.text)} == {"high"}
    assert "No findings." in web.get(f"/entities/{dk}/findings", params={"status": "accepted"}).text


def test_the_page_comes_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/findings", params={"lang": "da"})
    text = _text(page)
    assert '<html lang="da">' in text and "Fund for Techem Danmark A/S" in text
    for item in _api(web):
        assert item["finding"]["message"]["da"] in text and item["finding"]["remediation"]["da"] in text
    assert "Hvad der skal gøres" in text and "Acceptér risikoen" in text
    assert item["finding"]["message"]["en"] not in text


def test_accepting_a_risk_moves_the_finding_to_accepted_and_is_audited(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    until = _future(60)
    reason = "The board decides on a DPO at its next meeting."
    response = _accept(web, "dpo.undecided", "TECHEM-DK", reason, until, status="open")
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/entities/{dk}/findings?status=open&accepted=ACC-dpo.undecided-TECHEM-DK")
    after = web.get(location)
    assert "The risk is accepted and recorded as ACC-dpo.undecided-TECHEM-DK." in after.text
    assert "<code>dpo.undecided</code>" not in after.text  # no longer open: the open list leaves it out
    api = _api(web, rule="dpo.undecided")
    assert [f["status"] for f in api] == ["accepted"]
    assert api[0]["acceptance"]["reason"] == reason and api[0]["acceptance"]["accepted_by"] == "w-officer-dk"
    accepted = web.get(f"/entities/{dk}/findings", params={"status": "accepted"}).text
    row = html.unescape(_row(accepted, "dpo.undecided", "TECHEM-DK"))
    shown_until = dt.date.fromisoformat(until)
    assert f"Accepted by w-officer-dk until {shown_until.day} {shown_until:%B %Y}: {reason}" in row
    assert "Risk accepted" in row and "/findings/accept" not in row  # no second acceptance offered
    [summary] = _acceptances(web)
    record = web.get(f"/api/finding-acceptances/{summary['id']}").json()
    assert record["rule_id"] == "dpo.undecided" and record["expires_on"] == until
    # The acceptance is in the audit log, as the API's own would be.
    web.sign_in("auditor")
    events = web.get("/api/audit/events", params={"action": "finding_acceptance.create"}).json()["items"]
    assert [e["entity_id"] for e in events] == [record["id"]]


def test_invalid_input_shows_the_fields_message_keeps_the_input_and_changes_nothing(web):
    web.sign_in("officer")
    rule, record = PRIVACY_SHIELD
    empty = _accept(web, rule, record, "   ", _future())
    assert empty.status_code == 422
    row = _row(empty.text, rule, record)
    assert re.search(r'<p class="field-error" id="err-\d+-reason">Give a reason\.</p>', row)
    assert 'aria-invalid="true"' in row and f'value="{_future()}"' in row and "<details open>" in row
    assert "The risk was not accepted." in empty.text
    past = _accept(web, rule, record, "Moving to the DPF in Q1.", "2020-01-01")
    assert past.status_code == 422
    row = _row(past.text, rule, record)
    assert re.search(r'id="err-\d+-until">The date is in the past\.</p>', row)
    assert "Moving to the DPF in Q1.</textarea>" in row  # the reason is kept
    malformed = _accept(web, rule, record, "Moving to the DPF in Q1.", "31.12.2030")
    assert malformed.status_code == 422 and "Not a date (YYYY-MM-DD)." in malformed.text
    unknown = _accept(web, "no.such_rule", record, "A reason", _future())
    assert unknown.status_code == 422 and "This register has no such finding" in unknown.text
    assert _acceptances(web) == []
    assert [f["status"] for f in _api(web, rule=rule)] == ["open"]


def test_a_regulator_gets_findings_in_the_export_not_as_a_page(web):
    """Regulators see only the read-only register and the export dialog of their entities."""
    web.sign_in("regulator_dk")
    dk = web.ids["TECHEM-DK"]
    assert web.get(f"/entities/{dk}/findings").status_code == 403
    assert 'href="/entities/' + dk + '/findings"' not in web.get(f"/entities/{dk}").text
    assert "findings" not in web.get("/").text.lower()
    refused = _accept(web, "dpo.undecided", "TECHEM-DK", "I am the authority", _future())
    assert refused.status_code == 403
    web.sign_in("regulator_no")
    assert web.get(f"/entities/{dk}/findings").status_code in (403, 404)
    web.sign_in("officer")
    assert _acceptances(web) == []


def test_a_post_without_the_csrf_token_is_refused(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    body = {"rule_id": "dpo.undecided", "record_key": "TECHEM-DK", "reason": "x", "until": _future()}
    refused = web.client.post(f"/entities/{dk}/findings/accept", data=body, follow_redirects=False)
    assert refused.status_code == 403
    wrong = web.client.post(
        f"/entities/{dk}/findings/accept", data={**body, "csrf_token": "forged"}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert _acceptances(web) == []


def test_an_expired_acceptance_is_shown_as_expired_and_a_taken_key_gets_a_suffix(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    rule, record = "review.missing", "TECHEM-DK"  # one finding per entity, not one per activity
    body = {
        "entity": "TECHEM-DK",
        "key": f"ACC-{rule}-{record}",
        "name": "Reviewed with the old register",
        "rule_id": rule,
        "record_key": record,
        "reason": "Reviewed on paper.",
        "accepted_by": "someone-else",
        "expires_on": "2020-01-01",
    }
    created = web.client.post("/api/finding-acceptances", json=body, headers={"x-csrf-token": web.csrf})
    assert created.status_code == 201, created.text
    page = web.get(f"/entities/{dk}/findings").text
    row = html.unescape(_row(page, rule, record))
    assert "Acceptance expired on 1 January 2020 (accepted by someone-else: Reviewed on paper.)" in row
    assert "validity-expired" in row and "/findings/accept" in row  # still open: it may be accepted again
    again = _accept(web, rule, record, "Review booked for next month.", _future(30))
    assert again.status_code == 303
    assert again.headers["location"].endswith(f"accepted=ACC-{rule}-{record}-2")
    assert {a["key"] for a in _acceptances(web)} == {f"ACC-{rule}-{record}", f"ACC-{rule}-{record}-2"}
    assert [f["status"] for f in _api(web, rule=rule) if f["finding"]["record_key"] == record] == ["accepted"]


def test_acceptance_keys_fit_the_key_pattern():
    assert acceptance_key("transfer.invalid_mechanism", "T-DK-PRIVACY-SHIELD", 0) == (
        "ACC-transfer.invalid_mechanism-T-DK-PRIVACY-SHIELD"
    )
    odd = acceptance_key("group.role_divergence", "Ærø kommune / portal " + "x" * 80, 11)
    assert re.fullmatch(KEY_PATTERN, odd) and odd.endswith("-12") and len(odd) == 64
    assert acceptance_key("dpo.undecided", "", 0) == "ACC-dpo.undecided"
