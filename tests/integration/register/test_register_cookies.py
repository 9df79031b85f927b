"""Cookies and similar technologies through the API: the generic record routes (create, read, list,
update, retire, history, as-of), their checks by field, the references both ways, and the round trip
of a register that holds them."""

from __future__ import annotations

import datetime as dt

import msgspec

from ropa.porting.services import dump_register, import_register
from tests.conftest import run
from tests.integration.register.register_support import (
    create,
    expect_problem,
    fresh_empty_database,
    items,
    put_body,
    reason,
    state,
)


def _cookie(entity: str, key: str = "C-GA", **fields: object) -> dict[str, object]:
    return {
        "entity": entity,
        "key": key,
        "name": "_ga",
        "party": "third",
        "consent_category": "statistics",
        **fields,
    }


def _setup(client) -> tuple[str, dict, dict]:
    entity = create(client, "entities", "ACME")["id"]
    processor = create(client, "processors", "P-GA", entity)
    activity = create(client, "activities", "PA-WEB", entity)
    return entity, processor, activity


def test_a_cookie_is_created_updated_retired_and_audited(client):
    entity, _, _ = _setup(client)
    body = _cookie(
        entity,
        processor="P-GA",
        provider="Google Ireland Ltd.",
        purpose="Distinguishes visitors",
        purpose_class="analytics",
        duration="P13M",
        technology="http_cookie",
        activities=["PA-WEB"],
        sources=[],
    )
    response = client.post("/api/cookies", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["status"], created["version"], created["activities"]) == ("active", 1, ["PA-WEB"])
    assert client.get(f"/api/cookies/{created['id']}").json() == created
    assert items(client, "cookies", entity=entity, q="distinguishes") == [created]

    session = put_body(created, duration="session", consent_category="marketing")
    updated = client.put(f"/api/cookies/{created['id']}", json=session)
    assert updated.status_code == 200, updated.text
    assert (updated.json()["duration"], updated.json()["version"]) == ("session", 2)
    retired = client.delete(f"/api/cookies/{created['id']}", params={"version": 2})
    assert retired.json()["status"] == "retired"

    history = client.get(f"/api/cookies/{created['id']}/history").json()
    assert [h["action"] for h in history] == ["cookie.create", "cookie.update", "cookie.retire"]
    assert history[1]["changes"]


def test_bad_values_are_refused_by_field_and_change_nothing(client):
    entity, _, _ = _setup(client)
    before = run(state())
    cases = [
        (_cookie(entity, duration="13 months"), "duration"),
        (_cookie(entity, duration="P0D"), "duration"),
        (_cookie(entity, party="first", processor="P-GA"), "processor"),
        (_cookie(entity, activities=["PA-NONE"]), "activities[0]"),
        (_cookie(entity, recipient="R-NONE"), "recipient"),
    ]
    for body, field in cases:
        problem = expect_problem(client.post("/api/cookies", json=body), 422, field)
        assert reason(problem, field)
    # A value outside the schema is refused while the body is read, naming the field too.
    problem = expect_problem(client.post("/api/cookies", json=_cookie(entity, consent_category="x")), 400)
    assert [p["name"] for p in problem["invalid_params"]] == ["consent_category"]
    assert run(state()) == before


def test_an_activity_or_processor_a_cookie_names_cannot_be_retired(client):
    entity, processor, activity = _setup(client)
    cookie = client.post("/api/cookies", json=_cookie(entity, processor="P-GA", activities=["PA-WEB"])).json()
    for path, record in (("activities", activity), ("processors", processor)):
        problem = expect_problem(client.delete(f"/api/{path}/{record['id']}"), 409, "key")
        assert "cookie C-GA" in reason(problem, "key")
    unlinked = client.put(
        f"/api/cookies/{cookie['id']}", json=put_body(cookie, processor=None, activities=[])
    )
    assert unlinked.status_code == 200, unlinked.text
    assert client.delete(f"/api/processors/{processor['id']}").status_code == 200
    assert client.delete(f"/api/activities/{activity['id']}").status_code == 200


def test_an_activity_a_cookie_names_cannot_be_retired_through_its_status_either(client):
    entity, _, activity = _setup(client)
    cookie = client.post("/api/cookies", json=_cookie(entity, activities=["PA-WEB"])).json()
    retiring = put_body(activity, status="retired")
    problem = expect_problem(client.put(f"/api/activities/{activity['id']}", json=retiring), 409, "key")
    assert "cookie C-GA" in reason(problem, "key")
    by_endpoint = expect_problem(client.delete(f"/api/activities/{activity['id']}"), 409, "key")
    assert problem["invalid_params"] == by_endpoint["invalid_params"]  # one refusal, both ways
    unchanged = client.get(f"/api/activities/{activity['id']}").json()
    assert (unchanged["status"], unchanged["version"]) == (activity["status"], activity["version"])
    history = client.get(f"/api/activities/{activity['id']}/history").json()
    assert [h["action"] for h in history] == ["activity.create"]  # nothing written, nothing audited
    client.put(f"/api/cookies/{cookie['id']}", json=put_body(cookie, activities=[]))
    retired = client.put(f"/api/activities/{activity['id']}", json=retiring)
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired"


def test_as_of_and_the_round_trip_keep_the_cookies(client, templates):
    entity, _, _ = _setup(client)
    kept = client.post("/api/cookies", json=_cookie(entity, activities=["PA-WEB"], duration="P1D")).json()
    gone = client.post("/api/cookies", json=_cookie(entity, "C-OLD", name="old")).json()
    assert client.delete(f"/api/cookies/{gone['id']}").status_code == 200
    now = dt.datetime.now(dt.UTC).isoformat()
    as_of = client.get("/api/register/entities/ACME/as-of", params={"at": now})
    assert as_of.status_code == 200, as_of.text
    cookies = as_of.json()["cookies"]
    assert [(c["key"], c["retired"]) for c in cookies] == [("C-GA", False), ("C-OLD", True)]

    first = run(dump_register())
    assert [c.id for c in first.entities[0].cookies] == [kept["id"], gone["id"]]
    fresh_empty_database(templates)
    counts = run(import_register(first))
    assert counts["cookies"] == 2
    second = run(dump_register())
    assert msgspec.yaml.encode(second) == msgspec.yaml.encode(first)
