"""Every register write leaves exactly one audit event in its own transaction; reads are logged too."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from audit import log as audit_log
from audit.context import source_ref
from ropa.settings import get_settings, secret_file
from tests.conftest import ENGINE
from tests.integration.audit.support import editable, integrate, sql

SERVER_ONLY = ("id", "entity", "version", "status", "created_at", "updated_at")


def _entity_id(client: Any, key: str = "TECHEM-DK") -> str:
    return next(e["id"] for e in client.get("/api/entities").json()["items"] if e["key"] == key)


def _new_record(client: Any, kind: str) -> tuple[str, dict[str, Any]]:
    """(path, create body) of a record that nothing else uses, so it can be retired."""
    if kind == "entity":
        return "entities", {"key": "ACME-DK", "legal_name": "Acme Danmark ApS", "country": "DK"}
    if kind == "processor":
        return "processors", {"entity": "TECHEM-DK", "key": "P-DK-NEW", "name": "New mail vendor"}
    template = client.get("/api/activities?entity=TECHEM-DK&limit=1").json()["items"][0]
    body = {k: v for k, v in template.items() if k not in SERVER_ONLY}
    return "activities", {**body, "entity": "TECHEM-DK", "key": "PA-DK-NEW", "name": "Newsletter"}


def _events(client: Any, record_id: str) -> list[dict[str, Any]]:
    page = client.get("/api/audit/events", params={"record_id": record_id})
    assert page.status_code == 200, page.text
    return page.json()["items"]


def _writes() -> int:
    return int(sql("SELECT COUNT(*) AS n FROM audit_event WHERE action <> 'audit.read'")[0]["n"])


def _data(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in editable(kind, record).items() if k != "version"}


def _assert_actor(event: dict[str, Any], response: Any) -> None:
    assert event["actor_type"] == "user"
    assert event["actor_id"] and "@" not in event["actor_id"] and event["actor_id"] != "testclient"
    assert event["request_id"] == response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", event["source_ref"]), event["source_ref"]


@pytest.mark.parametrize("kind", ["entity", "processor", "activity"])
def test_create_update_retire_each_leave_one_event(demo_client: Any, kind: str) -> None:
    path, body = _new_record(demo_client, kind)
    writes = _writes()

    created = demo_client.post(f"/api/{path}", json=body)
    assert created.status_code == 201, created.text
    record = created.json()
    scope = record["id"] if kind == "entity" else _entity_id(demo_client)
    [event] = _events(demo_client, record["id"])
    assert (event["action"], event["entity_type"], event["entity_id"]) == (
        f"{kind}.create",
        kind,
        record["id"],
    )
    assert (event["entity_version"], event["legal_entity_id"], event["outcome"]) == (1, scope, "success")
    assert event["body"]["before"] is None and event["body"]["after"] == _data(kind, record)
    _assert_actor(event, created)

    changed = {**editable(kind, record), ("legal_name" if kind == "entity" else "name"): "Renamed"}
    updated = demo_client.put(f"/api/{path}/{record['id']}", json=changed)
    assert updated.status_code == 200, updated.text
    event = _events(demo_client, record["id"])[-1]
    assert (event["action"], event["entity_version"], event["legal_entity_id"]) == (
        f"{kind}.update",
        2,
        scope,
    )
    assert event["body"]["before"] == _data(kind, record)
    assert event["body"]["after"] == _data(kind, updated.json())
    _assert_actor(event, updated)

    retired = demo_client.delete(f"/api/{path}/{record['id']}", params={"version": 2})
    assert retired.status_code == 200, retired.text
    events = _events(demo_client, record["id"])
    assert [e["action"] for e in events] == [f"{kind}.create", f"{kind}.update", f"{kind}.retire"]
    event = events[-1]
    assert (event["entity_version"], event["legal_entity_id"]) == (3, scope)
    assert event["body"]["before"] == _data(kind, updated.json())
    assert event["body"]["after"] == _data(kind, retired.json())
    status = event["body"]["after"]["status"] if kind == "activity" else event["body"]["details"]["status"]
    assert status in ("retired", {"before": "active", "after": "retired"})
    _assert_actor(event, retired)
    assert demo_client.delete(f"/api/{path}/{record['id']}").status_code == 200  # already retired
    assert _writes() == writes + 3  # and nothing else was written


def test_rejected_writes_leave_no_event(demo_client: Any) -> None:
    writes = _writes()
    bad = demo_client.post("/api/processors", json={"entity": "NO-SUCH", "key": "P-X", "name": "X"})
    assert bad.status_code == 422
    processor = demo_client.get("/api/processors?entity=TECHEM-DK&limit=1").json()["items"][0]
    stale = {**editable("processor", processor), "name": "Lost update", "version": processor["version"] + 5}
    assert demo_client.put(f"/api/processors/{processor['id']}", json=stale).status_code == 409
    assert _writes() == writes


def _break_audit(monkeypatch: pytest.MonkeyPatch, where: str) -> Callable[[], Any]:
    """Make every audit insert fail, in the code or in the database; return how to undo it."""

    def fail(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("audit store unavailable")

    if where == "record":
        monkeypatch.setattr(audit_log, "record", fail)
        return monkeypatch.undo
    if ENGINE == "postgres":
        sql(
            "CREATE FUNCTION reject_insert() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN RAISE EXCEPTION 'no'; END$$"
        )
        sql(
            "CREATE TRIGGER reject_insert BEFORE INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION reject_insert()"
        )
        return lambda: sql("DROP TRIGGER reject_insert ON audit_event")
    sql("CREATE TRIGGER reject_insert BEFORE INSERT ON audit_event BEGIN SELECT RAISE(ABORT, 'no'); END")
    return lambda: sql("DROP TRIGGER reject_insert")


@pytest.mark.parametrize("where", ["record", "database"])
def test_a_write_whose_audit_event_fails_changes_nothing(
    demo_client: Any, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    spare = {"entity": "TECHEM-DK", "key": "P-DK-SPARE", "name": "Spare vendor"}
    processor = demo_client.post("/api/processors", json=spare).json()  # unused, so it could be retired
    writes = _writes()
    heal = _break_audit(monkeypatch, where)

    body = {"entity": "TECHEM-DK", "key": "P-DK-GHOST", "name": "Ghost"}
    failed = (409, 500)  # the database's refusal maps to 409, a code failure to 500
    assert demo_client.post("/api/processors", json=body).status_code in failed
    renamed = {**editable("processor", processor), "name": "Renamed without a trace"}
    assert demo_client.put(f"/api/processors/{processor['id']}", json=renamed).status_code in failed
    assert demo_client.delete(f"/api/processors/{processor['id']}").status_code in failed
    heal()

    assert demo_client.get("/api/processors", params={"q": "ghost"}).json()["items"] == []
    assert not sql("SELECT id FROM processor WHERE key = 'P-DK-GHOST'")
    assert demo_client.get(f"/api/processors/{processor['id']}").json() == processor
    assert _writes() == writes


def _reads() -> list[dict[str, Any]]:
    return sql("SELECT * FROM audit_event WHERE action = 'audit.read' ORDER BY event_id")


def test_every_read_of_the_log_is_logged(demo_client: Any) -> None:
    integrate()
    activity = demo_client.get("/api/activities?entity=TECHEM-DK&limit=1").json()["items"][0]
    dk = _entity_id(demo_client)
    reads = [
        ("events", "/api/audit/events?entity=TECHEM-DK&action=activity.create&limit=3", dk),
        ("download", "/api/audit/events/download?format=csv&actor=system", ""),
        ("download", f"/api/audit/events/download?format=jsonl&record_id={activity['id']}", ""),
        ("history", f"/api/activities/{activity['id']}/history", dk),
        ("entry", "/api/audit/entries/3", None),
    ]
    for what, url, scope in reads:
        before = len(_reads())
        response = demo_client.get(url)
        assert response.status_code == 200, (url, response.text)
        new = _reads()[before:]
        assert len(new) == 1, url
        assert (new[0]["entity_type"], new[0]["entity_id"]) == ("audit_log", what)
        assert new[0]["request_id"] == response.headers["x-request-id"]
        if scope is not None:
            assert new[0]["legal_entity_id"] == scope
    assert '"format":"jsonl"' in _reads()[-3]["body"] and activity["id"] in _reads()[-3]["body"]


def test_the_log_holds_no_raw_client_address(demo_client: Any) -> None:
    path, body = _new_record(demo_client, "processor")
    record = demo_client.post(f"/api/{path}", json=body).json()
    demo_client.get(f"/api/processors/{record['id']}/history")
    integrate()
    key = secret_file(get_settings().source_hash_key_file)
    api_events = sql("SELECT * FROM audit_event WHERE actor_type = 'user'")
    assert len(api_events) == 2
    assert {e["source_ref"] for e in api_events} == {source_ref("testclient", key)}
    everything = [str(v) for e in sql("SELECT * FROM audit_event") for v in e.values()]
    everything += [r["leaf_bytes"] for r in sql("SELECT leaf_bytes FROM audit_leaf")]
    assert not [v for v in everything if "testclient" in v]
