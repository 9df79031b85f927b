"""An entity's register as it stood at any moment, rebuilt from the audit log alone (the read
model's ``load_entity(at=...)``), and the lookup of the entity a reference names."""

from __future__ import annotations

import datetime as dt

from ropa.auditing.services import record_read
from ropa.entities import lookup
from ropa.errors import NotFound
from ropa.porting.read import load_entity
from ropa.porting.schemas import EntityIn


async def find_entity(ref: str) -> str:
    """The id of the legal entity named by ``ref``: its id, else its key, else its registration number."""
    row = await lookup.find(ref)
    if row is None:
        raise NotFound(f"no legal entity '{ref}'")
    return str(row["id"])


async def entity_as_of(ref: str, at: dt.datetime) -> EntityIn:
    """The entity and its records as of ``at``, in the register file format. Audited."""
    entity_id = await find_entity(ref)
    await record_read("as-of", {"entity": entity_id, "at": at.isoformat()}, entity_id)
    return (await load_entity(entity_id, at=at)).entity
