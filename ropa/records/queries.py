"""The register list's SQL, built once per kind, engine and shape of filters, and run without the ORM.

Building the same SELECT through Piccolo on every request (query objects, argument bundling,
engine look-ups, a dict and converters per row) cost several times the query itself. Here the
text is made once per shape and cached; asyncpg keeps it prepared on each pooled connection
(its statement cache is keyed by the text), and on SQLite it runs at once on one of the pooled
readers (``ropa.db.read_now``). Rows come back as tuples in the order of the summary struct, and
a summary page is encoded from them straight to the response's bytes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

import msgspec

from ropa.db import is_postgres, read_now
from ropa.records.kinds import Kind

# The columns of a whole record, as ``services.row_json`` reads them.
FULL_COLUMNS = ("id", "key", "version", "status", "created_at", "updated_at", "data")
# Outside a caller's scope nothing is listed (IN needs a value: the nil UUID matches none).
NO_ENTITY = "00000000-0000-0000-0000-000000000000"


@dataclasses.dataclass(frozen=True, slots=True)
class Filters:
    """What narrows a listing; every value is already checked and normalised."""

    entity: str | None = None  # a legal entity's id (scoped kinds)
    visible: tuple[str, ...] | None = None  # the caller's entities; None: all
    status: str | None = None
    text: str | None = None  # lower-cased substring of search_text
    vocabulary: str | None = None  # vocabulary terms only
    after: tuple[str, str] | None = None  # the cursor: key and id of the last item seen

    def shape(self) -> tuple[Any, ...]:
        """What the SQL text depends on: which filters are set, and how many visible entities."""
        visible = -1 if self.visible is None else len(self.visible)
        has = (self.entity, self.status, self.text, self.vocabulary, self.after)
        entity, status, text, vocabulary, after = (value is not None for value in has)
        return (entity, visible, status, text, vocabulary, after)

    def args(self) -> list[Any]:
        """The parameters in the order the SQL text numbers them."""
        args: list[Any] = []
        if self.entity is not None:
            args.append(self.entity)
        if self.visible is not None:
            args.extend(self.visible or (NO_ENTITY,))
        for value in (self.status, self.text, self.vocabulary):
            if value is not None:
                args.append(value)
        if self.after is not None:
            args.extend(self.after)
        return args


def summary_fields(kind: Kind) -> tuple[str, ...]:
    return tuple(kind.summary.__struct_fields__)


def full_fields(kind: Kind) -> tuple[str, ...]:
    return FULL_COLUMNS + (("entity",) if kind.scoped else ())


def _column(name: str, postgres: bool, full: bool) -> str:
    """On SQLite a summary reads ids and times as text and the version as a plain integer: the
    declared types would send each value through Piccolo's sqlite3 converters (a UUID object per
    id, a Decimal per integer), which msgspec does better from text. Whole records keep them,
    as ``row_json`` expects datetimes."""
    if postgres or full:
        return f'"{name}"'
    if name == "version":
        return 'CAST("version" AS INTEGER)'
    if name in ("id", "entity", "updated_at"):
        return f'CAST("{name}" AS TEXT)'
    return f'"{name}"'


@functools.lru_cache(maxsize=512)
def statement(kind: Kind, postgres: bool, full: bool, shape: tuple[Any, ...]) -> str:
    """One page of ``kind`` in key order, LIMIT as the last parameter; ``Filters.args`` fills the rest."""
    has_entity, visible, has_status, has_text, has_vocabulary, has_after = shape
    count = 0

    def mark() -> str:
        nonlocal count
        count += 1
        return f"${count}" if postgres else f"?{count}"

    where = []
    if has_entity:
        where.append(f'"entity" = {mark()}')
    if visible >= 0:
        column = "entity" if kind.scoped else "id"
        where.append(f'"{column}" IN ({", ".join(mark() for _ in range(max(visible, 1)))})')
    if has_status:
        where.append(f'"status" = {mark()}')
    if has_text:
        # A plain substring test: % and _ in the query are text, not LIKE wildcards.
        where.append(f"{'strpos' if postgres else 'instr'}(search_text, {mark()}) > 0")
    if has_vocabulary:
        where.append(f'"vocabulary" = {mark()}')
    if has_after:
        # After the cursor in (key, id) order; as a row value both engines seek the (key, id) index.
        where.append(f'("key", "id") > ({mark()}, {mark()})')
    columns = ", ".join(
        _column(c, postgres, full) for c in (full_fields(kind) if full else summary_fields(kind))
    )
    sql = f'SELECT {columns} FROM "{kind.table._meta.tablename}"'
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + f' ORDER BY "key", "id" LIMIT {mark()}'


async def fetch(kind: Kind, filters: Filters, limit: int, *, full: bool = False) -> Sequence[Sequence[Any]]:
    """At most ``limit`` rows of ``kind`` after the filters, as tuples in the order of the fields.

    On SQLite outside a transaction the reader runs it at once; otherwise it goes where Piccolo
    would send it: the transaction's connection, the pool, or a connection of its own.
    """
    engine: Any = kind.table._meta.db  # as Piccolo finds it for the table's own queries, once
    postgres = is_postgres(engine)
    sql = statement(kind, postgres, full, filters.shape())
    args = [*filters.args(), limit]
    transaction = engine.current_transaction.get()
    if postgres:
        if transaction is not None:
            rows: Sequence[Sequence[Any]] = await transaction.connection.fetch(sql, *args)
        elif engine.pool is not None:
            rows = await engine.pool.fetch(sql, *args)
        else:
            rows = await engine._run_in_new_connection(sql, args)
        return rows
    found = read_now(sql, args, engine)
    if found is not None:
        return found
    if transaction is not None:
        dicts = await engine._run_in_existing_connection(transaction.connection, sql, args)
    else:
        dicts = await engine._run_in_new_connection(sql, args)
    return [tuple(row.values()) for row in dicts]  # Piccolo's connections give dicts


# The summary's fields, in order (``Kind.__post_init__``); ``summary_json`` unpacks rows by them.
_SCOPED = ("id", "entity", "key", "name", "status", "version", "updated_at")
_UNSCOPED = ("id", "key", "name", "status", "version", "updated_at")


@functools.cache
def _encoders(kind: Kind) -> tuple[Any, Any]:
    """A summary page as encoded: the summary's fields and tag, filled in without conversion."""
    fields = summary_fields(kind)
    assert fields == (_SCOPED if kind.scoped else _UNSCOPED), fields
    # Rows hold text, numbers and times only, never a cycle: the garbage collector need not track them.
    row = msgspec.defstruct(
        f"{kind.title}SummaryRow", [(name, Any) for name in fields], module=__name__, gc=False
    )
    page = msgspec.defstruct(
        f"{kind.title}SummaryRowPage",
        [("items", list[row]), ("next_cursor", str | None, None)],  # type: ignore[valid-type]
        kw_only=True,
        module=__name__,
        tag_field="view",
        tag="summary",
    )
    return row, page


_ENCODER = msgspec.json.Encoder()


def summary_json(kind: Kind, rows: Sequence[Sequence[Any]], next_cursor: str | None) -> bytes:
    """The page as ``kind.summary_page`` encodes it, straight from the rows.

    SQLite gives ids and times as text: the ids are stored in their canonical form, the times are
    parsed as msgspec parses them into the summary struct. asyncpg gives UUIDs and datetimes; its
    UUID is a subclass that msgspec encodes through its ``int``, which costs more than its ``str``.
    """
    row, page = _encoders(kind)
    stamps = [r[-1] for r in rows]
    if stamps and isinstance(stamps[0], str):
        stamps = msgspec.convert(stamps, list[dt.datetime])
    if kind.scoped:
        items = [
            row(str(i), str(e), k, n, s, v, t) for (i, e, k, n, s, v, _), t in zip(rows, stamps, strict=True)
        ]
    else:
        items = [row(str(i), k, n, s, v, t) for (i, k, n, s, v, _), t in zip(rows, stamps, strict=True)]
    return _ENCODER.encode(page(items=items, next_cursor=next_cursor))
