"""Refusals of anonymous callers, counted per source and window: one audit event per source per window.

A request without valid credentials, a sign-in refused by the rate limit and a sign-in posted from
another site are refused before anyone is known. An event for each would let anyone grow the
append-only log without bound (2,000 anonymous requests once added 2,012 rows). So they are counted
here, in memory, under the keyed hash of their source address (never the address), and each
source's count becomes one ``access.denied_anonymous_summary`` event when its window closes: at the
first request after that, or when the server stops. Refusals of signed-in callers are still one
event each (``auth.denied``, in ``ropa.access.guard``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable

import structlog

from audit import log as audit_log
from audit.context import Actor, reset_actor, set_actor
from ropa.db import write_transaction

ACTION = "access.denied_anonymous_summary"
WINDOW_SECONDS = 300.0
MAX_SOURCES = 10_000  # sources counted apart in one window; more share the OVERFLOW count
OVERFLOW = "overflow"
log = structlog.get_logger("ropa.access")


@dataclasses.dataclass
class Tally:
    """The refusals of one source in one window; ``reasons`` counts them by kind."""

    source_ref: str
    started: float
    ended: float = 0.0
    count: int = 0
    reasons: dict[str, int] = dataclasses.field(default_factory=dict)

    def details(self) -> dict[str, object]:
        return {
            "count": self.count,
            "reasons": dict(sorted(self.reasons.items())),
            "source_ref": self.source_ref,
            "window_start": _iso(self.started),
            "window_end": _iso(self.ended),
        }


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()


class AnonymousDenials:
    """Open windows by source (in the order they opened), and closed ones waiting to be written."""

    def __init__(
        self,
        window: float = WINDOW_SECONDS,
        max_sources: int = MAX_SOURCES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.window, self.max_sources, self.clock = window, max_sources, clock
        self.open: dict[str, Tally] = {}
        self.closed: list[Tally] = []
        self._lock = threading.Lock()  # the test client calls in from another thread

    def clear(self) -> None:
        with self._lock:
            self.open.clear()
            self.closed.clear()

    def _close(self, now: float, everything: bool) -> None:
        """Move windows that have run their length (all of them, if ``everything``) to ``closed``."""
        while self.open:
            tally = next(iter(self.open.values()))
            end = tally.started + self.window
            if not everything and now < end:
                break  # windows open in order: the later ones are still open too
            tally.ended = min(end, max(now, tally.started))
            self.closed.append(self.open.pop(tally.source_ref))

    def note(self, source_ref: str, reason: str) -> None:
        """Count one refusal of an anonymous caller from this source."""
        with self._lock:
            now = self.clock()
            self._close(now, everything=False)
            if source_ref not in self.open and len(self.open) >= self.max_sources:
                source_ref = OVERFLOW
            tally = self.open.get(source_ref)
            if tally is None:
                tally = self.open[source_ref] = Tally(source_ref, started=now)
            tally.count += 1
            tally.reasons[reason] = tally.reasons.get(reason, 0) + 1

    def due(self) -> bool:
        """Is there a window to write? (Cheap enough to ask on every request.)"""
        with self._lock:
            if self.closed:
                return True
            first = next(iter(self.open.values()), None)
            return first is not None and self.clock() >= first.started + self.window

    async def flush(self, everything: bool = False) -> int:
        """Write one event per closed window (every window, when the server stops); how many."""
        with self._lock:
            self._close(self.clock(), everything)
            tallies, self.closed = self.closed, []
        if not tallies:
            return 0
        try:
            async with write_transaction():
                for tally in tallies:
                    await _record(tally)
        except BaseException:  # the database away, or the request cancelled
            with self._lock:  # kept for the next try; a long outage drops the oldest
                self.closed = [*tallies, *self.closed][-self.max_sources :]
            raise
        return len(tallies)

    async def flush_quietly(self, everything: bool = False) -> None:
        """Flush, but never fail the request (or the shutdown) that happens to do it."""
        try:
            await self.flush(everything)
        except Exception as exc:  # noqa: BLE001 - counts wait for the next flush; the request goes on
            log.warning("access.denial_summary_unwritten", error_type=type(exc).__name__)


async def _record(tally: Tally) -> None:
    token = set_actor(Actor(id="anonymous", type="user", source_ref=tally.source_ref))
    try:
        await audit_log.record(
            ACTION,
            entity_type="source",
            entity_id=tally.source_ref,
            outcome="denied",
            reason=f"{tally.count} anonymous requests refused",
            details=tally.details(),
        )
    finally:
        reset_actor(token)


DENIALS = AnonymousDenials()
