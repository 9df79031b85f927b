"""Create, read, list, update and retire every kind of record through the HTTP API."""

import datetime as dt

import pytest

from tests.integration.register.register_support import (
    KINDS,
    SCOPED,
    create,
    expect_problem,
    items,
    minimal,
    put_body,
    reason,
)

PATHS = list(KINDS)


def _parent(client, path):
    return create(client, "entities", "PARENT")["id"] if path in SCOPED else None


def _changed(path, record):
    """A visible change of each kind's display field."""
    if path == "entities":
        return {"legal_name": "Renamed Holding ApS"}
    if path == "vocabularies":
        return {"labels": {**record["labels"], "en": "Shoe size (EU)"}}
    return {"name": "Renamed"}


def _display(path, record):
    if path == "entities":
        return record["legal_name"]
    if path == "vocabularies":
        return record["labels"]["en"]
    return record["name"]


def _time(value):
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


@pytest.mark.parametrize("path", PATHS)
def test_lifecycle(client, path):
    """Create, read, list, update twice, retire, then find the record kept and marked."""
    kind = KINDS[path]
    entity = _parent(client, path)
    created = create(client, path, "rec-1", entity)
    other = create(client, path, "rec-2", entity)
    assert created["key"] == "rec-1"
    assert created["version"] == 1
    assert created["created_at"] == created["updated_at"]
    assert _time(created["created_at"]).tzinfo is not None
    assert created["status"] == {"activities": "draft"}.get(path, "active")
    if entity:
        assert created["entity"] == entity
    assert client.get(f"/api/{path}/{created['id']}").json() == created
    assert items(client, path, q="rec-1") == [created]

    response = client.put(f"/api/{path}/{created['id']}", json=put_body(created, **_changed(path, created)))
    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["version"] == 2
    assert updated["id"] == created["id"]
    assert updated["created_at"] == created["created_at"]
    assert _time(updated["updated_at"]) >= _time(created["updated_at"])
    assert _display(path, updated) != _display(path, created)
    assert client.get(f"/api/{path}/{created['id']}").json() == updated
    assert client.put(f"/api/{path}/{created['id']}", json=put_body(updated)).json()["version"] == 3

    response = client.delete(f"/api/{path}/{created['id']}", params={"version": 3})
    assert response.status_code == 200, response.text
    retired = response.json()
    marker = "deprecated" if path == "vocabularies" else "retired"
    assert (retired["status"], retired["version"]) == (marker, 4)
    assert client.get(f"/api/{path}/{created['id']}").json() == retired
    assert items(client, path, status=marker) == [retired]
    remaining = {r["id"] for r in items(client, path, status=other["status"])}
    assert other["id"] in remaining and created["id"] not in remaining
    # Retiring twice changes nothing.
    assert client.delete(f"/api/{path}/{created['id']}").json()["version"] == 4

    history = client.get(f"/api/{path}/{created['id']}/history").json()
    assert [h["action"] for h in history] == [f"{kind}.{a}" for a in ("create", "update", "update", "retire")]
    assert [h["version"] for h in history] == [1, 2, 3, 4]
    assert history[1]["changes"]

    # An activity is revived by editing its status, a term by un-deprecating it; the others stay retired.
    if path not in ("activities", "vocabularies"):
        response = client.put(
            f"/api/{path}/{created['id']}", json=put_body(retired, **_changed(path, created))
        )
        expect_problem(response, 409)
        assert client.get(f"/api/{path}/{created['id']}").json()["version"] == 4


def test_key_cannot_change_on_update(client):
    entity = create(client, "entities", "ACME")["id"]
    for path in PATHS:
        created = create(client, path, "rec-1", entity if path in SCOPED else None)
        response = client.put(f"/api/{path}/{created['id']}", json=put_body(created, key="rec-renamed"))
        problem = expect_problem(response, 422, "key")
        assert "cannot change" in reason(problem, "key"), path
        assert client.get(f"/api/{path}/{created['id']}").json() == created, path


def test_retired_record_is_no_longer_accepted_as_reference(client):
    entity = create(client, "entities", "ACME")["id"]
    for path, field in [
        ("recipients", "recipients"),
        ("transfers", "transfers"),
        ("retention-rules", "retention"),
    ]:
        target = create(client, path, "TARGET", entity)
        used = create(client, "activities", f"A1-{field}", entity, **{field: ["TARGET"]})
        # While the activity uses it, the record cannot be retired; once it does not, it can.
        expect_problem(client.delete(f"/api/{path}/{target['id']}"), 409, "key")
        unlinked = client.put(f"/api/activities/{used['id']}", json=put_body(used, **{field: []}))
        assert unlinked.status_code == 200
        assert client.delete(f"/api/{path}/{target['id']}").status_code == 200
        body = {"entity": entity, "key": f"A2-{field}", "name": "a", field: ["TARGET"]}
        problem = expect_problem(client.post("/api/activities", json=body), 422, f"{field}[0]")
        assert "TARGET" in reason(problem, f"{field}[0]")


def test_deprecated_term_is_rejected_naming_its_replacement(client):
    entity = create(client, "entities", "ACME")["id"]
    term = items(client, "vocabularies", vocabulary="transfer_mechanism", q="privacy shield")[0]
    assert term["key"] == "privacy_shield"
    # Before: the term is accepted.
    assert (
        create(client, "transfers", "T-OLD", entity, mechanism="privacy_shield")["mechanism"]
        == "privacy_shield"
    )
    updated = client.put(f"/api/vocabularies/{term['id']}", json=put_body(term, replaced_by="eu_us_dpf"))
    assert updated.status_code == 200, updated.text
    deprecated = client.delete(f"/api/vocabularies/{term['id']}", params={"version": 2})
    assert deprecated.status_code == 200
    assert deprecated.json()["deprecated"] is True
    assert deprecated.json()["status"] == "deprecated"
    response = client.post(
        "/api/transfers", json={"entity": entity, "key": "T-NEW", "name": "t", "mechanism": "privacy_shield"}
    )
    problem = expect_problem(response, 422, "mechanism")
    assert "deprecated" in reason(problem, "mechanism")
    assert "eu_us_dpf" in reason(problem, "mechanism")
    assert create(client, "transfers", "T-DPF", entity, mechanism="eu_us_dpf")["mechanism"] == "eu_us_dpf"


def test_vocabulary_of_a_term_cannot_change(client):
    term = create(client, "vocabularies", "shoe_size")
    response = client.put(f"/api/vocabularies/{term['id']}", json=put_body(term, vocabulary="service_kind"))
    expect_problem(response, 422, "vocabulary")
    assert client.get(f"/api/vocabularies/{term['id']}").json()["vocabulary"] == "data_category"


def test_duplicate_key_in_one_entity_conflicts_but_not_across_entities(client):
    first = create(client, "entities", "ACME-DK")["id"]
    second = create(client, "entities", "ACME-NO")["id"]
    for path in SCOPED:
        create(client, path, "SAME", first)
        response = client.post(f"/api/{path}", json=minimal(path, "SAME", first))
        expect_problem(response, 409, "key")
        assert len(items(client, path, entity=first)) == 1, path
        other = create(client, path, "SAME", second)
        assert other["entity"] == second
        assert sorted(r["entity"] for r in items(client, path, q="same")) == sorted([first, second]), path


def test_duplicate_entity_key_and_term_key_conflict(client):
    create(client, "entities", "ACME")
    expect_problem(
        client.post("/api/entities", json={"key": "ACME", "legal_name": "Again", "country": "NO"}), 409, "key"
    )
    create(client, "vocabularies", "shoe_size")
    response = client.post(
        "/api/vocabularies",
        json={"vocabulary": "data_category", "key": "shoe_size", "labels": {"en": "a", "da": "b", "nb": "c"}},
    )
    expect_problem(response, 409, "key")
    # The same key in another vocabulary is another term.
    assert (
        create(client, "vocabularies", "shoe_size", vocabulary="service_kind")["vocabulary"] == "service_kind"
    )


def test_scoped_records_accept_the_entity_by_key_or_id(client):
    entity = create(client, "entities", "ACME")
    by_key = create(client, "processors", "P1", "ACME")
    by_id = create(client, "processors", "P2", entity["id"])
    assert by_key["entity"] == by_id["entity"] == entity["id"]
