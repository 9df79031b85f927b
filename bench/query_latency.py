"""Figure 6: audit.query latency (record history, actor x month) over 1,000,000 audit events."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import random
import sqlite3
import time
import uuid
from typing import Any

from bench.common import Profiler, Timer, args_for, migrate, percentile, throwaway, write_result

EVENTS = 1_000_000
RECORDS = 20_000  # ~50 events each
ACTORS = 500
SAMPLES = 300
WARMUP = 30
TARGET_MS = 10.0
START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
KINDS = ["activity"] * 5 + ["processor", "recipient", "transfer", "retention_rule", "entity"]
# Event g (1..EVENTS) touches record r = (g-1) % RECORDS at version v = (g-1) // RECORDS + 1; its
# actor is (g*7919) % ACTORS (so every actor acts all year); created_at steps 31.5 s, i.e. 12 months.
_BODY = (
    '\'{"after":{"key":"K-\' || r || \'","name":"Record \' || r || \'","notes":"revision \' || v '
    '|| \'","status":"active"},"before":{"key":"K-\' || r || \'","name":"Record \' || r || '
    '\'","notes":"revision \' || (v - 1) || \'","status":"active"},"details":{}}\''
)
_COLUMNS = (
    "created_at, actor_id, actor_type, request_id, source_ref, action, legal_entity_id, entity_type, "
    "entity_id, entity_version, outcome, reason, body, body_sha256"
)
PG_LOAD = f"""
INSERT INTO audit_event ({_COLUMNS})
SELECT ts, actor, 'user', md5('request-' || g), substr(md5('source-' || (g % 997)), 1, 32),
       kind || CASE WHEN v = 1 THEN '.create' ELSE '.update' END, le, kind, rid, v, 'success', '',
       body, encode(sha256(convert_to(body, 'UTF8')), 'hex')
FROM (
  SELECT g, v, timestamptz '2025-01-01 00:00:00+00' + make_interval(secs => (g * 63) / 2) AS ts,
         'user-' || lpad(((g * 7919) % {ACTORS})::text, 3, '0') AS actor,
         (ARRAY{KINDS!r})[r % 10 + 1] AS kind,
         md5('record-' || r)::uuid::text AS rid, md5('entity-' || (r % 40))::uuid::text AS le,
         {_BODY} AS body
  FROM (SELECT g, (g - 1) % {RECORDS} AS r, (g - 1) / {RECORDS} + 1 AS v
        FROM generate_series(1::bigint, {EVENTS}) AS g) s
) t
"""
SQLITE_LOAD = f"""
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {EVENTS}),
n AS (SELECT g, (g - 1) % {RECORDS} AS r, (g - 1) / {RECORDS} + 1 AS v FROM s),
t AS (
  SELECT g, v, datetime(1735689600 + (g * 63) / 2, 'unixepoch') || '+00:00' AS ts,
         'user-' || printf('%03d', (g * 7919) % {ACTORS}) AS actor,
         kind_of(r) AS kind, uuid_of('record-' || r) AS rid, uuid_of('entity-' || (r % 40)) AS le,
         {_BODY} AS body
  FROM n
)
INSERT INTO audit_event ({_COLUMNS})
SELECT ts, actor, 'user', md5_of('request-' || g), substr(md5_of('source-' || (g % 997)), 1, 32),
       kind || CASE WHEN v = 1 THEN '.create' ELSE '.update' END, le, kind, rid, v, 'success', '',
       body, sha256_of(body)
FROM t
"""


def uuid_of(text: str) -> str:
    """The same id PostgreSQL's md5(text)::uuid::text gives."""
    return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))


async def _load_postgres() -> None:
    import asyncpg

    connection = await asyncpg.connect(os.environ["ROPA_DATABASE_URL"])
    try:
        await connection.execute(PG_LOAD)
        await connection.execute("VACUUM (ANALYZE) audit_event")
    finally:
        await connection.close()


def _load_sqlite() -> None:
    connection = sqlite3.connect(os.environ["ROPA_SQLITE_PATH"])
    try:
        connection.execute("PRAGMA synchronous = OFF")  # a throwaway file; the load is one transaction
        connection.execute("PRAGMA cache_size = -262144")
        connection.create_function("uuid_of", 1, uuid_of, deterministic=True)
        connection.create_function("kind_of", 1, lambda r: KINDS[r % 10], deterministic=True)
        connection.create_function(
            "md5_of", 1, lambda s: hashlib.md5(s.encode()).hexdigest(), deterministic=True
        )
        connection.create_function(
            "sha256_of", 1, lambda s: hashlib.sha256(s.encode()).hexdigest(), deterministic=True
        )
        with connection:
            connection.execute(SQLITE_LOAD)
        connection.execute("ANALYZE")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # so the file size is the table's size
    finally:
        connection.close()


def _size(engine: str) -> int:
    if engine == "sqlite":
        path = os.environ["ROPA_SQLITE_PATH"]
        return sum(os.path.getsize(p) for p in (path, path + "-wal") if os.path.exists(p))
    return 0


async def _pg_size() -> int:
    from audit.tables import AuditEvent

    rows = await AuditEvent.raw("SELECT pg_total_relation_size('audit_event') AS n")
    return int(rows[0]["n"])


def _month(index: int) -> tuple[dt.datetime, dt.datetime]:
    start = START.replace(month=index + 1)
    end = START.replace(year=2026) if index == 11 else START.replace(month=index + 2)
    return start, end


async def _sample(make: Any, samples: int) -> dict[str, Any]:
    for _ in range(WARMUP):
        await make()
    times, rows = [], 0
    for _ in range(samples):
        started = time.perf_counter()
        found = await make()
        times.append((time.perf_counter() - started) * 1000)
        rows += len(found)
    return {
        "samples": samples,
        "p50_ms": percentile(times, 50),
        "p95_ms": percentile(times, 95),
        "p99_ms": percentile(times, 99),
        "mean_rows": rows / samples,
    }


async def _queries(engine: str, profile: bool) -> dict[str, Any]:
    from audit.query import EventFilter, history, page
    from audit.tables import AuditEvent
    from ropa import db

    rng = random.Random(42)  # noqa: S311 - sampling, not security

    async def one_history() -> list[Any]:
        r = rng.randrange(RECORDS)
        return await history(KINDS[r % 10], uuid_of(f"record-{r}"))

    async def one_page() -> list[Any]:
        since, until = _month(rng.randrange(12))
        actor = f"user-{rng.randrange(ACTORS):03d}"
        events, _ = await page(EventFilter(actor_id=actor, since=since, until=until), limit=1000)
        return events

    await db.open_pool()
    try:
        total = await AuditEvent.count()
        result: dict[str, Any] = {
            "events": total,
            "history": await _sample(one_history, SAMPLES),
            "actor_month": await _sample(one_page, SAMPLES),
            "bytes": await _pg_size() if engine == "postgres" else _size(engine),
        }
        missed = [k for k in ("history", "actor_month") if result[k]["p95_ms"] > TARGET_MS]
        if profile or missed:
            with Profiler() as profiler:
                for name in missed or ["history", "actor_month"]:
                    await _sample(one_history if name == "history" else one_page, 50)
            result["profile"] = f"50 queries each of {missed or 'both'} under cProfile\n\n" + profiler.top(25)
    finally:
        await db.close_pool()
    return result


def main() -> None:
    args = args_for(__doc__ or "")
    with throwaway(args.engine, "query") as env:
        migrate(env)
        with Timer() as load:
            if args.engine == "postgres":
                asyncio.run(_load_postgres())
            else:
                _load_sqlite()
        result = asyncio.run(_queries(args.engine, args.profile))
        result.update(figure="query", engine=args.engine, load_s=load.seconds)
        result["bytes_per_event"] = result["bytes"] / result["events"]
        write_result(args.out, result)


if __name__ == "__main__":
    main()
