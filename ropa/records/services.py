"""Create, read, list, update and retire any register record; each write audited in its transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec

from audit import log as audit_log
from ropa.access.model import in_scope, visible_entities
from ropa.db import UNIQUE_VIOLATIONS, is_postgres, write_transaction
from ropa.entities import lookup
from ropa.errors import Conflict, Invalid, NotFound
from ropa.records import validation
from ropa.records.kinds import Kind
from ropa.records.references import blockers
from ropa.records.resolver import Resolver
from ropa.tables import LegalEntity

_COLUMNS = ("id", "key", "version", "status", "created_at", "updated_at", "data")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.isoformat()


def row_json(kind: Kind, row: dict[str, Any]) -> bytes:
    """The output record as JSON: server fields spliced in front of the stored record."""
    head: dict[str, Any] = {"id": str(row["id"])}
    if kind.scoped:
        head["entity"] = str(row["entity"])
    head["version"] = row["version"]
    if not kind.status_in_data:
        head["status"] = row["status"]
    head["created_at"] = _iso(row["created_at"])
    head["updated_at"] = _iso(row["updated_at"])
    data: str = row["data"]
    return msgspec.json.encode(head)[:-1] + b"," + data[1:].encode()


def to_out(kind: Kind, row: dict[str, Any]) -> Any:
    return msgspec.json.decode(row_json(kind, row), type=kind.out)


def select_records(kind: Kind) -> Any:
    table = kind.table
    columns = [getattr(table, c) for c in _COLUMNS]
    if kind.scoped:
        columns.append(table.entity)
    return table.select(*columns).output(load_json=False)


def as_uuid(value: str, field: str) -> str:
    """The canonical text of a UUID, or Invalid naming ``field``."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Invalid.of([(field, f"'{value}' is not a UUID")]) from None


async def _row(kind: Kind, record_id: str) -> dict[str, Any]:
    try:
        record_id = str(uuid.UUID(str(record_id)))
    except ValueError:
        raise NotFound(f"No {kind.name.replace('_', ' ')} with id {record_id}") from None
    row = await select_records(kind).where(kind.table.id == record_id).first()
    # A record of an entity outside the caller's scope is answered as if it did not exist.
    owner = kind.owner(record_id, row)
    if row is None or (owner is not None and not in_scope(owner)):
        raise NotFound(f"No {kind.name.replace('_', ' ')} with id {record_id}")
    return dict(row)


async def get(kind: Kind, record_id: str) -> Any:
    return to_out(kind, await _row(kind, record_id))


async def resolve_entity(ref: str, field: str = "entity", *, for_write: bool = False) -> str:
    """The id of the legal entity named by id, key or registration number (in that order, see
    ``ropa.entities.lookup``); a write needs an active one.

    A write also locks the entity's row (PostgreSQL; SQLite's write lock covers it), so two
    writes to one entity's register never interleave: a recipient cannot be retired while an
    activity that names it is being created. Writes to different entities do not wait.
    """
    row = await lookup.find(ref, field, lock=for_write)
    if row is None or (for_write and row["status"] == "retired"):
        raise Invalid.of([(field, f"no {'active ' if for_write else ''}legal entity '{ref}'")])
    return str(row["id"])


def _data_of(kind: Kind, payload: Any) -> Any:
    fields = {f: getattr(payload, f) for f in kind.data.__struct_fields__}
    return kind.data(**fields)


async def _validate(kind: Kind, data: Any, entity_id: str | None, resolver: Resolver) -> None:
    found = validation.inspect(data)
    errors = await resolver.errors(found, entity_id, kind.hooks.local_documents(data))
    errors += kind.checks(data)
    errors += await kind.hooks.extra_errors(data, resolver)
    if errors:
        raise Invalid.of(errors)


def _audit_scope(kind: Kind, record_id: str, entity_id: str | None) -> str:
    return entity_id or (record_id if kind.hooks.is_scope else "")


async def _key_taken(kind: Kind, data: Any, entity_id: str | None) -> bool:
    table = kind.table
    where = table.key == data.key
    if kind.scoped:
        where &= table.entity == entity_id
    if partition := kind.hooks.partition:
        where &= getattr(table, partition) == getattr(data, partition)
    return bool(await table.exists().where(where))


def _refuse_chosen_id() -> Invalid:
    """The one answer a caller limited to some entities gets for any id it chooses itself.

    Ids are unique across all entities, so "this id is taken" would tell such a caller that a
    record it cannot see exists elsewhere. Whether an id is free is never checked for it: every
    id it sends, taken or fresh, gets this same answer, which depends on nothing stored. Keys,
    unique within its own entities, still make its retries safe; callers who see every entity
    (admins, imports, the CLI) may still choose ids and learn of a collision.
    """
    reason = "not available: a caller limited to some entities cannot choose ids; leave it out"
    return Invalid.of([("id", reason)])


async def create(kind: Kind, payload: Any, resolver: Resolver | None = None) -> Any:
    resolver = resolver or Resolver()
    if payload.id and visible_entities() is not None:
        raise _refuse_chosen_id()
    async with write_transaction():
        entity_id = None
        if kind.scoped:
            entity_id = resolver.created_entities.get(payload.entity) or await resolve_entity(
                payload.entity, for_write=True
            )
        record_id = as_uuid(payload.id, "id") if payload.id else str(uuid.uuid4())
        data = _data_of(kind, payload)
        await _validate(kind, data, entity_id, resolver)
        if resolver.knows_all_keys(entity_id):
            taken = data.key in await resolver.keys(str(entity_id), kind.name)
        else:
            taken = await _key_taken(kind, data, entity_id)
        if taken:
            raise _key_conflict(data.key)
        await kind.hooks.before_create(data)
        if payload.id and await kind.table.exists().where(kind.table.id == record_id):
            raise Conflict(f"id {record_id} is already used", [{"name": "id", "reason": "already used"}])
        now = _now()
        row: dict[str, Any] = {
            "id": record_id,
            "key": data.key,
            "name": kind.display(data)[:300],
            "status": kind.status_of(data),
            "version": 1,
            "search_text": kind.search(data),
            "data": msgspec.json.encode(data).decode(),
            "created_at": now,
            "updated_at": now,
        }
        if kind.scoped:
            row["entity"] = entity_id
        if partition := kind.hooks.partition:
            row[partition] = getattr(data, partition)
        try:
            await kind.table.insert(kind.table(**row))
        except UNIQUE_VIOLATIONS as exc:
            # Another transaction took the key (or registration number) between check and insert.
            raise _unique_conflict(kind, data, exc) from None
        await audit_log.record(
            f"{kind.name}.create",
            entity_type=kind.name,
            entity_id=record_id,
            entity_version=1,
            legal_entity_id=_audit_scope(kind, record_id, entity_id),
            after=msgspec.to_builtins(data),
        )
        if kind.scoped and entity_id:
            resolver.added(entity_id, kind.name, data.key)
        kind.hooks.created(resolver, record_id, data)
    return to_out(kind, row)


def _key_conflict(key: str) -> Conflict:
    return Conflict(f"key '{key}' is already used", [{"name": "key", "reason": "already used"}])


def _unique_conflict(kind: Kind, data: Any, exc: Exception) -> Conflict:
    return kind.hooks.unique_conflict(data, exc) or _key_conflict(data.key)


def _check_version(row: dict[str, Any], version: int | None) -> None:
    if version is not None and version != row["version"]:
        raise Conflict(
            f"version {version} is stale: the record is at version {row['version']}; reload and retry",
            [{"name": "version", "reason": f"stale; current version is {row['version']}"}],
        )


async def _write(
    kind: Kind, row: dict[str, Any], data: Any, status: str, action: str, reason: str = ""
) -> Any:
    """Save a new version of ``row`` if nobody else saved first, and audit it."""
    table = kind.table
    before = msgspec.json.decode(row["data"])
    now = _now()
    version = row["version"] + 1
    changed = await (
        table.update(
            {
                table.name: kind.display(data)[:300],
                table.status: status,
                table.version: version,
                table.search_text: kind.search(data),
                table.data: msgspec.json.encode(data).decode(),
                table.updated_at: now,
            }
        )
        .where((table.id == row["id"]) & (table.version == row["version"]))
        .returning(table.id)
    )
    if not changed:
        raise Conflict("someone else saved this record first; reload and retry")
    entity_id = str(row["entity"]) if kind.scoped else None
    # Kinds whose schema holds the status show its change in the record diff already.
    status_changed = status != row["status"] and not kind.status_in_data
    details = {"status": {"before": row["status"], "after": status}} if status_changed else None
    await audit_log.record(
        action,
        entity_type=kind.name,
        entity_id=str(row["id"]),
        entity_version=version,
        legal_entity_id=_audit_scope(kind, str(row["id"]), entity_id),
        before=before,
        after=msgspec.to_builtins(data),
        details=details,
        reason=reason,
    )
    row.update(status=status, version=version, updated_at=now, data=msgspec.json.encode(data).decode())
    return to_out(kind, row)


async def _lock_entity_of(kind: Kind, row: dict[str, Any]) -> None:
    entity_id = kind.owner(str(row["id"]), row)
    if is_postgres() and entity_id is not None:
        await LegalEntity.select(LegalEntity.id).where(LegalEntity.id == entity_id).lock_rows("NO KEY UPDATE")


async def update(kind: Kind, record_id: str, payload: Any) -> Any:
    async with write_transaction():
        row = await _row(kind, record_id)
        await _lock_entity_of(kind, row)
        _check_version(row, payload.version)
        # A retired record is frozen, unless its status is part of its data (activities, terms).
        if row["status"] == kind.retired_status and kind.status_from_data is None:
            raise Conflict(f"this {kind.name.replace('_', ' ')} is {kind.retired_status}")
        data = _data_of(kind, payload)
        errors = [("key", "the key of a record cannot change")] if data.key != row["key"] else []
        partition = kind.hooks.partition
        if partition and getattr(data, partition) != msgspec.json.decode(row["data"])[partition]:
            errors.append((partition, f"the {partition} of a {kind.name.replace('_', ' ')} cannot change"))
        if errors:
            raise Invalid.of(errors)
        await _validate(kind, data, kind.owner(str(row["id"]), row), Resolver())
        status = kind.status_of(data)
        if status == kind.retired_status != row["status"]:  # retired through its status: as ``retire``
            await _refuse_if_used(kind, row, data)
        await kind.hooks.before_update(data, row)
        try:
            return await _write(kind, row, data, status, f"{kind.name}.update")
        except UNIQUE_VIOLATIONS as exc:  # PostgreSQL: a concurrent write took the number first
            if conflict := kind.hooks.unique_conflict(data, exc):
                raise conflict from None
            raise


async def _refuse_if_used(kind: Kind, row: dict[str, Any], data: Any) -> None:
    """Conflict naming the records that still use this one (a cookie naming an activity), if any: a
    record is retired by ``retire`` or by an update to its retired status, and either way only when
    nothing active refers to it."""
    if problems := await blockers(kind, row, data):
        raise Conflict(
            f"this {kind.name.replace('_', ' ')} is still in use",
            [{"name": name, "reason": reason} for name, reason in problems],
        )


async def retire(kind: Kind, record_id: str, version: int | None, reason: str = "") -> Any:
    """Retire (or deprecate) a record: it is kept, marked, and no longer accepted as a reference."""
    async with write_transaction():
        row = await _row(kind, record_id)
        await _lock_entity_of(kind, row)
        _check_version(row, version)
        if row["status"] == kind.retired_status:
            return to_out(kind, row)
        data = msgspec.json.decode(row["data"], type=kind.data)
        await _refuse_if_used(kind, row, data)
        if kind.retire_data:
            data = kind.retire_data(data)
        return await _write(kind, row, data, kind.retired_status, f"{kind.name}.retire", reason)


async def reactivate(kind: Kind, record_id: str, version: int | None, reason: str) -> Any:
    """Bring a retired record back as it was retired, if what it names is still there to name.

    The record is checked as an update would check it: a reference to a record retired since (a
    transfer's recipient, a processor's sub-processor) refuses it, naming the field and the key,
    and a record of a retired entity stays retired until the entity is back.
    """
    async with write_transaction():
        row = await _row(kind, record_id)
        owner = kind.owner(str(row["id"]), row)
        label = kind.name.replace("_", " ")
        await _lock_entity_of(kind, row)
        if kind.scoped and not await LegalEntity.exists().where(
            (LegalEntity.id == owner) & (LegalEntity.status != "retired")
        ):
            why = "is retired: reactivate the legal entity first"
            raise Conflict(f"the legal entity of this {label} {why}", [{"name": "entity", "reason": why}])
        _check_version(row, version)
        if row["status"] != kind.retired_status:
            raise Conflict(
                f"this {label} is not {kind.retired_status}",
                [{"name": "status", "reason": f"is {row['status']}, not {kind.retired_status}"}],
            )
        data = msgspec.json.decode(row["data"], type=kind.data)
        try:
            await _validate(kind, data, owner, Resolver())
        except Invalid as exc:
            raise Invalid(f"this {label} names records that are not active", exc.invalid_params) from None
        await kind.hooks.before_update(data, row)
        try:
            return await _write(kind, row, data, kind.active_status, f"{kind.name}.reactivate", reason)
        except UNIQUE_VIOLATIONS as exc:  # PostgreSQL: an active entity took the number meanwhile
            if conflict := kind.hooks.unique_conflict(data, exc):
                raise conflict from None
            raise
