"""The database as the PostgreSQL fault tests see it: the register, the log, sessions holding locks."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import asyncpg

from tests.integration.audit.support import assert_writes_kept, events, leaves, sql, tree_size, verify
from tests.integration.fault_servers_support import Load, wait_for

# --- the register and the log ----------------------------------------------------------------


def pending() -> int:
    return int(
        sql(
            "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
        )[0]["n"]
    )


def integrated_and_signed() -> bool:
    """The servers' integrators took every event and signed a checkpoint of the whole tree."""
    if pending():
        return False
    signed = sql("SELECT MAX(tree_size) AS n FROM audit_checkpoint")[0]["n"]
    return signed is not None and int(signed) == tree_size()


def assert_register_and_log(load: Load) -> None:
    """Every acknowledged write is stored with its event; the log holds each event once and verifies."""
    assert_writes_kept(load.created, load.updated)
    all_events = events()

    rows = leaves()
    assert [r["seq"] for r in rows] == list(range(len(rows))), "the log has a gap"
    integrated = [r["event_id"] for r in rows]
    assert len(set(integrated)) == len(integrated), "an event was integrated twice"
    assert set(integrated) == {e["event_id"] for e in all_events}, "an event is missing from the log"
    sizes = [r["tree_size"] for r in sql("SELECT tree_size FROM audit_checkpoint ORDER BY tree_size")]
    assert len(set(sizes)) == len(sizes), "two checkpoints for one tree size"
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == len(all_events) and report.checkpoints >= 2


# --- PostgreSQL at hand, from the test --------------------------------------------------------


class Session:
    """One PostgreSQL session the test holds open across steps (its own event loop)."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.connection: asyncpg.Connection = self.loop.run_until_complete(asyncpg.connect(url))

    def execute(self, query: str) -> None:
        self.loop.run_until_complete(self.connection.execute(query))

    def fetch(self, query: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in self.loop.run_until_complete(self.connection.fetch(query, *args))]

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the server may be gone, with the session
            self.loop.run_until_complete(asyncio.wait_for(self.connection.close(), 5))
        self.connection.terminate()
        self.loop.close()


WAITING = (
    "SELECT a.application_name, c.relname FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "JOIN pg_class c ON c.oid = l.relation WHERE l.locktype = 'relation' AND NOT l.granted "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def blocked(session: Session, table: str) -> list[str]:
    """Application names of the sessions waiting for a lock on ``table``."""
    return [r["application_name"] for r in session.fetch(WAITING) if r["relname"] == table]


def connected(session: Session) -> list[str]:
    """Application names of the sessions open on the database."""
    query = "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
    return [r["application_name"] for r in session.fetch(query)]


def integrating(session: Session) -> list[str]:
    """Application names of the sessions holding the integrator's advisory lock."""
    return [
        r["application_name"]
        for r in session.fetch(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ]


def wrote(session: Session, name: str, table: str) -> bool:
    """Whether session ``name`` has written to ``table`` in its open transaction."""
    return bool(
        session.fetch(
            "SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "JOIN pg_class c ON c.oid = l.relation WHERE a.application_name = $1 AND c.relname = $2 "
            "AND l.mode = 'RowExclusiveLock' AND l.granted",
            name,
            table,
        )
    )


ACTIVITY = (
    "SELECT application_name, state, wait_event_type, wait_event, now() - xact_start AS in_transaction, "
    "left(query, 120) AS query FROM pg_stat_activity WHERE datname = current_database()"
)


def catch_integrator_mid_batch(url: str, log: Callable[[], str] = str) -> tuple[Session, str]:
    """A session whose open transaction holds an integrator inside its batch, after it wrote
    leaves and before it commits; and the application name of the server it runs in.

    A first session holds the integrator where its batch starts (the tree size, audit_leaf) until
    two events are waiting; two leaves complete a subtree, so the batch then writes its leaves and
    waits to write audit_node, which the returned session keeps from writers (SHARE: readers pass).
    Each session holds one table and the integrator waits for one at a time: no deadlock.
    """
    start, held = Session(url), Session(url)
    try:
        start.execute("BEGIN; LOCK TABLE audit_leaf IN ACCESS EXCLUSIVE MODE")
        wait_for(
            "an integrator waits where its batch starts",
            lambda: bool(blocked(start, "audit_leaf")),
            detail=lambda: f"{start.fetch(ACTIVITY)}\n{log()[-3000:]}",
        )
        holders = integrating(start)
        assert len(holders) == 1, f"the integrator's advisory lock is held by {holders}"
        held.execute("BEGIN; LOCK TABLE audit_node IN SHARE MODE")
        wait_for("two events wait for integration", lambda: pending_in(start) >= 2)
        start.execute("ROLLBACK")
        wait_for(
            "the integrator wrote leaves and waits to write their subtrees",
            lambda: bool(blocked(held, "audit_node")) and wrote(held, holders[0], "audit_leaf"),
            detail=lambda: f"{held.fetch(ACTIVITY)}\n{log()[-3000:]}",
        )
        assert integrating(held) == holders
    except BaseException:
        held.close()
        raise
    finally:
        start.close()
    return held, holders[0]


def pending_in(session: Session) -> int:
    query = (
        "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
    )
    return int(session.fetch(query)[0]["n"])


@contextlib.contextmanager
def engine_at(url: str) -> Iterator[None]:
    """Point this process's engine (sql, events, verify) at ``url`` for the test."""
    from ropa.db import get_engine

    engine: Any = get_engine()
    saved = dict(engine.config)
    engine.config = {"dsn": url}
    try:
        yield
    finally:
        engine.config = saved
