"""The only writer of audit events: one row per change, inside the caller's transaction.

An event that records no change of its own (a read of the log, an export, a sign-in, a refusal) has
no transaction to join: ``append`` commits it, grouped with the other such events that arrive while
a commit is under way (group commit: one transaction, one multi-row INSERT, one fsync for the
group), and returns once the transaction that holds it has committed.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime as dt
import sqlite3
import weakref
from typing import Any

import asyncpg

from audit import db
from audit.canonical import canonical_json, sha256_hex
from audit.context import current_actor
from audit.leaf import HEADER_FIELDS
from audit.tables import AuditEvent

# The actions of events that record no change of the register: reads and exports of the log and of the
# register, sign-ins and refusals, backups. ``append`` writes only these; the findings' cache key
# (ropa.findings.services) looks past them for the newest change.
NO_CHANGE_ACTIONS = frozenset(
    {
        "audit.read",
        "audit.export",
        "auth.sign_in",
        "auth.sign_out",
        "auth.denied",
        "access.denied_anonymous_summary",
        "register.dump",
        "register.export",
        "database.backup",
    }
)

_EXACT = 2**53  # RFC 8785 numbers are IEEE doubles: integers beyond this are not exact


def _exact(value: Any) -> Any:
    """A body as canonical JSON can hold it: an integer too large to be exact becomes its text."""
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= _EXACT:
        return str(value)
    return value


def event_values(
    action: str,
    *,
    entity_type: str,
    entity_id: str,
    entity_version: int | None = None,
    legal_entity_id: str = "",
    before: Any = None,
    after: Any = None,
    details: dict[str, Any] | None = None,
    outcome: str = "success",
    reason: str = "",
) -> dict[str, Any]:
    """The columns of one event; the body is canonical JSON so that its hash is reproducible."""
    actor = current_actor()
    content = {"before": before, "after": after, "details": details or {}}
    try:
        body = canonical_json(content)
    except ValueError:  # an integer too large to be exact (or a float, which fails again below)
        body = canonical_json(_exact(content))
    return dict(
        created_at=dt.datetime.now(dt.UTC),
        actor_id=actor.id,
        actor_type=actor.type,
        request_id=actor.request_id,
        source_ref=actor.source_ref,
        action=action,
        legal_entity_id=legal_entity_id,
        entity_type=entity_type,
        entity_id=entity_id,
        entity_version=entity_version,
        outcome=outcome,
        reason=reason,
        body=body.decode(),
        body_sha256=sha256_hex(body),
    )


def event_row(action: str, **fields: Any) -> AuditEvent:
    """The event as a row object, for bulk inserts (``record_many``)."""
    return AuditEvent(**event_values(action, **fields))


# The event columns the writer fills: the leaf's header fields (but the id) plus time and body.
_COLUMNS = ("created_at", *(name for name in HEADER_FIELDS if name != "event_id"), "body")
# One SQL text for every write, run on the transaction's own connection: building a Piccolo
# query per event cost more than the insert itself, and asyncpg reuses its prepared statement.
_INSERT = (
    f"INSERT INTO audit_event ({', '.join(_COLUMNS)}) "
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(_COLUMNS) + 1))})"
)


async def record(action: str, **fields: Any) -> None:
    """Write one event. Call it inside the transaction of the change it records."""
    values = event_values(action, **fields)
    await db.execute(_INSERT, *(values[column] for column in _COLUMNS))


GROUP_LIMIT = 1000  # events in one group commit at most
IN_FLIGHT = 4  # group commits under way at once (a pooled connection each)


async def append(action: str, **fields: Any) -> None:
    """Write one event that records no change of its own, and return once it has committed.

    Inside a transaction it is written in that transaction, as ``record`` writes it. Outside, it
    waits for its turn in a group commit (``_Appender``): the events of concurrent callers share a
    transaction and its fsync, rather than each paying for its own.
    """
    if action not in NO_CHANGE_ACTIONS:
        raise ValueError(f"{action} records a change: write it with record(), in the change's transaction")
    if db.in_transaction():
        async with db.write_transaction():  # joins it; refused inside a read snapshot
            await record(action, **fields)
        return
    values = event_values(action, **fields)  # the caller's actor and time, taken now
    loop = asyncio.get_running_loop()
    appender = _APPENDERS.get(loop)
    if appender is None:
        appender = _APPENDERS[loop] = _Appender()
    await appender.append(tuple(values[column] for column in _COLUMNS))


class _Appender:
    """The group commit of one event loop: the waiting events are committed in groups.

    A group takes every event waiting when it starts (up to ``GROUP_LIMIT``); up to ``IN_FLIGHT``
    groups commit at once, each on a connection of its own, so that the events arriving while one
    group waits for its fsync form the next rather than waiting for it. An event is acknowledged
    (its future done) only after the COMMIT of its group. A group whose INSERT is refused is
    committed again event by event (``_one_by_one``), so that one event's fault fails that event
    alone; a group whose BEGIN or COMMIT fails fails whole, never retried (its COMMIT may have
    happened with its answer lost).
    """

    def __init__(self) -> None:
        self.waiting: list[tuple[tuple[Any, ...], asyncio.Future[None]]] = []
        self.groups: set[asyncio.Task[None]] = set()

    async def append(self, row: tuple[Any, ...]) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiting.append((row, future))
        self._start()
        await future

    def _start(self, finished: asyncio.Task[None] | None = None) -> None:
        if finished is not None:
            self.groups.discard(finished)
        while self.waiting and len(self.groups) < IN_FLIGHT:
            group, self.waiting = self.waiting[:GROUP_LIMIT], self.waiting[GROUP_LIMIT:]
            # A context of its own: none of the first caller's (its transaction, its log fields).
            task = asyncio.create_task(_commit(group), context=contextvars.Context())
            self.groups.add(task)
            task.add_done_callback(self._start)


class _RowsRefused(Exception):
    """The INSERT itself failed (a row refused by a constraint or trigger): nothing was committed,
    and the group may be tried again event by event. Any other failure (BEGIN, COMMIT, the
    connection) is not retried: a COMMIT whose answer was lost may have stored the events."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


async def _commit(group: list[tuple[tuple[Any, ...], asyncio.Future[None]]]) -> None:
    try:
        try:
            await _insert([row for row, _ in group])
        except _RowsRefused as refused:
            if len(group) == 1:
                _settle(group[0][1], refused.error)
            else:
                await _one_by_one(group)
        except Exception as exc:  # noqa: BLE001 - every caller of the group raises it
            for _, future in group:
                _settle(future, exc)
        else:
            for _, future in group:
                _settle(future)
    except BaseException as exc:  # cancelled with the loop: no caller is left waiting
        for _, future in group:
            _settle(future, RuntimeError(f"the audit event was not committed: {exc!r}"))
        raise


async def _one_by_one(group: list[tuple[tuple[Any, ...], asyncio.Future[None]]]) -> None:
    """Commit a refused group's events one at a time, so that one event's fault fails that event
    alone. A failure that is not an event's own (the database out of reach, its disk full) fails
    the rest of the group with it, without another try each."""
    for index, (row, future) in enumerate(group):
        try:
            await _insert([row])
        except _RowsRefused as refused:
            _settle(future, refused.error)
            if not _storage_fault(refused.error):
                continue
            error: Exception = refused.error
        except Exception as exc:  # noqa: BLE001 - BEGIN or COMMIT failed: not this event's fault
            _settle(future, exc)
            error = exc
        else:
            _settle(future)
            continue
        for _, rest in group[index + 1 :]:
            _settle(rest, error)
        return


def _storage_fault(error: Exception) -> bool:
    """Whether ``error`` says the database, not the statement, is at fault."""
    if isinstance(error, sqlite3.OperationalError):
        code = getattr(error, "sqlite_errorcode", None)
        return isinstance(code, int) and code & 0xFF in _SQLITE_STORAGE
    return isinstance(error, OSError | asyncpg.PostgresConnectionError | asyncpg.InterfaceError)


_SQLITE_STORAGE = {
    sqlite3.SQLITE_FULL,
    sqlite3.SQLITE_IOERR,
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_READONLY,
}


def _settle(future: asyncio.Future[None], error: BaseException | None = None) -> None:
    """Acknowledge a caller, or hand it its own copy of ``error`` to raise (one exception object
    raised in many tasks would share, and grow, one traceback)."""
    if future.done():  # its caller was cancelled: the event is written (or not) all the same
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(_own_copy(error))


def _own_copy(error: BaseException) -> BaseException:
    try:
        copy = type(error)(*error.args)
    except Exception:  # noqa: BLE001 - an exception that cannot be rebuilt from its args: the original
        return error
    for name in ("sqlite_errorcode", "sqlite_errorname"):
        if hasattr(error, name):
            setattr(copy, name, getattr(error, name))
    copy.__cause__ = error
    return copy


async def _insert(rows: list[tuple[Any, ...]]) -> None:
    async with db.write_transaction():
        try:
            await db.execute_many(_INSERT, rows)
        except Exception as exc:
            raise _RowsRefused(exc) from exc


_APPENDERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Appender] = weakref.WeakKeyDictionary()


async def record_many(rows: list[AuditEvent]) -> None:
    """Write many events in chunks (asyncpg allows at most 32,767 arguments per statement)."""
    for start in range(0, len(rows), 1000):
        await AuditEvent.insert(*rows[start : start + 1000])
