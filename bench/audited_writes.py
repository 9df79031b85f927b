"""Figure 3: services.update calls per second with the audit log on vs off, in one process; then
how many audited writes per second concurrent writers get, and on SQLite what the disk allows."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Any
from unittest import mock

from bench.common import Profiler, args_for, cloned_register, migrate, percentile, throwaway, write_result
from bench.write_floors import WARMUP, event_cost, schema_floor, sqlite_ceiling, transaction_floor

ACTIVITIES = 100
PER_MODE = 1000
BLOCK = 100  # audited and unaudited blocks alternate, so drift in machine load hits both alike
PROFILED = 300
G4_SQLITE = 2000  # the audit log's design target: audited register writes/s on SQLite, synchronous=FULL
WRITERS = 32  # concurrent writers (asyncio tasks, each updating its own activities)
CONCURRENT_CALLS = 1000
NORMAL_CALLS = 300  # sequential audited calls with synchronous=NORMAL, for reference only
CEILING_COMMITS = {"FULL": 1000, "NORMAL": 5000}


async def _no_event(action: str, **fields: Any) -> None:
    """What ``audit.log.record`` is replaced with in the unaudited blocks: no event at all."""


class Writer:
    """Round-robin updates of the register's activities, each a real services.update call."""

    def __init__(self, records: list[Any]) -> None:
        from ropa.records.catalog import ACTIVITY

        self.kind = ACTIVITY
        self.records = records
        self.fields = ACTIVITY.data.__struct_fields__
        self.calls = 0
        self.cpu = 0.0

    async def update(self) -> float:
        """One update; its wall time. ``cpu`` adds up the process's CPU time (all threads)."""
        from ropa.records import services

        index = self.calls % len(self.records)
        record = self.records[index]
        values = {f: getattr(record, f) for f in self.fields}
        values["notes"] = f"benchmark revision {self.calls}"
        payload = self.kind.update(**values, version=record.version)
        started, cpu = time.perf_counter(), time.process_time()
        self.records[index] = await services.update(self.kind, record.id, payload)
        elapsed = time.perf_counter() - started
        self.cpu += time.process_time() - cpu
        self.calls += 1
        return elapsed


async def _run(engine: str, profile: bool) -> dict[str, Any]:
    from audit import log as audit_log
    from audit.tables import AuditEvent
    from ropa import db
    from ropa.porting.services import import_register
    from ropa.records import services
    from ropa.records.catalog import ACTIVITY
    from ropa.sqlite import GROUP_LIMIT

    await db.open_pool()
    try:
        await import_register(cloned_register(ACTIVITIES), source="bench")
        table: Any = ACTIVITY.table
        ids = [str(row["id"]) for row in await table.select(table.id)]
        writer = Writer([await services.get(ACTIVITY, record_id) for record_id in ids])
        for _ in range(WARMUP):
            await writer.update()
        events_before = await AuditEvent.count()
        times: dict[bool, list[float]] = {True: [], False: []}
        cpu = {True: 0.0, False: 0.0}
        for block in range(2 * PER_MODE // BLOCK):
            audited = block % 2 == 0
            cpu_before = writer.cpu
            # The service has no switch that turns auditing off: the bench replaces the writer
            # in its own process for the unaudited blocks.
            with contextlib.ExitStack() as unaudited:
                if not audited:
                    unaudited.enter_context(mock.patch.object(audit_log, "record", _no_event))
                for _ in range(BLOCK):
                    times[audited].append(await writer.update())
            cpu[audited] += writer.cpu - cpu_before
        events = await AuditEvent.count() - events_before
        result: dict[str, Any] = {"audit_events_written": events}
        for audited, label in ((True, "audited"), (False, "unaudited")):
            samples = times[audited]
            result[label] = {
                "calls": len(samples),
                "writes_per_s": len(samples) / sum(samples),
                "p50_ms": percentile(samples, 50) * 1000,
                "p95_ms": percentile(samples, 95) * 1000,
                "cpu_ms": cpu[audited] / len(samples) * 1000,
            }
        result["ratio"] = result["audited"]["writes_per_s"] / result["unaudited"]["writes_per_s"]
        result["added_ms_mean"] = (sum(times[True]) - sum(times[False])) / PER_MODE * 1000
        if engine == "sqlite":
            result["normal"] = await _sequential_normal(writer)
            result["event"] = await event_cost(ACTIVITY)
            result["transaction"] = await transaction_floor(ACTIVITY, ids)
            writer.records = [await services.get(ACTIVITY, record.id) for record in writer.records]
        writers = [Writer(writer.records[n::WRITERS]) for n in range(WRITERS)]
        modes = {"grouped": GROUP_LIMIT, "one COMMIT per write": 1} if engine == "sqlite" else {"pool": 0}
        result["concurrent"] = {mode: await _concurrent(writers, limit) for mode, limit in modes.items()}
        writer.records = [await services.get(ACTIVITY, record.id) for record in writer.records]
        g4_missed = engine == "sqlite" and result["audited"]["writes_per_s"] < G4_SQLITE
        if profile or result["ratio"] < 0.5 or g4_missed:
            with Profiler() as profiler:
                for _ in range(PROFILED):
                    await writer.update()
            result["profile"] = (
                f"{PROFILED} audited services.update calls under cProfile (main thread)\n\n"
                + profiler.top(30)
            )
    finally:
        await db.close_pool()
    return result


async def _concurrent(writers: list[Writer], group_limit: int) -> dict[str, Any]:
    """``WRITERS`` tasks updating their own activities at once, audited, ``CONCURRENT_CALLS`` in all.

    On SQLite ``group_limit`` is how many writes one COMMIT may acknowledge (1: a COMMIT each)."""
    from ropa import db
    from ropa.sqlite import GROUP_LIMIT

    engine: Any = db.get_engine()
    if group_limit:
        engine.group_limit = group_limit
        await db.close_pool()  # the writer connection takes the limit when it opens
        await db.open_pool()
    per_writer = CONCURRENT_CALLS // len(writers)
    samples: list[float] = []

    async def run(writer: Writer) -> None:
        for _ in range(per_writer):
            samples.append(await writer.update())

    try:
        before = engine.group_commits() if group_limit else (0, 0)
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(run(w) for w in writers))
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = engine.group_commits() if group_limit else (0, 0)
    finally:
        if group_limit:
            engine.group_limit = GROUP_LIMIT
    commits = after[0] - before[0]
    return {
        "writers": len(writers),
        "calls": len(samples),
        "writes_per_s": len(samples) / seconds,
        "cpu_ms": cpu / len(samples) * 1000,
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
        "commits": commits,
        "writes_per_commit": (after[1] - before[1]) / commits if commits else None,
    }


async def _sequential_normal(writer: Writer) -> dict[str, Any]:
    """Audited sequential writes with ``synchronous=NORMAL``: a reference, never the default."""
    from ropa import db

    engine: Any = db.get_engine()
    engine.synchronous = "NORMAL"
    await db.close_pool()
    await db.open_pool()
    try:
        samples = [await writer.update() for _ in range(NORMAL_CALLS)]
    finally:
        engine.synchronous = "FULL"
        await db.close_pool()
        await db.open_pool()
    return {"calls": len(samples), "writes_per_s": len(samples) / sum(samples)}


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "writes") as env:
        migrate(env)
        load_before = os.getloadavg()[0]
        result = asyncio.run(_run(args.engine, args.profile))
        if args.engine == "sqlite":  # on the disk of the benchmark's database
            work = Path(env["BENCH_WORK"])
            result["ceiling"] = {mode: sqlite_ceiling(work, mode, n) for mode, n in CEILING_COMMITS.items()}
            from ropa.records.catalog import ACTIVITY

            database = Path(env["ROPA_SQLITE_PATH"])
            result["schema_floor"] = schema_floor(database, work, ACTIVITY.table._meta.tablename)
        result.update(
            figure="writes",
            engine=args.engine,
            per_mode=PER_MODE,
            block=BLOCK,
            load_average=[load_before, os.getloadavg()[0]],
        )
        write_result(args.out, result)


if __name__ == "__main__":
    main()
