"""Figure 3: services.update calls per second with the audit log on vs off, in one process."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import Profiler, args_for, cloned_register, migrate, percentile, throwaway, write_result

ACTIVITIES = 100
PER_MODE = 1000
BLOCK = 100  # audited and unaudited blocks alternate, so drift in machine load hits both alike
WARMUP = 50
PROFILED = 300
G4_SQLITE = 2000  # audit-log.md G4: audited register writes/s on SQLite, synchronous=FULL


class Writer:
    """Round-robin updates of the register's activities, each a real services.update call."""

    def __init__(self, records: list[Any]) -> None:
        from ropa.records.catalog import ACTIVITY

        self.kind = ACTIVITY
        self.records = records
        self.fields = ACTIVITY.data.__struct_fields__
        self.calls = 0

    async def update(self) -> float:
        from ropa.records import services

        index = self.calls % len(self.records)
        record = self.records[index]
        values = {f: getattr(record, f) for f in self.fields}
        values["notes"] = f"benchmark revision {self.calls}"
        payload = self.kind.update(**values, version=record.version)
        started = time.perf_counter()
        self.records[index] = await services.update(self.kind, record.id, payload)
        elapsed = time.perf_counter() - started
        self.calls += 1
        return elapsed


async def _run(engine: str, profile: bool) -> dict[str, Any]:
    from audit import log as audit_log
    from audit.tables import AuditEvent
    from ropa import db
    from ropa.porting.services import import_register
    from ropa.records import services
    from ropa.records.catalog import ACTIVITY

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
        for block in range(2 * PER_MODE // BLOCK):
            audited = block % 2 == 0
            audit_log.ENABLED = audited
            try:
                for _ in range(BLOCK):
                    times[audited].append(await writer.update())
            finally:
                audit_log.ENABLED = True
        events = await AuditEvent.count() - events_before
        result: dict[str, Any] = {"audit_events_written": events}
        for audited, label in ((True, "audited"), (False, "unaudited")):
            samples = times[audited]
            result[label] = {
                "calls": len(samples),
                "writes_per_s": len(samples) / sum(samples),
                "p50_ms": percentile(samples, 50) * 1000,
                "p95_ms": percentile(samples, 95) * 1000,
            }
        result["ratio"] = result["audited"]["writes_per_s"] / result["unaudited"]["writes_per_s"]
        result["added_ms_mean"] = (sum(times[True]) - sum(times[False])) / PER_MODE * 1000
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


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "writes") as env:
        migrate(env)
        result = asyncio.run(_run(args.engine, args.profile))
        result.update(figure="writes", engine=args.engine, per_mode=PER_MODE, block=BLOCK)
        write_result(args.out, result)


if __name__ == "__main__":
    main()
