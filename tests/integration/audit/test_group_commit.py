"""Events that record no change of their own (a read, an export, a sign-in) are committed in groups:
every caller is answered only once its event is stored, one faulty event fails alone, and inside a
transaction the event commits (or rolls back) with it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from audit import log as audit_log
from audit.context import Actor, reset_actor, set_actor
from ropa.db import read_snapshot, write_transaction
from ropa.errors import WriteInReadSnapshot
from tests.conftest import ENGINE, run
from tests.integration.audit.support import events, sql


async def _append_many(count: int, action: str = "audit.read") -> list[BaseException | None]:
    async def one(number: int) -> None:
        token = set_actor(Actor(id=f"user-{number}", type="user"))
        try:
            await audit_log.append(action, entity_type="test", entity_id=f"e-{number}", details={"n": number})
        finally:
            reset_actor(token)

    return await asyncio.gather(*(one(i) for i in range(count)), return_exceptions=True)


def _stored(action: str) -> dict[str, dict[str, Any]]:
    return {e["entity_id"]: e for e in events() if e["action"] == action}


def test_concurrent_events_are_each_stored_once_with_their_own_actor(database: str) -> None:
    assert run(_append_many(150)) == [None] * 150
    stored = _stored("audit.read")
    assert sorted(stored) == sorted(f"e-{i}" for i in range(150))
    assert all(e["actor_id"] == f"user-{e['entity_id'][2:]}" for e in stored.values())


def test_faulty_events_fail_alone_and_the_others_of_their_group_are_stored(database: str) -> None:
    if ENGINE == "postgres":
        sql(
            "CREATE FUNCTION reject_bad() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN IF NEW.entity_id IN ('e-7', 'e-8') THEN RAISE EXCEPTION 'refused'; END IF; "
            "RETURN NEW; END$$"
        )
        sql(
            "CREATE TRIGGER reject_bad BEFORE INSERT ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION reject_bad()"
        )
    else:
        sql(
            "CREATE TRIGGER reject_bad BEFORE INSERT ON audit_event WHEN NEW.entity_id IN ('e-7', 'e-8') "
            "BEGIN SELECT RAISE(ABORT, 'refused'); END"
        )
    outcomes = run(_append_many(40))
    assert [i for i, outcome in enumerate(outcomes) if outcome is not None] == [7, 8]
    assert "refused" in str(outcomes[7]) and "refused" in str(outcomes[8])
    assert outcomes[7] is not outcomes[8]  # each caller raises its own error
    assert sorted(_stored("audit.read")) == sorted(f"e-{i}" for i in range(40) if i not in (7, 8))


def test_inside_a_transaction_the_event_rolls_back_with_it(database: str) -> None:
    async def failing_change() -> None:
        async with write_transaction():
            await audit_log.append("audit.export", entity_type="test", entity_id="rolled-back")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        run(failing_change())
    assert "rolled-back" not in _stored("audit.export")


def test_inside_a_read_snapshot_it_is_refused_as_every_write_is(database: str) -> None:
    async def read_then_log() -> None:
        async with read_snapshot():
            await audit_log.append("database.backup", entity_type="test", entity_id="never")

    with pytest.raises(WriteInReadSnapshot):
        run(read_then_log())
    assert "never" not in _stored("database.backup")


def test_an_event_that_records_a_change_is_refused_and_nothing_is_stored(database: str) -> None:
    """A change's event belongs in the change's transaction (``record``): group commit would store it
    apart from the change, and the findings' cache would not see the change."""
    with pytest.raises(ValueError, match="records a change"):
        run(audit_log.append("processor.update", entity_type="test", entity_id="not-stored"))
    assert "not-stored" not in _stored("processor.update")
