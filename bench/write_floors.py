"""Figure 3's bounds: what an audited write costs with the service's own work taken away.

The audit event's own work, the least audited write through ropa's write transaction, the least on
ropa's schema with raw sqlite3, and the disk's ceiling of one COMMIT per write (``sqlite_ceiling``).
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from bench.common import percentile

WARMUP = 50
FLOOR_WRITES = 1000  # writes in one round of a floor
FLOOR_ROUNDS = 3  # rounds of the schema's floor; the best is kept (the bound most favourable to the target)
EVENT_CALLS = 2000


def _statements(table: str) -> tuple[str, str]:
    """The read of a record (the event's "before") and its UPDATE, as the floors write them."""
    return (
        f"SELECT data, version, entity FROM {table} WHERE id = ?",
        f"UPDATE {table} SET data = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?",
    )


async def event_cost(kind: Any) -> dict[str, Any]:
    """CPU time of the audit event's own work for one activity update, in this process: its body as
    canonical JSON (before and after) and the body's SHA-256 (``audit.log.event_values``). Every
    audited write does this before its INSERT."""
    import msgspec

    from audit import log as audit_log

    table = kind.table
    row = await table.select(table.id, table.entity, table.data).output(load_json=False).first()
    before = msgspec.json.decode(row["data"])
    after = {**before, "notes": "benchmark revision"}
    fields = {"entity_type": kind.name, "entity_id": str(row["id"]), "legal_entity_id": str(row["entity"])}
    cpu = time.process_time()
    for n in range(EVENT_CALLS):
        values = audit_log.event_values(
            f"{kind.name}.update", entity_version=n + 2, before=before, after=after, **fields
        )
    cpu = time.process_time() - cpu
    return {"calls": EVENT_CALLS, "cpu_ms": cpu / EVENT_CALLS * 1000, "body_bytes": len(values["body"])}


async def transaction_floor(kind: Any, ids: list[str]) -> dict[str, Any]:
    """The least audited write through ropa's own write transaction (``ropa.db.write_transaction``:
    Piccolo's transaction on the SQLite writer, its group commit): read the record, UPDATE it with
    one fixed SQL text, and ``audit.log.record`` its event; no validation, no query built by Piccolo.
    What the service's write would cost with all its own work taken away."""
    import datetime as dt

    import msgspec

    from audit import db as audit_db
    from audit import log as audit_log
    from ropa import db

    select, update = _statements(kind.table._meta.tablename)

    async def write(n: int) -> None:
        record_id = ids[n % len(ids)]
        async with db.write_transaction():
            connection = audit_db._connection()
            (row,) = await connection.execute_fetchall(select, (record_id,))
            before = msgspec.json.decode(row["data"])
            after = {**before, "notes": f"benchmark revision {n}"}
            version = row["version"] + 1
            now = dt.datetime.now(dt.UTC)
            args = (msgspec.json.encode(after).decode(), version, now, record_id, row["version"])
            await connection.execute_fetchall(update, args)
            await audit_log.record(
                f"{kind.name}.update",
                entity_type=kind.name,
                entity_id=record_id,
                entity_version=version,
                legal_entity_id=str(row["entity"]),
                before=before,
                after=after,
            )

    for n in range(WARMUP):
        await write(n)
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(FLOOR_WRITES):
        await write(n)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return {
        "writes": FLOOR_WRITES,
        "writes_per_s": FLOOR_WRITES / seconds,
        "cpu_ms": cpu / FLOOR_WRITES * 1000,
    }


def schema_floor(database: Path, directory: Path, table: str) -> dict[str, Any]:
    """The least audited write on ropa's own schema, with nothing of ropa's Python around it: raw
    sqlite3, no event loop, no ORM, on a copy of the benchmark's database (its tables, indexes and
    triggers), ``synchronous=FULL``. Each write: BEGIN IMMEDIATE; read the record (the event's
    "before"); UPDATE it; the event's canonical JSON and SHA-256 (``audit.log.event_values``);
    INSERT the event; COMMIT. ``FLOOR_ROUNDS`` rounds, the best kept; then the same with the audit
    log's query indexes dropped, to show what they cost."""
    import datetime as dt
    import re

    import msgspec

    from audit import log as audit_log

    insert = re.sub(r"\$(\d+)", r"?\1", audit_log._INSERT)
    select, update = _statements(table)

    def rounds(connection: sqlite3.Connection) -> dict[str, float]:
        ids = [row[0] for row in connection.execute(f"SELECT id FROM {table}")]

        def write(n: int) -> None:
            record_id = ids[n % len(ids)]
            connection.execute("BEGIN IMMEDIATE")
            data, version, entity = connection.execute(select, (record_id,)).fetchone()
            before = msgspec.json.decode(data)
            after = {**before, "notes": f"benchmark revision {n}"}
            now = dt.datetime.now(dt.UTC).isoformat()
            connection.execute(
                update, (msgspec.json.encode(after).decode(), version + 1, now, record_id, version)
            )
            values = audit_log.event_values(
                "processing_activity.update",
                entity_type="processing_activity",
                entity_id=str(record_id),
                entity_version=version + 1,
                legal_entity_id=str(entity),
                before=before,
                after=after,
            )
            values["created_at"] = values["created_at"].isoformat()
            connection.execute(insert, tuple(values[column] for column in audit_log._COLUMNS))
            connection.execute("COMMIT")

        for n in range(WARMUP):
            write(n)
        best: dict[str, float] = {"writes_per_s": 0.0, "cpu_ms": float("inf")}
        for _ in range(FLOOR_ROUNDS):
            started, cpu = time.perf_counter(), time.process_time()
            for n in range(FLOOR_WRITES):
                write(n)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            best["writes_per_s"] = max(best["writes_per_s"], FLOOR_WRITES / seconds)
            best["cpu_ms"] = min(best["cpu_ms"], cpu / FLOOR_WRITES * 1000)
        return best

    out: dict[str, Any] = {"writes": FLOOR_WRITES, "rounds": FLOOR_ROUNDS}
    copy = directory / "schema-floor.sqlite"
    try:
        source = sqlite3.connect(database)
        connection = sqlite3.connect(copy, isolation_level=None)
        source.backup(connection)
        source.close()
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = FULL")
        out["schema"] = rounds(connection)
        indexes = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'audit_event' AND sql IS NOT NULL"
            )
        ]
        for name in indexes:
            connection.execute(f'DROP INDEX "{name}"')
        out["dropped_indexes"] = len(indexes)
        out["no_event_indexes"] = rounds(connection)
        connection.close()
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
    return out


def sqlite_ceiling(directory: Path, synchronous: str, commits: int) -> dict[str, Any]:
    """Raw sqlite3 on this disk, no ropa: BEGIN IMMEDIATE; two INSERTs; COMMIT, in a loop (WAL).

    With ``synchronous=FULL`` each COMMIT waits for an fsync of the WAL: the most writes per
    second that one COMMIT per write can reach here, whatever the code around it."""
    path = directory / f"ceiling-{synchronous.lower()}.sqlite"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA synchronous = {synchronous}")
        connection.execute("CREATE TABLE record (id INTEGER PRIMARY KEY, data TEXT NOT NULL)")
        connection.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        record, event = "r" * 1500, "e" * 2500  # about an activity's JSON and its audit event
        samples = []
        for _ in range(commits):
            started = time.perf_counter()
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("INSERT INTO record (data) VALUES (?)", (record,))
            connection.execute("INSERT INTO event (body) VALUES (?)", (event,))
            connection.execute("COMMIT")
            samples.append(time.perf_counter() - started)
    finally:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return {
        "commits": commits,
        "commits_per_s": commits / sum(samples),
        "p50_ms": percentile(samples, 50) * 1000,
        "p95_ms": percentile(samples, 95) * 1000,
    }
