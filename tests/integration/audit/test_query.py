"""Internal audit's view of the log: filters, keyset pages, CSV/JSONL downloads and record history."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from audit.context import Actor, reset_actor, set_actor
from ropa.records import services
from ropa.records.catalog import REGISTRY
from tests.conftest import run
from tests.integration.audit.support import editable, integrate, record_ids, sql

SERVER_ONLY = ("id", "entity", "version", "status", "created_at", "updated_at")


def _as(actor_id: str, kind_name: str, record_id: str, description: str) -> None:
    async def go() -> None:
        token = set_actor(Actor(id=actor_id, type="user", request_id=f"req-{actor_id}"))
        try:
            kind = REGISTRY[kind_name]
            current = await services.get(kind, record_id)
            payload = editable(kind_name, {f: getattr(current, f) for f in current.__struct_fields__})
            await services.update(kind, record_id, kind.update(**{**payload, "description": description}))
        finally:
            reset_actor(token)

    run(go())


@pytest.fixture
def log(demo_client: Any) -> Any:
    """The demo register plus updates by two pseudonymous users."""
    processors = record_ids("processor")
    for n, processor in enumerate(processors[:5]):
        _as("u:alice" if n % 2 == 0 else "u:bob", "processor", processor, f"Checked ({n})")
    return demo_client


def _db(where: str = "1 = 1", *args: Any) -> list[int]:
    return [
        r["event_id"] for r in sql(f"SELECT event_id FROM audit_event WHERE {where} ORDER BY event_id", *args)
    ]


def _all(client: Any, limit: int = 1000, **params: Any) -> list[dict[str, Any]]:
    """Every page of a listing, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = client.get(
            "/api/audit/events", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        if (cursor := page.json()["next_cursor"]) is None:
            return items


def _ids(items: list[dict[str, Any]], reads: bool = False) -> list[int]:
    return [e["event_id"] for e in items if reads or e["action"] != "audit.read"]


def test_filter_by_legal_entity_key_or_id(log: Any) -> None:
    dk = next(e["id"] for e in log.get("/api/entities").json()["items"] if e["key"] == "TECHEM-DK")
    expected = _db("legal_entity_id = {} AND action <> 'audit.read'", dk)
    by_key, by_id = _all(log, entity="TECHEM-DK"), _all(log, entity=dk)
    assert _ids(by_key) == _ids(by_id) == expected and len(expected) > 20
    assert {e["legal_entity_id"] for e in by_id} == {dk}
    assert [e["entity_id"] for e in by_id if e["action"] == "audit.read"] == ["events"]  # the first query


def test_filter_by_a_retired_legal_entity(log: Any) -> None:
    acme = log.post(
        "/api/entities", json={"key": "ACME-DK", "legal_name": "Acme ApS", "country": "DK"}
    ).json()
    assert log.delete(f"/api/entities/{acme['id']}").status_code == 200
    listed = log.get("/api/audit/events", params={"entity": acme["id"]})
    assert listed.status_code == 200, listed.text
    assert [e["action"] for e in listed.json()["items"]] == ["entity.create", "entity.retire"]


def test_filter_by_actor_action_and_record(log: Any) -> None:
    alice = _all(log, actor="u:alice")
    assert _ids(alice) == _db("actor_id = 'u:alice'") and len(alice) == 3
    assert {(e["actor_type"], e["request_id"], e["action"]) for e in alice} == {
        ("user", "req-u:alice", "processor.update")
    }
    assert _ids(_all(log, actor="u:bob", action="processor.update")) == _db("actor_id = 'u:bob'")
    assert _ids(_all(log, action="processor.update")) == _db("action = 'processor.update'")
    processor = record_ids("processor")[0]
    history = _all(log, record_type="processor", record_id=processor)
    assert [e["action"] for e in history] == ["processor.create", "processor.update"]
    assert _all(log, record_type="activity", record_id=processor) == []


def test_time_range(log: Any) -> None:
    everything = _all(log, record_type="processor")
    assert len(everything) == 16
    start, stop = everything[3]["created_at"], everything[12]["created_at"]
    window = _all(log, record_type="processor", since=start, until=stop)
    assert _ids(window) == _ids(everything[3:12])  # since is inclusive, until exclusive
    assert _ids(_all(log, record_type="processor", until=start)) == _ids(everything[:3])
    assert _ids(_all(log, record_type="processor", since=stop)) == _ids(everything[12:])
    # The same instant written in another zone selects the same events.
    shifted = _all(log, record_type="processor", since=start.replace("Z", "+00:00"), until=stop)
    assert _ids(shifted) == _ids(window)
    bad = log.get("/api/audit/events", params={"since": "last tuesday"})
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "since"


def test_keyset_pages_return_each_event_once(log: Any) -> None:
    expected = _db("action = 'vocabulary_term.create'")
    paged = _all(log, limit=7, action="vocabulary_term.create")
    assert _ids(paged) == expected and len(expected) > 100
    before = _db()
    unfiltered = _ids(_all(log, limit=25), reads=True)  # each page adds an audit.read event as it goes
    assert len(unfiltered) == len(set(unfiltered)) and unfiltered == sorted(unfiltered)
    assert unfiltered[: len(before)] == before


def _download(client: Any, fmt: str, **params: Any) -> str:
    response = client.get("/api/audit/events/download", params={"format": fmt, **params})
    assert response.status_code == 200, response.text
    assert f'filename="audit-events.{fmt}"' in response.headers["content-disposition"]
    return response.text


@pytest.mark.parametrize(
    "params",
    [{"record_type": "processor"}, {"entity": "TECHEM-NO", "action": "activity.create"}, {"actor": "u:bob"}],
)
def test_downloads_hold_exactly_the_matching_events(log: Any, params: dict[str, Any]) -> None:
    listed = _all(log, **params)
    expected = [{k: v for k, v in e.items() if k != "seq"} for e in listed if e["action"] != "audit.read"]
    assert expected
    lines = [json.loads(line) for line in _download(log, "jsonl", **params).splitlines()]
    assert lines == expected
    rows = list(csv.DictReader(io.StringIO(_download(log, "csv", **params))))
    assert [int(r["event_id"]) for r in rows] == [e["event_id"] for e in expected]
    seqs = {e["event_id"]: e["seq"] for e in listed}
    for row, event in zip(rows, expected, strict=True):
        assert json.loads(row.pop("body")) == event["body"]
        # The CSV adds the entry's number, as the pages show it, and the actor's user name.
        assert row.pop("seq") == ("" if seqs[event["event_id"]] is None else str(seqs[event["event_id"]]))
        assert row.pop("actor_name") == ""  # these actors are not accounts
        assert row == {k: "" if v is None else str(v) for k, v in event.items() if k != "body"}


def test_a_csv_cell_never_starts_a_formula_in_a_spreadsheet(demo_client: Any) -> None:
    """Internal audit opens the CSV in a spreadsheet: an actor named "=HYPERLINK(...)" must show as
    that text, not run as a formula (OWASP CSV injection); the JSON lines keep it as it is."""
    processor = record_ids("processor")[0]
    hostile = ['=HYPERLINK("http://evil.example","x")', "-2+3", "@SUM(1)", "+1"]
    for n, actor in enumerate(hostile):
        _as(actor, "processor", processor, f"Checked ({n})")
    rows = list(csv.DictReader(io.StringIO(_download(demo_client, "csv", record_type="processor"))))
    shown = [r["actor_id"] for r in rows if r["actor_id"].lstrip("'") in hostile]
    assert shown == [f"'{a}" for a in hostile]
    assert all(not v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    jsonl = _download(demo_client, "jsonl", record_type="processor")
    assert [e["actor_id"] for e in map(json.loads, jsonl.splitlines()) if e["actor_id"] in hostile] == hostile


def _activity_history(client: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Create an activity, rename it, sharpen a purpose, retire it; return (template, history)."""
    template = client.get("/api/activities?entity=TECHEM-DK&limit=1&view=full").json()["items"][0]
    body = {k: v for k, v in template.items() if k not in SERVER_ONLY}
    created = client.post("/api/activities", json={**body, "entity": "TECHEM-DK", "key": "PA-DK-NEW"}).json()
    first = client.put(
        f"/api/activities/{created['id']}", json={**editable("activity", created), "name": "New"}
    )
    second = first.json()
    second["purposes"][0]["description"] = "Sharper purpose"
    second = client.put(f"/api/activities/{created['id']}", json=editable("activity", second))
    assert second.status_code == 200, second.text
    assert client.delete(f"/api/activities/{created['id']}", params={"version": 3}).status_code == 200
    integrate()
    history = client.get(f"/api/activities/{created['id']}/history")
    assert history.status_code == 200, history.text
    return template, history.json()


def test_history_lists_every_version_with_what_changed(demo_client: Any) -> None:
    template, history = _activity_history(demo_client)
    assert [(h["action"], h["version"]) for h in history] == [
        ("activity.create", 1),
        ("activity.update", 2),
        ("activity.update", 3),
        ("activity.retire", 4),
    ]
    paths = [[c["path"] for c in h["changes"]] for h in history]
    assert paths[:3] == [["$"], ["name"], ["purposes[0].description"]]
    assert (
        history[0]["changes"][0]["before"] is None and history[0]["changes"][0]["after"]["key"] == "PA-DK-NEW"
    )
    assert history[1]["changes"] == [{"path": "name", "before": template["name"], "after": "New"}]
    assert set(paths[3]) == {"status"}
    assert history[3]["changes"][0] == {"path": "status", "before": "draft", "after": "retired"}
    seqs = [h["seq"] for h in history]
    assert all(isinstance(s, int) for s in seqs) and seqs == sorted(seqs)
    assert {(h["actor_id"], h["actor_type"]) for h in history} == {("anonymous", "user")}


def test_history_lists_a_status_change_once(demo_client: Any) -> None:
    _, history = _activity_history(demo_client)
    assert history[3]["changes"] == [{"path": "status", "before": "draft", "after": "retired"}]
