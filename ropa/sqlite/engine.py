"""SQLite for ropa: WAL, durable commits, a writer that commits in groups, readers that never wait."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from typing import Any

import aiosqlite
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from ropa.errors import WriteInReadSnapshot
from ropa.sqlite.writer import GROUP_LIMIT, DirectConnection, GroupWrite, Writer

IDLE_READERS = 4  # reader connections kept open between reads


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


class _ReadSnapshot(SQLiteTransaction):
    """A read transaction on a pooled reader connection: one committed state, no lock, no thread hop."""

    read_only = True

    def __init__(self, engine: RopaSQLiteEngine) -> None:
        super().__init__(engine, TransactionType.deferred)
        self.readers = engine

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        reader = self.readers.borrow_reader()
        try:
            reader.execute("BEGIN")  # deferred: the state is fixed by the first read
        except BaseException:
            self.readers.give_back(reader)
            raise
        self.connection = reader
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        try:
            with contextlib.suppress(sqlite3.OperationalError):  # already ended: give_back checks
                self.connection.execute("ROLLBACK")  # it only read: nothing to keep
        finally:
            self.engine.current_transaction.reset(self.context)
            self.readers.give_back(self.connection)
        return exception is None


class _ConnectionSnapshot(SQLiteTransaction):
    """A read transaction on a connection of its own (no pool open: the CLI, tests), read-only too."""

    read_only = True

    async def begin(self) -> None:
        await self.connection.execute("PRAGMA query_only = 1")
        await self.connection.execute("BEGIN")


class RopaSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, a busy timeout, durable commits, group commit and pooled readers.

    Piccolo opens a new connection (and thread) for every query outside a transaction and for
    every transaction, and runs ``PRAGMA foreign_keys`` before every query in one. Once
    ``start_connection_pool`` has run on an event loop, write transactions on that loop run on one
    long-lived connection and commit in groups (see ``ropa.sqlite.writer``), and a SELECT outside a
    transaction, or a read snapshot, runs at once on a pooled read-only connection: in WAL mode
    a reader never waits for a lock, and an indexed read costs less than the thread hop it saves.
    Every connection sets its pragmas once, when it opens.
    """

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        super().__init__(path=path, timeout=30)
        self.synchronous = synchronous
        self.group_limit = GROUP_LIMIT
        self._writer: Writer | None = None
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()  # the test client calls in from a second thread
        self._pool_open = False

    def _create_private(self) -> None:
        if _is_file_path(self.path) and not os.path.exists(self.path):
            create_private(self.path)

    def _connect_writer(self) -> DirectConnection:
        self._create_private()
        connection = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
        connection.row_factory = dict_factory
        connection.execute("PRAGMA foreign_keys = 1")
        connection.execute(f"PRAGMA synchronous = {self.synchronous}")
        return DirectConnection(connection, int(self.connection_kwargs["timeout"] * 1000))

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
        with self._readers_lock:
            self._pool_open = True
        if self._writer is None and self.get_version_sync() >= 3.35:  # RETURNING, for Piccolo's inserts
            self._writer = Writer(self._connect_writer(), self.group_limit)

    async def close_connection_pool(self) -> None:
        writer, self._writer = self._writer, None
        try:
            if writer is not None:
                await writer.close()
        finally:
            with self._readers_lock:
                self._pool_open = False
                readers, self._readers = self._readers, []
            for reader in readers:
                reader.close()

    @property
    def pool_open(self) -> bool:
        return self._pool_open

    def group_commits(self) -> tuple[int, int]:
        """COMMITs the writer connection has run, and the writes they acknowledged (0, 0 without one)."""
        writer = self._writer
        return (writer.commits, writer.committed) if writer is not None else (0, 0)

    def borrow_reader(self) -> sqlite3.Connection:
        with self._readers_lock:
            if self._readers:
                return self._readers.pop()
        reader: sqlite3.Connection = sqlite3.connect(**self.connection_kwargs, check_same_thread=False)
        reader.row_factory = dict_factory
        reader.execute("PRAGMA query_only = 1")
        return reader

    def give_back(self, reader: sqlite3.Connection) -> None:
        with self._readers_lock:
            if self._pool_open and not reader.in_transaction and len(self._readers) < IDLE_READERS:
                self._readers.append(reader)
                return
        reader.close()

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        current = self.current_transaction.get()
        immediate = transaction_type is TransactionType.immediate
        if immediate and getattr(current, "read_only", False):
            raise WriteInReadSnapshot("a write inside read_snapshot(); write in write_transaction() instead")
        writer = self._writer
        if immediate and current is None and writer is not None and writer.serves_this_loop():
            return GroupWrite(self, writer, allow_nested)
        return SQLiteTransaction(self, transaction_type, allow_nested)

    def read_snapshot(self) -> SQLiteTransaction:
        if self._pool_open:
            return _ReadSnapshot(self)
        return _ConnectionSnapshot(self)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if self._pool_open and query.lstrip()[:6].upper() == "SELECT":
            reader = self.borrow_reader()
            try:
                return reader.execute(query, args or []).fetchall()
            finally:
                self.give_back(reader)
        connection = await self._connect()
        try:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()
        finally:
            await connection.close()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if isinstance(connection, sqlite3.Connection):  # a read snapshot's reader: run it at once
            return connection.execute(query, args or []).fetchall()
        if isinstance(connection, DirectConnection):  # the writer's
            return await connection.execute_fetchall(query, args or [])
        if query_type == "insert" and self.get_version_sync() < 3.35:  # no RETURNING: Piccolo's way
            return await super()._run_in_existing_connection(connection, query, args, query_type, table)
        # Every connection set foreign_keys when it opened; Piccolo would set it again per query.
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()
