"""The list's own SQL (ropa.records.queries) answers exactly what the ORM query it replaced answered.

The reference below is the listing as it was built through Piccolo before the list read its rows
with fixed SQL; both run on the demo register, with the pool open (a server: SQLite's pooled
readers, asyncpg's pool) and without (a connection per query), on either engine. Every page of
every filter combination is compared, cursors included.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from piccolo.columns import Text
from piccolo.columns.combination import WhereRaw
from piccolo.query.functions import Cast

from ropa import db
from ropa.records import listing
from ropa.records.catalog import ACTIVITY, ENTITY, PROCESSOR, RETENTION, VOCABULARY
from ropa.records.kinds import Kind
from ropa.records.services import resolve_entity, row_json, select_records
from tests.conftest import run


async def _piccolo_page(
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
    """The page as the ORM listing built it (no caller scope: the suite runs as a trusted caller)."""
    table: Any = kind.table
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
        if db.is_postgres():
            query = table.select(*(getattr(table, c) for c in columns))
        else:
            query = table.select(
                *(
                    Cast(getattr(table, c), Text()).as_alias(c)
                    if c in ("id", "entity", "updated_at")
                    else getattr(table, c)
                    for c in columns
                )
            )
    where: Any = None

    def add(clause: Any) -> None:
        nonlocal where
        where = clause if where is None else where & clause

    if entity and kind.scoped:
        add(table.entity == await resolve_entity(entity))
    if status:
        add(table.status == status)
    if q:
        position = "strpos(search_text, {})" if db.is_postgres() else "instr(search_text, {})"
        add(WhereRaw(f"{position} > 0", q.lower()))
    if vocabulary and kind.name == "vocabulary_term":
        add(table.vocabulary == vocabulary)
    if cursor:
        key, record_id = listing.decode_cursor(cursor)
        add((table.key > key) | ((table.key == key) & (table.id > record_id)))
    if where is not None:
        query = query.where(where)
    rows = await query.order_by(table.key, table.id).limit(limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = listing.encode_cursor(rows[-1]["key"], str(rows[-1]["id"])) if more else None
    if not full:
        items = msgspec.convert(rows, list[kind.summary])  # type: ignore[name-defined]  # a kind's struct
        return kind.summary_page(items=items, next_cursor=next_cursor)
    body = b'{"items":[' + b",".join(row_json(kind, r) for r in rows) + b"]"
    body += b',"next_cursor":' + msgspec.json.encode(next_cursor) + b"}"
    return msgspec.json.decode(body, type=kind.page)


async def _walk(kind: Kind, limit: int, **filters: Any) -> tuple[list[Any], list[Any]]:
    """Every page by the list's SQL (as the API encodes it) and by the ORM reference."""
    new: list[Any] = []
    old: list[Any] = []
    cursor = None
    while True:
        body = await listing.list_json(kind, limit=limit, cursor=cursor, **filters)
        new.append(msgspec.json.decode(body))
        old.append(
            msgspec.json.decode(
                msgspec.json.encode(await _piccolo_page(kind, limit=limit, cursor=cursor, **filters))
            )
        )
        cursor = old[-1]["next_cursor"]
        if cursor is None or new[-1]["next_cursor"] != cursor:
            return new, old
        assert len(old) < 200, "pagination does not end"


def _cases(
    entities: list[str], statuses: dict[str, list[str]], word: str, vocabularies: list[str]
) -> list[Any]:
    cases: list[Any] = []
    for full in (False, True):
        for kind in (ENTITY, ACTIVITY, PROCESSOR, RETENTION):
            cases.append((kind, 3, {"full": full}))
            cases.append((kind, 50, {"full": full}))
            for status in statuses[kind.name]:
                cases.append((kind, 2, {"full": full, "status": status}))
        for entity in entities:
            cases.append((ACTIVITY, 4, {"full": full, "entity": entity}))
            cases.append((PROCESSOR, 2, {"full": full, "entity": entity, "q": word}))
        cases.append((ACTIVITY, 3, {"full": full, "q": word}))
        cases.append((ACTIVITY, 3, {"full": full, "q": "%_"}))  # wildcards are text: nothing
        for vocabulary in vocabularies:
            cases.append((VOCABULARY, 7, {"full": full, "vocabulary": vocabulary}))
    return cases


@pytest.mark.parametrize("pool", [True, False], ids=["pool", "no-pool"])
def test_every_page_of_every_filter_matches_the_orm_listing(demo_database: str, pool: bool) -> None:
    async def scenario() -> list[tuple[Any, ...]]:
        if pool:
            await db.open_pool()
        try:
            entity_rows = await ENTITY.table.select(ENTITY.table.id, ENTITY.table.key)
            entities = [r["key"] for r in entity_rows] + [str(entity_rows[0]["id"])]
            statuses = {
                kind.name: sorted({r["status"] for r in await kind.table.select(kind.table.status)})
                for kind in (ENTITY, ACTIVITY, PROCESSOR, RETENTION)
            }
            vocabularies = sorted(
                {r["vocabulary"] for r in await VOCABULARY.table.select(VOCABULARY.table.vocabulary)}  # type: ignore[attr-defined]
            )
            names = [r["name"] for r in await PROCESSOR.table.select(PROCESSOR.table.name)]
            word = names[0].split()[0][:4]
            found = []
            for kind, limit, filters in _cases(entities, statuses, word, vocabularies[:3]):
                new, old = await _walk(kind, limit, **filters)
                found.append((kind.name, limit, filters, new, old))
            return found
        finally:
            if pool:
                await db.close_pool()

    found = run(scenario())
    assert sum(len(item) for *_, new, _ in found for page in new for item in [page["items"]]) > 200
    assert any(f.get("q") and new[0]["items"] for _, _, f, new, _ in found), "the text filter finds something"
    for name, limit, filters, new, old in found:
        assert new == old, (name, limit, filters)
