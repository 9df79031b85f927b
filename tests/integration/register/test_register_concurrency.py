"""Many writers at once, through the services in one event loop: nothing lost, nothing doubled."""

import asyncio

from audit import query
from ropa.errors import Conflict, Invalid
from ropa.records import listing, services
from ropa.records.catalog import ACTIVITY, ENTITY, RECIPIENT
from tests.conftest import run

N = 30


async def _entity(key="ACME"):
    return await services.create(ENTITY, ENTITY.create(key=key, legal_name=f"{key} A/S", country="DK"))


def _activity(key, **fields):
    return ACTIVITY.create(entity="ACME", key=key, name=f"Activity {key}", **fields)


def _update(record, **changes):
    fields = {f: getattr(record, f) for f in ACTIVITY.data.__struct_fields__}
    return ACTIVITY.update(**{**fields, **changes}, version=record.version)


async def _events(action):
    events, _ = await query.page(query.EventFilter(action=action), limit=10_000, with_body=False)
    return events


def _failures(results):
    return [r for r in results if isinstance(r, BaseException)]


def test_concurrent_creates_all_land(database):
    async def scenario():
        await _entity()
        results = await asyncio.gather(
            *(services.create(ACTIVITY, _activity(f"PA-{i:02d}")) for i in range(N)), return_exceptions=True
        )
        page = await listing.list_records(ACTIVITY, entity="ACME", limit=500)
        return results, page, await _events("activity.create")

    results, page, events = run(scenario())
    assert _failures(results) == []
    assert sorted(r.key for r in page.items) == [f"PA-{i:02d}" for i in range(N)]
    assert len({r.id for r in results}) == N
    assert sorted(e["entity_id"] for e in events) == sorted(r.id for r in results)


def test_concurrent_updates_of_different_records_all_land(database):
    async def scenario():
        await _entity()
        created = [await services.create(ACTIVITY, _activity(f"PA-{i:02d}")) for i in range(N)]
        results = await asyncio.gather(
            *(services.update(ACTIVITY, r.id, _update(r, name=f"Renamed {r.key}")) for r in created),
            return_exceptions=True,
        )
        stored = [await services.get(ACTIVITY, r.id) for r in created]
        return results, stored, await _events("activity.update")

    results, stored, events = run(scenario())
    assert _failures(results) == []
    assert all(r.version == 2 and r.name == f"Renamed {r.key}" for r in stored)
    assert len(events) == N


def test_concurrent_creates_and_updates_mixed(database):
    async def scenario():
        await _entity()
        existing = [await services.create(ACTIVITY, _activity(f"OLD-{i:02d}")) for i in range(N // 2)]
        writes = [services.create(ACTIVITY, _activity(f"NEW-{i:02d}")) for i in range(N // 2)]
        writes += [services.update(ACTIVITY, r.id, _update(r, status="in_review")) for r in existing]
        results = await asyncio.gather(*writes, return_exceptions=True)
        return results, await listing.list_records(ACTIVITY, limit=500)

    results, page = run(scenario())
    failures = _failures(results)
    assert not any("locked" in str(f) for f in failures), failures
    assert failures == []
    statuses = {r.key: r.status for r in page.items}
    assert len(statuses) == N
    assert {s for k, s in statuses.items() if k.startswith("OLD")} == {"in_review"}
    assert {s for k, s in statuses.items() if k.startswith("NEW")} == {"draft"}


def test_two_updates_with_the_same_version_exactly_one_wins(database):
    async def scenario():
        await _entity()
        record = await services.create(ACTIVITY, _activity("PA-01"))
        outcomes = []
        for round_ in range(5):
            current = await services.get(ACTIVITY, record.id)
            outcomes.append(
                await asyncio.gather(
                    services.update(ACTIVITY, record.id, _update(current, name=f"left {round_}")),
                    services.update(ACTIVITY, record.id, _update(current, name=f"right {round_}")),
                    return_exceptions=True,
                )
            )
        return outcomes, await services.get(ACTIVITY, record.id), await _events("activity.update")

    outcomes, final, events = run(scenario())
    for pair in outcomes:
        winners = [r for r in pair if not isinstance(r, BaseException)]
        losers = [r for r in pair if isinstance(r, BaseException)]
        assert len(winners) == 1 and len(losers) == 1, pair
        assert isinstance(losers[0], Conflict), losers
    assert final.version == 1 + len(outcomes)
    assert final.name == winners[0].name
    assert [e["entity_version"] for e in events] == [2, 3, 4, 5, 6]


def test_concurrent_creates_of_the_same_key_one_wins_others_conflict_on_key(database):
    async def scenario():
        await _entity()
        return await asyncio.gather(
            *(services.create(ACTIVITY, _activity("PA-SAME")) for _ in range(8)), return_exceptions=True
        )

    results = run(scenario())
    losers = _failures(results)
    assert len(results) - len(losers) == 1
    assert all(isinstance(e, Conflict) and e.invalid_params[0]["name"] == "key" for e in losers), losers


def test_retire_racing_a_new_reference_never_both_succeed(database):
    async def scenario():
        await _entity()
        both = []
        for i in range(20):
            recipient = await services.create(
                RECIPIENT, RECIPIENT.create(entity="ACME", key=f"R-{i}", name="r", kind="processor")
            )
            retire, reference = await asyncio.gather(
                services.retire(RECIPIENT, recipient.id, None),
                services.create(ACTIVITY, _activity(f"PA-{i}", recipients=[f"R-{i}"])),
                return_exceptions=True,
            )
            for outcome in (retire, reference):
                assert not isinstance(outcome, BaseException) or isinstance(outcome, Conflict | Invalid), (
                    outcome
                )
            if not isinstance(retire, BaseException) and not isinstance(reference, BaseException):
                both.append(i)
        return both

    assert run(scenario()) == []
