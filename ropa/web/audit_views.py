"""The audit log's events as the pages show them: who, when, which record, and what changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any

from audit.diff import diff
from audit.leaf import timestamp
from audit.query import EventFilter
from ropa.access.users import list_users
from ropa.records.catalog import REGISTRY

EMPTY: tuple[Any, ...] = (None, "", [], {})
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The kinds of record an event names: the register's own, then the service's.
RECORD_TYPES = [
    *REGISTRY,
    "user",
    "credential",
    "route",
    "register",
    "audit_log",
    "source",
    "database",
    "reminder",
]
ACTIONS = [
    *(f"{kind}.{verb}" for kind in REGISTRY for verb in ("create", "update", "retire")),
    *(f"{name}.reactivate" for name, kind in REGISTRY.items() if kind.reactivatable),
    "auth.sign_in",
    "auth.sign_out",
    "auth.denied",
    "access.denied_anonymous_summary",
    "audit.read",
    "audit.export",
    "register.import",
    "register.dump",
    "register.export",
    "database.backup",
    "user.create",
    "user.update",
    "user.disable",
    "token.create",
    "token.revoke",
    *(f"reminder.{verb}" for verb in ("queue", "send", "fail", "cancel")),
]


@dataclasses.dataclass
class Event:
    """One event of the log, shaped for reading: its header, its record and its changed fields."""

    event_id: int | None
    seq: int | None
    at: dt.datetime
    actor_id: str
    actor: str
    action: str
    legal_entity_id: str
    record_type: str
    record_id: str
    version: int | None
    outcome: str
    reason: str
    key: str
    name: str
    changes: list[dict[str, Any]]
    details: dict[str, Any]

    @property
    def verb(self) -> str:
        return self.action.rpartition(".")[2]

    @property
    def href(self) -> str:
        """The record's page, for the kinds that have one."""
        if self.record_type == "activity" and self.legal_entity_id:
            return f"/entities/{self.legal_entity_id}/activities/{self.record_id}"
        if self.record_type == "entity":
            return f"/entities/{self.record_id}"
        return ""


def moment(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def changes(body: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The changed fields, as ``history()`` lists them; a created or removed record field by field."""
    body = body or {}
    before, after = body.get("before"), body.get("after")
    if before is None and isinstance(after, dict):
        before = {}
    elif after is None and isinstance(before, dict):
        after = {}
    found = [c for c in diff(before, after) if not (c["before"] in EMPTY and c["after"] in EMPTY)]
    status = (body.get("details") or {}).get("status")
    return found + ([{"path": "status", **status}] if isinstance(status, dict) else [])


def readable(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``history()``'s changes with a created record's ``$`` (all of it at once) split into its fields."""
    out: list[dict[str, Any]] = []
    for change in found:
        if change["path"] == "$" and change["before"] is None and isinstance(change["after"], dict):
            out += changes({"before": None, "after": change["after"]})
        else:
            out.append(change)
    return out


def event(row: dict[str, Any], body: dict[str, Any] | None, names: dict[str, str]) -> Event:
    """An event from the log's columns (an event of a page, or an entry's leaf) and its body."""
    body = body or {}
    record = next((r for r in (body.get("after"), body.get("before")) if isinstance(r, dict)), {})
    name = record.get("name") or record.get("legal_name") or ""
    return Event(
        event_id=row.get("event_id"),
        seq=row.get("seq"),
        at=moment(row["created_at"]),
        actor_id=row["actor_id"],
        actor=names.get(row["actor_id"], row["actor_id"]),
        action=row["action"],
        legal_entity_id=row["legal_entity_id"] or "",
        record_type=row["entity_type"],
        record_id=row["entity_id"],
        version=row.get("entity_version"),
        outcome=row["outcome"],
        reason=row.get("reason") or "",
        key=str(record.get("key") or ""),
        name=str(name),
        changes=changes(body),
        details={k: v for k, v in (body.get("details") or {}).items() if k != "status"},
    )


async def actor_names() -> dict[str, str]:
    """Actor ids as people read them: ``user:<id>`` is shown by its username."""
    return {f"user:{u.id}": u.username for u in await list_users()}


def shown(value: Any) -> str:
    """A field's value in a diff: text as written, lists of text joined, the rest as compact JSON."""
    if value in EMPTY:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def until(value: str | None) -> str | None:
    """A date alone as the end of a filter takes in that whole day (the API's ``until`` excludes)."""
    if value and DATE_ONLY.match(value.strip()):
        try:
            return (dt.date.fromisoformat(value.strip()) + dt.timedelta(days=1)).isoformat()
        except ValueError:
            return value
    return value


def api_query(f: EventFilter) -> dict[str, str]:
    """The filter in the API's query parameters, for the download links."""
    pairs = {
        "entity": f.legal_entity_id,
        "actor": f.actor_id,
        "action": f.action,
        "record_type": f.entity_type,
        "record_id": f.entity_id,
        "since": timestamp(f.since) if f.since else None,
        "until": timestamp(f.until) if f.until else None,
    }
    return {k: v for k, v in pairs.items() if v}
