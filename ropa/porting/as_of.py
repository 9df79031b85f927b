"""Rebuild an entity's register as it stood at any moment, from the audit log alone.

Every change event carries the record's full state after the change, so replaying an
entity's events up to a moment gives each record's last state and status at that moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from audit import query
from ropa.auditing.services import record_read
from ropa.errors import NotFound
from ropa.porting.schemas import EntityIn
from ropa.porting.services import CHILDREN
from ropa.records.catalog import ENTITY
from ropa.records.kinds import REGISTRY
from ropa.tables import LegalEntity


async def _entity_id(ref: str) -> str:
    rows = await LegalEntity.select(LegalEntity.id, LegalEntity.key)
    for row in rows:
        if ref in (str(row["id"]), row["key"]):
            return str(row["id"])
    raise NotFound(f"no legal entity '{ref}'")


async def entity_as_of(ref: str, at: dt.datetime) -> EntityIn:
    """The entity and its records as of ``at`` (UTC), in the register file format."""
    entity_id = await _entity_id(ref)
    await record_read("as-of", {"entity": entity_id, "at": at.isoformat()}, entity_id)
    f = query.EventFilter(legal_entity_id=entity_id, until=at + dt.timedelta(microseconds=1))
    states: dict[tuple[str, str], dict[str, Any]] = {}
    async for event in query.stream(f):
        kind = REGISTRY.get(event["entity_type"])
        if kind is None or event["outcome"] != "success":
            continue
        verb = event["action"].rsplit(".", 1)[-1]
        state = states.setdefault((kind.name, event["entity_id"]), {"retired": False})
        if event["body"]["after"] is not None:
            state["data"] = event["body"]["after"]
        if verb == "retire":
            state["retired"] = True
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
    return msgspec.convert(entity, EntityIn)
