"""The load figure's nothing-lost check (bench/load.py) catches what it claims to catch."""

from __future__ import annotations

from collections import Counter

from bench.load import Ledger, check


def _ledger() -> Ledger:
    ledger = Ledger()
    ledger.created = {"a": "LOAD-0-1", "b": "LOAD-0-2"}
    ledger.updated = [("a", 2)]
    ledger.statuses["create_processor"][201] = 2
    ledger.statuses["update_processor"][200] = 1
    return ledger


STORED = {"a": ("LOAD-0-1", 2), "b": ("LOAD-0-2", 1)}
AUDITED = Counter({("a", 1): 1, ("a", 2): 1, ("b", 1): 1})


def test_a_consistent_run_passes() -> None:
    assert check(_ledger(), STORED, AUDITED) == []


def test_a_lost_create_a_lost_update_and_a_missing_event_are_reported() -> None:
    stored = {"a": ("LOAD-0-1", 1)}
    audited = Counter({("a", 1): 1})
    problems = check(_ledger(), stored, audited)
    assert any("LOAD-0-2" in p and "not in the register" in p for p in problems)
    assert any("update a v2 is not in the register" in p for p in problems)
    assert any("update a v2 has 0 audit events" in p for p in problems)


def test_duplicates_server_errors_and_dropped_connections_are_reported() -> None:
    ledger = _ledger()
    ledger.statuses["list_activities"][503] = 2
    ledger.errors["ReadTimeout"] = 1
    stored = {**STORED, "c": ("LOAD-0-1", 1)}
    audited = AUDITED + Counter({("c", 1): 1, ("b", 1): 1})
    problems = check(ledger, stored, audited)
    assert "processor LOAD-0-1 stored 2 times" in problems
    assert "acknowledged create LOAD-0-2 has 2 audit events" in problems
    assert "2 × 503 on list_activities" in problems
    assert "1 × ReadTimeout (no answer)" in problems
