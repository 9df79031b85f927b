"""The offline bundle for a regulator: entries, a fresh signed checkpoint, proofs and a verifier."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from audit import db as audit_db
from audit import log as audit_log
from audit.bundle import build_bundle, needed_nodes_for_bundle
from audit.checkpoint import Signer
from audit.integrator import Integrator
from audit.tables import AuditCheckpoint, AuditEvent, AuditLeaf
from ropa.errors import Invalid

RECENT_CHECKPOINTS = 10


async def seq_at(moment: dt.datetime) -> int:
    """The first seq integrated at or after ``moment`` (integration time never runs backwards)."""
    row = (
        await AuditLeaf.select(AuditLeaf.seq)
        .where(AuditLeaf.integrated_at >= moment)
        .order_by(AuditLeaf.seq)
        .first()
    )
    return int(row["seq"]) if row else await audit_db.tree_size()


async def _entries(first: int, last: int) -> list[tuple[int, dict[str, Any], Any]]:
    entries: list[tuple[int, dict[str, Any], Any]] = []
    after = first - 1
    while after < last:
        rows = await AuditEvent.raw(
            "SELECT l.seq, l.leaf_bytes, e.body FROM audit_leaf l "
            "JOIN audit_event e ON e.event_id = l.event_id "
            "WHERE l.seq > {} AND l.seq <= {} ORDER BY l.seq LIMIT 5000",
            after,
            last,
        )
        if not rows:
            break
        entries += [
            (r["seq"], msgspec.json.decode(r["leaf_bytes"]), msgspec.json.decode(r["body"])) for r in rows
        ]
        after = rows[-1]["seq"]
    return entries


async def export_bundle(
    signer: Signer,
    integrator: Integrator,
    from_seq: int | None = None,
    to_seq: int | None = None,
    consistency_from: list[int] | None = None,
) -> bytes:
    """A verifiable ZIP of entries ``from_seq..to_seq`` under a checkpoint signed for this export.

    The export is itself an audit event, integrated before the checkpoint is signed, so the
    bundle proves its own export. Older checkpoints (those named, or the latest few) come with
    consistency proofs, so whoever holds one can check the log was only appended to since.
    """
    # The export adds one entry (its own event); check the range against that before writing it.
    future_size = await audit_db.tree_size() + await integrator.pending_count() + 1
    if from_seq is not None and from_seq >= future_size:
        raise Invalid.of([("from_seq", f"the log will hold entries 0..{future_size - 1}")])
    if to_seq is not None and from_seq is not None and to_seq < from_seq:
        raise Invalid.of([("to_seq", "is before from_seq")])
    if consistency_from:
        held = {r["tree_size"] for r in await AuditCheckpoint.select(AuditCheckpoint.tree_size)}
        if missing := sorted(set(consistency_from) - held):
            raise Invalid.of([("consistency_from", f"no checkpoint at tree size {missing[0]}")])
    await audit_log.append(
        "audit.export",
        entity_type="audit_log",
        entity_id="bundle",
        details={"from_seq": from_seq, "to_seq": to_seq, "consistency_from": consistency_from or []},
    )
    await integrator.integrate_all(checkpoint=True)
    latest = await AuditCheckpoint.select().order_by(AuditCheckpoint.tree_size, ascending=False).first()
    assert latest is not None, "integrate_all(checkpoint=True) signs a checkpoint"
    size = int(latest["tree_size"])
    first = 0 if from_seq is None else from_seq
    last = size - 1 if to_seq is None else min(to_seq, size - 1)
    older = (
        await AuditCheckpoint.select(AuditCheckpoint.tree_size, AuditCheckpoint.note)
        .where(AuditCheckpoint.tree_size < size)
        .order_by(AuditCheckpoint.tree_size, ascending=False)
    )
    if consistency_from:
        wanted = set(consistency_from)
        older = [row for row in older if row["tree_size"] in wanted]
    else:
        older = [row for row in older if row["tree_size"] > 0][:RECENT_CHECKPOINTS]
    nodes = await audit_db.fetch_nodes(
        needed_nodes_for_bundle(first, last, size, [r["tree_size"] for r in older])
    )
    return build_bundle(
        await _entries(first, last),
        from_seq=first,
        to_seq=last,
        checkpoint_note=latest["note"],
        verifier_key=signer.verifier_key(),
        created_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        get_node=lambda _wanted: nodes,
        older_checkpoints=[r["note"] for r in reversed(older)],
    )
