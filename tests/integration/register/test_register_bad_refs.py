"""Bad references, conflicts, bad query parameters and bad paths: refused, and nothing is written."""

import uuid

import pytest

from ropa.records.listing import encode_cursor
from tests.integration.register.register_support import (
    KINDS,
    Snapshot,
    create,
    expect_problem,
    put_body,
    reason,
)


@pytest.fixture
def two(client):
    """Entities ACME and OTHER, each with a recipient, a transfer and a retention rule of the same keys."""
    for entity in ("ACME", "OTHER"):
        create(client, "entities", entity)
        create(client, "recipients", f"R-{entity}", entity)
        create(client, "transfers", f"T-{entity}", entity)
        create(client, "retention-rules", f"RET-{entity}", entity)
    activity = create(client, "activities", "PA-01", "ACME", recipients=["R-ACME"])
    return {"activity": activity, "snapshot": Snapshot(client)}


def test_reference_to_a_record_of_another_entity(client, two):
    for prefix, field in [("R", "recipients"), ("T", "transfers"), ("RET", "retention")]:
        body = {"entity": "ACME", "key": "PA-NEW", "name": "n", field: [f"{prefix}-ACME", f"{prefix}-OTHER"]}
        problem = expect_problem(client.post("/api/activities", json=body), 422, f"{field}[1]")
        assert f"{prefix}-OTHER" in reason(problem, f"{field}[1]")
        assert f"{field}[0]" not in [p["name"] for p in problem["invalid_params"]]
    two["snapshot"].assert_unchanged("activity.create")


def test_reference_to_another_entity_on_update(client, two):
    activity = two["activity"]
    response = client.put(f"/api/activities/{activity['id']}", json=put_body(activity, transfers=["T-OTHER"]))
    expect_problem(response, 422, "transfers[0]")
    assert client.get(f"/api/activities/{activity['id']}").json() == activity
    two["snapshot"].assert_unchanged("activity.update")


def test_nested_reference_to_another_entity(client, two):
    body = {
        "entity": "ACME",
        "key": "RET-NEW",
        "name": "r",
        "kind": "criterion",
        "criterion": "c",
        "recipient": "R-OTHER",
    }
    expect_problem(client.post("/api/retention-rules", json=body), 422, "recipient")
    two["snapshot"].assert_unchanged("retention_rule.create")


def test_reference_to_a_retired_record(client, two):
    recipient = create(client, "recipients", "R-GONE", "ACME")
    assert client.delete(f"/api/recipients/{recipient['id']}").status_code == 200
    snapshot = Snapshot(client)
    body = {"entity": "ACME", "key": "PA-NEW", "name": "n", "recipients": ["R-GONE"]}
    expect_problem(client.post("/api/activities", json=body), 422, "recipients[0]")
    snapshot.assert_unchanged("activity.create")


def test_source_citing_an_unknown_document(client, two):
    body = {
        "entity": "ACME",
        "key": "PA-NEW",
        "name": "n",
        "sources": [{"document": "NO-SUCH-DOC", "quote": "q"}],
    }
    expect_problem(client.post("/api/activities", json=body), 422, "sources[0].document")
    two["snapshot"].assert_unchanged("activity.create")


def test_entity_that_does_not_exist(client, two):
    for entity in ["NOPE", str(uuid.uuid4())]:
        body = {"entity": entity, "key": "PA-NEW", "name": "n"}
        problem = expect_problem(client.post("/api/activities", json=body), 422, "entity")
        assert entity in reason(problem, "entity")
        expect_problem(client.get("/api/activities", params={"entity": entity}), 422, "entity")
    two["snapshot"].assert_unchanged("activity.create")


def test_retired_entity_takes_no_new_records(client, two):
    gone = create(client, "entities", "GONE")
    assert client.delete(f"/api/entities/{gone['id']}").status_code == 200
    snapshot = Snapshot(client)
    expect_problem(
        client.post("/api/processors", json={"entity": "GONE", "key": "P", "name": "p"}), 422, "entity"
    )
    snapshot.assert_unchanged("processor.create")


def test_deleting_an_entity_that_still_has_activities(client, two):
    entity = client.get("/api/entities", params={"q": "acme"}).json()["items"][0]
    problem = expect_problem(client.delete(f"/api/entities/{entity['id']}"), 409, "activities", "recipients")
    assert "1 activities" in reason(problem, "activities")
    assert client.get(f"/api/entities/{entity['id']}").json()["status"] == "active"
    two["snapshot"].assert_unchanged("entity.retire")


def test_retiring_a_recipient_still_used_by_an_activity(client, two):
    recipient = client.get("/api/recipients", params={"q": "r-acme"}).json()["items"][0]
    problem = expect_problem(client.delete(f"/api/recipients/{recipient['id']}"), 409, "key")
    assert "PA-01" in reason(problem, "key")
    assert client.get(f"/api/recipients/{recipient['id']}").json()["status"] == "active"
    two["snapshot"].assert_unchanged("recipient.retire")


def test_retiring_a_processor_still_named_by_a_recipient(client, two):
    processor = create(client, "processors", "P-MAIL", "ACME")
    create(client, "recipients", "R-MAIL", "ACME", processor="P-MAIL")
    snapshot = Snapshot(client)
    problem = expect_problem(client.delete(f"/api/processors/{processor['id']}"), 409, "key")
    assert "R-MAIL" in reason(problem, "key")
    snapshot.assert_unchanged("processor.retire")


def test_retiring_a_recipient_still_named_by_a_transfer_or_retention_rule(client, two):
    for path in ("transfers", "retention-rules"):
        recipient = create(client, "recipients", f"R-{path}", "ACME")
        create(client, path, "X", "ACME", recipient=f"R-{path}")
        expect_problem(client.delete(f"/api/recipients/{recipient['id']}"), 409, "key")


def test_stale_version_on_update(client, two):
    activity = two["activity"]
    first = client.put(f"/api/activities/{activity['id']}", json=put_body(activity, name="First edit"))
    assert first.status_code == 200
    snapshot = Snapshot(client)
    response = client.put(f"/api/activities/{activity['id']}", json=put_body(activity, name="Second edit"))
    problem = expect_problem(response, 409, "version")
    assert "2" in reason(problem, "version")
    assert client.get(f"/api/activities/{activity['id']}").json()["name"] == "First edit"
    snapshot.assert_unchanged("activity.update")


def test_stale_version_on_retire(client, two):
    activity = two["activity"]
    expect_problem(client.delete(f"/api/activities/{activity['id']}", params={"version": 7}), 409, "version")
    assert client.get(f"/api/activities/{activity['id']}").json()["status"] == "draft"
    two["snapshot"].assert_unchanged("activity.retire")


def test_malformed_cursor(client, two):
    for cursor in ["not-a-cursor", "%%%", encode_cursor("a", "b")[:-3], "WzEsMl0"]:
        expect_problem(client.get("/api/activities", params={"cursor": cursor}), 422, "cursor")
    two["snapshot"].assert_unchanged()


def test_cursor_with_a_forged_id(client, two):
    expect_problem(client.get("/api/activities", params={"cursor": encode_cursor("PA", "x")}), 422, "cursor")


def test_limit_out_of_range(client, two):
    for limit in ["0", "501", "-1", "ten"]:
        expect_problem(client.get("/api/activities", params={"limit": limit}), 400, "limit")
    assert len(client.get("/api/activities", params={"limit": 500}).json()["items"]) == 1
    two["snapshot"].assert_unchanged()


def test_query_parameter_problem_says_where(client, two):
    problem = expect_problem(client.get("/api/activities", params={"limit": "0"}), 400, "limit")
    assert problem["invalid_params"][0]["in"] == "query"


def test_bad_or_unknown_id_in_path(client, two):
    for path in KINDS:
        for record_id in ["not-a-uuid", str(uuid.uuid4()), "1"]:
            expect_problem(client.get(f"/api/{path}/{record_id}"), 404)
            expect_problem(client.get(f"/api/{path}/{record_id}/history"), 404)
            expect_problem(client.delete(f"/api/{path}/{record_id}"), 404)
    for record_id in ["not-a-uuid", str(uuid.uuid4())]:
        expect_problem(client.put(f"/api/activities/{record_id}", json=put_body(two["activity"])), 404)
    # An id of one kind is not found as another kind.
    expect_problem(client.get(f"/api/recipients/{two['activity']['id']}"), 404)
    two["snapshot"].assert_unchanged()
