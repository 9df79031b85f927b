"""An entity's register rebuilt from the audit log at any moment matches what was stored then."""

import datetime as dt
import time

import msgspec

from ropa.porting.as_of import entity_as_of
from ropa.porting.services import dump_register
from tests.conftest import run


def _dumped(key: str):
    register = run(dump_register())
    return next(e for e in register.entities if e.key == key)


def test_as_of_now_equals_the_stored_register(demo_client):
    for key in ("TECHEM-DK", "TECHEM-NO"):
        rebuilt = run(entity_as_of(key, dt.datetime.now(dt.UTC)))
        assert msgspec.json.encode(rebuilt) == msgspec.json.encode(_dumped(key))


def test_as_of_before_a_change_shows_the_old_state(demo_client):
    activities = demo_client.get("/api/activities?entity=TECHEM-DK&q=statistics").json()["items"]
    activity = activities[0]
    before_change = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    body = {k: v for k, v in activity.items() if k not in ("id", "entity", "created_at", "updated_at")}
    body["name"] = "Renamed after the export"
    assert demo_client.put(f"/api/activities/{activity['id']}", json=body).status_code == 200
    old = run(entity_as_of("TECHEM-DK", before_change))
    new = run(entity_as_of("TECHEM-DK", dt.datetime.now(dt.UTC)))
    old_names = {a.key: a.name for a in old.activities}
    new_names = {a.key: a.name for a in new.activities}
    assert old_names[activity["key"]] == activity["name"]
    assert new_names[activity["key"]] == "Renamed after the export"
    assert msgspec.json.encode(new) == msgspec.json.encode(_dumped("TECHEM-DK"))


def test_as_of_through_the_api_and_before_the_entity_existed(demo_client):
    response = demo_client.get(
        "/api/register/entities/TECHEM-NO/as-of", params={"at": "2000-01-01T00:00:00Z"}
    )
    assert response.status_code == 404
    now = dt.datetime.now(dt.UTC).isoformat()
    response = demo_client.get("/api/register/entities/TECHEM-NO/as-of", params={"at": now})
    assert response.status_code == 200
    assert len(response.json()["activities"]) == 6
    assert (
        demo_client.get("/api/register/entities/TECHEM-NO/as-of", params={"at": "yesterday"}).status_code
        == 422
    )
