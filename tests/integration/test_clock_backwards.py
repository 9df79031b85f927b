"""A wall clock that jumps back two hours (an NTP step, a VM restored from a snapshot): nothing
acknowledged is lost, the log verifies, and the times it signs never run backwards.

``time-machine`` moves ``datetime.now``/``time.time`` for the whole process (the test client's
server thread too); ``time.monotonic``, which the integrator's and the sign-in limiter's timers
use, keeps running. The integrator is a new instance at each step, as after a restart.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
import time_machine

from audit.checkpoint import parse_and_verify
from ropa.access import principals
from ropa.access.credentials import create_token, revoke_token
from tests.conftest import run
from tests.integration.audit.support import checkpoints, events, integrate, leaves, verifier_key, verify
from tests.integration.register.register_support import put_body

JUMP = dt.timedelta(hours=2)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The process's wall clock, ticking, from now; ``clock.shift(-JUMP)`` sets it back."""
    with time_machine.travel(_now(), tick=True) as traveller:
        yield traveller


@dataclasses.dataclass
class Writer:
    """Changes made through the API as a user makes them; remembers every acknowledged version."""

    client: Any
    acked: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)  # id -> (path, version)

    def _ack(self, path: str, response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        record: dict[str, Any] = response.json()
        self.acked[record["id"]] = (path, record["version"])
        return record

    def create(self, path: str, **body: Any) -> dict[str, Any]:
        return self._ack(path, self.client.post(f"/api/{path}", json=body), 201)

    def update(self, path: str, record: dict[str, Any], **changes: Any) -> dict[str, Any]:
        response = self.client.put(f"/api/{path}/{record['id']}", json=put_body(record, **changes))
        return self._ack(path, response, 200)

    def retire(self, path: str, record: dict[str, Any]) -> dict[str, Any]:
        response = self.client.delete(f"/api/{path}/{record['id']}", params={"version": record["version"]})
        return self._ack(path, response, 200)


@dataclasses.dataclass
class Story:
    writer: Writer
    records: dict[str, dict[str, Any]]
    start: dt.datetime  # the clock before the first change
    after_v3: dt.datetime  # the clock after the jump, between the first and second change made then


def _changes_across_a_jump(client: Any, clock: time_machine.Traveller) -> Story:
    """Changes; the integrator takes them in and signs 90 s later; the clock jumps back two hours;
    more changes: creates, updates, a retirement."""
    w = Writer(client)
    start = _now()
    entity = w.create("entities", key="CLOCK", legal_name="Clock ApS", country="DK")
    activity = w.create("activities", entity=entity["id"], key="PA-PAY", name="Payroll")
    old = w.create("processors", entity=entity["id"], key="P-OLD", name="Old payroll bureau")
    activity = w.update("activities", activity, name="Payroll v2")
    integrate(checkpoint=False)  # the background integrator, as the changes come in
    clock.shift(90)
    integrate(checkpoint=True)  # its periodic checkpoint, a minute and a half later
    clock.shift(-JUMP)
    activity = w.update("activities", activity, name="Payroll v3")
    after_v3 = _now()
    new = w.create("processors", entity=entity["id"], key="P-NEW", name="New payroll bureau")
    old = w.retire("processors", old)
    entity = w.update("entities", entity, legal_name="Clock Holding ApS")
    records = {"entity": entity, "activity": activity, "old": old, "new": new}
    return Story(w, records, start, after_v3)


def test_nothing_acknowledged_is_lost_and_the_log_verifies(client, clock):
    story = _changes_across_a_jump(client, clock)
    integrate(checkpoint=True)  # a new integrator, as after a restart with the clock behind

    stamps = [e["created_at"] for e in events()]
    assert any(b < a for a, b in itertools.pairwise(stamps)), "the clock did not go back"
    # Every acknowledged version is the stored one, and every version has its audit event.
    logged = {(e["entity_id"], e["entity_version"]) for e in events() if e["outcome"] == "success"}
    for record_id, (path, version) in story.writer.acked.items():
        assert client.get(f"/api/{path}/{record_id}").json()["version"] == version
        assert {(record_id, v) for v in range(1, version + 1)} <= logged
    assert client.get(f"/api/processors/{story.records['old']['id']}").json()["status"] == "retired"
    # Every event is in the tree, once, with no gap; the whole log verifies.
    tree = leaves()
    assert [leaf["seq"] for leaf in tree] == list(range(len(tree)))
    assert sorted(leaf["event_id"] for leaf in tree) == [e["event_id"] for e in events()]
    report = verify()
    assert report.ok, report.summary()
    assert report.tree_size == len(tree) and report.pending_events == 0
    # The times the log commits to never run backwards, though the clock did, and the integrator
    # that signed last had no memory of the times before it.
    integrated = [_time(msgspec.json.decode(leaf["leaf_bytes"])["integrated_at"]) for leaf in tree]
    assert integrated == sorted(integrated)
    signed = [parse_and_verify(cp["note"], verifier_key()) for cp in checkpoints()]
    assert [cp.size for cp in signed][-1] == len(tree)
    times = [_time(str(cp.timestamp)) for cp in signed]
    assert len(times) >= 2 and times == sorted(times), times
    latest = client.get("/api/audit/checkpoints/latest").json()
    assert latest["tree_size"] == len(tree)
    assert _time(latest["issued_at"]) >= max(times)


def test_history_lists_versions_in_order_though_times_went_back(client, clock):
    story = _changes_across_a_jump(client, clock)
    history = client.get(f"/api/activities/{story.records['activity']['id']}/history").json()
    assert [h["version"] for h in history] == [1, 2, 3]
    assert [h["action"] for h in history] == ["activity.create", "activity.update", "activity.update"]
    v2, v3 = (_time(h["at"]) for h in history[1:])
    assert v3 < v2  # recorded as the clock said: the later version has the earlier time
    assert history[2]["changes"] == [{"path": "name", "before": "Payroll v2", "after": "Payroll v3"}]


def _as_of(client: Any, at: dt.datetime) -> Any:
    return client.get("/api/register/entities/CLOCK/as-of", params={"at": at.isoformat()})


def test_as_of_after_the_jump_shows_states_that_existed(client, clock):
    """As of a moment: every change logged up to the last one recorded at or before it."""
    story = _changes_across_a_jump(client, clock)
    dump = client.get("/api/register/dump").json()
    current = next(e for e in dump["entities"] if e["key"] == "CLOCK")
    # Now, with the clock two hours behind the first changes: the latest acknowledged state,
    # not the changes made since the jump without the entity they belong to.
    now = _as_of(client, _now())
    assert now.status_code == 200, now.text
    assert now.json() == current
    assert now.json()["legal_name"] == "Clock Holding ApS"
    # Between two changes made after the jump: everything before the first, nothing after it.
    mid = _as_of(client, story.after_v3)
    assert mid.status_code == 200, mid.text
    state = mid.json()
    assert state["legal_name"] == "Clock ApS"
    assert [(a["key"], a["name"]) for a in state["activities"]] == [("PA-PAY", "Payroll v3")]
    assert [(p["key"], p["retired"]) for p in state["processors"]] == [("P-OLD", False)]
    # Before anything was recorded, the entity did not exist; once the clock is past every
    # recorded time, the answer is the latest state again.
    assert _as_of(client, story.start - JUMP - dt.timedelta(hours=1)).status_code == 404
    assert _as_of(client, story.start + dt.timedelta(hours=1)).json() == current


def test_a_stale_version_is_refused_after_the_jump(client, clock):
    w = Writer(client)
    entity = w.create("entities", key="CLOCK", legal_name="Clock ApS", country="DK")
    first = w.create("activities", entity=entity["id"], key="PA-PAY", name="Payroll")
    second = w.update("activities", first, name="Saved before the jump")
    clock.shift(-JUMP)
    stale = client.put(f"/api/activities/{first['id']}", json=put_body(first, name="Stale copy"))
    assert stale.status_code == 409, stale.text
    assert client.get(f"/api/activities/{first['id']}").json() == second
    third = w.update("activities", second, name="Saved after the jump")
    assert third["version"] == 3


def test_credentials_after_the_jump(secured, clock):
    """Expiry is wall-clock time: a jump back lengthens every credential's life by the jump (see
    docs/reliability.md). It never revives a revoked one nor cuts a valid one short."""
    c = secured.client
    revoked = run(create_token("t-officer-dk", "revoked before the jump"))
    run(revoke_token(revoked.id))
    clock.shift(-JUMP)
    principals.forget()
    assert c.get("/api/activities", headers=secured.as_("officer")).status_code == 200
    refused = c.get("/api/activities", headers={"authorization": f"Bearer {revoked.secret}"})
    assert refused.status_code == 401
