"""Attacks found in review: hidden events, toothless triggers, foreign checkpoints, a swapped key."""

import datetime as dt
from typing import Any

import pytest

from audit import log as audit_log
from audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from audit.guard import missing_triggers
from audit.integrator import Integrator, KeyMismatch
from audit.tables import AuditLeaf
from audit.verify_db import verify_log
from ropa.db import write_transaction
from ropa.settings import get_settings
from tests.conftest import ENGINE, run
from tests.integration.audit.support import integrate, signer, sql, tamper, tree_size, verifier_key, verify


def test_a_leaf_outside_the_log_cannot_hide_a_future_event(demo_client: Any) -> None:
    integrate()
    next_event = sql("SELECT MAX(event_id) AS n FROM audit_event")[0]["n"] + 1
    # AuditLeaf INSERT is allowed to the application role, so no trigger needs bypassing.
    run(
        AuditLeaf.insert(
            AuditLeaf(
                seq=-1,
                event_id=next_event,
                integrated_at=dt.datetime.now(dt.UTC),
                leaf_bytes="{}",
                leaf_hash=b"\0" * 32,
            )
        ).run()
    )
    assert (
        demo_client.post(
            "/api/entities", json={"key": "HIDDEN", "legal_name": "H", "country": "DK"}
        ).status_code
        == 201
    )
    integrate()
    report = verify()
    assert not report.ok
    assert "outside" in (report.error or "")


def test_a_trigger_that_fires_on_nothing_is_missing(demo_database: str) -> None:
    assert run(missing_triggers()) == []
    # Same names, but they never fire on a plain UPDATE: what someone with DDL rights could leave.
    if ENGINE == "postgres":
        sql("DROP TRIGGER audit_event_no_mutation ON audit_event")
        sql(
            "CREATE TRIGGER audit_event_no_mutation BEFORE UPDATE OR DELETE ON audit_event FOR EACH ROW "
            "WHEN (false) EXECUTE FUNCTION audit_block()"
        )
        expected = "audit_event_no_mutation"
    else:
        sql("DROP TRIGGER audit_event_no_update")
        sql(
            "CREATE TRIGGER audit_event_no_update BEFORE UPDATE OF reason ON audit_event "
            "BEGIN SELECT RAISE(ABORT, 'x'); END"
        )
        expected = "audit_event_no_update"
    assert run(missing_triggers()) == [expected]


def test_a_checkpoint_of_another_log_is_refused(demo_database: str) -> None:
    integrate()
    size = tree_size()
    root = bytes(sql("SELECT root_hash FROM audit_checkpoint WHERE tree_size = {}", size)[0]["root_hash"])
    assert run(verify_log(verifier_key(), get_settings().audit_origin)).ok
    foreign = sign_checkpoint(
        Checkpoint("other.example/audit/v1", size, root, "2030-01-01T00:00:00Z"), signer()
    )
    tamper(("UPDATE audit_checkpoint SET note = {} WHERE tree_size = {}", (foreign, size)))
    report = run(verify_log(verifier_key(), get_settings().audit_origin))
    assert not report.ok and "another log" in (report.error or "")


def test_the_integrator_refuses_to_sign_with_another_key(demo_database: str) -> None:
    integrate()
    run(_one_event())
    stranger = Integrator(Signer.generate("stranger"), get_settings().audit_origin)
    with pytest.raises(KeyMismatch):
        run(stranger.integrate_all(checkpoint=True))
    assert verify().ok


async def _one_event() -> None:
    async with write_transaction():
        await audit_log.record("test.event", entity_type="test", entity_id="x")
