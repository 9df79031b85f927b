"""Database engines: SQLite (embedded default) and PostgreSQL, chosen from the environment."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from ropa.errors import WriteInReadSnapshot
from ropa.sqlite import RopaSQLiteEngine, create_private

__all__ = ["RopaSQLiteEngine", "create_private"]

DEFAULT_SQLITE_PATH = "var/ropa.sqlite"

# A unique index refused an insert; each engine has its own exception for it.
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)


class RopaPostgresTransaction(PostgresTransaction):
    """Piccolo's transaction, made safe for a connection that PostgreSQL has dropped.

    On a dead connection Piccolo's rollback raises ``InterfaceError`` in place of the error
    that says the database is gone (a 500 instead of a 503), and it then neither releases the
    connection nor resets its context variable: every later transaction of the same task (the
    integrator loop) joins the dead one and fails forever. A failed BEGIN leaked its connection
    too. Here a connection that cannot begin or roll back is terminated, the original error
    propagates, and the release and the reset always run. ``read_only`` makes it a read
    snapshot: REPEATABLE READ READ ONLY.
    """

    def __init__(self, engine: PostgresEngine, allow_nested: bool = True, read_only: bool = False) -> None:
        super().__init__(engine, allow_nested)
        self.read_only = read_only

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
            if self.read_only:
                self.transaction = self.connection.transaction(isolation="repeatable_read", readonly=True)
            else:
                self.transaction = self.connection.transaction()
            await self.begin()
        except BaseException:
            self._terminate()
            with contextlib.suppress(Exception):  # the error of BEGIN is the one to report
                await self._release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    def _terminate(self) -> None:
        with contextlib.suppress(Exception):  # already detached from its pool, or closed
            self.connection.terminate()

    async def _release(self) -> None:
        if self.engine.pool:
            await self.engine.pool.release(self.connection)
        else:
            await self.connection.close()

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    try:
                        await self.rollback()
                    except Exception:  # noqa: BLE001 - the error being handled says more
                        self._terminate()  # the transaction is gone with its connection
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            try:
                await self._release()
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None


class RopaPostgresEngine(PostgresEngine):
    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        if getattr(self.current_transaction.get(), "read_only", False):
            raise WriteInReadSnapshot("a write inside read_snapshot(); write in write_transaction() instead")
        return RopaPostgresTransaction(engine=self, allow_nested=allow_nested)

    def read_snapshot(self) -> PostgresTransaction:
        return RopaPostgresTransaction(engine=self, read_only=True)


def engine_from_env() -> Engine[Any]:
    """SQLite at ROPA_SQLITE_PATH unless ROPA_DATABASE_URL names a PostgreSQL database."""
    url = os.environ.get("ROPA_DATABASE_URL", "")
    if url.startswith(("postgresql://", "postgres://")):
        return RopaPostgresEngine(config={"dsn": url})
    path = os.environ.get("ROPA_SQLITE_PATH", DEFAULT_SQLITE_PATH)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return RopaSQLiteEngine(path=path, synchronous=os.environ.get("ROPA_SQLITE_SYNCHRONOUS", "FULL"))


def get_engine() -> Engine[Any]:
    engine = engine_finder()
    assert engine is not None, "piccolo_conf.py defines no DB"
    return engine


def is_postgres(engine: Engine[Any] | None = None) -> bool:
    return (engine or get_engine()).engine_type in ("postgres", "cockroach")


@contextlib.asynccontextmanager
async def write_transaction() -> AsyncIterator[None]:
    """A write transaction; on SQLite it takes the write lock up front (BEGIN IMMEDIATE).

    A deferred SQLite transaction that reads then writes fails at once with "database is
    locked" under concurrency, whatever the busy timeout; an immediate one waits its turn.
    Inner calls join the outer transaction, so a service can call another service. Once the
    pool is open, SQLite writes take turns on one connection and may share a COMMIT, returning
    only after it (``ropa.sqlite.writer``). A read that needs no write uses ``read_snapshot``.
    """
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
            yield
    else:
        async with engine.transaction():
            yield


@contextlib.asynccontextmanager
async def read_snapshot() -> AsyncIterator[None]:
    """A read-only transaction: every query in it sees one committed state, and it takes no lock.

    Reads of several tables that must agree (a page, the findings, an export, a dump, an as-of
    rebuild) run in one. SQLite (WAL): a deferred BEGIN on a reader connection, so the writer
    never waits for it nor it for the writer; its state is the one committed when its first query
    ran. PostgreSQL: REPEATABLE READ READ ONLY. Inside a transaction already (a write's, or another
    snapshot) it joins that one. A write inside raises ``WriteInReadSnapshot``.
    """
    engine = get_engine()
    if engine.current_transaction.get() is not None:
        yield
    elif isinstance(engine, RopaSQLiteEngine | RopaPostgresEngine):
        async with engine.read_snapshot():
            yield
    else:
        async with engine.transaction():
            yield


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Pool release hook: nothing to reset."""


async def open_pool() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        # Piccolo takes a pooled connection per query, and asyncpg's default reset on release
        # (UNLISTEN, RESET ALL, ...) would cost a round trip each time. The service never sets
        # session state: its settings and advisory locks are all transaction-scoped.
        await engine.start_connection_pool(min_size=2, max_size=10, reset=_keep_session)
    else:
        await engine.start_connection_pool()


async def close_pool() -> None:
    engine = get_engine()
    if isinstance(engine, PostgresEngine):
        if engine.pool:
            await engine.close_connection_pool()
    else:
        await engine.close_connection_pool()


def read_now(sql: str, args: list[Any], engine: Engine[Any] | None = None) -> list[tuple[Any, ...]] | None:
    """The rows of one SELECT as tuples, run at once on one of SQLite's pooled readers (see
    ``RopaSQLiteEngine``); None where there is none (PostgreSQL, no pool started) or a transaction
    is open, whose own connection must answer. Parameters as sqlite3 takes them (?, ?NNN)."""
    engine = engine or get_engine()
    if not isinstance(engine, RopaSQLiteEngine) or engine.current_transaction.get() is not None:
        return None
    if not engine.pool_open:
        return None
    reader = engine.borrow_reader()
    try:
        cursor = reader.cursor()
        cursor.row_factory = None  # tuples, not the dicts Piccolo's own queries get
        return cursor.execute(sql, args).fetchall()
    finally:
        engine.give_back(reader)
