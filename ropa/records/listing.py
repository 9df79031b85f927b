"""Listing records: filters, text search, keyset pagination, summaries or whole records."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import msgspec
from piccolo.columns import Text
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions import Cast

from ropa.access.model import visible_entities
from ropa.db import is_postgres
from ropa.errors import Invalid
from ropa.records.kinds import Kind
from ropa.records.services import resolve_entity, row_json, select_records


def encode_cursor(key: str, record_id: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([key, record_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, record_id = msgspec.json.decode(raw, type=tuple[str, str])
        return key, str(uuid.UUID(record_id))
    except (ValueError, msgspec.DecodeError):
        raise Invalid.of([("cursor", "not a cursor returned by this API")]) from None


def _summary_column(table: Any, name: str) -> Any:
    """A summary column; on SQLite ids and times come back as text, which msgspec parses faster
    than Piccolo's per-value converters (those build a UUID object per id)."""
    column = getattr(table, name)
    if is_postgres() or name not in ("id", "entity", "updated_at"):
        return column
    return Cast(column, Text()).as_alias(name)


async def list_records(
    kind: Kind,
    *,
    entity: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    vocabulary: str | None = None,
    full: bool = False,
) -> Any:
    """One page in key order; ``next_cursor`` continues after the last item (keyset pagination).

    Items are summaries read from indexed columns alone unless ``full`` asks for whole records,
    which for activities with their source quotes are a hundred times larger.
    """
    table = kind.table
    if full:
        query = select_records(kind)
    else:
        columns = [
            "id",
            "key",
            "name",
            "status",
            "version",
            "updated_at",
            *(["entity"] if kind.scoped else []),
        ]
        query = table.select(*(_summary_column(table, c) for c in columns))
    where: Any = None

    def add(clause: Any) -> None:
        nonlocal where
        where = clause if where is None else where & clause

    if entity and kind.scoped:
        add(table.entity == await resolve_entity(entity))  # type: ignore[attr-defined]
    visible = visible_entities()
    if visible is not None and (kind.scoped or kind.name == "entity"):
        column = table.entity if kind.scoped else table.id  # type: ignore[attr-defined]
        # Outside the caller's scope nothing is listed (is_in needs a value: the nil UUID matches none).
        add(column.is_in(sorted(visible) or ["00000000-0000-0000-0000-000000000000"]))
    if status:
        add(table.status == status)  # type: ignore[attr-defined]
    if q:
        # A plain substring test: % and _ in the query are text, not LIKE wildcards.
        position = "strpos(search_text, {})" if is_postgres() else "instr(search_text, {})"
        add(WhereRaw(f"{position} > 0", q.lower()))
    if vocabulary and kind.name == "vocabulary_term":
        add(table.vocabulary == vocabulary)  # type: ignore[attr-defined]
    if cursor:
        key, record_id = decode_cursor(cursor)
        add((table.key > key) | ((table.key == key) & (table.id > record_id)))  # type: ignore[attr-defined]
    if where is not None:
        query = query.where(where)
    rows = await query.order_by(table.key, table.id).limit(limit + 1)  # type: ignore[attr-defined]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1]["key"], str(rows[-1]["id"])) if more else None
    if not full:
        items = msgspec.convert(rows, list[kind.summary])  # type: ignore[name-defined]
        return kind.summary_page(items=items, next_cursor=next_cursor)
    body = b'{"items":[' + b",".join(row_json(kind, r) for r in rows) + b"]"
    body += b',"next_cursor":' + msgspec.json.encode(next_cursor) + b"}"
    return msgspec.json.decode(body, type=kind.page)
