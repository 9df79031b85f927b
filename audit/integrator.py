"""The single integrator: gives pending events gap-free sequence numbers, grows the tree, signs.

Business transactions only INSERT into audit_event, so no request ever waits on a global lock.
This loop picks the events up in batches. On PostgreSQL each batch runs under a transaction-
scoped advisory lock, so of several server processes exactly one integrates at a time and a
killed one is replaced at its next tick; on SQLite the write lock serialises batches anyway.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shlex
import time
from pathlib import Path
from typing import Any

import structlog

from audit import db
from audit.anchor import AnchorFile, Held, LogInconsistent, check_extends, write_private
from audit.canonical import canonical_json
from audit.checkpoint import Checkpoint, Signer, sign_checkpoint
from audit.leaf import build_leaf
from audit.merkle import CompactRange, frontier_nodes, leaf_hash
from audit.tables import AuditCheckpoint, AuditEvent, AuditLeaf

log = structlog.get_logger(__name__)

ADVISORY_LOCK_KEY = 0x726F7061  # "ropa"
BATCH = 2000
# Events committed late (PostgreSQL assigns ids before commit) are found within this window;
# a full scan runs at start, every FULL_SCAN_SECONDS, and whenever a forced run finds events
# pending that the window missed.
LATE_WINDOW = 50_000
FULL_SCAN_SECONDS = 300.0
# The lowest pending events above an id. `l.event_id > $1` is implied by the join; spelt out, the
# planner reads only that part of audit_leaf instead of hashing every leaf of the log.
_ABOVE = (
    "SELECT e.* FROM audit_event e WHERE e.event_id > $1 AND NOT EXISTS "
    "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id AND l.event_id > $1) "
    "ORDER BY e.event_id LIMIT {limit}"
)
_PENDING_ABOVE = _ABOVE.format(limit="$2")
# A batch reads the events above the highest id integrated, and those ids of the window that had
# no event yet (uncommitted then, or rolled back), instead of the whole window: that scan cost
# tens of milliseconds of PostgreSQL time per tick, idle or not. Two branches, so that each uses
# the primary key whatever the plan (an OR read every pending event, then sorted them).
_IN_GAPS = {
    "postgres": "e.event_id = ANY($2::bigint[])",
    "sqlite": "e.event_id IN (SELECT value FROM json_each($2))",
}
_PENDING_GAPS = {
    engine: f"SELECT * FROM ({_ABOVE.format(limit='$3')}) AS above UNION ALL "
    f"SELECT e.* FROM audit_event e WHERE {in_gaps} AND NOT EXISTS "
    "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id) ORDER BY event_id LIMIT $3"
    for engine, in_gaps in _IN_GAPS.items()
}
_LEAF_COLUMNS = ("seq", "event_id", "integrated_at", "leaf_bytes", "leaf_hash")
_LEAF_TYPES = ("bigint", "bigint", "timestamptz", "text", "bytea")


class KeyMismatch(RuntimeError):
    """The configured key is not the one that signed the log so far; signing would fork it."""


class Integrator:
    def __init__(
        self,
        signer: Signer,
        origin: str,
        checkpoint_every: int = 1000,
        checkpoint_seconds: float = 60.0,
        *,
        anchor: AnchorFile | None = None,
        witness_dir: str = "",
        witness_command: str = "",
    ) -> None:
        self.signer = signer
        self.origin = origin
        self.checkpoint_every = checkpoint_every
        self.checkpoint_seconds = checkpoint_seconds
        # The last checkpoint signed, outside the database: never sign a tree that does not extend it.
        self.anchor = anchor
        self.witness_dir = witness_dir
        self.witness_command = witness_command
        self.failure: str | None = None  # set when the log no longer extends the anchor; the service halts
        self._signed_note: str | None = None
        self._range: CompactRange | None = None
        self._last_leaf: bytes | None = None
        self._integrated_at = dt.datetime.min.replace(tzinfo=dt.UTC)
        self._high_event_id = 0
        # Ids at or below _high_event_id, within the window, that had no event when last read;
        # None until read from the leaves (at start, and whenever the stored tree changed).
        self._gaps: set[int] | None = None
        self._last_full_scan = float("-inf")
        self._last_checkpoint_at = time.monotonic()

    async def _restore(self, size: int) -> CompactRange:
        """The compact range of the stored tree: the cached one if it is still the stored tree."""
        last = await AuditLeaf.select(AuditLeaf.integrated_at, AuditLeaf.leaf_hash).where(
            AuditLeaf.seq == size - 1
        )
        last_hash = bytes(last[0]["leaf_hash"]) if last else None
        if self._range is not None and self._range.size == size and self._last_leaf == last_hash:
            return self._range
        nodes = frontier_nodes(size)
        hashes = await db.fetch_nodes(nodes)
        restored = CompactRange.from_nodes(size, [hashes[n] for n in nodes])
        # The tree is not the one this process last grew (a start, another server, or someone who
        # wrote the database): never give out sequence numbers on a log that lost entries.
        await self._check_anchored(size, restored.root())
        self._range = restored
        self._last_leaf = last_hash
        # Where the late-event window starts; without it every tick would scan the whole log.
        high = await AuditLeaf.raw("SELECT MAX(event_id) AS high FROM audit_leaf")
        self._high_event_id = max(self._high_event_id, int(high[0]["high"] or 0))
        self._gaps = None  # another process may have integrated some of them
        # Start from the latest times stored, the last leaf's and the last checkpoint's (signed up
        # to checkpoint_seconds later), so that a restart with the clock set back never signs earlier.
        stored = [last[0]["integrated_at"]] if last else []
        signed = await (
            AuditCheckpoint.select(AuditCheckpoint.issued_at)
            .order_by(AuditCheckpoint.tree_size, ascending=False)
            .first()
        )
        if signed is not None:
            stored.append(signed["issued_at"])
        self._integrated_at = max([self._integrated_at, *stored])
        return self._range

    async def _pending(self) -> list[dict[str, Any]]:
        """The next events by id: a full scan when one is due, else the new ones and the window's gaps."""
        if self._gaps is None:
            self._gaps = await self._window_gaps()
        if time.monotonic() - self._last_full_scan > FULL_SCAN_SECONDS:
            rows = await db.fetch(_PENDING_ABOVE, 0, BATCH)
            self._last_full_scan = time.monotonic()
            return rows
        gaps = sorted(self._gaps)
        if db.is_postgres():
            return await db.fetch(_PENDING_GAPS["postgres"], self._high_event_id, gaps, BATCH)
        return await db.fetch(_PENDING_GAPS["sqlite"], self._high_event_id, json.dumps(gaps), BATCH)

    async def _window_gaps(self) -> set[int]:
        """The ids of the window at or below the highest integrated one that have no leaf."""
        high = self._high_event_id
        low = max(0, high - LATE_WINDOW)
        rows = await db.fetch(
            "SELECT event_id FROM audit_leaf WHERE event_id > $1 AND event_id <= $2", low, high
        )
        return set(range(low + 1, high + 1)).difference(row["event_id"] for row in rows)

    def _track_gaps(self, integrated: list[int], high_before: int) -> None:
        """After a batch: its ids are no gaps; the ids above the old high that it skipped are.

        A batch holds the lowest pending ids, so an id it skipped below its highest one had no
        committed event when read. Gaps older than the window are left to the full scan.
        """
        if self._gaps is None or not integrated:
            return
        floor = self._high_event_id - LATE_WINDOW
        gaps = {i for i in self._gaps if i > floor}
        gaps.update(range(max(high_before, floor) + 1, max(integrated)))
        gaps.difference_update(integrated)
        self._gaps = gaps

    async def integrate_once(self, force_checkpoint: bool = False) -> int:
        """Integrate one batch; 0 if there was nothing, or another process holds the lock.

        A forced run waits for the lock instead, so that the checkpoint it promises is signed.
        """
        try:
            async with db.write_transaction():
                if db.is_postgres():
                    if force_checkpoint:
                        await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", ADVISORY_LOCK_KEY)
                    else:
                        got = await AuditEvent.raw(
                            "SELECT pg_try_advisory_xact_lock({}) AS ok", ADVISORY_LOCK_KEY
                        )
                        if not got[0]["ok"]:
                            return 0
                count = await self._integrate(force_checkpoint)
        except BaseException:
            # The transaction did not commit: forget the tree we grew in memory.
            self._range = None
            self._gaps = None
            self._signed_note = None
            raise
        if self.anchor is not None and count and self._range is not None:
            self.anchor.store_head(self._range.size, self._range.root())
        if self._signed_note is not None:
            note, self._signed_note = self._signed_note, None
            await self._publish(note)
        return count

    def _held(self) -> list[Held]:
        return [] if self.anchor is None else self.anchor.load(self.signer.verifier_key(), self.origin)

    async def _check_anchored(self, size: int, root: bytes) -> None:
        """LogInconsistent (and the integrator halted) unless the tree extends the anchored heads."""
        try:
            for held in self._held():
                await check_extends(held, size, root, db.fetch_nodes)
        except LogInconsistent as exc:
            self.failure = exc.reason
            raise

    async def check_anchor(self) -> None:
        """At start: the stored log must extend the anchored checkpoint (LogInconsistent if not).

        With no anchor file yet (a new installation, or one from before anchors existed) the latest
        checkpoint in the database that verifies under the key is adopted as the anchor.

        What is held is read before the tree. This runs without the integrator's lock, and other
        servers on the same database integrate and sign meanwhile: a tree read first could be older
        than a checkpoint read after it, and a log that only grew would look rolled back.
        """
        if self.anchor is None:
            return
        adopt: str | None = None
        if self.anchor.exists():
            held = self._held()
        else:
            latest = await (
                AuditCheckpoint.select(AuditCheckpoint.note)
                .order_by(AuditCheckpoint.tree_size, ascending=False)
                .first()
            )
            held = []
            if latest is not None:
                from audit.checkpoint import parse_and_verify

                adopt = latest["note"]
                cp = parse_and_verify(adopt, self.signer.verifier_key())
                held = [Held(cp.size, cp.root, "the latest checkpoint in the database", True)]
        size = await db.tree_size()
        nodes = frontier_nodes(size)
        found = await db.fetch_nodes(nodes)
        root = CompactRange.from_nodes(size, [found[n] for n in nodes]).root()
        try:
            for each in held:
                await check_extends(each, size, root, db.fetch_nodes)
        except LogInconsistent as exc:
            if adopt is None:
                self.failure = exc.reason
            raise
        # Another server sharing the file may have anchored a newer checkpoint meanwhile: keep it.
        if adopt is not None and self.anchor.adopt(adopt):
            log.warning("audit.anchor_adopted", tree_size=held[0].size, path=str(self.anchor.path))

    async def _publish(self, note: str) -> None:
        """Hand a committed checkpoint to the anchor file and the witnesses; witnesses may fail."""
        if self.anchor is not None:
            self.anchor.store(note)
        if self.witness_dir:
            try:
                store_witnessed(Path(self.witness_dir), note)
            except OSError as exc:
                log.warning("audit.witness_failed", witness="dir", error=exc.strerror)
        if self.witness_command:
            try:
                proc = await asyncio.create_subprocess_exec(
                    *shlex.split(self.witness_command),
                    stdin=asyncio.subprocess.PIPE,
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.DEVNULL,
                )
                await asyncio.wait_for(proc.communicate(note.encode()), timeout=30)
                if proc.returncode:
                    log.warning("audit.witness_failed", witness="command", exit_code=proc.returncode)
            except (OSError, TimeoutError) as exc:
                log.warning("audit.witness_failed", witness="command", error=type(exc).__name__)

    async def _integrate(self, force_checkpoint: bool) -> int:
        size = await db.tree_size()
        compact = await self._restore(size)
        leaves: list[tuple[int, int, dt.datetime, str, bytes]] = []
        nodes: list[tuple[int, bytes]] = []
        high_before = self._high_event_id
        for event in await self._pending():
            # Never let time run backwards in the log, even if the clock does.
            now = max(dt.datetime.now(dt.UTC), self._integrated_at)
            self._integrated_at = now
            leaf_bytes = canonical_json(build_leaf(compact.size, event, now))
            digest = leaf_hash(leaf_bytes)
            leaves.append((compact.size, event["event_id"], now, leaf_bytes.decode(), digest))
            nodes.extend((db.node_id((level, idx)), h) for level, idx, h in compact.append(digest))
            self._last_leaf = digest
            self._high_event_id = max(self._high_event_id, event["event_id"])
        self._track_gaps([leaf[1] for leaf in leaves], high_before)
        # Plain rows in one statement per table: a Piccolo row object per leaf cost more than its hash.
        await db.insert_rows("audit_leaf", _LEAF_COLUMNS, _LEAF_TYPES, leaves)
        await db.insert_rows("audit_node", ("node_id", "hash"), ("bigint", "bytea"), nodes)
        await self._maybe_checkpoint(compact, force_checkpoint)
        return len(leaves)

    async def _maybe_checkpoint(self, compact: CompactRange, force: bool) -> None:
        last = await (
            AuditCheckpoint.select(AuditCheckpoint.tree_size, AuditCheckpoint.key_id)
            .order_by(AuditCheckpoint.tree_size, ascending=False)
            .first()
        )
        last_size = 0 if last is None else int(last["tree_size"])
        due = (
            compact.size - last_size >= self.checkpoint_every
            or time.monotonic() - self._last_checkpoint_at >= self.checkpoint_seconds
        )
        if (compact.size == last_size and last is not None) or not (force or due):
            return
        if last is not None and last["key_id"] != self.signer.verifier_key():
            raise KeyMismatch(
                f"checkpoint {last_size} was signed by {last['key_id']}, not by the configured key "
                f"{self.signer.verifier_key()}: check ROPA_AUDIT_KEY_FILE / ROPA_AUDIT_KEY_PEM"
            )
        # The transparency-log rule: only ever sign a tree that contains the one signed before.
        await self._check_anchored(compact.size, compact.root())
        # Signed time never runs backwards either: at least the last entry's integration time.
        now = max(dt.datetime.now(dt.UTC), self._integrated_at)
        self._integrated_at = now
        cp = Checkpoint(self.origin, compact.size, compact.root(), now.strftime("%Y-%m-%dT%H:%M:%SZ"))
        note = sign_checkpoint(cp, self.signer)
        self._signed_note = note
        await AuditCheckpoint.insert(
            AuditCheckpoint(
                tree_size=compact.size,
                root_hash=cp.root,
                issued_at=now,
                note=note,
                key_id=self.signer.verifier_key(),
                frontier=canonical_json([h.hex() for h in compact.frontier()]).decode(),
            )
        )
        self._last_checkpoint_at = time.monotonic()
        log.info("audit.checkpoint", tree_size=compact.size)

    async def integrate_all(self, checkpoint: bool = False, timeout: float = 30.0) -> int:
        """Integrate until nothing is pending, then sign if asked (synchronous mode, e.g. export)."""
        deadline = time.monotonic() + timeout
        total = 0
        while True:
            done = await self.integrate_once(force_checkpoint=checkpoint)
            total += done
            if done:
                continue
            pending = await self.pending_count()
            if pending == 0:
                return total
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pending} audit events are still waiting for integration")
            self._last_full_scan = float("-inf")  # events older than the window: look again
            await asyncio.sleep(0.05)

    async def pending_count(self) -> int:
        """Events written but not yet in the tree."""
        rows = await AuditEvent.raw(
            "SELECT COUNT(*) AS n FROM audit_event e WHERE NOT EXISTS "
            "(SELECT 1 FROM audit_leaf l WHERE l.event_id = e.event_id)"
        )
        return int(rows[0]["n"])

    async def run(self, interval: float = 0.2) -> None:
        """Integrate forever; errors are logged and retried, never fatal to the server."""
        while True:
            try:
                while await self.integrate_once() >= BATCH:
                    pass
            except asyncio.CancelledError:
                raise
            except LogInconsistent as exc:
                # Signing on would hand out sequence numbers that mean something else than before.
                self.failure = exc.reason
                log.error("audit.log_inconsistent", error=exc.reason, seq=exc.seq)
                return
            except Exception as exc:  # noqa: BLE001 - the loop must survive a database outage
                # Only our own message is safe to log; a database error may quote row values.
                message = str(exc) if isinstance(exc, KeyMismatch) else None
                log.warning("audit.integrator_error", error_type=type(exc).__name__, error=message)
                await asyncio.sleep(min(5.0, interval * 10))
            await asyncio.sleep(interval)


def store_witnessed(directory: Path, note: str) -> Path:
    """Keep `note` in a witness directory as checkpoint-<size>.txt (never overwriting another head)."""
    lines = note.split("\n")
    size = int(lines[1]) if len(lines) > 2 and lines[1].isdigit() else -1
    if size < 0:
        raise ValueError("not a checkpoint note")
    path = directory / f"checkpoint-{size:012d}.txt"
    if path.exists():
        if path.read_text() != note:
            # Two different signed heads at one size: keep both, verify reports the fork.
            path = directory / f"checkpoint-{size:012d}-{len(list(directory.glob(path.stem + '*')))}.txt"
        else:
            return path
    write_private(path, note.encode())
    return path
