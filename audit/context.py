"""Who is acting: the actor, request and source of the events written in the current task."""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import hmac


@dataclasses.dataclass(frozen=True)
class Actor:
    """A pseudonymous actor; ``id`` is never a name or an e-mail address."""

    id: str
    type: str  # user | token | system
    request_id: str = ""
    source_ref: str = ""


SYSTEM = Actor(id="system", type="system")

_current: contextvars.ContextVar[Actor] = contextvars.ContextVar("audit_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def set_actor(actor: Actor) -> contextvars.Token[Actor]:
    return _current.set(actor)


def reset_actor(token: contextvars.Token[Actor]) -> None:
    _current.reset(token)


def source_ref(address: str, key: bytes) -> str:
    """A keyed hash of a client address: linkable within the log, not reversible without the key."""
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:32]
