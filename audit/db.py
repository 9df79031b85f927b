"""Database access shared by the audit writers and readers: transactions and tree nodes."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from audit.merkle import Node
from audit.tables import AuditEvent, AuditLeaf, AuditNode

NODE_SHIFT = 56


def engine() -> Engine[Any]:
    db = AuditEvent._meta.db
    assert db is not None
    return db


def is_postgres() -> bool:
    return engine().engine_type != "sqlite"


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads then writes fails at once with "database is
    locked" under concurrency, whatever the busy timeout; an immediate one waits its turn.
    An inner call joins the outer transaction.
    """
    db = engine()
    if isinstance(db, SQLiteEngine):
        async with db.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with db.transaction():
            yield


def in_transaction() -> bool:
    """Whether this task is inside a transaction (whose connection its statements run on)."""
    return _connection() is not None


def _connection() -> Any:
    """The connection of the transaction this task is in (asyncpg or aiosqlite), or None."""
    transaction = engine().current_transaction.get()
    return None if transaction is None else transaction.connection


@functools.lru_cache(maxsize=64)
def _sqlite(sql: str) -> str:
    """SQLite spells PostgreSQL's numbered parameters $1, $2 ... as ?1, ?2 ..."""
    return re.sub(r"\$(\d+)", r"?\1", sql)


async def execute(sql: str, *args: Any) -> None:
    """Run one statement with numbered parameters ($1, $2 ...) on the current transaction's connection.

    Piccolo's raw() builds a QueryString and converts every argument for each call, which costs
    more than a one-row insert itself; a fixed SQL text lets asyncpg reuse its prepared statement.
    Values go to the driver as they are: asyncpg's codecs, and the sqlite3 adapters Piccolo
    registers, store them as Piccolo would. Outside a transaction the statement gets its own.
    """
    connection = _connection()
    if connection is None:
        async with write_transaction():
            await execute(sql, *args)
    elif is_postgres():
        await connection.execute(sql, *args)
    else:
        await connection.execute_fetchall(_sqlite(sql), args)


async def execute_many(sql: str, rows: Sequence[Sequence[Any]]) -> None:
    """Run one statement once per row, as ``execute`` runs it, in one call to the driver: asyncpg
    sends every row's parameters before it waits for an answer (one round trip)."""
    connection = _connection()
    if connection is None:
        async with write_transaction():
            await execute_many(sql, rows)
    elif is_postgres():
        await connection.executemany(sql, rows)
    else:
        await connection.executemany(_sqlite(sql), rows)


async def fetch(sql: str, *args: Any) -> list[dict[str, Any]]:
    """The rows of one query with numbered parameters, as ``execute`` runs it."""
    connection = _connection()
    if connection is None:
        async with write_transaction():
            return await fetch(sql, *args)
    if is_postgres():
        return [dict(row) for row in await connection.fetch(sql, *args)]
    return list(await connection.execute_fetchall(_sqlite(sql), args))


async def insert_rows(
    table: str, columns: Sequence[str], pg_types: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert many rows in one round trip, as ``execute`` runs a statement.

    PostgreSQL takes one array per column (``unnest``), so no batch meets asyncpg's limit of
    32,767 arguments; SQLite runs one prepared INSERT per row in a single call to its thread.
    """
    if not rows:
        return
    names = ", ".join(columns)
    if is_postgres():
        arrays = ", ".join(f"${i}::{kind}[]" for i, kind in enumerate(pg_types, 1))
        sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"
        await execute(sql, *(list(column) for column in zip(*rows, strict=True)))
        return
    connection = _connection()
    if connection is None:
        async with write_transaction():
            await insert_rows(table, columns, pg_types, rows)
        return
    marks = ", ".join(f"?{i}" for i in range(1, len(columns) + 1))
    await connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def node_id(node: Node) -> int:
    level, idx = node
    return (level << NODE_SHIFT) | idx


async def fetch_nodes(nodes: Iterable[Node]) -> dict[Node, bytes]:
    """Hashes of complete subtrees: level 0 from the leaves, higher levels from audit_node."""
    wanted = list(dict.fromkeys(nodes))
    leaves = [idx for level, idx in wanted if level == 0]
    inner = {node_id(n): n for n in wanted if n[0] > 0}
    found: dict[Node, bytes] = {}
    if leaves:
        rows = await AuditLeaf.select(AuditLeaf.seq, AuditLeaf.leaf_hash).where(AuditLeaf.seq.is_in(leaves))
        found.update({(0, r["seq"]): bytes(r["leaf_hash"]) for r in rows})
    if inner:
        rows = await AuditNode.select().where(AuditNode.node_id.is_in(list(inner)))
        found.update({inner[r["node_id"]]: bytes(r["hash"]) for r in rows})
    missing = [n for n in wanted if n not in found]
    if missing:
        raise LookupError(f"tree nodes missing: {missing[:5]}")
    return found


async def tree_size() -> int:
    row = await AuditLeaf.select(AuditLeaf.seq).order_by(AuditLeaf.seq, ascending=False).first()
    return 0 if row is None else int(row["seq"]) + 1
