"""Rebuild an entity's register as it stood at any moment, from the audit log alone.

Every change event carries the record's full state after the change, so replaying an
entity's events up to a moment gives each record's last state and status at that moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from audit import query
from audit.tables import AuditEvent
from ropa.auditing.services import record_read
from ropa.db import read_snapshot
from ropa.entities import lookup
from ropa.errors import NotFound
from ropa.porting.schemas import EntityIn
from ropa.porting.services import CHILDREN
from ropa.records.catalog import ENTITY
from ropa.records.kinds import REGISTRY

# (first, last) change of each record, by record id: "date of creation / last update".
Times = dict[str, tuple[dt.datetime, dt.datetime]]


async def find_entity(ref: str) -> str:
    """The id of the legal entity named by ``ref``: its id, else its key, else its registration number."""
    row = await lookup.find(ref)
    if row is None:
        raise NotFound(f"no legal entity '{ref}'")
    return str(row["id"])


async def _last_change_by(entity_id: str, at: dt.datetime) -> int | None:
    """The event id of the entity's last change recorded at or before ``at``."""
    e = AuditEvent
    row = await (
        e.select(e.event_id)
        .where(
            (e.legal_entity_id == entity_id)
            & e.entity_type.is_in(sorted(REGISTRY))
            & (e.outcome == "success")
            & (e.created_at <= at.astimezone(dt.UTC))
        )
        .order_by(e.event_id, ascending=False)
        .first()
    )
    return None if row is None else int(row["event_id"])


async def rebuild(entity_id: str, at: dt.datetime) -> tuple[EntityIn, Times]:
    """The entity and its records as of ``at`` (UTC), and when each was created and last changed.

    That is the state after the last change recorded at or before ``at``, replaying every event
    logged before it: always a state the register really had. Were events picked by their own
    times, a wall clock set back would give later changes without the earlier ones they build on
    (or, as of now, nothing before the jump); with a clock that never goes back the two agree.
    The events are read in one snapshot: a change committed meanwhile is seen whole or not at all.
    """
    async with read_snapshot():
        last = await _last_change_by(entity_id, at)
        if last is None:
            raise NotFound(f"the entity did not exist at {at.isoformat()}")
        states: dict[tuple[str, str], dict[str, Any]] = {}
        times: Times = {}
        async for event in query.stream(query.EventFilter(legal_entity_id=entity_id)):
            if event["event_id"] > last:
                break  # the stream is in log order
            kind = REGISTRY.get(event["entity_type"])
            if kind is None or event["outcome"] != "success":
                continue
            verb = event["action"].rsplit(".", 1)[-1]
            state = states.setdefault((kind.name, event["entity_id"]), {"retired": False})
            if event["body"]["after"] is not None:
                state["data"] = event["body"]["after"]
            if verb == "retire":
                state["retired"] = True
            moment = dt.datetime.fromisoformat(event["created_at"].replace("Z", "+00:00"))
            first = times.get(event["entity_id"], (moment, moment))[0]
            times[event["entity_id"]] = (first, moment)
    if (ENTITY.name, entity_id) not in states:
        raise NotFound(f"the entity did not exist at {at.isoformat()}")

    def records(kind_name: str) -> list[dict[str, Any]]:
        kind = REGISTRY[kind_name]
        found = []
        for (name, record_id), state in states.items():
            if name == kind_name:
                record = {"id": record_id, **state["data"]}
                if not kind.status_in_data:
                    record["retired"] = state["retired"]
                found.append(record)
        return sorted(found, key=lambda r: (r["key"], r["id"]))

    entity_state = states[(ENTITY.name, entity_id)]
    entity: dict[str, Any] = {"id": entity_id, **entity_state["data"], "retired": entity_state["retired"]}
    for attr, kind in CHILDREN:
        entity[attr] = records(kind.name)
    return msgspec.convert(entity, EntityIn), times


async def entity_as_of(ref: str, at: dt.datetime) -> EntityIn:
    """The entity and its records as of ``at``, in the register file format. Audited."""
    entity_id = await find_entity(ref)
    await record_read("as-of", {"entity": entity_id, "at": at.isoformat()}, entity_id)
    entity, _ = await rebuild(entity_id, at)
    return entity
