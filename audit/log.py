"""The only writer of audit events: one row per change, inside the caller's transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit import db
from audit.canonical import canonical_json, sha256_hex
from audit.context import current_actor
from audit.leaf import HEADER_FIELDS
from audit.tables import AuditEvent

_EXACT = 2**53  # RFC 8785 numbers are IEEE doubles: integers beyond this are not exact


def _exact(value: Any) -> Any:
    """A body as canonical JSON can hold it: an integer too large to be exact becomes its text."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT:
        return str(value)
    return value


def event_values(
    action: str,
    *,
    entity_type: str,
    entity_id: str,
    entity_version: int | None = None,
    legal_entity_id: str = "",
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
    outcome: str = "success",
    reason: str = "",
) -> dict[str, Any]:
    """The columns of one event; the body is canonical JSON so that its hash is reproducible."""
    actor = current_actor()
    body = canonical_json(_exact({"before": before, "after": after, "details": details or {}}))
    return dict(
        created_at=dt.datetime.now(dt.UTC),
        actor_id=actor.id,
        actor_type=actor.type,
        request_id=actor.request_id,
        source_ref=actor.source_ref,
        action=action,
        legal_entity_id=legal_entity_id,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_version=entity_version,
        outcome=outcome,
        reason=reason,
        body=body.decode(),
        body_sha256=sha256_hex(body),
    )


def event_row(action: str, **fields: Any) -> AuditEvent:
    """The event as a row object, for bulk inserts (``record_many``)."""
    return AuditEvent(**event_values(action, **fields))


# The event columns the writer fills: the leaf's header fields (but the id) plus time and body.
_COLUMNS = ("created_at", *(name for name in HEADER_FIELDS if name != "event_id"), "body")
# One SQL text for every write, run on the transaction's own connection: building a Piccolo
# query per event cost more than the insert itself, and asyncpg reuses its prepared statement.
_INSERT = (
    f"INSERT INTO audit_event ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_COLUMNS) + 1))})"
)


async def record(action: str, **fields: Any) -> None:
    """Write one event. Call it inside the transaction of the change it records."""
    values = event_values(action, **fields)
    await db.execute(_INSERT, *(values[column] for column in _COLUMNS))


async def record_many(rows: list[AuditEvent]) -> None:
    """Write many events in chunks (asyncpg allows at most 32,767 arguments per statement)."""
    for start in range(0, len(rows), 1000):
        await AuditEvent.insert(*rows[start : start + 1000])
