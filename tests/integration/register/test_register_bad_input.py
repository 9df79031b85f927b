"""Malformed request bodies: each is refused with problem+json naming the field, and nothing is written."""

import pytest

from tests.integration.register.register_support import (
    PROBLEM_JSON,
    Snapshot,
    create,
    expect_problem,
    items,
    put_body,
    reason,
)


@pytest.fixture
def acme(client):
    """An entity with one record of every scoped kind, and the snapshot of that register."""
    entity = create(client, "entities", "ACME")
    create(client, "recipients", "R1", "ACME")
    create(client, "transfers", "T1", "ACME")
    create(client, "retention-rules", "RET1", "ACME")
    create(client, "processors", "P1", "ACME")
    activity = create(client, "activities", "PA-01", "ACME", recipients=["R1"])
    return {"entity": entity, "activity": activity, "snapshot": Snapshot(client)}


def _activity(**fields):
    return {"entity": "ACME", "key": "PA-NEW", "name": "New activity", **fields}


def test_unknown_vocabulary_key(client, acme):
    body = _activity(purposes=[{"description": "Payroll", "legal_bases": ["art6_1_b", "art6_1_z"]}])
    problem = expect_problem(client.post("/api/activities", json=body), 422, "purposes[0].legal_bases[1]")
    assert "art6_1_z" in reason(problem, "purposes[0].legal_bases[1]")
    assert "purposes[0].legal_bases[0]" not in [p["name"] for p in problem["invalid_params"]]
    acme["snapshot"].assert_unchanged("activity.create")


def test_deprecated_vocabulary_key(client, acme):
    term = create(client, "vocabularies", "old_basis", vocabulary="legal_basis")
    assert client.delete(f"/api/vocabularies/{term['id']}").json()["status"] == "deprecated"
    snapshot = Snapshot(client)
    body = _activity(purposes=[{"description": "Payroll", "legal_bases": ["old_basis"]}])
    problem = expect_problem(client.post("/api/activities", json=body), 422, "purposes[0].legal_bases[0]")
    assert "deprecated" in reason(problem, "purposes[0].legal_bases[0]")
    snapshot.assert_unchanged("activity.create")


def test_malformed_country(client, acme):
    for country, status in [("ZZ", 422), ("dk", 400), ("DNK", 400)]:
        body = {
            "key": "NEW",
            "legal_name": "N",
            "country": "DK",
            "address": {"city": "Aarhus", "country": country},
        }
        expect_problem(client.post("/api/entities", json=body), status, "address.country")
    acme["snapshot"].assert_unchanged("entity.create")


def test_malformed_duration(client, acme):
    for duration, status in [("14 months", 400), ("P0M", 422), ("PT0S", 422), ("P1X", 422), ("P", 422)]:
        body = {"entity": "ACME", "key": "RET-NEW", "name": "r", "kind": "fixed", "duration": duration}
        expect_problem(client.post("/api/retention-rules", json=body), status, "duration")
    acme["snapshot"].assert_unchanged("retention_rule.create")


def test_fixed_retention_without_duration(client, acme):
    body = {"entity": "ACME", "key": "RET-NEW", "name": "r", "kind": "fixed"}
    problem = expect_problem(client.post("/api/retention-rules", json=body), 422, "duration")
    assert "fixed" in reason(problem, "duration")
    acme["snapshot"].assert_unchanged("retention_rule.create")


def test_huge_duration_is_a_client_error(client, acme):
    body = {
        "entity": "ACME",
        "key": "RET-NEW",
        "name": "r",
        "kind": "fixed",
        "duration": "PT99999999999999999999H",
    }
    expect_problem(client.post("/api/retention-rules", json=body), 422, "duration")


def test_malformed_email(client, acme):
    for email in ["dpo.example.com", "dpo@", "dpo@@example.com"]:
        body = {
            "key": "NEW",
            "legal_name": "New A/S",
            "country": "DK",
            "dpo": {"name": "Dana", "email": email},
        }
        expect_problem(client.post("/api/entities", json=body), 422, "dpo.email")
    acme["snapshot"].assert_unchanged("entity.create")


def test_malformed_phone(client, acme):
    for phone in ["87 44 77 00", "4587447700", "+0123456789", "+45"]:
        body = {"key": "NEW", "legal_name": "New A/S", "country": "DK", "phone": phone}
        expect_problem(client.post("/api/entities", json=body), 400, "phone")
    acme["snapshot"].assert_unchanged("entity.create")


def test_malformed_date(client, acme):
    for date in ["2024-13-01", "2024-02-30", "01-02-2024"]:
        body = _activity(dpia={"required": True, "date": date})
        expect_problem(client.post("/api/activities", json=body), 400, "dpia.date")
    acme["snapshot"].assert_unchanged("activity.create")


def test_malformed_url(client, acme):
    for url, status in [("www.example.com", 400), ("ftp://example.com/x", 400), ("https://intranet", 422)]:
        body = _activity(dpia={"required": True, "link": url})
        expect_problem(client.post("/api/activities", json=body), status, "dpia.link")
    acme["snapshot"].assert_unchanged("activity.create")


def test_wrong_type(client, acme):
    problem = expect_problem(client.post("/api/activities", json=_activity(name=5)), 400, "name")
    assert "int" in reason(problem, "name")
    acme["snapshot"].assert_unchanged("activity.create")


def test_wrong_type_on_update(client, acme):
    activity = acme["activity"]
    response = client.put(
        f"/api/activities/{activity['id']}", json=put_body(activity, rights_available="access")
    )
    expect_problem(response, 400, "rights_available")
    assert client.get(f"/api/activities/{activity['id']}").json() == activity
    acme["snapshot"].assert_unchanged("activity.update")


def test_fields_named_data_something_are_named_in_full(client, acme):
    for fields, name in [
        ({"data_subjects": "employee"}, "data_subjects"),
        ({"data_categories": [{"category": "name", "special": "no"}]}, "data_categories[0].special"),
        ({"data_sources": [{"kind": "observed"}]}, "data_sources[0].description"),
    ]:
        expect_problem(client.post("/api/activities", json=_activity(**fields)), 400, name)


def test_missing_required_field(client, acme):
    for path, body, field in [
        ("activities", {"entity": "ACME", "key": "PA-NEW"}, "name"),
        ("recipients", {"entity": "ACME", "key": "R-NEW", "name": "r"}, "kind"),
        ("transfers", {"entity": "ACME", "key": "T-NEW", "name": "t"}, "mechanism"),
        ("entities", {"key": "NEW", "legal_name": "New A/S"}, "country"),
        ("activities", _activity(purposes=[{"legal_bases": []}]), "purposes[0].description"),
        (
            "vocabularies",
            {"vocabulary": "data_category", "key": "k", "labels": {"en": "a", "da": "b"}},
            "labels.nb",
        ),
    ]:
        problem = expect_problem(client.post(f"/api/{path}", json=body), 400, field)
        assert "missing" in reason(problem, field)
    acme["snapshot"].assert_unchanged()


def test_missing_version_on_update(client, acme):
    activity = acme["activity"]
    body = put_body(activity)
    del body["version"]
    expect_problem(client.put(f"/api/activities/{activity['id']}", json=body), 400, "version")
    acme["snapshot"].assert_unchanged("activity.update")


def test_unknown_field(client, acme):
    for body, field in [
        (_activity(colour="blue"), "colour"),
        (
            _activity(purposes=[{"description": "Payroll", "legal_basis": "art6_1_b"}]),
            "purposes[0].legal_basis",
        ),
        (_activity(version=1), "version"),
    ]:
        problem = expect_problem(client.post("/api/activities", json=body), 400, field)
        assert "unknown" in reason(problem, field)
    acme["snapshot"].assert_unchanged("activity.create")


def test_malformed_json(client, acme):
    response = client.post(
        "/api/activities", content=b'{"entity": "ACME", "key": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    acme["snapshot"].assert_unchanged("activity.create")


def test_oversized_body(client, acme):
    description = "x" * (2 * 1024 * 1024 + 1)
    response = client.post("/api/activities", json=_activity(description=description))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 413
    acme["snapshot"].assert_unchanged("activity.create")


def test_several_errors_are_reported_together(client, acme):
    body = {
        "key": "NEW",
        "legal_name": "New A/S",
        "country": "ZZ",
        "email": "not-an-address",
        "supervisory_authority": {"name": "Datatilsynet", "country": "XX", "complaint_url": "https://dt"},
    }
    problem = expect_problem(
        client.post("/api/entities", json=body),
        422,
        "country",
        "email",
        "supervisory_authority.country",
        "supervisory_authority.complaint_url",
    )
    assert len(problem["invalid_params"]) == 4
    acme["snapshot"].assert_unchanged("entity.create")


def test_malformed_id_in_create_body(client, acme):
    response = client.post("/api/activities", json=_activity(id="PA-NEW"))
    expect_problem(response, 422, "id")


def test_valid_body_after_all_the_bad_ones_is_accepted(client, acme):
    """The fixture's register really is writable: the refusals above are about the input only."""
    created = create(
        client, "activities", "PA-NEW", "ACME", purposes=[{"description": "p", "legal_bases": ["art6_1_b"]}]
    )
    assert created["purposes"][0]["legal_bases"] == ["art6_1_b"]
    assert len(items(client, "activities", entity="ACME")) == 2
