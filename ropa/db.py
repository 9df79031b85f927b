"""Database engines: SQLite (embedded default) and PostgreSQL, chosen from the environment."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.finder import engine_finder
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

DEFAULT_SQLITE_PATH = "var/ropa.sqlite"

# A unique index refused an insert; each engine has its own exception for it.
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)


def create_private(path: str | os.PathLike[str]) -> None:
    """Create an empty file that only its owner may read and write, unless it exists already.

    SQLite creates a database file 0644 (less the umask), and its -wal and -shm files with the
    database file's own mode: a database made here first keeps the register, and every file
    SQLite adds beside it, unreadable to other users of the host. An empty file is an empty
    database to SQLite. An existing file keeps the mode it has.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _is_file_path(path: str) -> bool:
    return bool(path) and path != ":memory:" and not path.startswith("file:")


class RopaSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, a busy timeout, durable commits and a long-lived connection for reads.

    Piccolo opens a new connection (and thread) for every query outside a transaction; that
    costs a millisecond or more per read. Once ``start_connection_pool`` has run, a SELECT
    outside a transaction runs at once on one long-lived connection instead: in WAL mode a
    reader never waits for a lock, and an indexed read takes a fraction of the thread hop it
    replaces. Everything that writes still goes through aiosqlite, off the event loop, since
    a writer may wait up to the busy timeout for the lock.
    """

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        super().__init__(path=path, timeout=30)
        self.synchronous = synchronous
        self._reader: sqlite3.Connection | None = None
        self._reader_lock = threading.Lock()

    def _create_private(self) -> None:
        if _is_file_path(self.path) and not os.path.exists(self.path):
            create_private(self.path)

    async def _connect(self) -> aiosqlite.Connection:
        self._create_private()
        connection = await aiosqlite.connect(**self.connection_kwargs)
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return connection

    async def get_connection(self) -> aiosqlite.Connection:
        return await self._connect()

    async def start_connection_pool(self, **kwargs: Any) -> None:
        self._create_private()
        async with aiosqlite.connect(self.path) as connection:
            await connection.execute("PRAGMA journal_mode = WAL")
        if self._reader is None:
            reader = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
            reader.row_factory = dict_factory
            reader.execute("PRAGMA foreign_keys = 1")
            reader.execute("PRAGMA query_only = 1")
            self._reader = reader

    async def close_connection_pool(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.close()

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        reader = self._reader
        if reader is not None and query.lstrip()[:6].upper() == "SELECT":
            with self._reader_lock:  # the test client calls in from a second thread
                return reader.execute(query, args or []).fetchall()
        connection = await self._connect()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            await connection.close()


class RopaPostgresTransaction(PostgresTransaction):
    """Piccolo's transaction, made safe for a connection that PostgreSQL has dropped.

    On a dead connection Piccolo's rollback raises ``InterfaceError`` in place of the error
    that says the database is gone (a 500 instead of a 503), and it then neither releases the
    connection nor resets its context variable: every later transaction of the same task (the
    integrator loop) joins the dead one and fails forever. A failed BEGIN leaked its connection
    too. Here a connection that cannot begin or roll back is terminated, the original error
    propagates, and the release and the reset always run.
    """

    async def __aenter__(self) -> PostgresTransaction:
        if self._parent is not None:
            return self._parent
        self.connection = await self.get_connection()
        try:
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
        return RopaPostgresTransaction(engine=self, allow_nested=allow_nested)


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
    Inner calls join the outer transaction, so a service can call another service.
    """
    engine = get_engine()
    if isinstance(engine, SQLiteEngine):
        async with engine.transaction(transaction_type=TransactionType.immediate):
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
