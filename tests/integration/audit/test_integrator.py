"""The integrator: gap-free sequence, each event once, monotonic time, checkpoint cadence, concurrency."""

from __future__ import annotations

import asyncio
import datetime as dt
import types
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest

import audit.integrator as integrator_module
from audit.leaf import timestamp
from audit.verify_db import verify_log
from ropa.records import services
from ropa.records.catalog import REGISTRY
from tests.conftest import run
from tests.integration.audit.support import (
    checkpoints,
    create_processors,
    create_record,
    events,
    integrate,
    leaves,
    new_integrator,
    record_ids,
    ropa_cli,
    tree_size,
    update_record,
    verifier_key,
    verify,
)


def _new_entity(key: str = "ACME-DK") -> str:
    return str(create_record("entity", key=key, legal_name="Acme Danmark ApS", country="DK").id)


def _processors(entity: str, start: int, count: int) -> None:
    create_processors(entity, [f"P-{n:03d}" for n in range(start, start + count)])


def assert_log_complete() -> list[dict[str, Any]]:
    """Leaves are seq 0..n-1, each names its own seq and event, and every event has exactly one."""
    rows = leaves()
    assert [r["seq"] for r in rows] == list(range(len(rows)))
    for row in rows:
        leaf = msgspec.json.decode(row["leaf_bytes"])
        assert (leaf["seq"], leaf["event_id"]) == (row["seq"], row["event_id"])
    assert sorted(r["event_id"] for r in rows) == [e["event_id"] for e in events()]
    report = verify()
    assert report.ok, report.summary()
    assert (report.tree_size, report.pending_events) == (len(rows), 0)
    return rows


def test_every_event_gets_the_next_seq_exactly_once(database: str) -> None:
    first = integrate()
    assert first == len(events()) > 0
    entity = _new_entity()
    _processors(entity, 0, 5)
    assert integrate() == 6
    assert integrate() == 0  # nothing pending: nothing integrated twice
    rows = assert_log_complete()
    assert len(rows) == first + 6


class _Clock:
    """A wall clock that can be set back: each reading is one second earlier than the last."""

    def __init__(self, start: dt.datetime) -> None:
        self.current = start

    def readings(self) -> Iterator[dt.datetime]:
        while True:
            self.current -= dt.timedelta(seconds=1)
            yield self.current


def _patch_clock(monkeypatch: pytest.MonkeyPatch, clock: _Clock) -> None:
    readings = clock.readings()

    class BackwardsDatetime(dt.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> dt.datetime:  # type: ignore[override]
            return next(readings)

    monkeypatch.setattr(
        integrator_module, "dt", types.SimpleNamespace(datetime=BackwardsDatetime, UTC=dt.UTC)
    )


def _clock_runs_backwards(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = _Clock(dt.datetime.now(dt.UTC))
    _patch_clock(monkeypatch, clock)
    integrate()
    entity = _new_entity()
    _processors(entity, 0, 3)
    clock.current -= dt.timedelta(hours=1)  # an NTP step back, then a restart with a new integrator
    integrate()


def test_integrated_at_never_decreases_when_the_clock_goes_back(database: str, monkeypatch) -> None:
    _clock_runs_backwards(monkeypatch)
    rows = assert_log_complete()
    times = [r["integrated_at"] for r in rows]
    assert times == sorted(times)
    for row in rows:
        assert msgspec.json.decode(row["leaf_bytes"])["integrated_at"] == timestamp(row["integrated_at"])


def test_checkpoint_time_never_decreases_when_the_clock_goes_back(database: str, monkeypatch) -> None:
    _clock_runs_backwards(monkeypatch)
    rows = leaves()
    stamped = [c["note"].split("\ntime ", 1)[1].split("\n", 1)[0] for c in checkpoints()]
    assert len(stamped) == 2 and stamped == sorted(stamped)
    for cp, time in zip(checkpoints(), stamped, strict=True):
        last_entry = rows[cp["tree_size"] - 1]["integrated_at"]
        assert time >= last_entry.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_checkpoint_every_n_entries_and_on_demand(database: str, monkeypatch) -> None:
    monkeypatch.setattr(integrator_module, "BATCH", 4)
    size = integrate(checkpoint=False, checkpoint_every=10)
    sizes = [c["tree_size"] for c in checkpoints()]
    assert len(sizes) >= size // 13
    steps = [b - a for a, b in zip([0, *sizes], sizes, strict=False)]
    assert all(10 <= step <= 10 + 4 - 1 for step in steps), steps  # at most one batch late, never early
    assert size - sizes[-1] < 10  # nothing left unsigned for N entries or more

    _processors(_new_entity(), 0, 2)
    assert integrate(checkpoint=True, checkpoint_every=10) == 3  # fewer than N, but asked for
    assert checkpoints()[-1]["tree_size"] == size + 3
    integrate(checkpoint=True, checkpoint_every=10)
    assert checkpoints()[-1]["tree_size"] == size + 3 and len(checkpoints()) == len(sizes) + 1
    report = verify()
    assert report.ok and report.checkpoints == len(sizes) + 1, report.summary()


def test_checkpoints_at_exact_multiples_with_single_entry_batches(database: str, monkeypatch) -> None:
    monkeypatch.setattr(integrator_module, "BATCH", 1)
    integrate(checkpoint=False, checkpoint_every=10)
    total = len(events())
    assert total > 100  # the demo register's events
    assert [c["tree_size"] for c in checkpoints()] == list(range(10, total + 1, 10))


def test_checkpoint_after_checkpoint_seconds(database: str, monkeypatch) -> None:
    monkeypatch.setattr(integrator_module, "BATCH", 50)
    integrate(checkpoint=False, checkpoint_every=10_000, checkpoint_seconds=0)
    total = len(events())
    assert 100 < total < 150  # the demo's events: two full batches and a partial one
    assert [c["tree_size"] for c in checkpoints()] == [50, 100, total]


def test_two_integrators_at_once_keep_the_log_gap_free(demo_database: str, monkeypatch) -> None:
    monkeypatch.setattr(integrator_module, "BATCH", 7)
    one, two = new_integrator(checkpoint_every=20), new_integrator(checkpoint_every=20)

    async def both(checkpoint: bool) -> list[int]:
        return list(await asyncio.gather(one.integrate_all(checkpoint), two.integrate_all(checkpoint)))

    # The demo is seeded under a checkpoint already; give both integrators work to race over.
    already = tree_size()
    _processors(_new_entity("ACME-SE"), 100, 40)
    assert sum(run(both(False))) == len(events()) - already == 41
    for n, processor in enumerate(record_ids("processor")[:6]):
        update_record("processor", processor, description=f"Reviewed ({n})")
    _processors(_new_entity(), 0, 30)
    assert sum(run(both(True))) == 37  # the same instances again: their cached trees must catch up
    assert_log_complete()
    assert verify().checkpoints >= 2


def test_forty_concurrent_writers_while_integrating(database: str) -> None:
    entity = _new_entity()
    kind = REGISTRY["processor"]
    integrator = new_integrator(checkpoint_every=10)

    async def write(n: int) -> None:
        payload = msgspec.convert({"entity": entity, "key": f"P-{n:03d}", "name": f"Vendor {n}"}, kind.create)
        await services.create(kind, payload)

    async def scenario() -> Any:
        writers = asyncio.gather(*(write(n) for n in range(40)))
        while not writers.done():
            await integrator.integrate_once()
            await asyncio.sleep(0.01)
        await writers  # re-raises "database is locked" or any other failure
        await integrator.integrate_all(checkpoint=True)
        return await verify_log(verifier_key())

    report = run(scenario())
    assert report.ok, report.summary()
    created = [e for e in events() if e["action"] == "processor.create"]
    assert len(created) == 40 and len({e["entity_id"] for e in created}) == 40
    assert_log_complete()


def test_verify_while_the_integrator_appends_is_not_a_failure(demo_database: str, monkeypatch) -> None:
    """The service verifies while its integrator runs: leaves appended after the verifier read the
    end of the log are the next entries, not leaves outside it."""
    import audit.verify_db as verify_db

    for n, processor in enumerate(record_ids("processor")[:5]):
        update_record("processor", processor, description=f"Verified while growing ({n})")
    before = tree_size()
    real = verify_db._stream

    async def and_then_the_integrator_runs(after: int) -> list[dict[str, Any]]:
        rows = await real(after)
        if not rows:  # the verifier has reached the end of the log: now the integrator commits
            await new_integrator().integrate_all(checkpoint=True)
        return rows

    monkeypatch.setattr(verify_db, "_stream", and_then_the_integrator_runs)
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == before < tree_size() == before + 5
    monkeypatch.undo()
    assert verify().tree_size == before + 5


def test_cli_integrates_and_prints_the_verifier_key(demo_database: str) -> None:
    _processors(_new_entity(), 0, 5)  # the demo is seeded under a checkpoint; add pending events
    pending = len(events()) - tree_size()
    assert pending == 6
    done = ropa_cli(demo_database, "audit", "integrate")
    assert done.returncode == 0 and done.stdout.strip() == f"integrated {pending} events", done.stderr
    assert checkpoints()[-1]["tree_size"] == len(events())
    assert_log_complete()
    key = ropa_cli(demo_database, "audit", "public-key")
    assert key.returncode == 0 and key.stdout.strip() == verifier_key()
