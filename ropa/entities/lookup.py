"""Which legal entity a reference names (by id, else key, else registration number), and unique numbers.

Every route, page and command that takes an entity reference resolves it here, so a reference
means the same entity everywhere. The order is strict: a registration number is only tried when
no entity has that id or key, so an entity cannot take over another's key by registering it as
its number. Registration numbers are unique within a country (index
``legal_entity_registration_uq``); spaces do not count ("29 41 69 82" is "29416982").
"""

from __future__ import annotations

import uuid
from typing import Any

from piccolo.columns.combination import WhereRaw

from ropa.access.model import in_scope
from ropa.db import is_postgres
from ropa.errors import Conflict, Invalid
from ropa.tables import LegalEntity

REGISTRATION_INDEX = "legal_entity_registration_uq"
NUMBER_FIELD = "registration.number"

# The expressions of the unique index (migrations/ropa, registration numbers); a lookup that uses
# the same text can use the index.
_SQLITE = ("replace(json_extract(data, '$.registration.number'), ' ', '')", "json_extract(data, '$.country')")
_POSTGRES = (
    "replace((data::jsonb) -> 'registration' ->> 'number', ' ', '')",
    "((data::jsonb) ->> 'country')",
)


def normalized(number: str | None) -> str:
    """A registration number as compared: without spaces."""
    return (number or "").replace(" ", "")


def _expressions() -> tuple[str, str]:
    return _POSTGRES if is_postgres() else _SQLITE


async def _by(where: Any, lock: bool) -> dict[str, Any] | None:
    query = LegalEntity.select(LegalEntity.id, LegalEntity.status).where(where)
    if lock and is_postgres():
        query = query.lock_rows("NO KEY UPDATE")
    row = await query.first()
    # An entity outside the caller's scope does not exist for it: the lookup goes on to the next
    # way of naming one, exactly as if that entity were not there (no hint that it is).
    return row if row is not None and in_scope(str(row["id"])) else None


async def find(ref: str, field: str = "entity", *, lock: bool = False) -> dict[str, Any] | None:
    """The id and status of the entity ``ref`` names among those the caller sees, or None.

    ``lock`` locks its row for the caller's transaction (PostgreSQL). A registration number that
    several visible entities share (in different countries) names none of them: Invalid.
    """
    try:
        by_id: Any = LegalEntity.id == str(uuid.UUID(ref))
    except ValueError:
        by_id = None
    for where in (by_id, LegalEntity.key == ref):
        if where is not None and (row := await _by(where, lock)) is not None:
            return row
    number = normalized(ref)
    if not number:
        return None
    rows = await LegalEntity.select(LegalEntity.id).where(WhereRaw(f"{_expressions()[0]} = {{}}", number))
    ids = sorted(str(r["id"]) for r in rows if in_scope(str(r["id"])))
    if len(ids) > 1:
        reason = f"registration number '{ref}' is shared by entities of several countries: use an id or key"
        raise Invalid.of([(field, reason)])
    return await _by(LegalEntity.id == ids[0], lock) if ids else None


async def check_registration_free(data: Any, record_id: str | None) -> None:
    """Conflict naming ``registration.number`` if another entity of the country has the number.

    The answer names neither the other entity nor whether the caller may see it.
    """
    number = normalized(data.registration.number if data.registration else None)
    if not number:
        return
    number_sql, country_sql = _expressions()
    where: Any = WhereRaw(f"{number_sql} = {{}}", number) & WhereRaw(f"{country_sql} = {{}}", data.country)
    if record_id is not None:
        where &= LegalEntity.id != record_id
    if await LegalEntity.exists().where(where):
        raise registration_conflict(data.registration.number, data.country)


def registration_conflict(number: str, country: str) -> Conflict:
    reason = f"already used by another legal entity in {country}"
    return Conflict(
        f"registration number '{number}' is already used in {country}",
        [{"name": NUMBER_FIELD, "reason": reason}],
    )


def is_registration_violation(exc: BaseException) -> bool:
    """Did the database's unique index on registration numbers refuse the write?"""
    return REGISTRATION_INDEX in (getattr(exc, "constraint_name", None) or str(exc))
