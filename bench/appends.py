"""Figure 4: audit events committed and integrated per second with 64 concurrent writers."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bench.common import (
    CpuMeter,
    Profiler,
    args_for,
    migrate,
    percentile,
    quiet_logs,
    throwaway,
    write_result,
)

WRITERS = 64
WARMUP_S = 2.0
DURATION_S = 15.0
PROFILE_S = 5.0
INTERVAL_S = 0.2  # the server's default integrate_interval
TARGET = 5000
# uvloop first: the loop `ropa serve` runs (uvicorn's default, installed by uvicorn[standard]); the
# figure and its profile come from it. asyncio's own loop (what this figure used before) for comparison.
LOOPS = ("uvloop", "asyncio")


def on_loop(loop: str, coroutine: Callable[[], Coroutine[Any, Any, Any]]) -> Any:
    """Run a coroutine to the end on a new event loop of the kind named."""
    if loop == "uvloop":
        import uvloop

        return uvloop.run(coroutine())
    return asyncio.run(coroutine())


# How each writer commits its event: "append" is `audit.log.append`, the path of an event that records
# no change of its own (group commit); "transaction" is a `write_transaction` of its own per event, as
# a register change commits with its event (`audit.log.record` inside it).
MODES = ("append", "transaction")


class Load:
    """64 writer tasks, each committing one event at a time (``mode``), and one integrator loop."""

    def __init__(self, integrator: Any, mode: str = "append") -> None:
        self.integrator = integrator
        self.mode = mode
        self.committed = 0
        self.integrated = 0
        self.stop = asyncio.Event()
        self.errors: list[str] = []

    async def writer(self, number: int) -> None:
        from audit import log as audit_log
        from ropa.db import write_transaction

        sent = 0
        while not self.stop.is_set():
            fields: dict[str, Any] = {
                "entity_type": "bench",
                "entity_id": f"writer-{number}",
                "entity_version": sent,
                "details": {"writer": number, "n": sent, "note": "concurrent append benchmark"},
            }
            try:
                if self.mode == "append":
                    await audit_log.append("audit.read", **fields)
                else:
                    async with write_transaction():
                        await audit_log.record("audit.read", **fields)
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                self.errors.append(f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(0.01)
                continue
            sent += 1
            self.committed += 1

    async def integrate(self) -> None:
        """The loop of Integrator.run: whole batches back to back, then a pause."""
        from audit.integrator import BATCH

        while not self.stop.is_set():
            while (done := await self.integrator.integrate_once()) > 0:
                self.integrated += done
                if done < BATCH:
                    break
            await asyncio.sleep(INTERVAL_S)

    def snapshot(self) -> tuple[float, int, int]:
        return time.perf_counter(), self.committed, self.integrated


async def _latency(since: dt.datetime) -> dict[str, float]:
    """Event creation to integration, over every event of the run (p50/p99 in ms)."""
    from audit.tables import AuditEvent

    rows = await AuditEvent.raw(
        "SELECT e.created_at, l.integrated_at FROM audit_event e "
        "JOIN audit_leaf l ON l.event_id = e.event_id "
        "WHERE e.action = 'audit.read' AND e.entity_type = 'bench' AND e.created_at >= {}",
        since,
    )
    lags = [(r["integrated_at"] - r["created_at"]).total_seconds() * 1000 for r in rows]
    return {"p50_ms": percentile(lags, 50), "p99_ms": percentile(lags, 99)} if lags else {}


async def _pending() -> int:
    from audit.tables import AuditEvent

    rows = await AuditEvent.raw(
        "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
        "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
    )
    return int(rows[0]["n"])


async def _keep_session(connection: Any) -> None:
    """As `ropa.db.open_pool`: a released connection is not reset (the service keeps no session state)."""


async def _open(engine_name: str) -> None:
    from ropa import db

    if engine_name == "postgres":  # open_pool() caps the pool at 10; every writer gets a connection here
        engine: Any = db.get_engine()  # a PostgresEngine: its pool takes asyncpg's options
        await engine.start_connection_pool(min_size=WRITERS + 2, max_size=WRITERS + 4, reset=_keep_session)
    else:
        await db.open_pool()


async def _run(engine_name: str, profile: bool, mode: str = "append") -> dict[str, Any]:
    from audit.integrator import Integrator
    from ropa import db
    from ropa.auditing.keys import get_signer
    from ropa.settings import get_settings

    await _open(engine_name)
    try:
        settings = get_settings()  # the key file lives in the throwaway dir
        integrator = Integrator(get_signer(settings), settings.audit_origin, 1000, 60.0)
        await integrator.integrate_all()  # the migration's vocabulary events, before the clock starts
        started = dt.datetime.now(dt.UTC)
        load = Load(integrator, mode)
        tasks = [asyncio.create_task(load.writer(i)) for i in range(WRITERS)]
        tasks.append(asyncio.create_task(load.integrate()))
        await asyncio.sleep(WARMUP_S)
        t0, c0, i0 = load.snapshot()
        profiler = Profiler()
        with CpuMeter() as cpu:
            if profile:
                await asyncio.sleep(DURATION_S - PROFILE_S)
                with profiler:
                    await asyncio.sleep(PROFILE_S)
            else:
                await asyncio.sleep(DURATION_S)
        t1, c1, i1 = load.snapshot()
        load.stop.set()
        await asyncio.gather(*tasks)
        lag_at_end = await _pending()
        drain_started = time.perf_counter()
        drained = await integrator.integrate_all(timeout=120)
        drain_s = time.perf_counter() - drain_started
        seconds = t1 - t0
        result: dict[str, Any] = {
            "mode": mode,
            "writers": WRITERS,
            "seconds": seconds,
            "committed_per_s": (c1 - c0) / seconds,
            "integrated_per_s": (i1 - i0) / seconds,
            "committed_total": load.committed,
            "lag_at_end_events": lag_at_end,
            "drain_events": drained,
            "drain_s": drain_s,
            "event_to_leaf": await _latency(started),
            "cpu": cpu.as_dict(),
            "errors": len(load.errors),
            "first_errors": sorted(set(load.errors))[:3],
        }
        if profile:
            result["profile"] = (
                f"cProfile of the benchmark process (writers and integrator on one event loop) for "
                f"the last {PROFILE_S:.0f} s of the window; the figures above include that slowdown\n\n"
                + "-- by own time --\n"
                + profiler.top(30)
                + "\n\n-- by cumulative time --\n"
                + profiler.top(30, "cumulative")
            )
    finally:
        await db.close_pool()
    return result


async def _bound() -> dict[str, Any]:
    """The ceiling of the writers on this machine and loop: raw asyncpg, nothing else.

    64 connections of their own (no pool, no ORM), each looping BEGIN; one INSERT; COMMIT into a
    copy of audit_event (its columns, defaults and indexes; its triggers fire on UPDATE and DELETE
    only). The row is one `audit.log.event_values` row per writer, built once: no event building,
    no integrator. `ropa.db.write_transaction` + `audit.log.record` do the same three round trips
    and more work around them, so on the same loop their rate should not exceed this one.
    """
    import asyncpg

    from audit import log as audit_log

    url = os.environ["ROPA_DATABASE_URL"]
    admin = await asyncpg.connect(url)
    await admin.execute("DROP TABLE IF EXISTS bound_event")
    await admin.execute("CREATE TABLE bound_event (LIKE audit_event INCLUDING ALL)")
    connections = [await asyncpg.connect(url) for _ in range(WRITERS)]
    committed = 0
    stop = asyncio.Event()

    async def writer(connection: Any, number: int) -> None:
        nonlocal committed
        values = audit_log.event_values(
            "audit.read",
            entity_type="bench",
            entity_id=f"writer-{number}",
            entity_version=0,
            details={"writer": number, "n": 0, "note": "concurrent append benchmark"},
        )
        marks = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        sql = f"INSERT INTO bound_event ({', '.join(values)}) VALUES ({marks})"
        row = list(values.values())
        while not stop.is_set():
            async with connection.transaction():
                await connection.execute(sql, *row)
            committed += 1

    try:
        tasks = [asyncio.create_task(writer(c, i)) for i, c in enumerate(connections)]
        await asyncio.sleep(WARMUP_S)
        t0, c0 = time.perf_counter(), committed
        with CpuMeter() as cpu:
            await asyncio.sleep(DURATION_S)
        t1, c1 = time.perf_counter(), committed
        stop.set()
        await asyncio.gather(*tasks)
        return {"committed_per_s": (c1 - c0) / (t1 - t0), "cpu": cpu.as_dict()}
    finally:
        for connection in connections:
            await connection.close()
        await admin.execute("DROP TABLE IF EXISTS bound_event")
        await admin.close()


def _brief(result: dict[str, Any]) -> dict[str, Any]:
    keys = ("committed_per_s", "integrated_per_s", "lag_at_end_events", "drain_s", "event_to_leaf", "cpu")
    return {key: result[key] for key in keys} | {"errors": result["errors"]}


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "appends") as env:
        migrate(env)
        quiet_logs()
        headline, *others = LOOPS
        result = on_loop(headline, lambda: _run(args.engine, profile=False))
        result["loop"] = headline
        # The other loop on the same database: its log is longer by the first run's events.
        result["loops"] = {
            headline: _brief(result),
            **{loop: _brief(on_loop(loop, lambda: _run(args.engine, profile=False))) for loop in others},
        }
        # Each event in a write transaction of its own, as a register change commits (reference).
        result["in_transaction"] = _brief(on_loop(headline, lambda: _run(args.engine, False, "transaction")))
        if args.engine == "postgres":
            result["bound"] = {loop: on_loop(loop, _bound) for loop in LOOPS}
        missed = args.engine == "postgres" and result["integrated_per_s"] < TARGET
        if args.profile or missed:  # a second run, profiled, so the timed one stays clean
            result["profile"] = on_loop(headline, lambda: _run(args.engine, profile=True))["profile"]
        write_result(args.out, {"figure": "appends", "engine": args.engine, **result})


if __name__ == "__main__":
    main()
