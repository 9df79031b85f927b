"""Over the API: the activity fields the authorities' layouts add (what each recipient receives, the ICO's
breach and policy columns) are edited like any optional field, refused with the field named when they
contradict the activity, audited, and exported in the authority's layout."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import load_workbook

from tests.integration.exports.export_support import export, first_activity
from tests.integration.register.register_support import events_since, expect_problem, last_event_id, put_body

DISCLOSURES = "Personoplysninger og registrerede, der videregives til den enkelte modtager"
BREACH_LINK = "https://intranet.example.co.uk/breaches/2026-004"


def _row(response: Any, sheet: str, key: str) -> dict[str, Any]:
    rows = list(load_workbook(io.BytesIO(response.content))[sheet].iter_rows(values_only=True))
    return next(dict(zip(rows[0], r, strict=True)) for r in rows[1:] if r[0] == key)


def _put(client: Any, activity: dict[str, Any], **changes: Any) -> Any:
    full = client.get(f"/api/activities/{activity['id']}").json()
    return client.put(f"/api/activities/{activity['id']}", json=put_body(full, **changes))


def test_a_disclosure_must_be_of_the_activity_s_own_recipients_categories_and_subjects(demo_client):
    activity = first_activity(demo_client, "TECHEM-DK")
    before = demo_client.get(f"/api/activities/{activity['id']}").json()
    bad = [  # a recipient not of this activity's; a category and a data subject not of it
        {"recipient": "R-DK-HOTJAR", "data_categories": ["email_address"]},
        {"recipient": before["recipients"][0], "data_categories": ["health"], "data_subjects": ["employee"]},
    ]
    problem = expect_problem(
        _put(demo_client, activity, recipient_disclosures=bad),
        422,
        "recipient_disclosures[0].recipient",
        "recipient_disclosures[1].data_categories[0]",
        "recipient_disclosures[1].data_subjects[0]",
    )
    assert "not one of the activity's recipients" in str(problem)
    problem = expect_problem(
        _put(demo_client, activity, personal_data_breach={"occurred": True, "record_link": "not a link"}),
        400,
    )
    assert "record_link" in str(problem)
    after = demo_client.get(f"/api/activities/{activity['id']}").json()
    assert after["version"] == before["version"] and after["recipient_disclosures"] == []


def test_the_new_fields_are_saved_audited_and_exported_in_the_authority_layouts(demo_client):
    activity = first_activity(demo_client, "TECHEM-DK")
    full = demo_client.get(f"/api/activities/{activity['id']}").json()
    first, second = full["recipients"][:2]
    category, subject = full["data_categories"][0]["category"], full["data_subjects"][0]
    changes = {
        "recipient_disclosures": [
            {"recipient": first, "data_categories": [category], "data_subjects": [subject]}
        ],
        "personal_data_breach": {"occurred": True, "record_link": BREACH_LINK},
        "retention_adherence": {"follows_policy": True},
    }
    mark = last_event_id(demo_client)
    response = _put(demo_client, activity, **changes)
    assert response.status_code == 200, response.text
    saved = demo_client.get(f"/api/activities/{activity['id']}").json()
    assert saved["recipient_disclosures"][0]["recipient"] == first
    assert saved["personal_data_breach"] == {"occurred": True, "record_link": BREACH_LINK}
    events = events_since(demo_client, mark)
    assert any("recipient_disclosures" in str(e["body"]) for e in events), f"the change is audited: {events}"

    danish = _row(
        export(demo_client, "TECHEM-DK", "xlsx", layout="dk-datatilsynet"), "Aktiviteter", full["key"]
    )
    lines = str(danish[DISCLOSURES]).splitlines()
    assert len(lines) == len(full["recipients"])
    assert any(line.endswith("registrerede: Ikke registreret") for line in lines), f"{second}: not recorded"
    assert not any(category in line or subject in line for line in lines), "labels, never vocabulary keys"

    ico = _row(export(demo_client, "TECHEM-DK", "xlsx", layout="ico", lang="en"), "Activities", full["key"])
    assert ico["Has a personal data breach occurred?"] == "Yes"
    assert ico["Link to record of personal data breach"] == BREACH_LINK
    assert ico["Is personal data retained and erased in accordance with the policy document?"] == "Yes"
    assert ico["Link to Schedule 1 appropriate policy document"] == "Not recorded"
