"""Verify the log in the database: every leaf, event, body, checkpoint and the triggers.

Detects a changed byte in any leaf, event header or body; a deleted, inserted or reordered
entry; a truncated tail; history rewritten and re-signed after a checkpoint (the prefix root
no longer matches the earlier signed root, and the consistency proof between checkpoints
fails); and missing append-only triggers. The first problem is reported with its sequence
number.
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Sequence
from typing import Any

import msgspec

from audit import db
from audit.anchor import Held
from audit.checkpoint import parse_and_verify
from audit.errors import VerificationError
from audit.guard import missing_triggers
from audit.leaf import header_mismatch
from audit.merkle import CompactRange, consistency_proof, needed_nodes_consistency, verify_consistency
from audit.tables import AuditCheckpoint, AuditEvent

PAGE = 5000


@dataclasses.dataclass
class Report:
    ok: bool
    tree_size: int = 0
    root: str = ""
    checkpoints: int = 0
    latest_checkpoint: str | None = None
    held_checked: int = 0
    pending_events: int = 0
    seconds: float = 0.0
    error_seq: int | None = None
    error: str | None = None

    def summary(self) -> str:
        if not self.ok:
            where = f"seq {self.error_seq}: " if self.error_seq is not None else ""
            return f"FAILED: {where}{self.error}"
        held = (
            f", extends {self.held_checked} checkpoints held outside the database"
            if self.held_checked
            else ""
        )
        return (
            f"OK: {self.tree_size} entries, root {self.root}, {self.checkpoints} signed checkpoints "
            f"verified{held}, {self.pending_events} events awaiting integration ({self.seconds:.2f} s)"
        )


async def _checkpoints(verifier_key: str, origin: str | None) -> list[tuple[int, bytes, str]]:
    rows = await AuditCheckpoint.select().order_by(AuditCheckpoint.tree_size)
    out = []
    for row in rows:
        size = int(row["tree_size"])
        try:
            cp = parse_and_verify(row["note"], verifier_key)
        except VerificationError as exc:
            raise VerificationError(f"checkpoint at tree size {size}: {exc.reason}", None) from exc
        if origin is not None and cp.origin != origin:
            raise VerificationError(
                f"checkpoint at tree size {size} belongs to another log ({cp.origin})", None
            )
        if cp.size != size or cp.root != bytes(row["root_hash"]):
            raise VerificationError(f"checkpoint at tree size {size}: row differs from its signed note", None)
        out.append((size, cp.root, row["note"]))
    return out


def _check_entry(row: dict[str, Any], seq: int) -> None:
    if row["seq"] != seq:
        raise VerificationError(f"entry missing: the log jumps from seq {seq - 1} to {row['seq']}", seq)
    leaf_bytes = row["leaf_bytes"].encode()
    if hashlib.sha256(b"\x00" + leaf_bytes).digest() != bytes(row["leaf_hash"]):
        raise VerificationError("leaf hash does not match the leaf bytes", seq)
    leaf = msgspec.json.decode(leaf_bytes)
    if leaf.get("seq") != seq:
        raise VerificationError(f"leaf says seq {leaf.get('seq')}: entries were reordered", seq)
    if row["e_event_id"] is None:
        raise VerificationError(f"event {row['event_id']} was deleted", seq)
    event = {k[2:]: v for k, v in row.items() if k.startswith("e_")}
    if (field := header_mismatch(leaf, event)) is not None:
        raise VerificationError(f"event field '{field}' differs from what the log committed", seq)
    if hashlib.sha256(event["body"].encode()).hexdigest() != leaf["body_sha256"]:
        raise VerificationError("event body was changed", seq)


async def _stream(after: int) -> list[dict[str, Any]]:
    return list(
        await AuditEvent.raw(
            "SELECT l.seq, l.event_id, l.leaf_bytes, l.leaf_hash, e.event_id AS e_event_id, "
            "e.created_at AS e_created_at, e.actor_id AS e_actor_id, e.actor_type AS e_actor_type, "
            "e.request_id AS e_request_id, e.source_ref AS e_source_ref, e.action AS e_action, "
            "e.legal_entity_id AS e_legal_entity_id, e.entity_type AS e_entity_type, "
            "e.entity_id AS e_entity_id, e.entity_version AS e_entity_version, e.outcome AS e_outcome, "
            "e.reason AS e_reason, e.body AS e_body, e.body_sha256 AS e_body_sha256 "
            "FROM audit_leaf l LEFT JOIN audit_event e ON e.event_id = l.event_id "
            "WHERE l.seq > {} ORDER BY l.seq LIMIT {}",
            after,
            PAGE,
        )
    )


async def _check_nodes(completed: list[tuple[int, int, bytes]]) -> None:
    """The stored subtree hashes that proofs are built from must equal the recomputed ones."""
    for start in range(0, len(completed), 1000):
        chunk = completed[start : start + 1000]
        try:
            stored = await db.fetch_nodes([(level, idx) for level, idx, _ in chunk])
        except LookupError as exc:
            raise VerificationError(f"stored tree nodes are missing: {exc}", None) from exc
        for level, idx, digest in chunk:
            if stored[(level, idx)] != digest:
                first_leaf = idx << level
                raise VerificationError(
                    f"stored tree node (level {level}, index {idx}) is wrong: proofs served from it "
                    f"would not verify",
                    first_leaf,
                )


def _check_held(held: list[Held], size: int, root: bytes, matched: int) -> None:
    for h in held:
        if h.root != root:
            raise VerificationError(
                f"entries seq {matched}..{size - 1} differ from the checkpoint at tree size {size} held in "
                f"{h.source}: history was rewritten (an entry was changed, deleted, inserted or reordered, "
                "and the log re-sequenced)",
                matched,
            )


async def verify_log(verifier_key: str, origin: str | None = None, held: Sequence[Held] = ()) -> Report:
    """Verify the stored log; `held` are checkpoints kept outside the database that it must extend.

    Those are the only defence against whoever can write the database: a log rolled back to an
    older signed size, or rewritten and re-signed, is consistent with its own checkpoints.
    """
    started = time.perf_counter()
    report = Report(ok=False)
    held_at: dict[int, list[Held]] = {}
    for h in held:
        held_at.setdefault(h.size, []).append(h)
    try:
        if missing := await missing_triggers():
            raise VerificationError("append-only triggers are missing: " + ", ".join(missing), None)
        checkpoints = await _checkpoints(verifier_key, origin)
        want = {size: root for size, root, _ in checkpoints}
        compact = CompactRange()
        if 0 in want and want[0] != compact.root():
            raise VerificationError("the empty-tree checkpoint has a wrong root", 0)
        _check_held(held_at.get(0, []), 0, compact.root(), 0)
        seq = 0
        matched = 0  # the log up to here matched every checkpoint held outside the database
        while rows := await _stream(seq - 1):
            completed: list[tuple[int, int, bytes]] = []
            for row in rows:
                _check_entry(row, seq)
                completed += compact.append(bytes(row["leaf_hash"]))
                seq += 1
                if seq in want and compact.root() != want[seq]:
                    raise VerificationError(
                        f"the log up to seq {seq - 1} no longer matches the checkpoint signed at "
                        f"tree size {seq}: history was rewritten",
                        seq - 1,
                    )
                if seq in held_at:
                    _check_held(held_at[seq], seq, compact.root(), matched)
                if seq in held_at:
                    matched = seq  # only a head kept outside the database bounds a re-signed rewrite
            await _check_nodes(completed)
        if beyond := [h for h in held if h.size > seq]:
            h = max(beyond, key=lambda x: x.size)
            raise VerificationError(
                f"the log holds {seq} entries but {h.source} holds a checkpoint at tree size {h.size}: "
                f"entries seq {seq}..{h.size - 1} were removed (the log was rolled back)",
                seq,
            )
        # Below `seq` only: a running integrator may have appended leaves since the stream ended
        # (a leaf beyond a gap would have been the stream's next row, and failed _check_entry).
        stored = await AuditEvent.raw(
            "SELECT COUNT(*) AS n, MIN(seq) AS low FROM audit_leaf WHERE seq < {}", seq
        )
        if stored[0]["n"] != seq or (seq and stored[0]["low"] != 0):
            # A leaf outside 0..size-1 (e.g. seq -1) would claim an event and hide it from the log.
            raise VerificationError(
                f"{stored[0]['n']} leaves are stored but the log holds {seq}: a leaf lies outside it "
                f"(lowest seq {stored[0]['low']})",
                None,
            )
        if checkpoints and checkpoints[-1][0] > seq:
            raise VerificationError(
                f"the log was truncated: checkpoint at tree size {checkpoints[-1][0]} "
                f"but {seq} entries remain",
                seq,
            )
        for (old, old_root, _), (new, new_root, _) in zip(checkpoints, checkpoints[1:], strict=False):
            nodes = await db.fetch_nodes(needed_nodes_consistency(old, new))
            proof = consistency_proof(old, new, lambda _wanted, found=nodes: found)  # type: ignore[misc]
            try:
                verify_consistency(old, new, old_root, new_root, proof)
            except VerificationError as exc:
                raise VerificationError(f"consistency {old} -> {new}: {exc.reason}", old) from exc
        pending = await AuditEvent.raw(
            "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
        )
        report = Report(
            ok=True,
            tree_size=seq,
            root=compact.root().hex(),
            checkpoints=len(checkpoints),
            latest_checkpoint=checkpoints[-1][2] if checkpoints else None,
            held_checked=len(held),
            pending_events=int(pending[0]["n"]),
        )
    except VerificationError as exc:
        report = Report(ok=False, error=exc.reason, error_seq=exc.seq)
    except LookupError as exc:
        report = Report(ok=False, error=f"tree nodes are missing: {exc}")
    report.seconds = time.perf_counter() - started
    return report
