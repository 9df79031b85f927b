"""Sign-in limits: failed attempts per account and per source address, in a sliding window (per process).

An attempt is counted before its password is checked, in the same step that checks the limits, so
concurrent attempts see each other: 30 wrong passwords sent at once get 5 answers of 401 and 25 of
429, not 30 of 401. A successful sign-in takes back the attempt it counted and clears the account's
failures, so only failures (and attempts still being checked) count: an office whose people all sign
in from one address is never locked out by its own good sign-ins.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import deque
from collections.abc import Callable

from ropa.errors import TooManyAttempts

PER_ACCOUNT = 5  # failed attempts on one username
PER_SOURCE = 20  # failed attempts from one client address, whatever the username
WINDOW_SECONDS = 900.0
MAX_KEYS = 50_000  # past this many accounts and sources, forget the ones with no attempt in the window


@dataclasses.dataclass(frozen=True)
class Attempt:
    """One counted attempt: the keys it was counted under, and when."""

    account_key: str
    source_key: str
    at: float


class Limiter:
    """Attempts per account and per source; ``hits`` maps a key to the times of its attempts."""

    def __init__(
        self,
        per_account: int = PER_ACCOUNT,
        per_source: int = PER_SOURCE,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_account, self.per_source, self.window, self.clock = per_account, per_source, window, clock
        self.hits: dict[str, deque[float]] = {}
        # The event loop runs one coroutine at a time, but the test client calls in from a thread.
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self.hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, hits in self.hits.items() if not hits or hits[-1] <= now - self.window]:
            del self.hits[key]

    def acquire(self, account: str, source: str) -> Attempt:
        """Count an attempt, or refuse it (429) when the account or the source is at its limit."""
        account_key, source_key = f"a:{account.casefold()}", f"s:{source}"
        with self._lock:
            now = self.clock()
            if len(self.hits) > MAX_KEYS:
                self._forget_idle(now)
            for key, limit in ((account_key, self.per_account), (source_key, self.per_source)):
                hits = self._recent(key, now)
                if len(hits) >= limit:
                    retry = int(hits[0] + self.window - now) + 1
                    raise TooManyAttempts("too many sign-in attempts; try again later", retry)
            self.hits[account_key].append(now)
            self.hits[source_key].append(now)
            return Attempt(account_key, source_key, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A right password: take back this attempt, and forget the account's failures."""
        with self._lock:
            self.hits.pop(attempt.account_key, None)
            hits = self.hits.get(attempt.source_key)
            if hits is not None and attempt.at in hits:
                hits.remove(attempt.at)


LIMITER = Limiter()
