"""Reads and writes at the same time: a read never waits for a write nor a write for a read, a read
sees one committed state, and writes committed together are each kept or rolled back alone.

Each scenario runs with the pool open (a server: SQLite's writer connection and pooled readers) and
without it (the CLI: a connection per transaction), on either engine.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from audit import query
from exports.service import current_entity
from ropa import db
from ropa.errors import WriteInReadSnapshot
from ropa.porting.services import snapshot_register
from ropa.records import services
from ropa.records.catalog import ENTITY, PROCESSOR
from ropa.tables import Processor
from tests.conftest import run

POOL = pytest.mark.parametrize("pool", [True, False], ids=["pool", "no-pool"])


class Refused(Exception):
    """A write that fails after it has written."""


async def _entity() -> str:
    made = await services.create(ENTITY, ENTITY.create(key="ACME", legal_name="Acme A/S", country="DK"))
    return str(made.id)


def _processor(key: str) -> Any:
    return PROCESSOR.create(entity="ACME", key=key, name=f"Processor {key}")


async def _keys() -> list[str]:
    return sorted(row["key"] for row in await Processor.select(Processor.key))


async def _in_pool(pool: bool, scenario: Any) -> Any:
    if pool:
        await db.open_pool()
    try:
        return await scenario()
    finally:
        if pool:
            await db.close_pool()


@POOL
def test_reads_of_several_tables_go_on_while_a_write_is_open_and_miss_it(database: str, pool: bool) -> None:
    async def held_write(written: asyncio.Event, release: asyncio.Event) -> None:
        async with db.write_transaction():  # a long request: it has written and not yet committed
            await services.create(PROCESSOR, _processor("HELD"))
            written.set()
            await release.wait()

    async def scenario() -> tuple[Any, ...]:
        entity_id = await _entity()
        written, release = asyncio.Event(), asyncio.Event()
        writer = asyncio.create_task(held_write(written, release))
        await written.wait()
        try:
            # The findings' read and the export's read, while the write holds the write lock.
            register = await snapshot_register()
            entity, _, _ = await current_entity(entity_id)
        finally:
            release.set()
            await writer
        return register, entity, await snapshot_register()

    during, entity, after = run(_in_pool(pool, scenario))
    assert [p.key for p in during.entities[0].processors] == []
    assert [p.key for p in entity.processors] == []
    assert [p.key for p in after.entities[0].processors] == ["HELD"]


@POOL
def test_a_write_commits_while_a_read_snapshot_is_open_and_the_snapshot_keeps_its_state(
    database: str, pool: bool
) -> None:
    async def scenario() -> tuple[Any, ...]:
        await _entity()
        await services.create(PROCESSOR, _processor("FIRST"))
        start = asyncio.Event()

        async def later_write() -> Any:  # another request, outside the snapshot
            await start.wait()
            return await services.create(PROCESSOR, _processor("SECOND"))

        writer = asyncio.create_task(later_write())
        async with db.read_snapshot():
            before = await _keys()
            start.set()
            made = await writer  # commits while the snapshot is open
            inside = await _keys()
        return made, before, inside, await _keys()

    made, before, inside, after = run(_in_pool(pool, scenario))
    assert made.key == "SECOND" and made.version == 1
    assert before == inside == ["FIRST"]
    assert after == ["FIRST", "SECOND"]


@POOL
def test_writes_queued_together_are_each_kept_or_rolled_back_alone(database: str, pool: bool) -> None:
    async def kept(key: str) -> tuple[Any, Any]:
        made = await services.create(PROCESSOR, _processor(key))
        return made, await services.get(PROCESSOR, made.id)  # read at once, outside any transaction

    async def refused(key: str) -> None:
        async with db.write_transaction():
            await services.create(PROCESSOR, _processor(key))
            raise Refused(key)

    async def scenario() -> tuple[Any, ...]:
        await _entity()
        writes = [refused(f"BAD-{i:02d}") if i % 4 == 1 else kept(f"OK-{i:02d}") for i in range(24)]
        # Three writes of one key: SQLite refuses the later ones' INSERT inside their group.
        writes[6:6] = [kept("TWICE"), kept("TWICE"), kept("TWICE")]
        results = await asyncio.gather(*writes, return_exceptions=True)
        created = query.EventFilter(action="processor.create")
        events, _ = await query.page(created, limit=1000, with_body=False)
        engine = db.get_engine()
        shared = engine.group_commits() if isinstance(engine, db.RopaSQLiteEngine) else None
        return results, await _keys(), sorted(e["entity_id"] for e in events), shared

    results, stored, audited, shared = run(_in_pool(pool, scenario))
    acknowledged = [r for r in results if isinstance(r, tuple)]
    refusals = sorted(type(r).__name__ for r in results if not isinstance(r, tuple))
    assert refusals == ["Conflict"] * 2 + ["Refused"] * 6
    assert len(acknowledged) == 19
    if shared is not None and pool:  # the server's SQLite writer: some COMMITs acknowledged several writes
        commits, writes_committed = shared
        assert writes_committed >= 19 + 1 and commits < writes_committed, shared
    assert all(seen.id == made.id and seen.version == 1 for made, seen in acknowledged), "ack before commit"
    assert stored == sorted(made.key for made, _ in acknowledged)
    assert audited == sorted(str(made.id) for made, _ in acknowledged)


@POOL
def test_a_write_inside_a_read_snapshot_is_refused_and_changes_nothing(database: str, pool: bool) -> None:
    async def scenario() -> tuple[Any, ...]:
        await _entity()
        refused: BaseException | None = None
        try:
            async with db.read_snapshot():
                seen = await _keys()
                await services.create(PROCESSOR, _processor("SNEAKY"))
        except WriteInReadSnapshot as exc:
            refused = exc
        # The snapshot ended cleanly: writes and reads go on after it.
        made = await services.create(PROCESSOR, _processor("AFTER"))
        return seen, refused, made, await _keys()

    seen, refused, made, after = run(_in_pool(pool, scenario))
    assert seen == []
    assert isinstance(refused, WriteInReadSnapshot)
    assert made.key == "AFTER"
    assert after == ["AFTER"]


@POOL
def test_a_read_snapshot_sees_neither_the_change_nor_its_event_committed_after_its_first_read(
    database: str, pool: bool
) -> None:
    """Reads of two tables in one snapshot agree even when a change and its event commit between them."""

    async def scenario() -> tuple[Any, ...]:
        await _entity()
        start = asyncio.Event()

        async def other_request() -> None:  # started outside the snapshot: not part of it
            await start.wait()
            await services.create(PROCESSOR, _processor("BETWEEN"))

        writer = asyncio.create_task(other_request())
        created = query.EventFilter(action="processor.create")
        async with db.read_snapshot():
            keys_before = await _keys()
            start.set()
            await writer  # committed, change and event
            events_inside, _ = await query.page(created, limit=100, with_body=False)
            keys_inside = await _keys()
        events_after, _ = await query.page(created, limit=100, with_body=False)
        return keys_before, keys_inside, events_inside, await _keys(), events_after

    before, inside, events_inside, after, events_after = run(_in_pool(pool, scenario))
    assert before == inside == []
    assert events_inside == []
    assert after == ["BETWEEN"]
    assert [e["entity_id"] for e in events_after] != []


def test_writes_cancelled_while_writing_or_waiting_leave_the_others_whole(database: str) -> None:
    """A request that goes away (its task cancelled) in the middle of its write, or while it waits for
    its turn, changes nothing; the writes around it are kept with their events, and writing goes on."""

    async def scenario() -> tuple[Any, ...]:
        await _entity()
        wrote = asyncio.Event()

        async def stalled(key: str) -> None:
            async with db.write_transaction():
                await services.create(PROCESSOR, _processor(key))
                wrote.set()
                await asyncio.Event().wait()  # never set: cancelled here, half-way

        first = asyncio.create_task(services.create(PROCESSOR, _processor("BEFORE")))
        await first
        held = asyncio.create_task(stalled("CANCELLED-WRITING"))
        await wrote.wait()
        waiting = [asyncio.create_task(services.create(PROCESSOR, _processor(f"WAIT-{i}"))) for i in range(4)]
        doomed = asyncio.create_task(services.create(PROCESSOR, _processor("CANCELLED-WAITING")))
        await asyncio.sleep(0.05)  # the others queue behind the held write
        doomed.cancel()
        held.cancel()
        results = await asyncio.gather(held, doomed, *waiting, return_exceptions=True)
        after = await services.create(PROCESSOR, _processor("AFTER"))
        events, _ = await query.page(query.EventFilter(action="processor.create"), limit=100, with_body=False)
        return results, after, await _keys(), sorted(e["entity_id"] for e in events)

    results, after, stored, audited = run(_in_pool(True, scenario))
    assert [type(r) for r in results[:2]] == [asyncio.CancelledError, asyncio.CancelledError]
    made = [r for r in results[2:] if not isinstance(r, BaseException)]
    assert len(made) == 4, results
    assert stored == ["AFTER", "BEFORE", "WAIT-0", "WAIT-1", "WAIT-2", "WAIT-3"]
    assert len(audited) == 6 and str(after.id) in audited and all(str(m.id) in audited for m in made)
