"""Scope: a regulator sees its authority's entities only, by id, list, filter, export and history."""

from __future__ import annotations


def _first(client, headers, path, **params):
    return client.get(path, headers=headers, params=params).json()["items"][0]


def test_norwegian_regulator_never_sees_the_danish_entity(secured):
    c, reg, admin = secured.client, secured.as_("regulator"), secured.as_("admin")
    dk = secured.ids["TECHEM-DK"]
    entities = c.get("/api/entities", headers=reg).json()["items"]
    assert [e["key"] for e in entities] == ["TECHEM-NO"]
    # By id, by key, by registration number: as if it did not exist.
    assert c.get(f"/api/entities/{dk}", headers=reg).status_code == 404
    dk_activity = _first(c, admin, "/api/activities", entity="TECHEM-DK")
    assert c.get(f"/api/activities/{dk_activity['id']}", headers=reg).status_code == 404
    # By list filter: the filter names an entity that, for this caller, does not exist.
    filtered = c.get("/api/activities", headers=reg, params={"entity": "TECHEM-DK"})
    assert filtered.status_code == 422 and filtered.json()["invalid_params"][0]["name"] == "entity"
    everything = c.get("/api/activities", headers=reg, params={"limit": 500}).json()["items"]
    assert everything and {a["entity"] for a in everything} == {secured.ids["TECHEM-NO"]}
    # By export.
    for ref in ("TECHEM-DK", dk, "29416982"):
        assert c.get(f"/api/entities/{ref}/export.pdf", headers=reg).status_code == 404
    assert c.post("/api/exports", headers=reg, json={"entity": "TECHEM-DK"}).status_code == 404
    # By history: a regulator gets no audit-log internals at all.
    assert c.get(f"/api/activities/{dk_activity['id']}/history", headers=reg).status_code == 403
    assert (
        c.get(
            "/api/register/entities/TECHEM-DK/as-of", headers=reg, params={"at": "2030-01-01T00:00:00Z"}
        ).status_code
        == 403
    )
    # Findings: its own entity's only.
    findings = c.get("/api/findings", headers=reg).json()
    assert findings and {f["finding"]["entity_key"] for f in findings} == {"TECHEM-NO"}
    # Its own entity exports fine.
    assert c.get("/api/entities/TECHEM-NO/export.xlsx", headers=reg).status_code == 200


def test_scoped_officer_writes_its_entity_only(secured):
    c, officer, admin = secured.client, secured.as_("officer"), secured.as_("admin")
    no_activity = _first(c, admin, "/api/activities", entity="TECHEM-NO")
    full = c.get(f"/api/activities/{no_activity['id']}", headers=admin).json()
    body = {k: v for k, v in full.items() if k not in ("id", "entity", "created_at", "updated_at")}
    assert c.put(f"/api/activities/{no_activity['id']}", headers=officer, json=body).status_code == 404
    assert c.delete(f"/api/activities/{no_activity['id']}", headers=officer).status_code == 404
    body["key"] = "PA-NEW"
    body.pop("version")
    created = c.post("/api/activities", headers=officer, json={**body, "entity": "TECHEM-NO"})
    assert created.status_code == 422 and created.json()["invalid_params"][0]["name"] == "entity"
    mine = c.post(
        "/api/activities", headers=officer, json={"entity": "TECHEM-DK", "key": "PA-NEW", "name": "New"}
    )
    assert mine.status_code == 201, mine.text
    events = c.get(
        "/api/audit/events", headers=secured.as_("auditor_all"), params={"action": "activity.create"}
    )
    actors = {e["actor_id"] for e in events.json()["items"]}
    assert any(a.startswith("user:") for a in actors)


def test_scoped_auditor_reads_its_entities_events_only(secured):
    c = secured.client
    events = c.get("/api/audit/events", headers=secured.as_("auditor"), params={"limit": 500}).json()["items"]
    assert events and {e["legal_entity_id"] for e in events} == {secured.ids["TECHEM-DK"]}
    assert c.get("/api/audit/verify", headers=secured.as_("auditor")).status_code == 200
    bundle = c.get("/api/audit/export", headers=secured.as_("auditor"))
    assert bundle.status_code == 403
    assert c.get("/api/audit/export", headers=secured.as_("auditor_all")).status_code == 200


def test_export_jobs_belong_to_who_started_them(secured):
    c = secured.client
    job = c.post(
        "/api/exports", headers=secured.as_("officer"), json={"entity": "TECHEM-DK", "format": "xlsx"}
    )
    assert job.status_code == 202
    url = job.json()["status_url"]
    assert c.get(url, headers=secured.as_("officer")).status_code == 200
    other = c.get(url, headers=secured.as_("regulator"))
    assert other.status_code == 404
