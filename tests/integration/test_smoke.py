"""A first walk through the API on the configured engine."""


def test_health(client):
    assert client.get("/health").json()["status"] == "ok"


def test_demo_entities_listed(demo_client):
    names = [e["legal_name"] for e in demo_client.get("/api/entities").json()["items"]]
    assert names == ["Techem Danmark A/S", "Techem Norge AS"]
