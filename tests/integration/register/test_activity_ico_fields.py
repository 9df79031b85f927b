"""The ICO template's fields of an activity through the API: a breach answer and its record, the Schedule 1
appropriate policy link, and whether the data are retained and erased as the policy document says. An
answer that contradicts what comes with it is refused naming the field, and nothing is written."""

from __future__ import annotations

import pytest

from tests.integration.register.register_support import Snapshot, create, expect_problem, put_body, reason

BREACH_LINK = "https://intranet.example.uk/breaches/2026-03"
POLICY_LINK = "https://intranet.example.uk/policies/appropriate-policy.pdf"
REASONS = "Backups are kept 90 days past the erasure the policy document sets"

# (fields of the activity, the field named, words of the reason)
REFUSED = [
    (
        {"retention_adherence": {"follows_policy": True, "reasons": REASONS}},
        "retention_adherence.reasons",
        "follows_policy is true",
    ),
    ({"retention_adherence": {"follows_policy": False}}, "retention_adherence.reasons", "are missing"),
    (
        {"retention_adherence": {"follows_policy": False, "reasons": "  "}},
        "retention_adherence.reasons",
        "are missing",
    ),
    (
        {"personal_data_breach": {"occurred": False, "record_link": BREACH_LINK}},
        "personal_data_breach.record_link",
        "occurred is false",
    ),
]
IDS = ["reasons-while-following", "not-following-without-reasons", "blank-reasons", "record-of-no-breach"]


@pytest.fixture
def acme(client):
    create(client, "entities", "ACME")
    activity = create(client, "activities", "PA-01", "ACME")
    return {"activity": activity, "snapshot": Snapshot(client)}


@pytest.mark.parametrize(("fields", "name", "words"), REFUSED, ids=IDS)
def test_a_contradicting_answer_is_refused_on_create_naming_the_field(client, acme, fields, name, words):
    body = {"entity": "ACME", "key": "PA-NEW", "name": "Payroll", **fields}
    problem = expect_problem(client.post("/api/activities", json=body), 422, name)
    assert words in reason(problem, name)
    assert [p["name"] for p in problem["invalid_params"]] == [name]
    acme["snapshot"].assert_unchanged("activity.create")


@pytest.mark.parametrize(("fields", "name", "words"), REFUSED, ids=IDS)
def test_a_contradicting_answer_is_refused_on_update_and_the_activity_is_unchanged(
    client, acme, fields, name, words
):
    activity = acme["activity"]
    response = client.put(f"/api/activities/{activity['id']}", json=put_body(activity, **fields))
    problem = expect_problem(response, 422, name)
    assert words in reason(problem, name)
    assert client.get(f"/api/activities/{activity['id']}").json() == activity
    history = client.get(f"/api/activities/{activity['id']}/history").json()
    assert [h["action"] for h in history] == ["activity.create"]
    acme["snapshot"].assert_unchanged("activity.update")


def test_consistent_answers_are_accepted_and_stored(client, acme):
    fields = {
        "personal_data_breach": {"occurred": True, "record_link": BREACH_LINK},
        "appropriate_policy_link": POLICY_LINK,
        "retention_adherence": {"follows_policy": False, "reasons": REASONS},
    }
    created = client.post(
        "/api/activities", json={"entity": "ACME", "key": "PA-NEW", "name": "Payroll", **fields}
    )
    assert created.status_code == 201, created.text
    stored = client.get(f"/api/activities/{created.json()['id']}").json()
    assert {k: stored[k] for k in fields} == fields
    # The other consistent answers: no breach and no record of one, the policy followed without reasons.
    changed = {
        "personal_data_breach": {"occurred": False, "record_link": None},
        "retention_adherence": {"follows_policy": True, "reasons": None},
    }
    activity = acme["activity"]
    updated = client.put(f"/api/activities/{activity['id']}", json=put_body(activity, **changed))
    assert updated.status_code == 200, updated.text
    again = client.get(f"/api/activities/{activity['id']}").json()
    assert {k: again[k] for k in changed} == changed
    assert again["version"] == activity["version"] + 1
