"""The leaf of an event: the header fields and body hash the Merkle tree commits to."""

from __future__ import annotations

import datetime as dt
from typing import Any

LEAF_VERSION = 1
HEADER_FIELDS = (
    "event_id",
    "actor_id",
    "actor_type",
    "request_id",
    "source_ref",
    "action",
    "legal_entity_id",
    "entity_type",
    "entity_id",
    "entity_version",
    "outcome",
    "reason",
    "body_sha256",
)


def timestamp(value: dt.datetime) -> str:
    """One fixed text form for times, so a leaf re-built from any engine's row is identical."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    if value.year >= 1000:  # the same text as strftime's below, made in a third of the time
        return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def build_leaf(seq: int, event: dict[str, Any], integrated_at: dt.datetime) -> dict[str, Any]:
    leaf: dict[str, Any] = {"v": LEAF_VERSION, "seq": seq}
    leaf.update({name: event[name] for name in HEADER_FIELDS})
    leaf["created_at"] = timestamp(event["created_at"])
    leaf["integrated_at"] = timestamp(integrated_at)
    return leaf


def header_mismatch(leaf: dict[str, Any], event: dict[str, Any]) -> str | None:
    """The first event field that differs from what the leaf committed to, if any."""
    for name in HEADER_FIELDS:
        if leaf.get(name) != event[name]:
            return name
    if leaf.get("created_at") != timestamp(event["created_at"]):
        return "created_at"
    return None
