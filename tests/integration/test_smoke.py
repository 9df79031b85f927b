"""A first walk through the API on the configured engine."""


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def test_demo_entities_listed(demo_client):
    names = [e["name"] for e in demo_client.get("/api/entities").json()["items"]]
    assert names == ["Techem Danmark A/S", "Techem Norge AS"]


def test_lists_return_summaries_unless_full_records_are_asked_for(demo_client):
    summary = demo_client.get("/api/activities", params={"entity": "TECHEM-NO", "limit": 2}).json()["items"]
    assert set(summary[0]) == {"id", "entity", "key", "name", "status", "version", "updated_at"}
    full = demo_client.get(
        "/api/activities", params={"entity": "TECHEM-NO", "limit": 2, "view": "full"}
    ).json()
    assert [a["key"] for a in full["items"]] == [a["key"] for a in summary]
    assert full["items"][0]["purposes"] and full["items"][0]["sources"]
    one = demo_client.get(f"/api/activities/{summary[0]['id']}").json()
    assert one == full["items"][0]


def test_openapi_schema_documents_every_route(client):
    schema = client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for kind in ("entities", "activities", "processors", "recipients", "transfers", "retention-rules"):
        assert {f"/api/{kind}", f"/api/{kind}/{{record_id}}", f"/api/{kind}/{{record_id}}/history"} <= set(
            paths
        )
    assert "/api/vocabularies" in paths and "/api/audit/verify" in paths and "/api/register/dump" in paths
    events = {p["name"] for p in paths["/api/audit/events"]["get"]["parameters"]}
    assert {"entity", "actor", "action", "since", "until", "cursor", "limit"} <= events
