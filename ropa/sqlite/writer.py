"""SQLite's writer: one long-lived connection per server process that commits writes in groups.

In WAL mode a reader never waits for the writer nor the writer for a reader. What a write costs is
its COMMIT: with ``synchronous=FULL`` SQLite fsyncs the WAL before COMMIT returns (an acknowledged
write survives a power loss), and an fsync takes milliseconds (bench/audited_writes.py measures
the disk). So the writes of the process that opened the pool take turns on one long-lived
connection, in arrival order (an asyncio lock, not the busy handler's sleep-and-retry), and the
writes that queue while one runs join its transaction: each runs in a SAVEPOINT, a failure rolls
back its own savepoint alone, and each returns only after the COMMIT that holds it, so one fsync
acknowledges the whole group. A register change and its audit event are in one savepoint, so they
commit together or not at all; a COMMIT that fails fails every write of its group.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

GROUP_LIMIT = 32  # writes committed by one COMMIT at most
GROUP_WINDOW_S = 0.02  # a group takes no more writes once it has been open this long
# A write's statements run on the event loop: a long write (an import) lets the other requests
# run this often. A short one runs through, so that its turn (and the lock) is not held while the
# loop serves other requests.
SLICE_S = 0.02
_SAVEPOINT = "ropa_write"


def _group_error(cause: BaseException | None) -> sqlite3.Error:
    """What a write raises when its group did not commit: its change was rolled back with the group."""
    if isinstance(cause, sqlite3.Error):
        error = type(cause)(*cause.args)  # the same error (a full disk stays a full disk), its own copy
        for name in ("sqlite_errorcode", "sqlite_errorname"):
            if hasattr(cause, name):
                setattr(error, name, getattr(cause, name))
        return error
    return _busy("the write was rolled back with the group it was to commit in")


def _busy(message: str) -> sqlite3.OperationalError:
    """SQLITE_BUSY: nothing is wrong with the write, the client may retry it."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = sqlite3.SQLITE_BUSY
    error.sqlite_errorname = "SQLITE_BUSY"
    return error


class DirectConnection:
    """The writer's sqlite3 connection, with the async face of aiosqlite's, run on the caller's thread.

    Once BEGIN IMMEDIATE has taken the write lock, no statement of the transaction waits for a
    lock: each takes tens of microseconds, less than a hop to a worker thread and back (0.2-0.5 ms
    each on a loaded 2-core machine, and a write made 15 of them). So statements run at once, and
    a write that runs longer than ``SLICE_S`` gives the event loop a turn, so that a long write (an
    import) does not hold up the reads. What can wait runs in a worker thread of its own: BEGIN
    IMMEDIATE when another process holds the lock (the busy timeout), and COMMIT (the fsync).
    """

    def __init__(self, connection: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self.sqlite = connection
        self.busy_timeout_ms = busy_timeout_ms
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ropa-sqlite-writer")
        self._in_thread: asyncio.Future[Any] | None = None
        self._slice_started = time.monotonic()

    @property
    def in_transaction(self) -> bool:
        return self.sqlite.in_transaction

    async def _idle(self) -> None:
        """Wait for a statement left running in the thread by a cancelled caller: one at a time."""
        if self._in_thread is not None and not self._in_thread.done():
            await asyncio.wait([self._in_thread])

    def new_slice(self) -> None:
        self._slice_started = time.monotonic()

    async def _turn_for_others(self) -> None:
        if time.monotonic() - self._slice_started >= SLICE_S:
            await asyncio.sleep(0)
            self._slice_started = time.monotonic()

    async def execute(self, sql: str, parameters: Sequence[Any] = ()) -> sqlite3.Cursor:
        await self._idle()
        cursor = self.sqlite.execute(sql, parameters)
        await self._turn_for_others()
        return cursor

    async def execute_fetchall(self, sql: str, parameters: Sequence[Any] = ()) -> list[Any]:
        await self._idle()
        rows = self.sqlite.execute(sql, parameters).fetchall()
        await self._turn_for_others()
        return rows

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        await self._idle()
        cursor = self.sqlite.executemany(sql, parameters)
        await self._turn_for_others()
        return cursor

    async def in_thread(self, sql: str) -> None:
        """Run a statement that may wait (a lock, an fsync) in the writer's worker thread."""
        await self._idle()
        self._in_thread = asyncio.get_running_loop().run_in_executor(self._thread, self.sqlite.execute, sql)
        await self._in_thread

    async def begin_immediate(self) -> None:
        """BEGIN IMMEDIATE at once when the lock is free, else in the worker thread, waiting for it."""
        await self._idle()
        self.sqlite.execute("PRAGMA busy_timeout = 0")
        try:
            self.sqlite.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise
        finally:
            self.sqlite.execute(f"PRAGMA busy_timeout = {self.busy_timeout_ms}")
        await self.in_thread("BEGIN IMMEDIATE")  # another process writes: wait for it

    async def close(self) -> None:
        self._thread.shutdown(wait=True)
        self.sqlite.close()


class Writer:
    """The writer connection of the event loop that opened the pool, and the group open on it."""

    def __init__(self, connection: DirectConnection, limit: int) -> None:
        self.connection = connection
        self.loop = asyncio.get_running_loop()
        self.limit = limit
        self.lock = asyncio.Lock()
        self.queued = 0  # writes waiting for their turn
        self.open = False  # BEGIN IMMEDIATE has run, COMMIT not yet
        self.opened_at = 0.0  # when, on the loop's clock
        self.nested = False  # the write whose turn it is runs in a savepoint (it joined a group)
        self.dirty = False  # a turn stopped half-way (cancelled, or a statement failed): roll back first
        self.closed = False
        self.members: list[asyncio.Future[None]] = []  # writes waiting for the open group's COMMIT
        self.commits = self.committed = 0  # COMMITs run, and the writes they acknowledged
        self._flushes: set[asyncio.Task[None]] = set()

    def serves_this_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop and not self.closed
        except RuntimeError:
            return False

    async def take_turn(self) -> None:
        """Wait for the writer connection, at most the busy timeout, as BEGIN IMMEDIATE waits for the
        lock: a turn that does not come (a write waiting on another write) fails as SQLITE_BUSY."""
        self.queued += 1
        try:
            async with asyncio.timeout(self.connection.busy_timeout_ms / 1000):
                await self.lock.acquire()
        except TimeoutError:
            self.queued -= 1
            self._flush_if_abandoned()
            raise _busy("no turn on the writer connection within the busy timeout") from None
        except BaseException:
            self.queued -= 1
            self._flush_if_abandoned()
            raise
        self.queued -= 1

    def end_turn(self) -> None:
        self.lock.release()
        self._flush_if_abandoned()

    def _flush_if_abandoned(self) -> None:
        """A group is open and no write is left to end it (its last one was cancelled): a task does."""
        if (self.open or self.dirty) and self.queued == 0 and not self.lock.locked() and not self.closed:
            task = self.loop.create_task(self._flush())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        try:
            await self.take_turn()
        except sqlite3.OperationalError:
            return  # the turn's holder ends the group: its end_turn calls here again
        try:
            await self._end_group()
        finally:
            self.lock.release()

    async def _end_group(self) -> None:
        if self.dirty:
            await self.abort(None)
        elif self.open:
            await self.commit()

    async def join(self) -> None:
        """Start the turn's write: a new transaction, or a savepoint in the group already open."""
        if self.dirty:
            await self.abort(None)
        self.connection.new_slice()
        self.dirty = True  # until the transaction or savepoint is open
        if self.open:
            await self.connection.execute(f"SAVEPOINT {_SAVEPOINT}")
            self.nested = True
        else:
            if self.connection.in_transaction:  # left open by a ROLLBACK that failed
                await self.connection.execute("ROLLBACK")
            try:
                await self.connection.begin_immediate()
            except sqlite3.Error:
                self.dirty = False  # nothing began
                raise
            self.open = True
            self.opened_at = self.loop.time()
            self.nested = False
        self.dirty = False

    async def leave(self, error: BaseException | None) -> asyncio.Future[None] | None:
        """End the turn's write: kept for the group's COMMIT, or rolled back alone.

        The group is committed now unless more writes are waiting (they join it, and the last one
        commits), up to ``GROUP_LIMIT`` writes or ``GROUP_WINDOW_S``: a write waits for those after
        it in its group, so a group is kept short. Returns the future that the group's COMMIT
        resolves, for a write to be kept.
        """
        self.dirty = True  # until the write is kept or rolled back
        done: asyncio.Future[None] | None = None
        if error is None:
            if self.nested:
                await self.connection.execute(f"RELEASE {_SAVEPOINT}")
            done = self.loop.create_future()
            self.members.append(done)
        elif self.nested and self.connection.in_transaction:
            await self.connection.execute(f"ROLLBACK TO {_SAVEPOINT}")
            await self.connection.execute(f"RELEASE {_SAVEPOINT}")
        else:
            # The first write of its group (nothing else to keep), or SQLite rolled the whole
            # transaction back (a full disk, an I/O error): the group ends here.
            await self.abort(error)
            return None
        self.dirty = False
        full = len(self.members) >= self.limit or self.loop.time() - self.opened_at >= GROUP_WINDOW_S
        if self.queued == 0 or full:
            await self.commit()
        return done

    async def commit(self) -> None:
        """COMMIT the open group (ROLLBACK when none of its writes is kept) and tell each write."""
        members, self.members = self.members, []
        self.open = False
        self.dirty = True  # until the COMMIT's outcome is known
        ending = asyncio.ensure_future(self._execute("COMMIT" if members else "ROLLBACK"))
        ending.add_done_callback(functools.partial(self._settle, members))
        # Cancelled meanwhile, the COMMIT still completes and its callback still tells every write;
        # the flag stays up, so the next turn rolls back whatever SQLite may still hold open.
        await asyncio.wait([ending])
        if ending.cancelled() or ending.exception() is not None:
            await self.abort(None)  # nothing of the group is durable: end what SQLite may hold open
        self.dirty = False

    def _settle(self, members: list[asyncio.Future[None]], ending: asyncio.Future[None]) -> None:
        error = asyncio.CancelledError() if ending.cancelled() else ending.exception()
        if error is not None:
            self._fail(members, error)
            return
        if members:
            self.commits += 1
            self.committed += len(members)
        for member in members:
            if not member.done():
                member.set_result(None)

    async def abort(self, cause: BaseException | None) -> None:
        """End the open group without a COMMIT: every write waiting for it fails."""
        members, self.members = self.members, []
        self.open = self.nested = self.dirty = False
        try:
            with contextlib.suppress(sqlite3.OperationalError):  # nothing open: SQLite ended it already
                await self.connection.execute("ROLLBACK")
        finally:
            self._fail(members, cause)

    @staticmethod
    def _fail(members: list[asyncio.Future[None]], cause: BaseException | None) -> None:
        for member in members:
            if not member.done():
                member.set_exception(_group_error(cause))

    async def _execute(self, sql: str) -> None:
        await self.connection.in_thread(sql)

    async def close(self) -> None:
        """Commit what is open, then close the connection."""
        await self.take_turn()
        try:
            await self._end_group()
        finally:
            self.closed = True
            self.lock.release()
            await self.connection.close()


class GroupWrite(SQLiteTransaction):
    """A write transaction on the writer connection, acknowledged by its group's COMMIT (see above)."""

    def __init__(self, engine: SQLiteEngine, writer: Writer, allow_nested: bool = True) -> None:
        super().__init__(engine, TransactionType.immediate, allow_nested)
        self.writer = writer

    async def __aenter__(self) -> SQLiteTransaction:
        if self._parent is not None:
            return self._parent
        writer = self.writer
        await writer.take_turn()
        try:
            await writer.join()
        except BaseException:
            writer.end_turn()
            raise
        self.connection = writer.connection
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent:
            return exception is None
        writer = self.writer
        try:
            done = await writer.leave(exception)
        finally:
            self.engine.current_transaction.reset(self.context)
            writer.end_turn()
        if done is not None:
            await done  # the group's COMMIT; raises if it failed
        return exception is None
