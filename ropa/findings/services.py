"""Findings of the current register, with any accepted risk shown beside them, never hiding them."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec

from audit.log import NO_CHANGE_ACTIONS
from audit.tables import AuditEvent
from ropa.access.model import visible_entities
from ropa.db import get_engine, is_postgres, read_snapshot
from ropa.entities import lookup
from ropa.errors import NotFound
from ropa.i18n import LANGUAGES
from ropa.porting.read import load_entity, load_register, load_terms, read_records
from ropa.porting.schemas import RegisterFile
from ropa.records.catalog import ACTIVITY, ENTITY, PROCESSOR
from ropa.rules.engine import evaluate, evaluate_in_order
from ropa.rules.group import ActivityLinks, EntityLinks, ProcessorLinks, linked
from ropa.rules.model import Context, Finding
from ropa.tables import LegalEntity, ProcessingActivity, Processor


class Acceptance(msgspec.Struct, kw_only=True):
    key: str
    reason: str
    accepted_by: str
    expires_on: dt.date
    expired: bool


class FindingOut(msgspec.Struct, kw_only=True):
    """A finding as listed: ``status`` is ``accepted`` while an unexpired acceptance covers it."""

    finding: Finding
    status: str
    acceptance: Acceptance | None = None


def annotate(
    register: RegisterFile,
    today: dt.date,
    languages: tuple[str, ...] = LANGUAGES,
    only: str | None = None,
) -> list[FindingOut]:
    """Every finding of ``register`` on ``today``, each with the acceptance that covers it, if any.

    The messages are in ``languages`` (default: all); ``only`` (an entity key) keeps that entity's
    findings (``evaluate``).
    """
    ctx = Context.build(register.vocabularies, today, languages)
    return list(_with_acceptances(register, today, evaluate(register, ctx, only)))


def annotate_in_order(
    register: RegisterFile, today: dt.date, languages: tuple[str, ...] = LANGUAGES
) -> Iterator[FindingOut]:
    """``annotate()``'s findings in its order, made one rule at a time and never all held at once
    (``evaluate_in_order``): what an export of a large register writes."""
    ctx = Context.build(register.vocabularies, today, languages)
    return _with_acceptances(register, today, evaluate_in_order(register, ctx))


def _with_acceptances(
    register: RegisterFile, today: dt.date, findings: Iterable[Finding]
) -> Iterator[FindingOut]:
    accepted = {
        (e.key, a.rule_id, a.record_key): a
        for e in register.entities
        for a in e.finding_acceptances
        if not a.retired
    }
    for finding in findings:
        found = accepted.get((finding.entity_key, finding.rule_id, finding.record_key)) or accepted.get(
            (finding.entity_key, finding.rule_id, None)
        )
        acceptance = None
        if found is not None:
            acceptance = Acceptance(
                key=found.key,
                reason=found.reason,
                accepted_by=found.accepted_by,
                expires_on=found.expires_on,
                expired=found.expires_on < today,
            )
        shown = "accepted" if acceptance and not acceptance.expired else "open"
        yield FindingOut(finding=finding, status=shown, acceptance=acceptance)


async def list_findings(
    entity: str | None = None,
    severity: str | None = None,
    rule: str | None = None,
    status: str | None = None,
    today: dt.date | None = None,
) -> list[FindingOut]:
    """Evaluate every rule over the register as it is now, so findings follow each change.

    With ``entity`` (an id, key or registration number) only that entity is evaluated: its own
    rules, and the group rules over it and the entities linked to it (``entity_register``).
    """
    today = today or dt.datetime.now(dt.UTC).date()
    only = None
    if entity:
        found = await _entity_findings(entity, today)
    else:
        register = await load_register()
        visible = visible_entities()
        if visible is not None:  # a scoped reader's findings come from its entities alone
            register = RegisterFile(
                vocabularies=register.vocabularies,
                entities=[e for e in register.entities if e.id in visible],
            )
        found = annotate(register, today, only=only)
    return [
        out
        for out in found
        if not (severity and out.finding.severity != severity)
        and not (rule and out.finding.rule_id != rule)
        and not (status and out.status != status)
    ]


# One entity's findings per register state: a page of a 1,000-activity register would otherwise read
# and judge the whole entity on every view. Bounded; each entry is one entity's findings.
_CACHE: OrderedDict[tuple[Any, ...], list[FindingOut]] = OrderedDict()
_CACHE_ENTRIES = 32


async def _state() -> tuple[Any, ...]:
    """What the committed state this snapshot sees is known by: the database, and its newest audit
    event that records a change (every register change, vocabulary change and acceptance commits with
    its event; reads of the log, exports, sign-ins and backups change nothing the findings judge).
    SQLite commits one writer at a time, so that event names the state. On PostgreSQL ids are taken
    before commit and can commit out of order, so the snapshot itself (xmin:xmax:in-progress ids)
    is part of the name: two snapshots that print the same see the same rows."""
    engine = get_engine()
    if is_postgres(engine):
        rows = await AuditEvent.raw(_NEWEST)
        last = tuple(rows[0].values()) if rows else ()
        where = await AuditEvent.raw(
            "SELECT pg_current_snapshot()::text AS snapshot, current_database() AS db"
        )
        return (getattr(engine, "config", {}).get("dsn"), where[0]["db"], where[0]["snapshot"], *last)
    # Within the newest _LOOK_BACK events; past them, the newest event of any kind (changes as often
    # as the state or more: never a stale answer, only fewer reuses).
    rows = await AuditEvent.raw(
        "SELECT event_id, body_sha256, created_at FROM audit_event WHERE action NOT IN ({}) "
        "AND event_id > (SELECT coalesce(max(event_id), 0) FROM audit_event) - {} "
        "ORDER BY event_id DESC LIMIT 1".format(", ".join("{}" for _ in _NO_CHANGE), "{}"),
        *_NO_CHANGE,
        _LOOK_BACK,
    )
    if rows:
        return (getattr(engine, "path", None), "change", *rows[0].values())
    rows = await AuditEvent.raw(_NEWEST)
    return (getattr(engine, "path", None), "any", *(rows[0].values() if rows else ()))


_NEWEST = "SELECT event_id, body_sha256, created_at FROM audit_event ORDER BY event_id DESC LIMIT 1"
_NO_CHANGE = sorted(NO_CHANGE_ACTIONS)
_LOOK_BACK = 10_000


async def _entity_findings(ref: str, today: dt.date) -> list[FindingOut]:
    """``annotate`` over one entity's group, reused while the register's state, the caller's scope
    and the date are the same. Inside a transaction the caller opened (a write's, whose own changes
    no state key shows, or another read's) nothing is cached."""
    if get_engine().current_transaction.get() is not None:
        register, only = await entity_register(ref)
        return annotate(register, today, only=only)
    async with read_snapshot():
        key = (ref, visible_entities(), today, await _state())
        found = _CACHE.get(key)
        if found is not None:
            _CACHE.move_to_end(key)
            return list(found)
        register, only = await entity_register(ref)
        found = annotate(register, today, only=only)
    _CACHE[key] = found
    while len(_CACHE) > _CACHE_ENTRIES:
        _CACHE.popitem(last=False)
    return list(found)


async def entity_register(ref: str) -> tuple[RegisterFile, str]:
    """What one entity's findings need, from one consistent read, and the entity's key: the entity,
    the entities of its group (``ropa.rules.group.linked``: the group rules compare it with them)
    and the vocabularies.

    Which entities form its group is read from the fields that link entities alone (``EntityLinks``),
    so no other entity is read whole unless it is linked. A scoped reader's group is made of the
    entities it sees, as its whole-register findings are. Outside the caller's scope, or unknown,
    the entity does not exist: NotFound naming ``entity``.
    """
    async with read_snapshot():
        row = await lookup.find(ref, "entity")
        if row is None:
            reason = "no such legal entity"
            raise NotFound(f"no legal entity '{ref}'", [{"name": "entity", "reason": reason}])
        entity_id = str(row["id"])
        visible = visible_entities()
        links = [e for e in await _links() if visible is None or e.id in visible]
        group = linked(entity_id, links) or [entity_id]
        entities = [(await load_entity(i, share=False)).entity for i in group]
        terms = await load_terms()
    key = next(e.key for e in entities if e.id == entity_id)
    return RegisterFile(vocabularies=terms, entities=entities), key


async def _links() -> list[EntityLinks]:
    """Every entity with only what links it to others, in the register's order (key, then id)."""
    entities = await read_records(ENTITY, LegalEntity.id.is_not_null(), EntityLinks, share=False)
    for e in entities:
        e.processors = await read_records(PROCESSOR, Processor.entity == e.id, ProcessorLinks, share=False)
        e.activities = await read_records(
            ACTIVITY, ProcessingActivity.entity == e.id, ActivityLinks, share=False
        )
    return entities
