"""Shared helpers of the register API tests: minimal valid bodies, problem checks, write snapshots."""

from __future__ import annotations

from typing import Any

from audit.tables import AuditEvent
from ropa.tables import TABLES
from tests.conftest import _point_engine_at

PROBLEM_JSON = "application/problem+json"
LABELS = {"en": "Shoe size", "da": "Skostørrelse", "nb": "Skostørrelse"}

# URL segment -> audit/reference name of every kind of record.
KINDS = {
    "entities": "entity",
    "activities": "activity",
    "processors": "processor",
    "recipients": "recipient",
    "transfers": "transfer",
    "retention-rules": "retention_rule",
    "vocabularies": "vocabulary_term",
}
SCOPED = ("activities", "processors", "recipients", "transfers", "retention-rules")
# Fields the server adds to a record; a PUT body must not carry them.
SERVER_FIELDS = ("id", "entity", "created_at", "updated_at")


def minimal(path: str, key: str, entity: str | None = None, **fields: Any) -> dict[str, Any]:
    """The smallest valid create body of a kind of record."""
    body: dict[str, Any]
    if path == "entities":
        body = {"key": key, "legal_name": f"{key} Holding ApS", "country": "DK"}
    elif path == "vocabularies":
        body = {"vocabulary": "data_category", "key": key, "labels": dict(LABELS)}
    else:
        body = {"entity": entity, "key": key, "name": f"{key} name"}
        if path == "recipients":
            body["kind"] = "processor"
        elif path == "transfers":
            body["mechanism"] = "scc_2021"
        elif path == "retention-rules":
            body.update(kind="criterion", criterion="As long as the customer relationship lasts")
    body.update(fields)
    return body


def create(client: Any, path: str, key: str, entity: str | None = None, **fields: Any) -> dict[str, Any]:
    response = client.post(f"/api/{path}", json=minimal(path, key, entity, **fields))
    assert response.status_code == 201, response.text
    return response.json()


def put_body(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A record as read, made into a full PUT body (activities keep status: it is their own field)."""
    body = {k: v for k, v in record.items() if k not in SERVER_FIELDS}
    if "status" in body and "data_subjects" not in body:  # activities hold their own status
        body.pop("status")
    body.update(changes)
    return body


def expect_problem(response: Any, status: int, *names: str) -> dict[str, Any]:
    """A problem+json response with ``status`` whose invalid_params name every one of ``names``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == status
    named = [p["name"] for p in body.get("invalid_params", [])]
    for name in names:
        assert name in named, f"{name!r} not named in {named}"
    return body


def reason(problem: dict[str, Any], name: str) -> str:
    return next(p["reason"] for p in problem["invalid_params"] if p["name"] == name)


def items(client: Any, path: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"/api/{path}", params={"limit": 500, "view": "full", **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def last_event_id(client: Any) -> int:
    cursor: int | None = None
    last = 0
    while True:
        params: dict[str, Any] = {"limit": 1000}
        if cursor is not None:
            params["cursor"] = cursor
        page = client.get("/api/audit/events", params=params).json()
        if page["items"]:
            last = page["items"][-1]["event_id"]
        if page["next_cursor"] is None:
            return last
        cursor = page["next_cursor"]


def events_since(client: Any, event_id: int, action: str | None = None) -> list[dict[str, Any]]:
    """Events after ``event_id``, without the ``audit.read`` events that reading the log records."""
    params: dict[str, Any] = {"cursor": event_id, "limit": 1000}
    if action:
        params["action"] = action
    page = client.get("/api/audit/events", params=params).json()
    return [e for e in page["items"] if e["action"] != "audit.read"]


class Snapshot:
    """What the register holds: record counts of every kind and the position of the audit log."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.counts = self._counts()
        self.event_id = last_event_id(client)

    def _counts(self) -> dict[str, int]:
        return {path: len(items(self.client, path)) for path in KINDS}

    def assert_unchanged(self, *actions: str) -> None:
        """No record added or removed, and no audit event but reads (nor any of ``actions``)."""
        assert self._counts() == self.counts
        assert events_since(self.client, self.event_id) == []
        for action in actions:
            assert events_since(self.client, self.event_id, action) == []


async def state() -> dict[str, int]:
    """Row counts of every register table and of the audit log."""
    counts = {table._meta.tablename: await table.count() for table in TABLES}
    counts["audit_event"] = await AuditEvent.count()
    return counts


def fresh_empty_database(templates: Any) -> str:
    """Point the engine at another empty, migrated register and return it."""
    copy = templates.fresh("empty", demo=False)
    _point_engine_at(copy)
    return copy
