"""A caller limited to some entities cannot learn, by choosing a record's id, that the id exists elsewhere."""

from __future__ import annotations

import uuid

from ropa.access.credentials import create_token
from ropa.access.users import add_user
from tests.conftest import run
from tests.integration.access.access_support import PASSWORD


def _activities(secured, entity):
    page = secured.client.get(
        "/api/activities", headers=secured.as_("admin"), params={"entity": entity, "limit": 500}
    )
    return page.json()["items"]


def test_an_id_used_in_another_entity_answers_as_a_fresh_id_does(secured):
    c, officer = secured.client, secured.as_("officer")
    elsewhere = _activities(secured, "TECHEM-NO")[0]["id"]  # outside the officer's scope
    own = _activities(secured, "TECHEM-DK")[0]["id"]
    before = len(_activities(secured, "TECHEM-DK"))

    answers = []
    for n, record_id in enumerate([elsewhere, str(uuid.uuid4()), own]):
        body = {"entity": "TECHEM-DK", "key": f"PA-CHOSEN-{n}", "name": "Chosen id", "id": record_id}
        response = c.post("/api/activities", headers=officer, json=body)
        assert response.headers["content-type"].startswith("application/problem+json")
        answers.append((response.status_code, response.json()))
    # Taken elsewhere, never used, or taken in its own entity: one and the same answer.
    assert answers[0] == answers[1] == answers[2]
    status, problem = answers[0]
    assert status == 422 and [p["name"] for p in problem["invalid_params"]] == ["id"]
    assert elsewhere not in str(problem)
    assert len(_activities(secured, "TECHEM-DK")) == before

    # Without an id the record is made, with one the server chose.
    made = c.post(
        "/api/activities", headers=officer, json={"entity": "TECHEM-DK", "key": "PA-X", "name": "X"}
    )
    assert made.status_code == 201, made.text

    # A caller who sees every entity has nothing to learn: it chooses ids, and hears of a collision.
    run(add_user("t-officer-all", "compliance_officer", PASSWORD, ["*"], None))
    everyone = {"authorization": f"Bearer {run(create_token('t-officer-all', 'test')).secret}"}
    body = {"entity": "TECHEM-DK", "key": "PA-ALL", "name": "Chosen id"}
    taken = c.post("/api/activities", headers=everyone, json={**body, "id": elsewhere})
    assert taken.status_code == 409 and taken.json()["invalid_params"][0]["name"] == "id"
    fresh = str(uuid.uuid4())
    made = c.post("/api/activities", headers=everyone, json={**body, "id": fresh})
    assert made.status_code == 201 and made.json()["id"] == fresh
