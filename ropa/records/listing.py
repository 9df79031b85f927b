"""Listing records: filters, text search, keyset pagination, summaries or whole records."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec

from ropa.access.model import visible_entities
from ropa.errors import Invalid
from ropa.records import queries
from ropa.records.kinds import Kind
from ropa.records.services import resolve_entity, row_json


def encode_cursor(key: str, record_id: str) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode([key, record_id])).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[str, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key, record_id = msgspec.json.decode(raw, type=tuple[str, str])
        return key, str(uuid.UUID(record_id))
    except (ValueError, msgspec.DecodeError):
        raise Invalid.of([("cursor", "not a cursor returned by this API")]) from None


async def _filters(
    kind: Kind,
    entity: str | None,
    status: str | None,
    q: str | None,
    cursor: str | None,
    vocabulary: str | None,
) -> queries.Filters:
    visible = visible_entities()
    return queries.Filters(
        entity=await resolve_entity(entity) if entity and kind.scoped else None,
        visible=tuple(sorted(visible))
        if visible is not None and (kind.scoped or kind.hooks.is_scope)
        else None,
        status=status or None,
        text=q.lower() if q else None,
        vocabulary=vocabulary if vocabulary and kind.hooks.partition == "vocabulary" else None,
        after=decode_cursor(cursor) if cursor else None,
    )


async def _page(
    kind: Kind, filters: queries.Filters, limit: int, full: bool
) -> tuple[Sequence[Sequence[Any]], str | None]:
    """The page's rows and the cursor after them; one more row than asked tells there are more."""
    rows = await queries.fetch(kind, filters, limit + 1, full=full)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    names = queries.full_fields(kind) if full else queries.summary_fields(kind)
    last = dict(zip(names, rows[-1], strict=True))
    return rows, encode_cursor(last["key"], str(last["id"]))


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
    filters = await _filters(kind, entity, status, q, cursor, vocabulary)
    rows, next_cursor = await _page(kind, filters, limit, full)
    if not full:
        names = queries.summary_fields(kind)
        items = msgspec.convert([dict(zip(names, row, strict=True)) for row in rows], list[kind.summary])  # type: ignore[name-defined]
        return kind.summary_page(items=items, next_cursor=next_cursor)
    names = queries.full_fields(kind)
    body = b'{"items":[' + b",".join(row_json(kind, dict(zip(names, r, strict=True))) for r in rows) + b"]"
    body += b',"next_cursor":' + msgspec.json.encode(next_cursor) + b"}"
    return msgspec.json.decode(body, type=kind.page)


async def list_json(
    kind: Kind,
    *,
    entity: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
    vocabulary: str | None = None,
    full: bool = False,
) -> bytes:
    """The page ``list_records`` returns, as the API sends it (JSON of ``kind.summary_page`` or
    ``kind.page``); a summary page is encoded from the rows without building its structs."""
    if full:
        page = await list_records(
            kind,
            entity=entity,
            status=status,
            q=q,
            limit=limit,
            cursor=cursor,
            vocabulary=vocabulary,
            full=True,
        )
        return msgspec.json.encode(page)
    filters = await _filters(kind, entity, status, q, cursor, vocabulary)
    rows, next_cursor = await _page(kind, filters, limit, full=False)
    return queries.summary_json(kind, rows, next_cursor)
