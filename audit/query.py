"""Read the log for internal audit: filtered, keyset-paginated pages and per-record history."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from audit.leaf import HEADER_FIELDS, timestamp
from audit.tables import AuditEvent

# Columns of an event as internal audit reads it: the leaf's header fields plus the time.
_FIELDS = ("event_id", "created_at", *(name for name in HEADER_FIELDS if name != "event_id"))


@dataclasses.dataclass(frozen=True)
class EventFilter:
    legal_entity_id: str | None = None
    actor_id: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    # Several records at once (a key the reader typed that names records in several entities).
    entity_ids: tuple[str, ...] | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    # The legal entities the reader may see (None: all); events of no entity are then left out.
    within: frozenset[str] | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: _text(v) for k, v in dataclasses.asdict(self).items() if v is not None and k != "within"}


def _text(value: Any) -> str:
    """A filter's value as the log's read event records it."""
    if isinstance(value, dt.datetime):
        return timestamp(value)
    return ",".join(value) if isinstance(value, tuple) else str(value)


def _where(f: EventFilter, after: int | None, newest_first: bool = False) -> Any:
    e = AuditEvent
    clauses: list[Any] = []
    if f.legal_entity_id:
        clauses.append(e.legal_entity_id == f.legal_entity_id)
    if f.within is not None:
        clauses.append(e.legal_entity_id.is_in(sorted(f.within) or ["-"]))
    if f.actor_id:
        clauses.append(e.actor_id == f.actor_id)
    if f.action:
        clauses.append(e.action == f.action)
    if f.entity_type:
        clauses.append(e.entity_type == f.entity_type)
    if f.entity_id:
        clauses.append(e.entity_id == f.entity_id)
    if f.entity_ids is not None:
        clauses.append(e.entity_id.is_in(list(f.entity_ids) or ["-"]))
    if f.since:
        clauses.append(e.created_at >= f.since)
    if f.until:
        clauses.append(e.created_at < f.until)
    if after is not None:
        clauses.append(e.event_id < after if newest_first else e.event_id > after)
    where = None
    for clause in clauses:
        where = clause if where is None else where & clause
    return where


def _shape(row: dict[str, Any], with_body: bool) -> dict[str, Any]:
    event = {name: row[name] for name in _FIELDS}
    event["created_at"] = timestamp(row["created_at"])
    if with_body:
        event["body"] = msgspec.json.decode(row["body"])
    return event


async def page(
    f: EventFilter,
    after: int | None = None,
    limit: int = 100,
    with_body: bool = True,
    newest_first: bool = False,
) -> tuple[list[dict[str, Any]], int | None]:
    """Events in log order after event id ``after`` (``newest_first``: in reverse order, before it);
    the second value continues the listing."""
    columns = [getattr(AuditEvent, n) for n in _FIELDS] + ([AuditEvent.body] if with_body else [])
    query = AuditEvent.select(*columns)
    if (where := _where(f, after, newest_first)) is not None:
        query = query.where(where)
    rows = await query.order_by(AuditEvent.event_id, ascending=not newest_first).limit(limit + 1)
    events = [_shape(r, with_body) for r in rows[:limit]]
    return events, (events[-1]["event_id"] if len(rows) > limit else None)


async def stream(f: EventFilter, batch: int = 1000) -> AsyncIterator[dict[str, Any]]:
    """Every matching event, fetched a page at a time so memory stays constant."""
    after: int | None = None
    while True:
        events, after = await page(f, after, batch)
        for event in events:
            yield event
        if after is None:
            return


async def history(entity_type: str, entity_id: str) -> list[dict[str, Any]]:
    """Every event of one record, oldest first, with bodies."""
    events, _ = await page(EventFilter(entity_type=entity_type, entity_id=entity_id), limit=100_000)
    return events


COLUMNS = [*_FIELDS, "body"]  # an event's fields, in the order of the CSV download


async def lines(f: EventFilter) -> AsyncIterator[bytes]:
    """Matching events as JSON lines, one page of the log in memory at a time."""
    async for event in stream(f):
        yield json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
