"""An entity named by id, key or registration number: a key always wins; numbers are unique per country."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
import pytest

from ropa.db import UNIQUE_VIOLATIONS
from ropa.entities import lookup
from ropa.tables import LegalEntity
from tests.integration.register.register_support import Snapshot, create, expect_problem, items


def _entity(client: Any, key: str, country: str, number: str | None, **fields: Any) -> dict[str, Any]:
    registration = {"scheme": "CVR", "number": number} if number else None
    return create(client, "entities", key, country=country, registration=registration, **fields)


@pytest.fixture
def squatted(client: Any) -> dict[str, dict[str, Any]]:
    """ACME-DK, and an entity made before it whose registration number is the text "ACME-DK".

    The squatter comes first in table order, where a lookup that tried every way of naming an
    entity on each row in turn found it before the real ACME-DK.
    """
    squatter = _entity(client, "SQUAT", "DK", "ACME-DK", legal_name="Squatter ApS")
    acme = _entity(client, "ACME-DK", "DK", "11111111", legal_name="Acme A/S")
    create(client, "activities", "PA-ACME", acme["id"])
    create(client, "activities", "PA-SQUAT", squatter["id"])
    return {"acme": acme, "squatter": squatter}


def test_a_registration_number_never_takes_over_another_entitys_key(client, squatted):
    acme = squatted["acme"]
    now = dt.datetime.now(dt.UTC).isoformat()
    # As-of rebuild (API) and its export.
    as_of = client.get("/api/register/entities/ACME-DK/as-of", params={"at": now})
    assert as_of.status_code == 200, as_of.text
    assert (as_of.json()["id"], as_of.json()["key"]) == (acme["id"], "ACME-DK")
    assert [a["key"] for a in as_of.json()["activities"]] == ["PA-ACME"]
    export = client.get("/api/entities/ACME-DK/export.xlsx")
    assert export.status_code == 200, export.text
    assert 'filename="ropa-ACME-DK-' in export.headers["content-disposition"]
    # Records and the audit log filtered by the entity.
    assert [a["key"] for a in items(client, "activities", entity="ACME-DK")] == ["PA-ACME"]
    events = client.get("/api/audit/events", params={"entity": "ACME-DK", "limit": 500}).json()["items"]
    assert events and {e["legal_entity_id"] for e in events} == {acme["id"]}

    # A registration number still names its entity where no id or key is that text, spaces aside.
    export = client.get("/api/entities/11111111/export.xlsx")
    assert 'filename="ropa-ACME-DK-' in export.headers["content-disposition"]
    other = _entity(client, "OTHER", "DK", "12 34 56 78")
    create(client, "activities", "PA-OTHER", other["id"])
    now = dt.datetime.now(dt.UTC).isoformat()
    found = client.get("/api/register/entities/12345678/as-of", params={"at": now})
    assert found.status_code == 200 and found.json()["key"] == "OTHER", found.text
    assert [a["key"] for a in items(client, "activities", entity="12345678")] == ["PA-OTHER"]


def test_a_second_entity_with_the_same_number_in_the_same_country_is_refused(client):
    first = _entity(client, "FIRST", "DK", "29416982")
    before = Snapshot(client)
    body = {"key": "SECOND", "legal_name": "Second ApS", "country": "DK"}
    for number in ("29416982", "29 41 69 82"):
        refused = client.post(
            "/api/entities", json={**body, "registration": {"scheme": "CVR", "number": number}}
        )
        problem = expect_problem(refused, 409, "registration.number")
        assert "FIRST" not in refused.text and first["id"] not in refused.text
        assert problem["status"] == 409
    before.assert_unchanged("entity.create")
    # The same number in another country is another company; the number alone then names neither.
    _entity(client, "NORSK", "NO", "29416982")
    now = dt.datetime.now(dt.UTC).isoformat()
    expect_problem(client.get("/api/register/entities/29416982/as-of", params={"at": now}), 422, "entity")
    expect_problem(client.get("/api/activities", params={"entity": "29416982"}), 422, "entity")


def test_an_update_to_a_number_already_used_in_the_country_changes_nothing(client):
    _entity(client, "FIRST", "DK", "29416982")
    other = _entity(client, "OTHER", "DK", "10000000")
    before = Snapshot(client)
    body = {k: v for k, v in other.items() if k not in ("id", "created_at", "updated_at", "status")}
    body["registration"] = {"scheme": "CVR", "number": "2941 6982"}
    expect_problem(client.put(f"/api/entities/{other['id']}", json=body), 409, "registration.number")
    before.assert_unchanged("entity.update")
    assert client.get(f"/api/entities/{other['id']}").json()["registration"]["number"] == "10000000"
    # Its own number again is no conflict with itself.
    body["registration"] = {"scheme": "CVR", "number": "10 00 00 00"}
    assert client.put(f"/api/entities/{other['id']}", json=body).status_code == 200


def test_an_import_with_a_number_already_used_in_the_country_is_refused_whole(client):
    _entity(client, "FIRST", "DK", "29416982")
    before = Snapshot(client)
    dup = {
        "key": "DUP",
        "legal_name": "Dup ApS",
        "country": "DK",
        "registration": {"scheme": "CVR", "number": "29416982"},
    }
    fine = {"key": "FINE", "legal_name": "Fine ApS", "country": "DK"}
    refused = client.post("/api/register/import", json={"format": "ropa-register", "entities": [fine, dup]})
    expect_problem(refused, 409, "entities[1].registration.number")
    before.assert_unchanged("entity.create", "register.import")
    # Two entities of one file that share a number: the second is refused, the file not loaded.
    twins = [
        {**dup, "key": "TWIN-1"},
        {**dup, "key": "TWIN-2", "registration": {"scheme": "CVR", "number": "1 2"}},
    ]
    twins[0]["registration"] = {"scheme": "CVR", "number": "12"}
    refused = client.post("/api/register/import", json={"format": "ropa-register", "entities": twins})
    expect_problem(refused, 409, "entities[1].registration.number")
    before.assert_unchanged("entity.create", "register.import")


def test_the_database_itself_refuses_a_second_number_in_a_country(client):
    first = _entity(client, "FIRST", "DK", "29416982")
    row = LegalEntity.select().where(LegalEntity.id == first["id"]).first().run_sync()
    data = msgspec.json.decode(row["data"])
    data.update(key="SNEAKY", registration={"scheme": "CVR", "number": "2941 6982"})
    sneaky = {**row, "id": "6f1c1e4e-3c5e-4c36-9d43-3a1f2f8f0001", "key": "SNEAKY"}
    sneaky["data"] = msgspec.json.encode(data).decode()
    with pytest.raises(UNIQUE_VIOLATIONS) as refused:
        LegalEntity.insert(LegalEntity(**sneaky)).run_sync()
    assert lookup.is_registration_violation(refused.value)  # told apart from a key clash
    data.update(country="NO")  # another country: allowed
    LegalEntity.insert(LegalEntity(**{**sneaky, "data": msgspec.json.encode(data).decode()})).run_sync()
