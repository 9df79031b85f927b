"""What the pages read: the same service functions as the API, plus the dashboard's counts."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

from piccolo.query.functions.aggregate import Count

from exports.service import vocabulary_terms
from exports.view import RecordTimes, View
from ropa.access.model import current_principal, visible_entities
from ropa.auditing import services as audit_services
from ropa.db import read_snapshot
from ropa.errors import Invalid, NotFound
from ropa.findings.services import FindingOut, list_findings
from ropa.i18n import Lang
from ropa.porting.read import load_entity
from ropa.records import listing
from ropa.records import services as records
from ropa.records.catalog import ACCEPTANCE, ENTITY, REGISTRY
from ropa.records.services import resolve_entity
from ropa.rules.model import SEVERITY_ORDER
from ropa.tables import ProcessingActivity
from ropa.vocabulary.schemas import TermData
from ropa.web.pages import UiTexts

REVIEW_RULE = "review.overdue"


@dataclasses.dataclass
class EntityCard:
    id: str
    key: str
    name: str
    status: str
    activities: Counter[str]
    findings: Counter[str]
    reviews_overdue: int


async def entities() -> list[Any]:
    """The legal entities the caller may see (summaries, key order)."""
    page = await listing.list_records(ENTITY, limit=500)
    return list(page.items)


@dataclasses.dataclass
class Dashboard:
    cards: list[EntityCard]
    checkpoint: dict[str, Any] | None
    open_findings: list[FindingOut]  # evaluated once: the counts and the to-do list share them


async def dashboard(day: dt.date) -> Dashboard:
    """Per visible entity: activities by status, open findings by severity (as of ``day``), reviews
    overdue; the log. Read in one snapshot, so the counts and the findings describe the same register.
    The findings are empty for a caller who may not review them."""
    async with read_snapshot():
        return await _dashboard(day)


async def _dashboard(day: dt.date) -> Dashboard:
    cards = {
        str(e.id): EntityCard(str(e.id), e.key, e.name, e.status, Counter(), Counter(), 0)
        for e in await entities()
    }
    query = ProcessingActivity.select(
        ProcessingActivity.entity, ProcessingActivity.status, Count(ProcessingActivity.id, alias="n")
    ).group_by(ProcessingActivity.entity, ProcessingActivity.status)
    visible = visible_entities()
    for row in await query:
        entity = str(row["entity"])
        if entity in cards and (visible is None or entity in visible):
            cards[entity].activities[row["status"]] += row["n"]
    by_key = {c.key: c for c in cards.values()}
    principal = current_principal()
    reviews = principal is None or principal.may("findings.review")
    open_findings = await list_findings(status="open", today=day) if reviews else []
    for item in open_findings:
        card = by_key.get(item.finding.entity_key)
        if card:
            card.findings[item.finding.severity] += 1
            card.reviews_overdue += item.finding.rule_id == REVIEW_RULE
    try:
        checkpoint: dict[str, Any] | None = await audit_services.latest_checkpoint()
        checkpoint["issued"] = dt.datetime.fromisoformat(checkpoint["issued_at"])  # type: ignore[index]
    except NotFound:
        checkpoint = None
    return Dashboard(list(cards.values()), checkpoint, open_findings)


async def entity_summary(ref: str) -> Any:
    """The entity record itself (by id, key or registration number); outside the caller's scope it
    does not exist."""
    try:
        entity_id = await resolve_entity(ref)
    except Invalid:
        raise NotFound(f"no legal entity '{ref}'") from None
    return await records.get(ENTITY, entity_id)


@dataclasses.dataclass
class EntityPage:
    """One entity's register, resolved for reading in the page's language."""

    id: str
    view: View
    terms: list[TermData]


async def entity_page(ref: str, lang: Lang, only_activity: str | None = None) -> EntityPage:
    """The entity as it is now, read in one transaction; outside the caller's scope it does not exist.
    With ``only_activity`` (an id or key) its other activities are left out: one activity's page."""
    async with read_snapshot():  # the entity, its records and the labels of one state
        entity_id = (await entity_summary(ref)).id
        loaded = await load_entity(entity_id, only=only_activity)
        terms = await vocabulary_terms()
    record_times = {k: RecordTimes(created=v[0], updated=v[1]) for k, v in loaded.times.items()}
    return EntityPage(entity_id, View(loaded.entity, UiTexts(lang, terms), record_times), terms)


async def entity_findings(entity_id: str, severity: str | None, status: str | None) -> list[FindingOut]:
    return await list_findings(entity=entity_id, severity=severity or None, status=status or None)


Findings = dict[tuple[str, str], list[FindingOut]]


async def findings_by_record(entity_id: str) -> Findings:
    """The entity's findings per record (kind, key), most severe first; the register as a whole
    is ``(kind, "")``. Empty for a caller who may not review findings, as the findings API is closed
    to them."""
    principal = current_principal()
    if principal is not None and not principal.may("findings.review"):
        return {}
    grouped: Findings = {}
    for item in await list_findings(entity=entity_id):
        grouped.setdefault((item.finding.record_kind, item.finding.record_key or ""), []).append(item)
    for items in grouped.values():
        items.sort(key=lambda i: (i.status != "open", SEVERITY_ORDER[i.finding.severity]))
    return grouped


def open_by_severity(found: Findings, kind: str, key: str) -> Counter[str]:
    """One record's open findings, counted by severity."""
    return Counter(i.finding.severity for i in found.get((kind, key), []) if i.status == "open")


async def record_ids(key: str, record_type: str | None) -> list[str]:
    """The records a key names (of ``record_type``, or of every kind), in the entities the caller
    may see: a key is unique within an entity and a kind, so it may name several records."""
    visible = visible_entities()
    found: list[str] = []
    for name, kind in REGISTRY.items():
        if record_type and name != record_type:
            continue
        table = kind.table
        query = table.select(table.id).where(table.key == key)
        if visible is not None:
            column = table.entity if kind.scoped else table.id
            query = query.where(column.is_in(sorted(visible) or ["-"]))
        found += [str(r["id"]) for r in await query]
    return found


async def acceptances(entity_id: str) -> dict[str, Any]:
    """The entity's risk acceptances in force, by key (summaries: id, key, version, status)."""
    held: dict[str, Any] = {}
    cursor = None
    while True:
        found = await listing.list_records(ACCEPTANCE, entity=entity_id, cursor=cursor, limit=500)
        held |= {str(a.key): a for a in found.items if a.status != ACCEPTANCE.retired_status}
        if (cursor := found.next_cursor) is None:
            return held


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
