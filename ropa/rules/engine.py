"""Runs every rule over a register and returns the findings in a stable order."""

from collections.abc import Iterator
from typing import Any

import msgspec

from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.rules import (
    accountability,
    authorities,
    bases,
    completeness,
    cookies,
    data,
    group,
    processors,
    retention,
    rights,
    roles,
    special,
    transfers,
)
from ropa.rules.model import SEVERITY_ORDER, Context, Finding, GroupRule, Rule

ENTITY_RULES: list[Rule] = [
    *completeness.RULES,
    *transfers.RULES,
    *processors.RULES,
    *roles.RULES,
    *retention.RULES,
    *cookies.RULES,
    *special.RULES,
    *accountability.RULES,
    *authorities.RULES,
    *data.RULES,
    *rights.RULES,
    *bases.RULES,
]
GROUP_RULES: list[GroupRule] = [*group.RULES]


class RuleEntry(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    severity: str
    article: str
    scope: str


RULES: list[RuleEntry] = [
    RuleEntry(id=r.id, severity=r.severity, article=r.article, scope=scope)
    for scope, rules in (("entity", ENTITY_RULES), ("group", GROUP_RULES))
    for r in rules
]


def live(entity: EntityIn) -> EntityIn:
    """The entity without its retired records: the law applies to what is processed now."""
    kept: dict[str, Any] = {
        name: [r for r in getattr(entity, name) if not r.retired]
        for name in ("processors", "recipients", "transfers", "retention_rules")
    }
    kept["activities"] = [a for a in entity.activities if a.status != "retired"]
    # A planned processor does not process yet: it, the recipients that stand for it and the transfers to
    # them are recordable, and are judged once they are current (the flag is removed).
    planned = {p.key for p in kept["processors"] if p.planned}
    if planned:
        kept["processors"] = [p for p in kept["processors"] if p.key not in planned]
        later = {r.key for r in kept["recipients"] if r.processor in planned}
        kept["recipients"] = [r for r in kept["recipients"] if r.key not in later]
        kept["transfers"] = [t for t in kept["transfers"] if t.recipient not in later]
    return msgspec.structs.replace(entity, **kept)


def sort_key(f: Finding) -> tuple[str, int, str, str, str, str]:
    return (
        f.entity_key,
        SEVERITY_ORDER[f.severity],
        f.rule_id,
        f.record_kind,
        f.record_key or "",
        f.field or "",
    )


def evaluate(register: RegisterFile, ctx: Context, only: str | None = None) -> list[Finding]:
    """Every finding of ``register``; with ``only`` (an entity key), that entity's findings alone.

    For ``only`` the register need hold just that entity and the entities of its group
    (``group.linked``): its own rules run on it, and the group rules compare it with the others.
    """
    entities = [live(e) for e in register.entities if not e.retired]
    findings = [f for e in entities if only in (None, e.key) for r in ENTITY_RULES for f in r(e, ctx)]
    findings += [f for r in GROUP_RULES for f in r(entities, ctx) if only in (None, f.entity_key)]
    return sorted(findings, key=sort_key)


def evaluate_in_order(register: RegisterFile, ctx: Context) -> Iterator[Finding]:
    """``evaluate()``'s findings in the same order, made one entity and one rule at a time.

    Findings sort by entity, severity and rule first, so each rule's findings for an entity can be
    sorted and handed on alone: a large register's findings are never all in memory at once. Group
    rules run once per entity (their findings for that entity kept), so this suits a register of
    one entity or a few, as an export is; ``evaluate()`` suits many.
    """
    entities = [live(e) for e in register.entities if not e.retired]
    rules: list[Rule | GroupRule] = sorted(
        [*ENTITY_RULES, *GROUP_RULES], key=lambda r: (SEVERITY_ORDER[r.severity], r.id)
    )
    for key in sorted({e.key for e in entities}):
        own = [e for e in entities if e.key == key]
        for r in rules:
            if isinstance(r, GroupRule):
                hits = [h for k, h in r.check(entities, ctx) if k == key]
            else:
                hits = [h for e in own for h in r.check(e, ctx)]
            # sort_key's order within one entity and rule; each finding made as it is handed on
            hits.sort(key=lambda h: (h.record_kind, h.record_key or "", h.field or ""))
            for h in hits:
                yield r.finding(key, h, ctx)
