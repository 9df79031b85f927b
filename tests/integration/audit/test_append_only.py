"""The database refuses to change or remove audit rows; without its triggers the service will not start."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from audit.guard import AUDIT_TABLES, AuditTriggersMissing, expected_triggers, missing_triggers
from ropa.app import create_app
from tests.conftest import ENGINE, run
from tests.integration.audit.support import integrate, sql, verify

POSTGRES = ENGINE == "postgres"
# A column of each table to try to overwrite (with its own value: even a no-op update is refused).
COLUMN = {
    "audit_event": "reason",
    "audit_leaf": "leaf_bytes",
    "audit_node": "hash",
    "audit_checkpoint": "note",
}
KEY = {
    "audit_event": "event_id",
    "audit_leaf": "seq",
    "audit_node": "node_id",
    "audit_checkpoint": "tree_size",
}


def _counts() -> dict[str, int]:
    return {t: int(sql(f"SELECT COUNT(*) AS n FROM {t}")[0]["n"]) for t in AUDIT_TABLES}


def _table_of(trigger: str) -> str:
    return trigger.rsplit("_no_", 1)[0]


def _drop(trigger: str) -> None:
    sql(f"DROP TRIGGER {trigger} ON {_table_of(trigger)}" if POSTGRES else f"DROP TRIGGER {trigger}")


@pytest.fixture
def integrated(database: str) -> dict[str, int]:
    """A log with rows in every audit table (events, leaves, tree nodes, a checkpoint)."""
    integrate()
    counts = _counts()
    assert all(counts.values()), counts
    return counts


@pytest.mark.parametrize("table", AUDIT_TABLES)
def test_update_delete_and_truncate_are_rejected(integrated: dict[str, int], table: str) -> None:
    first = sql(f"SELECT {KEY[table]} AS k FROM {table} ORDER BY {KEY[table]} LIMIT 1")[0]["k"]
    statements = [
        f"UPDATE {table} SET {COLUMN[table]} = {COLUMN[table]} WHERE {KEY[table]} = {first}",
        f"UPDATE {table} SET {COLUMN[table]} = {COLUMN[table]}",
        f"DELETE FROM {table} WHERE {KEY[table]} = {first}",
        f"DELETE FROM {table}",  # SQLite's truncate optimisation must not skip the trigger
    ]
    if POSTGRES:
        statements.append(f"TRUNCATE {table}")
    for statement in statements:
        with pytest.raises(Exception, match="append-only") as raised:
            sql(statement)
        assert table in str(raised.value)
    assert _counts() == integrated
    assert verify().ok


def _refuses_to_start() -> BaseException:
    with pytest.raises(BaseException) as raised:  # noqa: PT011 - Litestar wraps it in an ExceptionGroup
        with TestClient(create_app(pool=False, integrator=False)):
            pass
    error: Any = raised.value
    if isinstance(error, BaseExceptionGroup):
        matched, _ = error.split(AuditTriggersMissing)
        assert matched is not None, repr(error)
        error = matched.exceptions[0]
    assert isinstance(error, AuditTriggersMissing)
    return error


@pytest.mark.parametrize("trigger", sorted(expected_triggers(POSTGRES)))
def test_a_dropped_trigger_is_reported_and_blocks_start_up(client: Any, trigger: str) -> None:
    assert client.get("/api/audit/verify").json()["ok"] is True
    _drop(trigger)

    report = verify()
    assert not report.ok
    assert report.error == f"append-only triggers are missing: {trigger}"
    served = client.get("/api/audit/verify")
    assert served.status_code == 200
    assert served.json()["ok"] is False and trigger in served.json()["error"]
    assert trigger in str(_refuses_to_start())


def test_without_its_trigger_a_table_can_be_rewritten(integrated: dict[str, int]) -> None:
    """Why the self-check matters: with the trigger gone, the database no longer protects the log."""
    _drop("audit_event_no_mutation" if POSTGRES else "audit_event_no_update")
    sql("UPDATE audit_event SET reason = 'edited' WHERE event_id = 1")
    report = verify()
    assert not report.ok and "audit_event_no_" in (report.error or "")


@pytest.mark.skipif(not POSTGRES, reason="PostgreSQL can disable a trigger without dropping it")
def test_a_disabled_trigger_counts_as_missing(database: str) -> None:
    sql("ALTER TABLE audit_leaf DISABLE TRIGGER audit_leaf_no_mutation")
    assert run(missing_triggers()) == ["audit_leaf_no_mutation"]
    _refuses_to_start()


@pytest.mark.skipif(not POSTGRES, reason="replica-only triggers exist only on PostgreSQL")
def test_a_replica_only_trigger_counts_as_missing(database: str) -> None:
    sql("ALTER TABLE audit_event ENABLE REPLICA TRIGGER audit_event_no_mutation")
    sql("UPDATE audit_event SET reason = 'edited' WHERE event_id = 1")  # the trigger did not fire
    assert run(missing_triggers()) == ["audit_event_no_mutation"]


def _neuter_audit_event_trigger() -> None:
    """Keep the trigger's name but let it allow everything."""
    if POSTGRES:
        sql(
            "CREATE OR REPLACE FUNCTION audit_block() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN RETURN COALESCE(NEW, OLD); END$$"
        )
    else:
        _drop("audit_event_no_update")
        sql("CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event BEGIN SELECT 1; END")


def test_a_trigger_that_blocks_nothing_is_reported(integrated: dict[str, int]) -> None:
    _neuter_audit_event_trigger()
    sql("UPDATE audit_event SET reason = reason WHERE event_id = 1")  # the database lets it through
    assert run(missing_triggers()), "the self-check still calls the log append-only"
