"""Database access shared by the audit writers and readers: transactions and tree nodes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
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
