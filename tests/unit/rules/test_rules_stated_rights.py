"""What notices state about rights and data (issue 19): rights with their limits, national identity
numbers, UK Schedule 1 conditions, anonymity claims, lists given as examples and planned processors."""

from typing import Any

import pytest

from ropa.porting.schemas import RegisterFile
from ropa.rules import data as data_rules
from ropa.rules import rights, special
from ropa.rules.engine import evaluate
from ropa.rules.model import Finding
from tests.unit.rules.rules_support import clean, context, entity, ids


def _run(rule: Any, data: dict[str, Any]) -> list[Finding]:
    return list(rule(entity(data), context()))


def _activity(data: dict[str, Any]) -> dict[str, Any]:
    return data["activities"][0]


def _purpose(data: dict[str, Any]) -> dict[str, Any]:
    return data["activities"][0]["purposes"][0]


# ------------------------------------------------------------------------------------------
# The right to object
# ------------------------------------------------------------------------------------------

MARKETING_ONLY = {"right": "objection", "availability": "limited", "limited_to": "direct_marketing"}


@pytest.mark.parametrize("basis", ["art6_1_e", "art6_1_f"])
def test_objection_limited_to_direct_marketing_on_a_task_or_interest_is_flagged(basis: str) -> None:
    data = clean()
    _purpose(data).update(legal_bases=[basis], lia_reference="LIA-1")
    _activity(data)["rights"] = [MARKETING_ONLY]
    [f] = _run(rights.objection_excluded, data)
    assert (f.severity, f.field) == ("low", "rights[0]")
    assert "direct marketing only" in f.message["en"] and "direkte markedsføring" in f.message["da"]


def test_objection_denied_under_a_law_of_unstated_point_is_flagged_but_not_under_a_legal_obligation() -> None:
    data = clean()
    _purpose(data).update(legal_bases=[], national_bases=[{"act": "utlendingsloven § 83 a"}])
    _activity(data)["rights"] = [{"right": "objection", "availability": "not_offered"}]
    [f] = _run(rights.objection_excluded, data)
    assert "ikke gjelder" in f.message["nb"]
    _purpose(data).update(national_bases=[{"act": "bogføringsloven", "point": "art6_1_c"}])
    assert _run(rights.objection_excluded, data) == []  # no right to object on 6(1)(c)


def test_objection_limited_with_a_restriction_cited_or_on_contract_is_not_flagged() -> None:
    data = clean()
    _activity(data)["rights"] = [MARKETING_ONLY]
    assert _run(rights.objection_excluded, data) == []  # 6(1)(b): Art. 21(1) does not apply
    _purpose(data)["legal_bases"] = ["art6_1_e"]
    _activity(data)["rights"] = [{**MARKETING_ONLY, "restriction_cited": "forvaltningsloven § 19"}]
    assert _run(rights.objection_excluded, data) == []
    _activity(data)["rights"] = [{"right": "objection"}]  # offered in full
    assert _run(rights.objection_excluded, data) == []


# ------------------------------------------------------------------------------------------
# Withdrawal of consent
# ------------------------------------------------------------------------------------------


def test_withdrawal_offered_without_consent_is_low_and_silent_where_consent_is_a_basis() -> None:
    data = clean()
    _activity(data)["rights"] = [{"right": "access"}, {"right": "withdraw_consent"}]
    [f] = _run(rights.withdrawal_without_consent, data)
    assert (f.severity, f.field) == ("low", "rights[1]")
    _activity(data)["purposes"].append({"description": "Newsletter", "legal_bases": ["art6_1_a"]})
    assert _run(rights.withdrawal_without_consent, data) == []


def test_withdrawal_beside_a_purpose_of_unknown_basis_is_not_judged() -> None:
    data = clean()
    _activity(data)["rights"] = [{"right": "withdraw_consent"}]
    _activity(data)["purposes"].append({"description": "Survey"})
    assert _run(rights.withdrawal_without_consent, data) == []


# ------------------------------------------------------------------------------------------
# National identity numbers, UK Schedule 1
# ------------------------------------------------------------------------------------------


def test_a_cpr_number_needs_the_danish_ground_and_a_fodselsnummer_the_norwegian_one() -> None:
    data = clean()
    _activity(data)["data_categories"].append({"category": "national_id"})
    [f] = _run(data_rules.national_id_unjustified, data)
    assert (f.severity, f.field) == ("medium", "data_categories[2].national_basis")
    assert "databeskyttelsesloven § 11" in f.message["da"]
    norway = clean("ACME-NO", "NO")
    _activity(norway)["data_categories"].append({"category": "national_id"})
    [f] = _run(data_rules.national_id_unjustified, norway)
    assert "personopplysningsloven § 12" in f.message["nb"]
    _activity(norway)["data_categories"][-1]["national_basis"] = "personopplysningsloven § 12 første ledd"
    assert _run(data_rules.national_id_unjustified, norway) == []


def test_a_national_id_elsewhere_is_left_to_laws_the_engine_does_not_know() -> None:
    for country in ("SE", "GB"):
        data = clean("ACME-X", country)
        _activity(data)["data_categories"].append({"category": "national_id"})
        assert _run(data_rules.national_id_unjustified, data) == [], country
    data = clean("ACME-SE", "SE")
    data["national_law"] = "DK"  # a Swedish address under Danish law (a Danish establishment's register)
    _activity(data)["data_categories"].append({"category": "national_id"})
    assert len(_run(data_rules.national_id_unjustified, data)) == 1


def test_uk_schedule1_is_asked_only_under_the_uk_gdpr_and_only_for_the_conditions_that_need_it() -> None:
    data = clean("ACME-UK", "GB")
    _activity(data)["data_categories"].append({"category": "health"})
    _purpose(data)["special_condition"] = "art9_2_g"
    [f] = _run(special.uk_schedule1_condition_unrecorded, data)
    assert (f.severity, f.field) == ("medium", "purposes[0].uk_schedule1_condition")
    _purpose(data)["uk_schedule1_condition"] = "Sch. 1 Part 2 para. 6 (statutory and government purposes)"
    assert _run(special.uk_schedule1_condition_unrecorded, data) == []
    _purpose(data).update(special_condition="art9_2_a", uk_schedule1_condition=None)  # explicit consent
    assert _run(special.uk_schedule1_condition_unrecorded, data) == []
    eu = clean()
    _purpose(eu)["special_condition"] = "art9_2_g"
    assert _run(special.uk_schedule1_condition_unrecorded, eu) == []


# ------------------------------------------------------------------------------------------
# Anonymity claims, lists given as examples, planned processors
# ------------------------------------------------------------------------------------------


def test_an_anonymity_claim_over_identifiers_is_low_and_names_them() -> None:
    data = clean()
    _activity(data)["anonymity_claim"] = "anonymous"
    [f] = _run(data_rules.anonymity_claim_with_identifiers, data)
    assert f.severity == "low" and f.details["categories"] == ["email_address", "name"]
    assert "anonyme" in f.message["da"]
    _activity(data)["data_categories"] = [{"category": "navigation_behaviour"}]  # no identifier recorded
    assert _run(data_rules.anonymity_claim_with_identifiers, data) == []


def test_a_planned_processor_is_recorded_but_not_judged_as_current() -> None:
    data = clean()
    data["processors"][0].update(planned=True, contract=None, legal_name=None)
    reg = RegisterFile(entities=[entity(data)])
    found = ids(evaluate(reg, context()))
    assert "processor.no_contract" not in found and "transfer.scc_incomplete" not in found
    data["processors"][0]["planned"] = False
    assert "processor.no_contract" in ids(evaluate(RegisterFile(entities=[entity(data)]), context()))


def test_an_exclusion_contradicted_by_the_record_is_medium_and_an_honoured_one_is_silent() -> None:
    data = clean()
    _activity(data)["exclusions"] = [{"what": "special_categories"}, {"what": "children"}]
    assert _run(data_rules.exclusion_contradicted, data) == []
    _activity(data)["data_categories"].append({"category": "health"})
    [f] = _run(data_rules.exclusion_contradicted, data)
    assert (f.severity, f.field, f.details["evidence"]) == ("medium", "exclusions[0]", ["health"])
    assert "følsomme oplysninger" in f.message["da"] and "special categories" in f.message["en"]
