"""The audit log as the register's users see it; every read of it is itself an audit event."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import msgspec

from audit import db as audit_db
from audit import log as audit_log
from audit import query
from audit.diff import diff
from audit.merkle import consistency_proof, inclusion_proof, needed_nodes_consistency, needed_nodes_inclusion
from audit.tables import AuditCheckpoint, AuditLeaf
from ropa.access.model import visible_entities
from ropa.access.users import list_users
from ropa.errors import Invalid, NotFound
from ropa.records import services as records
from ropa.records.kinds import Kind


class HistoryEntry(msgspec.Struct, kw_only=True):
    event_id: int
    seq: int | None
    at: str
    action: str
    actor_id: str
    actor_type: str
    version: int | None
    reason: str
    changes: list[dict[str, Any]]


async def record_read(what: str, details: dict[str, Any], legal_entity_id: str = "") -> None:
    await audit_log.append(
        "audit.read",
        entity_type="audit_log",
        entity_id=what,
        legal_entity_id=legal_entity_id,
        details=details,
    )


async def _seqs(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    rows = await AuditLeaf.select(AuditLeaf.event_id, AuditLeaf.seq).where(
        AuditLeaf.event_id.is_in(event_ids)
    )
    return {r["event_id"]: r["seq"] for r in rows}


async def history(kind: Kind, record_id: str) -> list[HistoryEntry]:
    """Every version of a record with what changed, who changed it and when."""
    record = await records.get(kind, record_id)
    events = await query.history(kind.name, record.id)
    seqs = await _seqs([e["event_id"] for e in events])
    legal_entity = kind.owner(record.id, {"entity": record.entity} if kind.scoped else None) or ""
    await record_read("history", {"entity_type": kind.name, "entity_id": record.id}, legal_entity)
    return [
        HistoryEntry(
            event_id=e["event_id"],
            seq=seqs.get(e["event_id"]),
            at=e["created_at"],
            action=e["action"],
            actor_id=e["actor_id"],
            actor_type=e["actor_type"],
            version=e["entity_version"],
            reason=e["reason"],
            changes=diff(e["body"]["before"], e["body"]["after"]) + _status_change(e["body"]),
        )
        for e in events
    ]


def _status_change(body: dict[str, Any]) -> list[dict[str, Any]]:
    status = body.get("details", {}).get("status")
    return [{"path": "status", **status}] if status else []


async def entity_id_of(ref: str | None) -> str | None:
    """A filter by legal entity; retired entities keep their trail."""
    return await records.resolve_entity(ref) if ref else None


async def events_page(
    f: query.EventFilter, cursor: int | None, limit: int, newest_first: bool = False
) -> dict[str, Any]:
    events, next_cursor = await query.page(f, cursor, limit, newest_first=newest_first)
    await record_read(
        "events", {"filter": f.as_dict(), "cursor": cursor, "limit": limit}, f.legal_entity_id or ""
    )
    seqs = await _seqs([e["event_id"] for e in events])
    for event in events:
        event["seq"] = seqs.get(event["event_id"])
    return {"items": events, "next_cursor": next_cursor}


CSV_COLUMNS = ["seq", *query.COLUMNS[:-1], "actor_name", "body"]
# What a spreadsheet reads as the start of a formula (OWASP, "CSV Injection"): "=", "+", "-", "@",
# and a tab or carriage return before one of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as the text it is: text that would start a formula (a
    user name "=HYPERLINK(...)", say) gets a leading apostrophe, which spreadsheets read as "text"."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


async def event_lines(f: query.EventFilter, fmt: str) -> AsyncIterator[bytes]:
    """The download: JSON lines (``query.lines``), the events as they are; or CSV, where a row also
    carries the entry's ``seq`` (the number the pages show; empty until the event is in the tree) and
    the actor's user name, and no text starts a formula (``spreadsheet_text``)."""
    if fmt != "csv":
        async for chunk in query.lines(f):
            yield chunk
        return
    names = {f"user:{u.id}": u.username for u in await list_users()}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    after: int | None = None
    while True:
        events, after = await query.page(f, after, 1000)
        seqs = await _seqs([e["event_id"] for e in events])
        for event in events:
            event["seq"] = seqs.get(event["event_id"], "")
            event["actor_name"] = names.get(event["actor_id"], "")
            event["body"] = json.dumps(event["body"], ensure_ascii=False, separators=(",", ":"))
            writer.writerow({k: spreadsheet_text(v) for k, v in event.items()})
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
        if after is None:
            return


async def latest_checkpoint() -> dict[str, Any]:
    row = await AuditCheckpoint.select().order_by(AuditCheckpoint.tree_size, ascending=False).first()
    if row is None:
        raise NotFound("no checkpoint has been signed yet")
    issued = row["issued_at"]
    issued = issued if isinstance(issued, dt.datetime) else dt.datetime.fromisoformat(str(issued))
    return {
        "tree_size": row["tree_size"],
        "root": bytes(row["root_hash"]).hex(),
        "issued_at": issued.isoformat(),
        "note": row["note"],
    }


async def _size_or_latest(tree_size: int | None) -> int:
    """The size asked for, or that of the latest signed checkpoint (a proof needs a signed root)."""
    size = await audit_db.tree_size()
    if tree_size is None:
        latest = (
            await AuditCheckpoint.select(AuditCheckpoint.tree_size)
            .order_by(AuditCheckpoint.tree_size, ascending=False)
            .first()
        )
        if latest is None:
            raise NotFound("no checkpoint has been signed yet")
        return int(latest["tree_size"])
    if tree_size > size or tree_size < 1:
        raise Invalid.of([("tree_size", f"must be between 1 and the current size {size}")])
    return tree_size


async def _note_at(size: int) -> str | None:
    """The signed note at ``size``, if one was signed there: what the proof verifies against."""
    row = await AuditCheckpoint.select(AuditCheckpoint.note).where(AuditCheckpoint.tree_size == size).first()
    return None if row is None else str(row["note"])


async def inclusion(seq: int, tree_size: int | None) -> dict[str, Any]:
    size = await _size_or_latest(tree_size)
    if not 0 <= seq < size:
        raise Invalid.of([("seq", f"must be below the tree size {size}")])
    nodes = await audit_db.fetch_nodes(needed_nodes_inclusion(seq, size))
    proof = inclusion_proof(seq, size, lambda _wanted: nodes)
    leaf = await AuditLeaf.select(AuditLeaf.leaf_hash).where(AuditLeaf.seq == seq).first()
    assert leaf is not None
    return {
        "seq": seq,
        "tree_size": size,
        "leaf_hash": bytes(leaf["leaf_hash"]).hex(),
        "proof": [h.hex() for h in proof],
        "checkpoint": await _note_at(size),
    }


async def consistency(first: int, second: int | None) -> dict[str, Any]:
    size = await _size_or_latest(second)
    if not 0 < first <= size:
        raise Invalid.of([("first", f"must be between 1 and {size}")])
    nodes = await audit_db.fetch_nodes(needed_nodes_consistency(first, size))
    proof = consistency_proof(first, size, lambda _wanted: nodes)
    return {
        "first": first,
        "second": size,
        "proof": [h.hex() for h in proof],
        "first_checkpoint": await _note_at(first),
        "second_checkpoint": await _note_at(size),
    }


async def entry(seq: int) -> dict[str, Any]:
    from audit.tables import AuditEvent

    leaf = await AuditLeaf.select().where(AuditLeaf.seq == seq).first()
    if leaf is None:
        raise NotFound(f"no entry with seq {seq}")
    event = (
        await AuditEvent.select(AuditEvent.body, AuditEvent.legal_entity_id)
        .where(AuditEvent.event_id == leaf["event_id"])
        .first()
    )
    visible = visible_entities()
    if visible is not None and (event is None or event["legal_entity_id"] not in visible):
        raise NotFound(f"no entry with seq {seq}")
    await record_read("entry", {"seq": seq}, event["legal_entity_id"] if event else "")
    return {
        "seq": seq,
        "leaf": msgspec.json.decode(leaf["leaf_bytes"]),
        "leaf_hash": bytes(leaf["leaf_hash"]).hex(),
        "body": msgspec.json.decode(event["body"]) if event else None,
    }


def parse_time(value: str | None, field: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        parsed = (parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
        if parsed.year >= 9999:
            raise OverflowError
    except ValueError:
        raise Invalid.of([(field, "not an ISO 8601 date or time")]) from None
    except OverflowError:
        raise Invalid.of([(field, "outside the years 1 to 9998")]) from None
    return parsed
