"""What still points at a record, so that retiring it would leave a dangling reference."""

from __future__ import annotations

from typing import Any

import msgspec

from ropa.records.catalog import (
    ACTIVITY,
    ACTIVITY_REFERENCE_FIELDS,
    COOKIE,
    PROCESSOR,
    RECIPIENT,
    RETENTION,
    TRANSFER,
)
from ropa.records.kinds import REGISTRY, Kind


async def _active_rows(kind: Kind, entity_id: str) -> list[dict[str, Any]]:
    table = kind.table
    rows = await (
        table.select(table.key, table.status, table.data)
        .where(table.entity == entity_id)
        .output(load_json=False)
    )
    return [r for r in rows if r["status"] != kind.retired_status]


async def blockers(kind: Kind, row: dict[str, Any], data: Any) -> list[tuple[str, str]]:
    """(field, reason) pairs naming the records that still use this one; empty if none."""
    if kind.hooks.is_scope:  # an entity: every record it holds uses it
        found = []
        for other in REGISTRY.values():
            if other.scoped and (count := len(await _active_rows(other, str(row["id"])))):
                found.append((other.path, f"{count} {other.path} are not retired"))
        return found
    entity_id = str(row["entity"]) if kind.scoped else ""
    users: list[str] = []
    if field := ACTIVITY_REFERENCE_FIELDS.get(kind.name):
        for activity in await _active_rows(ACTIVITY, entity_id):
            if data.key in msgspec.json.decode(activity["data"])[field]:
                users.append(f"activity {activity['key']}")
    if kind is RECIPIENT:
        for other in (TRANSFER, RETENTION):
            for record in await _active_rows(other, entity_id):
                if msgspec.json.decode(record["data"]).get("recipient") == data.key:
                    users.append(f"{other.name.replace('_', ' ')} {record['key']}")
    if kind is PROCESSOR:
        for recipient in await _active_rows(RECIPIENT, entity_id):
            if msgspec.json.decode(recipient["data"]).get("processor") == data.key:
                users.append(f"recipient {recipient['key']}")
        for processor in await _active_rows(PROCESSOR, entity_id):
            if data.key in msgspec.json.decode(processor["data"])["sub_processors"]:
                users.append(f"processor {processor['key']}")
    # Cookies name the activities they serve and the third party that sets them.
    named_in = {ACTIVITY.name: "activities", PROCESSOR.name: "processor", RECIPIENT.name: "recipient"}.get(
        kind.name
    )
    for cookie in await _active_rows(COOKIE, entity_id) if named_in else []:
        named = msgspec.json.decode(cookie["data"]).get(named_in)
        if data.key == named or (isinstance(named, list) and data.key in named):
            users.append(f"cookie {cookie['key']}")
    return [("key", f"used by {user}") for user in users]


async def documents_in_use(entity_id: str, keys: set[str]) -> list[tuple[str, str]]:
    """(document key, record) pairs for each record of the entity whose sources cite one of ``keys``."""
    if not keys:
        return []
    cited = []
    for kind in REGISTRY.values():
        if not kind.scoped:
            continue
        for record in await _active_rows(kind, entity_id):
            # Stored JSON is msgspec's compact encoding, so a citation reads exactly like this.
            cited += [
                (key, f"{kind.name.replace('_', ' ')} {record['key']}")
                for key in sorted(keys)
                if msgspec.json.encode({"document": key})[1:-1] in record["data"].encode()
            ]
    return cited
