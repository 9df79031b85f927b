"""Findings of the current register, with any accepted risk shown beside them, never hiding them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import msgspec

from ropa.access.model import visible_entities
from ropa.porting.schemas import RegisterFile
from ropa.porting.services import snapshot_register
from ropa.rules.engine import evaluate, evaluate_in_order
from ropa.rules.model import LANGUAGES, Context, Finding


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
    register: RegisterFile, today: dt.date, languages: tuple[str, ...] = LANGUAGES
) -> list[FindingOut]:
    """Every finding of ``register`` on ``today``, each with the acceptance that covers it, if any.

    The messages are in ``languages`` (default: all).
    """
    ctx = Context.build(register.vocabularies, today, languages)
    return list(_with_acceptances(register, today, evaluate(register, ctx)))


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
    """Evaluate every rule over the register as it is now, so findings follow each change."""
    today = today or dt.datetime.now(dt.UTC).date()
    register = await snapshot_register()
    visible = visible_entities()
    if visible is not None:  # a scoped reader's findings come from its entities alone
        register = RegisterFile(
            vocabularies=register.vocabularies, entities=[e for e in register.entities if e.id in visible]
        )
    ids = {e.id: e.key for e in register.entities}
    return [
        out
        for out in annotate(register, today)
        if not (entity and out.finding.entity_key not in (entity, ids.get(entity)))
        and not (severity and out.finding.severity != severity)
        and not (rule and out.finding.rule_id != rule)
        and not (status and out.status != status)
    ]
