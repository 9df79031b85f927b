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
import weakref
from typing import Any

from audit import db
from audit.canonical import canonical_json, sha256_hex
from audit.context import current_actor
from audit.leaf import HEADER_FIELDS
from audit.tables import AuditEvent

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
    if db.in_transaction():
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
    (its future done) only after the COMMIT of its group. A group that fails is committed again
    event by event (``_one_by_one``), so that one event's fault fails that event alone.
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


async def _commit(group: list[tuple[tuple[Any, ...], asyncio.Future[None]]]) -> None:
    try:
        try:
            await _insert([row for row, _ in group])
        except Exception as exc:  # noqa: BLE001 - retried event by event, each failing alone
            await _one_by_one(group, exc)
        else:
            for _, future in group:
                _settle(future)
    except BaseException as exc:  # cancelled with the loop: no caller is left waiting
        for _, future in group:
            _settle(future, RuntimeError(f"the audit event was not committed: {exc!r}"))
        raise


async def _one_by_one(group: list[tuple[tuple[Any, ...], asyncio.Future[None]]], error: Exception) -> None:
    """Commit a failed group's events one at a time, so that one event's fault fails that event alone.

    Two events in a row failing as the group did say the fault is not theirs (the database is out
    of reach, its disk is full): the rest then fail with that error without another try each."""
    same = 0
    for index, (row, future) in enumerate(group):
        try:
            await _insert([row])
        except Exception as exc:  # noqa: BLE001 - its caller raises it
            _settle(future, exc)
            same = same + 1 if (type(exc), str(exc)) == (type(error), str(error)) else 0
            if same >= 2:
                for _, rest in group[index + 1 :]:
                    _settle(rest, exc)
                return
        else:
            _settle(future)
            same = 0


def _settle(future: asyncio.Future[None], error: BaseException | None = None) -> None:
    if future.done():  # its caller was cancelled: the event is written all the same
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)


async def _insert(rows: list[tuple[Any, ...]]) -> None:
    async with db.write_transaction():
        await db.execute_many(_INSERT, rows)


_APPENDERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Appender] = weakref.WeakKeyDictionary()


async def record_many(rows: list[AuditEvent]) -> None:
    """Write many events in chunks (asyncpg allows at most 32,767 arguments per statement)."""
    for start in range(0, len(rows), 1000):
        await AuditEvent.insert(*rows[start : start + 1000])
