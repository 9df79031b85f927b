"""Helpers shared by the audit-log integration tests: integrate, verify, raw SQL, tampering, CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from typing import Any

import msgspec

from audit import db as audit_db
from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from audit.integrator import Integrator
from audit.merkle import leaf_hash, node_hash
from audit.tables import AuditEvent
from audit.verify_db import Report, verify_log
from ropa.auditing.keys import get_signer
from ropa.records import services
from ropa.records.catalog import REGISTRY
from ropa.settings import get_settings
from tests.conftest import ENGINE, ROOT, _pg_url, run

# --- the log ---------------------------------------------------------------------------------


def signer() -> Signer:
    return get_signer(get_settings())


def verifier_key() -> str:
    return signer().verifier_key()


def new_integrator(**options: Any) -> Integrator:
    """A fresh integrator with the service's key and origin (no in-memory state from other tests)."""
    return Integrator(signer(), get_settings().audit_origin, **options)


def integrate(checkpoint: bool = True, **options: Any) -> int:
    return int(run(new_integrator(**options).integrate_all(checkpoint=checkpoint)))


def verify() -> Report:
    return run(verify_log(verifier_key()))


def sql(query: str, *args: Any) -> list[dict[str, Any]]:
    """Raw SQL through Piccolo, ``{}`` placeholders."""
    return list(run(AuditEvent.raw(query, *args).run()))


def leaves() -> list[dict[str, Any]]:
    rows = sql("SELECT seq, event_id, integrated_at, leaf_bytes, leaf_hash FROM audit_leaf ORDER BY seq")
    for row in rows:
        row["leaf_hash"] = bytes(row["leaf_hash"])
    return rows


def events() -> list[dict[str, Any]]:
    return sql("SELECT * FROM audit_event ORDER BY event_id")


def checkpoints() -> list[dict[str, Any]]:
    rows = sql("SELECT tree_size, root_hash, note FROM audit_checkpoint ORDER BY tree_size")
    for row in rows:
        row["root_hash"] = bytes(row["root_hash"])
    return rows


def assert_writes_kept(created: Iterable[str], updated: Iterable[tuple[str, int]]) -> None:
    """Every acknowledged processor create and update is stored with its audit event; and, acknowledged
    or not (cut off by a crash or an outage), every stored version has exactly one event."""
    stored = {str(r["id"]): r["version"] for r in sql("SELECT id, version FROM processor")}
    processor_events = [e for e in events() if e["entity_type"] == "processor"]
    audited = {(e["entity_id"], e["entity_version"]) for e in processor_events}
    for record_id in created:
        assert record_id in stored, "an acknowledged create was lost"
        assert (record_id, 1) in audited, "an acknowledged create has no audit event"
    for record_id, version in updated:
        assert stored[record_id] >= version, "an acknowledged update was lost"
        assert (record_id, version) in audited, "an acknowledged update has no audit event"
    for record_id, version in stored.items():
        assert {(record_id, v) for v in range(1, version + 1)} <= audited
    assert len(processor_events) == sum(stored.values())


def tree_size() -> int:
    return int(sql("SELECT COUNT(*) AS n FROM audit_leaf")[0]["n"])


# --- tampering with the append-only triggers bypassed -------------------------------------------


async def _tamper(statements: list[tuple[str, tuple[Any, ...]]]) -> None:
    async with audit_db.engine().transaction():
        if ENGINE == "postgres":
            # What a superuser (or a replication tool) can do: triggers do not fire in replica mode.
            await AuditEvent.raw("SET LOCAL session_replication_role = replica")
            for query, args in statements:
                await AuditEvent.raw(query, *args)
            return
        triggers = await AuditEvent.raw("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        for trigger in triggers:
            await AuditEvent.raw(f'DROP TRIGGER "{trigger["name"]}"')
        for query, args in statements:
            await AuditEvent.raw(query, *args)
        for trigger in triggers:
            await AuditEvent.raw(trigger["sql"])


def tamper(*statements: tuple[str, tuple[Any, ...]] | str) -> None:
    """Run UPDATE/DELETE/INSERT on audit tables as someone who can switch the triggers off."""
    run(_tamper([(s, ()) if isinstance(s, str) else s for s in statements]))


def relink(seq: int, leaf: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """Statements that store ``leaf`` at ``seq`` with a matching leaf hash (a careful forger)."""
    data = canonical_json(leaf)
    return [
        (
            "UPDATE audit_leaf SET leaf_bytes = {}, leaf_hash = {} WHERE seq = {}",
            (data.decode(), leaf_hash(data), seq),
        )
    ]


def rebuilt_nodes(hashes: list[bytes]) -> list[tuple[str, tuple[Any, ...]]]:
    """Statements that rewrite every stored subtree hash to match ``hashes`` (leaf hashes)."""
    statements = []
    level, row = 0, hashes
    while len(row) > 1:
        level += 1
        row = [node_hash(row[i], row[i + 1]) for i in range(0, len(row) - 1, 2)]
        statements += [
            ("UPDATE audit_node SET hash = {} WHERE node_id = {}", (h, audit_db.node_id((level, i))))
            for i, h in enumerate(row)
        ]
    return statements


def signed_note(size: int, root: bytes, key: Signer | None = None) -> str:
    cp = Checkpoint(get_settings().audit_origin, size, root, "2030-01-01T00:00:00Z")
    return sign_checkpoint(cp, key or signer())


# --- register records ------------------------------------------------------------------------


def editable(kind_name: str, item: dict[str, Any]) -> dict[str, Any]:
    """The fields of a record a client sends back in an update (with its version)."""
    fields = REGISTRY[kind_name].update.__struct_fields__
    return {k: v for k, v in item.items() if k in fields}


def update_record(kind_name: str, record_id: str, **changes: Any) -> Any:
    kind = REGISTRY[kind_name]
    current = msgspec.to_builtins(run(services.get(kind, record_id)))
    payload = {**editable(kind_name, current), **changes}
    return run(services.update(kind, record_id, msgspec.convert(payload, kind.update)))


def create_record(kind_name: str, **fields: Any) -> Any:
    kind = REGISTRY[kind_name]
    return run(services.create(kind, msgspec.convert(fields, kind.create)))


def record_ids(kind_name: str) -> list[str]:
    table = REGISTRY[kind_name].table._meta.tablename
    return [str(r["id"]) for r in sql(f"SELECT id FROM {table} ORDER BY key")]


# --- processes -------------------------------------------------------------------------------


def db_env(database: str) -> dict[str, str]:
    """Environment that points a ``python -m ropa`` process at the test database and keys."""
    settings = get_settings()
    env = {
        **os.environ,
        "ROPA_AUDIT_KEY_FILE": settings.audit_key_file,
        "ROPA_SOURCE_HASH_KEY_FILE": settings.source_hash_key_file,
    }
    if ENGINE == "postgres":
        env["ROPA_DATABASE_URL"] = _pg_url(database)
    else:
        env.pop("ROPA_DATABASE_URL", None)
        env["ROPA_SQLITE_PATH"] = database
    return env


def ropa_cli(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env=db_env(database),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def create_processors(entity: str, keys: list[str]) -> None:
    """Many processors, one after another in one event loop (faster than one loop per record)."""
    kind = REGISTRY["processor"]

    async def go() -> None:
        for key in keys:
            await services.create(
                kind, msgspec.convert({"entity": entity, "key": key, "name": key}, kind.create)
            )

    run(go())
