"""Findings of the current register, with any accepted risk shown beside them, never hiding them."""

from __future__ import annotations

import datetime as dt

import msgspec

from ropa.porting.services import snapshot_register
from ropa.rules.engine import evaluate
from ropa.rules.model import Context, Finding


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
    findings = evaluate(register, Context.build(register.vocabularies, today))
    accepted = {
        (e.key, a.rule_id, a.record_key): a
        for e in register.entities
        for a in e.finding_acceptances
        if not a.retired
    }
    ids = {e.id: e.key for e in register.entities}
    out = []
    for finding in findings:
        if entity and finding.entity_key not in (entity, ids.get(entity)):
            continue
        if (severity and finding.severity != severity) or (rule and finding.rule_id != rule):
            continue
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
        if status and shown != status:
            continue
        out.append(FindingOut(finding=finding, status=shown, acceptance=acceptance))
    return out
