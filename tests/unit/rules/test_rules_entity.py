"""Every per-entity rule: silent on the clean entity, and fires on one small breach of it."""

from collections.abc import Callable
from typing import Any

import pytest

from ropa.rules.engine import ENTITY_RULES
from tests.unit.rules.rules_support import clean, context, entity

Mutation = Callable[[dict[str, Any]], None]


def _activity(d: dict[str, Any]) -> dict[str, Any]:
    return d["activities"][0]


def _purpose(d: dict[str, Any]) -> dict[str, Any]:
    return d["activities"][0]["purposes"][0]


def _set(path: Callable[[dict[str, Any]], dict[str, Any]], **values: Any) -> Mutation:
    return lambda d: path(d).update(values)


def _transfer(d: dict[str, Any]) -> dict[str, Any]:
    return d["transfers"][0]


def _cookies(d: dict[str, Any]) -> None:
    _activity(d)["data_categories"].append({"category": "navigation_behaviour"})
    d["retention_rules"][0]["data_categories"].append("navigation_behaviour")


def _cookies_both_bases(d: dict[str, Any]) -> None:
    _cookies(d)
    _activity(d)["consent"] = {"mechanism": "banner"}
    _purpose(d).update(legal_bases=["art6_1_a", "art6_1_f"], lia_reference="LIA-1")


def _dpf(d: dict[str, Any]) -> None:
    _transfer(d).update(mechanism="eu_us_dpf", scc=None, tia_reference=None, recipient=None)


def _special(d: dict[str, Any]) -> None:
    _activity(d)["data_categories"].append({"category": "health"})
    d["retention_rules"][0]["data_categories"].append("health")


def _criminal(d: dict[str, Any]) -> None:
    _activity(d)["data_categories"].append({"category": "criminal_offences"})
    d["retention_rules"][0]["data_categories"].append("criminal_offences")


def _criterion_only(d: dict[str, Any]) -> None:
    d["retention_rules"][0].update(kind="criterion", duration=None, criterion="as long as necessary")


def _processor_role(d: dict[str, Any]) -> None:
    _activity(d).update(role="processor")


BREACHES: dict[str, Mutation] = {
    "completeness.contact": _set(lambda d: d, address=None),
    "completeness.activity": _set(_activity, data_subjects=[]),
    "completeness.security": _set(_activity, security=None),
    "purpose.no_legal_basis": _set(_purpose, legal_bases=[]),
    "transfer.invalid_mechanism": _set(_transfer, mechanism="privacy_shield", scc=None),
    "transfer.no_destination": _set(_transfer, destination_country=None),
    "transfer.no_safeguard": _set(_transfer, mechanism="adequacy", destination_country="CN", scc=None),
    "transfer.dpf_unverified": _dpf,
    "transfer.dpf_check_stale": lambda d: d["processors"][0].update(
        dpf={"certified": True, "checked_on": "2025-01-05"}
    ),
    "transfer.scc_incomplete": _set(_transfer, scc={"decision": "2021/914"}),
    "processor.no_contract": lambda d: d["processors"][0].update(contract=None),
    "recipient.non_exhaustive": lambda d: d["recipients"][0].update(non_exhaustive=True),
    "recipient.own_purposes": lambda d: d["processors"][0].update(service_kinds=["advertising"]),
    "role.processor_own_purposes": _processor_role,
    "role.processor_without_controllers": _processor_role,
    "retention.missing": _set(_activity, retention=[]),
    "retention.criterion_only": _criterion_only,
    "retention.open_ended": lambda d: d["retention_rules"][0].update(duration=None),
    "cookies.analytics_without_consent": _cookies,
    "cookies.ambiguous_basis": _cookies_both_bases,
    "special.no_art9_condition": _special,
    "special.no_art10_basis": _criminal,
    "lia.missing": _set(_purpose, legal_bases=["art6_1_f"]),
    "dpo.undecided": _set(lambda d: d, dpo=None),
    "review.overdue": _set(_activity, next_review_due="2026-11-01"),
    "review.missing": _set(_activity, last_reviewed_at=None, next_review_due=None),
    "document.undated": lambda d: d["documents"][0].update(version=None),
    "document.stale": lambda d: d["documents"][0].update(version="Desember 2023"),
}
RULES = {r.id: r for r in ENTITY_RULES}


def test_every_entity_rule_has_a_breach_case() -> None:
    assert set(BREACHES) == set(RULES)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_is_silent_on_the_clean_entity(rule_id: str) -> None:
    assert RULES[rule_id](entity(clean()), context()) == []


@pytest.mark.parametrize("rule_id", sorted(BREACHES))
def test_rule_reports_its_breach(rule_id: str) -> None:
    data = clean()
    BREACHES[rule_id](data)
    rule = RULES[rule_id]
    findings = rule(entity(data), context())
    assert findings, rule_id
    for f in findings:
        assert (f.rule_id, f.severity, f.article, f.entity_key) == (
            rule.id,
            rule.severity,
            rule.article,
            "ACME-DK",
        )
        assert set(f.message) == set(f.remediation) == {"en", "da", "nb"}
        assert all(text and "{" not in text for text in [*f.message.values(), *f.remediation.values()])


def test_a_processor_acting_for_a_named_controller_is_not_flagged() -> None:
    data = clean()
    _activity(data).update(
        role="processor",
        purposes=[{"description": "Payroll for the client"}],
        controllers_served=[{"controller": {"name": "Client A/S"}, "categories_of_processing": ["payroll"]}],
    )
    ent = entity(data)
    for rule_id in (
        "role.processor_own_purposes",
        "role.processor_without_controllers",
        "purpose.no_legal_basis",
    ):
        assert RULES[rule_id](ent, context()) == [], rule_id


def test_a_dpo_decision_replaces_a_named_dpo() -> None:
    data = clean()
    data.update(dpo=None, dpo_decision={"required": False, "reason": "no large-scale monitoring"})
    assert RULES["dpo.undecided"](entity(data), context()) == []
