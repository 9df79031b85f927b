"""The read model: one entity's register (the entity and all its records), now or as of a moment.

Every reader of the register builds it here: the dump and the findings (``load_register``), the
exports and the pages (``load_entity``), the as-of views (``load_entity(at=...)``). Each read runs
in one ``read_snapshot()``, so what it returns is one committed state, and no write waits for it.
The aggregate is the register file's ``EntityIn``: its records sorted by key then id, in Python,
not by the database, since collations differ between engines and the files and exports must not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec

from audit import query
from audit.tables import AuditEvent
from ropa.db import read_snapshot
from ropa.errors import NotFound
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.porting.sharing import share_short_texts
from ropa.records.catalog import (
    ACCEPTANCE,
    ACTIVITY,
    COOKIE,
    ENTITY,
    PROCESSOR,
    RECIPIENT,
    RETENTION,
    TRANSFER,
)
from ropa.records.kinds import REGISTRY, Kind
from ropa.tables import LegalEntity, VocabularyTerm
from ropa.vocabulary.schemas import TermData

# Children of an entity in the order references allow: each kind only points at earlier ones.
CHILDREN: tuple[tuple[str, Kind], ...] = (
    ("processors", PROCESSOR),
    ("recipients", RECIPIENT),
    ("transfers", TRANSFER),
    ("retention_rules", RETENTION),
    ("activities", ACTIVITY),
    ("cookies", COOKIE),
    ("finding_acceptances", ACCEPTANCE),
)
READ_BATCH = 500  # records read from the database at a time

# (first, last) change of each record, by record id: "date of creation / last update".
Times = dict[str, tuple[dt.datetime, dt.datetime]]
S = TypeVar("S", bound=msgspec.Struct)


@dataclass(frozen=True)
class Loaded:
    """An entity's register and when each of its records was created and last changed."""

    entity: EntityIn
    times: Times


async def load_entity(
    entity_id: str, at: dt.datetime | None = None, only: str | None = None, share: bool = True
) -> Loaded:
    """The entity ``entity_id`` and its records: as they are now, or, with ``at``, as they stood then.

    Now: read from the register's tables; the times are the rows' own. As of ``at`` (UTC): rebuilt
    from the audit log alone (``_replay``); the times are those of the events. ``only`` (an
    activity's id or key) keeps that one activity and every record of the other kinds: what one
    activity's page needs, without decoding a large register's other activities; an activity
    ``only`` names nowhere leaves the entity without activities. ``share=False``: the short texts
    are not shared (``read_records``), for a reader that drops the register at once. NotFound if the
    entity does not exist (or did not at ``at``).
    """
    async with read_snapshot():
        if at is not None:
            return await _replay(entity_id, at, only)
        times: Times = {}
        top = await read_records(ENTITY, LegalEntity.id == entity_id, EntityIn, times, share=share)
        if not top:
            raise NotFound(f"no legal entity '{entity_id}'")
        entity = top[0]
        types = _record_types()
        for attr, kind in CHILDREN:
            chosen = only if kind is ACTIVITY else None
            records = await read_records(
                kind, kind.table.entity == entity_id, types[attr], times, chosen, share=share
            )
            setattr(entity, attr, records)
    return Loaded(entity, times)


async def load_register() -> RegisterFile:
    """The whole register as it is now (every entity through ``load_entity``, in key order, and the
    vocabularies), from one consistent read."""
    async with read_snapshot():
        terms = await load_terms()
        rows = await LegalEntity.select(LegalEntity.id, LegalEntity.key)
        entities = []
        for row in sorted(rows, key=lambda r: (r["key"], str(r["id"]))):
            entities.append((await load_entity(str(row["id"]))).entity)
    return RegisterFile(vocabularies=terms, entities=entities)


async def load_terms() -> list[TermData]:
    """Every vocabulary term, sorted by vocabulary then key."""
    rows = await VocabularyTerm.select(VocabularyTerm.data).output(load_json=False)
    terms = (msgspec.json.decode(r["data"], type=TermData) for r in rows)
    return sorted(terms, key=lambda t: (t.vocabulary, t.key))


async def read_records(
    kind: Kind,
    where: Any,
    of: type[S],
    times: Times | None = None,
    only: str | None = None,
    *,
    share: bool = True,
) -> list[S]:
    """The records of ``kind`` that ``where`` selects, each decoded into ``of`` (a struct with ``id``,
    and ``retired`` where the kind keeps its status beside its data), sorted by key then id.

    A page of rows at a time (by id, each page after the last id of the one before), each row's JSON
    decoded straight into its struct and its short texts shared, so a large register's JSON text is
    never all in memory at once. ``only`` (an id or key) keeps that one record; ``times`` receives
    each record's created/updated times. Sharing the short texts keeps a large register that lives
    on (an export) small, and is some 40 % of the read's time: ``share=False`` for a register read,
    judged and dropped (the findings), whose memory is the size of one request's.
    """
    table = kind.table
    if only is not None:
        found = await table.select(table.id, table.key).where(where)
        chosen = [r["id"] for r in found if only in (str(r["id"]), r["key"])]
        if not chosen:
            return []
        where = where & table.id.is_in(chosen)
    columns = [table.id, table.status, table.data]
    if times is not None:
        columns += [table.created_at, table.updated_at]
    out = []
    decode: msgspec.json.Decoder[S] = decoder(of)
    after: Any = None
    while True:  # in pages of READ_BATCH by id: no list of ids to send back
        rows = await page_query(table, columns, where, after)
        with collector_paused():  # no await inside: no other task runs with the collector paused
            for row in rows:
                record = decode.decode(row["data"])
                if share:
                    share_short_texts(record)
                record.id = str(row["id"])  # type: ignore[attr-defined]
                if not kind.status_in_data:
                    record.retired = row["status"] == kind.retired_status  # type: ignore[attr-defined]
                if times is not None:
                    times[str(row["id"])] = (_moment(row["created_at"]), _moment(row["updated_at"]))
                out.append(record)
        if len(rows) < READ_BATCH:
            break
        after = rows[-1]["id"]
    return sorted(out, key=lambda r: (r.key, r.id))  # type: ignore[attr-defined]


def page_query(table: Any, columns: list[Any], where: Any, after: Any) -> Any:
    """The rows of one page of ``read_records``: the first ``READ_BATCH`` that ``where`` selects with
    an id above ``after`` (None: from the first), in id order. An entity's records are read through
    the (entity, id) index of their table, one page's rows at a time (migration 2026-12-07T23:30)."""
    page = where if after is None else where & (table.id > after)
    return table.select(*columns).where(page).order_by(table.id).limit(READ_BATCH).output(load_json=False)


@functools.cache
def decoder(of: type[Any]) -> msgspec.json.Decoder[Any]:
    """One JSON decoder per record struct, made once: ``msgspec.json.decode(..., type=...)`` looks the
    type up again on every call."""
    return msgspec.json.Decoder(of)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for a block that makes many objects that will live on.

    Decoding a batch of records makes thousands of structs and lists at once, none in a cycle; the
    collector's passes over them, triggered by their sheer number, took a third of the preparation of
    a 10,000-activity export (0.89 of 2.86 s, timed with ``gc.callbacks``; docs/benchmarks.md, 8e).
    Reference counting still frees what dies; the collector runs again once the block ends. Only for
    a block with no ``await`` in it, so that no other task runs while it is paused.
    """
    if not gc.isenabled():  # paused already (an enclosing block): that one resumes it
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@functools.cache
def _record_types() -> dict[str, type[msgspec.Struct]]:
    """The struct of each child list of EntityIn (``activities`` -> ActivityIn, ...)."""
    hints = typing.get_type_hints(EntityIn)
    return {attr: typing.get_args(hints[attr])[0] for attr, _ in CHILDREN}


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    moment: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return moment


async def _last_change_by(entity_id: str, at: dt.datetime) -> int | None:
    """The event id of the entity's last change recorded at or before ``at``."""
    e = AuditEvent
    row = await (
        e.select(e.event_id)
        .where(
            (e.legal_entity_id == entity_id)
            & e.entity_type.is_in(sorted(REGISTRY))
            & (e.outcome == "success")
            & (e.created_at <= at.astimezone(dt.UTC))
        )
        .order_by(e.event_id, ascending=False)
        .first()
    )
    return None if row is None else int(row["event_id"])


async def _replay(entity_id: str, at: dt.datetime, only: str | None) -> Loaded:
    """The entity and its records as of ``at``, rebuilt from the audit log alone.

    Every change event carries the record's full state after the change, so replaying an entity's
    events gives each record's last state and status. The state is the one after the last change
    recorded at or before ``at``, replaying every event logged before it: always a state the
    register really had. Were events picked by their own times, a wall clock set back would give
    later changes without the earlier ones they build on (or, as of now, nothing before the jump);
    with a clock that never goes back the two agree. The caller's snapshot holds the events still.
    """
    last = await _last_change_by(entity_id, at)
    if last is None:
        raise NotFound(f"the entity did not exist at {at.isoformat()}")
    states: dict[tuple[str, str], dict[str, Any]] = {}
    times: Times = {}
    async for event in query.stream(query.EventFilter(legal_entity_id=entity_id)):
        if event["event_id"] > last:
            break  # the stream is in log order
        kind = REGISTRY.get(event["entity_type"])
        if kind is None or event["outcome"] != "success":
            continue
        verb = event["action"].rsplit(".", 1)[-1]
        state = states.setdefault((kind.name, event["entity_id"]), {"retired": False})
        if event["body"]["after"] is not None:
            state["data"] = event["body"]["after"]
        if verb in ("retire", "reactivate"):
            state["retired"] = verb == "retire"
        moment = dt.datetime.fromisoformat(event["created_at"].replace("Z", "+00:00"))
        first = times.get(event["entity_id"], (moment, moment))[0]
        times[event["entity_id"]] = (first, moment)
    if (ENTITY.name, entity_id) not in states:
        raise NotFound(f"the entity did not exist at {at.isoformat()}")

    def records(kind: Kind) -> list[dict[str, Any]]:
        found = []
        for (name, record_id), state in states.items():
            if name == kind.name:
                record = {"id": record_id, **state["data"]}
                if kind is ACTIVITY and only is not None and only not in (record_id, record["key"]):
                    continue
                if not kind.status_in_data:
                    record["retired"] = state["retired"]
                found.append(record)
        return sorted(found, key=lambda r: (r["key"], r["id"]))

    entity_state = states[(ENTITY.name, entity_id)]
    entity: dict[str, Any] = {"id": entity_id, **entity_state["data"], "retired": entity_state["retired"]}
    for attr, kind in CHILDREN:
        entity[attr] = records(kind)
    return Loaded(msgspec.convert(entity, EntityIn), times)
