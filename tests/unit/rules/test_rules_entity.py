"""Every per-entity rule: silent on the clean entity, and fires on one small breach of it."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from ropa.rules import accountability
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


def _statistics_cookie(d: dict[str, Any]) -> None:
    key = _activity(d)["key"]
    d["cookies"] = [
        {"key": "C-1", "name": "_ga", "party": "third", "consent_category": "statistics", "activities": [key]}
    ]


def _analytics_cookie_recorded_as_necessary(d: dict[str, Any]) -> None:
    _statistics_cookie(d)
    d["cookies"][0].update(consent_category="necessary", purpose_class="analytics")


def _cookie_serving_no_activity(d: dict[str, Any]) -> None:
    _statistics_cookie(d)
    d["cookies"][0]["activities"] = []


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


def _no_transfers_to_a_recipient_abroad(d: dict[str, Any]) -> None:
    d["recipients"][0]["in_third_country"] = True
    d["transfers"] = []
    _activity(d)["transfers"] = []


def _processor_nowhere(d: dict[str, Any]) -> None:
    d["processors"][0]["country"] = None
    d["transfers"] = []
    _activity(d)["transfers"] = []


def _cookie_of_unstated_purpose(d: dict[str, Any]) -> None:
    _activity(d)["data_categories"].append({"category": "cookies_purpose_unstated"})
    d["retention_rules"][0]["data_categories"].append("cookies_purpose_unstated")


def _authority_on_legitimate_interest(d: dict[str, Any]) -> None:
    d["public_authority"] = True
    _purpose(d).update(legal_bases=["art6_1_f"], lia_reference="LIA-1")


def _uk_health_data(d: dict[str, Any]) -> None:
    d["regime"] = "uk_gdpr"
    _activity(d)["data_categories"].append({"category": "health"})
    _purpose(d)["special_condition"] = "art9_2_h"


def _objection_for_marketing_only(d: dict[str, Any]) -> None:
    _purpose(d)["legal_bases"] = ["art6_1_e"]
    _activity(d)["rights"] = [
        {"right": "objection", "availability": "limited", "limited_to": "direct_marketing"}
    ]


def _two_purposes_on_one_consent(d: dict[str, Any]) -> None:
    _activity(d)["consent"] = {"mechanism": "One box at sign-up"}
    _activity(d)["purposes"] = [
        {"description": "Newsletter", "legal_bases": ["art6_1_a"]},
        {"description": "Profiling for offers", "legal_bases": ["art6_1_a"]},
    ]


def _erasure_refused_on_a_task_not_recorded(d: dict[str, Any]) -> None:
    _activity(d)["rights"] = [
        {"right": "erasure", "availability": "not_offered", "restriction_article": "17(3)(b)"}
    ]


BREACHES: dict[str, Mutation] = {
    "completeness.contact": _set(lambda d: d, address=None, email=None, phone=None),
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
    "purpose.basis_point_unstated": _set(_purpose, legal_bases=[], national_bases=[{"act": "lov nr. 1 § 3"}]),
    "transfer.adequacy_destination_unnamed": _set(_transfer, mechanism="adequacy", destination_country=None),
    "recipient.third_country_without_transfer": _no_transfers_to_a_recipient_abroad,
    "processor.location_unrecorded": _processor_nowhere,
    "cookies.purpose_unstated": _cookie_of_unstated_purpose,
    "dpo.required_not_named": _set(lambda d: d, dpo=None, dpo_decision={"required": True, "reason": "law"}),
    "joint_controller.no_arrangement": _set(
        lambda d: d, joint_controllers=[{"contact": {"name": "Partner"}}]
    ),
    "dpo.public_authority_none": _set(lambda d: d, public_authority=True, dpo=None),
    "basis.public_authority_legitimate_interest": _authority_on_legitimate_interest,
    "special.uk_schedule1_condition_unrecorded": _uk_health_data,
    "data.national_id_unjustified": lambda d: _activity(d)["data_categories"].append(
        {"category": "national_id"}
    ),
    "data.anonymity_claim_with_identifiers": _set(_activity, anonymity_claim="aggregated"),
    "data.categories_non_exhaustive": _set(_activity, data_categories_non_exhaustive=True),
    "rights.objection_excluded": _objection_for_marketing_only,
    "rights.withdrawal_without_consent": _set(_activity, rights=[{"right": "withdraw_consent"}]),
    "data.exclusion_contradicted": _set(
        _activity, exclusions=[{"what": "children"}], data_subjects=["customer", "child"]
    ),
    "purpose.consent_with_other_basis": _set(_purpose, legal_bases=["art6_1_a", "art6_1_b"]),
    "purpose.consent_bundled": _two_purposes_on_one_consent,
    "purpose.marketing_on_contract": lambda d: _activity(d)["data_categories"].append(
        {"category": "advertising_preferences"}
    ),
    "rights.restriction_wrong_article": _erasure_refused_on_a_task_not_recorded,
    "cookies.inventory_without_consent": _statistics_cookie,
    "cookies.necessary_misclassified": _analytics_cookie_recorded_as_necessary,
    "cookies.no_activity": _cookie_serving_no_activity,
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


# ------------------------------------------------------------------------------------------
# What the engine must not report: each of these was a false or inflated finding
# ------------------------------------------------------------------------------------------


def test_a_postal_address_alone_is_a_contact_detail() -> None:
    data = clean()
    data.update(email=None, phone=None)  # Art. 30(1)(a): any of address, e-mail or telephone suffices
    assert RULES["completeness.contact"](entity(data), context()) == []
    data["address"] = {"country": "DK"}  # a country is not an address: no contact detail at all
    [finding] = RULES["completeness.contact"](entity(data), context())
    assert finding.record_key == "ACME-DK"


def test_recorded_cookie_consent_is_consent_whatever_the_later_basis() -> None:
    data = clean()
    _cookies(data)
    _activity(data)["consent"] = {"mechanism": "Cookie banner, opt-in per category"}
    _purpose(data).update(legal_bases=["art6_1_f"], lia_reference="LIA-1")
    assert RULES["cookies.analytics_without_consent"](entity(data), context()) == []


def test_strictly_necessary_cookies_are_not_tracking() -> None:
    data = clean()
    _activity(data)["data_categories"].append({"category": "strictly_necessary_cookies"})
    d = entity(data)
    assert RULES["cookies.analytics_without_consent"](d, context()) == []
    # The same activity sending data to an analytics service is tracking, whatever else it stores.
    data["processors"][0]["service_kinds"] = ["web_analytics"]
    [finding] = RULES["cookies.analytics_without_consent"](entity(data), context())
    assert finding.details["evidence"] == ["Mailer"]


def test_strictly_necessary_storage_beside_consent_and_legitimate_interest_is_not_ambiguous() -> None:
    data = clean()
    _activity(data)["data_categories"].append({"category": "strictly_necessary_cookies"})
    _purpose(data).update(legal_bases=["art6_1_a", "art6_1_f"], lia_reference="LIA-1")
    assert RULES["cookies.ambiguous_basis"](entity(data), context()) == []


def test_a_new_register_gets_one_review_finding_per_entity_until_a_cycle_is_set() -> None:
    data = clean()
    first = _activity(data)
    first.update(last_reviewed_at=None, next_review_due=None)
    data["activities"] += [{**first, "key": f"PA-0{n}", "name": f"Activity {n}"} for n in range(2, 5)]
    [finding] = RULES["review.missing"](entity(data), context())
    assert (finding.record_kind, finding.record_key, finding.severity) == ("entity", "ACME-DK", "low")
    assert finding.details["activities"] == ["PA-01", "PA-02", "PA-03", "PA-04"]
    assert "PA-04" in finding.message["da"] and "(4)" in finding.message["nb"]
    for a in data["activities"]:
        a["next_review_due"] = "2027-03-01"  # a review cycle is set: nothing to report
    assert RULES["review.missing"](entity(data), context()) == []


def test_a_long_list_of_unreviewed_activities_is_cut_in_the_message_not_in_the_details() -> None:
    data = clean()
    first = _activity(data)
    first.update(last_reviewed_at=None, next_review_due=None)
    data["activities"] += [{**first, "key": f"PA-{n:02}", "name": f"Activity {n}"} for n in range(2, 13)]
    [finding] = RULES["review.missing"](entity(data), context())
    assert len(finding.details["activities"]) == 12
    assert "PA-12" not in finding.message["en"] and "and 7 more" in finding.message["en"]
    assert "og 7 flere" in finding.message["da"] and "og 7 flere" in finding.message["nb"]


@pytest.mark.parametrize(
    "version",
    ["9 October 2025", "Last updated: 9 October 2025", "Senest opdateret 9. oktober 2025",
     "Sist oppdatert 9. oktober 2025", "October 9, 2025", "09.10.2025"],
)  # fmt: skip
def test_a_written_out_date_is_that_day_not_the_end_of_its_year(version: str) -> None:
    data = clean()
    data["documents"][0]["version"] = version
    # 409 days before the evaluation date; read as 31 December 2025 it would be 326.
    [finding] = RULES["document.stale"](entity(data), context())
    assert finding.record_key == "PP"
    assert RULES["document.undated"](entity(data), context()) == []


@pytest.mark.parametrize(
    ("version", "day"),
    [
        ("9 October 2025", dt.date(2025, 10, 9)),
        ("9. oktober 2025", dt.date(2025, 10, 9)),
        ("9. marts 2025", dt.date(2025, 3, 9)),  # Danish
        ("9. mars 2025", dt.date(2025, 3, 9)),  # Norwegian
        ("1. maj 2024", dt.date(2024, 5, 1)),
        ("1. mai 2024", dt.date(2024, 5, 1)),
        ("24. desember 2024", dt.date(2024, 12, 24)),
        ("3rd of March 2024", dt.date(2024, 3, 3)),
        ("okt. 2025", dt.date(2025, 10, 31)),  # a month: its last day
        ("Versjon: Desember 2023", dt.date(2023, 12, 31)),
        ("2025-01", dt.date(2025, 1, 31)),
        ("2026-05-01", dt.date(2026, 5, 1)),
        ("Version 3 (2021), updated 1 Feb 2024", dt.date(2024, 2, 1)),  # the latest date named
        ("2025", dt.date(2025, 12, 31)),
        ("31. februar 2025", dt.date(2025, 2, 28)),  # no such day: the month is still known
        ("v1.2", None),
    ],
)
def test_version_dates_in_english_danish_and_norwegian(version: str, day: dt.date | None) -> None:
    assert accountability.version_date(version) == day


# ------------------------------------------------------------------------------------------
# Severity: high only where a regulator would act; missing dates and reviews are low
# ------------------------------------------------------------------------------------------

HIGH = {
    "purpose.no_legal_basis",  # no legal basis
    "cookies.analytics_without_consent",  # storage on the device without the consent the law requires
    "cookies.inventory_without_consent",  # the same, for a cookie only the inventory shows
    "cookies.necessary_misclassified",  # the same, for a cookie recorded as exempt: consent is never asked
    "special.no_art9_condition",
    "special.no_art10_basis",
    "transfer.invalid_mechanism",  # invalid transfer basis
    "transfer.no_safeguard",  # no or unknown transfer basis
    "transfer.no_destination",  # unknown destination: the basis cannot be established
    "recipient.third_country_without_transfer",  # a transfer with no recorded basis: the basis is unknown
    "transfer.scc_incomplete",  # unknown SCC version or no TIA: the basis cannot be shown valid
    "recipient.own_purposes",  # disclosure to a controller for its own purposes, no basis
    "role.processor_own_purposes",  # a controller recorded as processor: the record is structurally wrong
    "dpo.public_authority_none",  # a public authority without the DPO Art. 37(1)(a) requires
    "purpose.marketing_on_contract",  # marketing on a contract alone: no basis as recorded
}


def test_only_rules_a_regulator_would_act_on_are_high() -> None:
    assert {r.id for r in ENTITY_RULES if r.severity == "high"} == HIGH


def test_missing_dates_and_reviews_are_low() -> None:
    for rule_id in ("document.undated", "document.stale", "review.missing", "review.overdue"):
        assert RULES[rule_id].severity == "low", rule_id
