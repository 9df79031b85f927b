"""Roles, permissions and the principal of a request: who is asking, and which entities they may see.

Every route names one permission in its ``opt["perm"]``; a route without one is refused (deny by
default). A role grants a set of permissions; a principal's scope limits which legal entities'
records it sees, and a record outside the scope is answered as if it did not exist.

A legal entity's own record (name, identifiers, contacts, regime) is kept by ``entities.manage``,
which admins and compliance officers both hold; the records an entity holds need ``register.write``,
which admins do not hold: an admin sets entities up and keeps them current, its officers keep
their registers.
"""

from __future__ import annotations

import contextvars
import dataclasses
from typing import Literal

Role = Literal["admin", "compliance_officer", "auditor", "regulator"]
ROLES: tuple[Role, ...] = ("admin", "compliance_officer", "auditor", "regulator")

# Routes anyone may call, and routes any signed-in principal may call.
PUBLIC = "public"
SIGNED_IN = "signed_in"

PERMISSIONS: dict[Role, frozenset[str]] = {
    "admin": frozenset(
        {
            "register.read",  # every entity: an admin assigns entities to users
            "entities.create",
            "entities.manage",  # edit, retire and reactivate an entity's own record, not what it holds
            "vocabulary.write",
            "register.import",
            "register.dump",
            "users.manage",
            "audit.verify",
        }
    ),
    "compliance_officer": frozenset(
        {
            "register.read",
            "register.write",
            "entities.manage",  # the entity's own record, in the officer's scope
            "register.approve",  # four eyes: approve an activity someone else last changed
            "register.history",
            "register.export",
            "findings.read",
            "findings.review",  # the interface's findings page, with remediation and acceptance
        }
    ),
    "auditor": frozenset(
        {
            "register.read",
            "register.history",
            "findings.read",
            "findings.review",
            "audit.read",
            "audit.verify",
            "audit.export",
        }
    ),
    # A regulator reads the findings an export carries; in the interface it sees the read-only
    # register and the export dialog only (no findings page).
    "regulator": frozenset({"register.read", "register.export", "findings.read"}),
}
ALL_PERMISSIONS = frozenset().union(*PERMISSIONS.values())


@dataclasses.dataclass(frozen=True)
class Principal:
    """A signed-in user, by session or by API token. ``entities`` None means every entity."""

    user_id: str
    username: str
    role: Role
    entities: frozenset[str] | None
    via: Literal["session", "token"]
    credential_id: str
    csrf: str = ""

    def may(self, permission: str) -> bool:
        return permission in (PUBLIC, SIGNED_IN) or permission in PERMISSIONS[self.role]

    def sees(self, entity_id: str | None) -> bool:
        return self.entities is None or (entity_id is not None and entity_id in self.entities)

    @property
    def actor_id(self) -> str:
        return f"user:{self.user_id}"


_scope: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("ropa_principal", default=None)


def current_principal() -> Principal | None:
    """The principal of the current request; None for the CLI and background work (trusted)."""
    return _scope.get()


def set_principal(principal: Principal | None) -> contextvars.Token[Principal | None]:
    return _scope.set(principal)


def reset_principal(token: contextvars.Token[Principal | None]) -> None:
    _scope.reset(token)


def in_scope(entity_id: str) -> bool:
    """May the current principal see this legal entity's register?"""
    principal = current_principal()
    return principal is None or principal.sees(entity_id)


def visible_entities() -> frozenset[str] | None:
    """The entity ids the current principal may see; None: all (admin, the CLI, no principal)."""
    principal = current_principal()
    return None if principal is None else principal.entities
