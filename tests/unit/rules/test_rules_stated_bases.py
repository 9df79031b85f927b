"""What real notices state: a basis given as law, a transfer basis claimed but not named, a region instead
of a country, processors of unknown location, cookies of unstated purpose (docs/findings.md, issue 19)."""

from typing import Any

from ropa.rules import accountability, completeness, cookies, processors, retention, roles, transfers
from ropa.rules.model import Finding
from tests.unit.rules.rules_support import clean, context, entity


def _run(rule: Any, data: dict[str, Any]) -> list[Finding]:
    return list(rule(entity(data), context()))


def _purpose(data: dict[str, Any]) -> dict[str, Any]:
    return data["activities"][0]["purposes"][0]


def _transfer(data: dict[str, Any], **changes: Any) -> dict[str, Any]:
    data["transfers"][0].update(changes)
    return data


# ------------------------------------------------------------------------------------------
# A basis stated as national law
# ------------------------------------------------------------------------------------------


def test_a_basis_stated_as_law_without_its_point_is_a_low_finding_not_an_absent_basis() -> None:
    data = clean()
    _purpose(data).update(legal_bases=[], national_bases=[{"act": "utlendingsloven § 83 a"}])
    assert _run(completeness.no_legal_basis, data) == []
    [f] = _run(completeness.basis_point_unstated, data)
    assert (f.severity, f.record_key, f.field) == ("low", "PA-01", "purposes[0].national_bases")
    assert f.details["acts"] == ["utlendingsloven § 83 a"]
    for lang in ("en", "da", "nb"):
        assert "utlendingsloven § 83 a" in f.message[lang]
    assert "art. 6, stk. 1" in f.message["da"] and "art. 6 nr. 1" in f.message["nb"]


def test_a_law_with_its_point_named_is_a_complete_basis() -> None:
    data = clean()
    _purpose(data).update(legal_bases=[], national_bases=[{"act": "offentlighedsloven", "point": "art6_1_c"}])
    assert _run(completeness.no_legal_basis, data) == []
    assert _run(completeness.basis_point_unstated, data) == []


def test_only_an_absent_basis_is_high() -> None:
    data = clean()
    _purpose(data).update(legal_bases=[], national_bases=[])
    [f] = _run(completeness.no_legal_basis, data)
    assert f.severity == "high"
    assert _run(completeness.basis_point_unstated, data) == []


# ------------------------------------------------------------------------------------------
# Transfers: a basis claimed but unnamed, a region, an adequacy claim with no country
# ------------------------------------------------------------------------------------------


def test_an_unspecified_transfer_basis_is_high_and_quotes_the_documents_claim() -> None:
    data = _transfer(clean(), mechanism="unspecified", scc=None, mechanism_claimed="et overføringsgrunnlag")
    [f] = _run(transfers.no_safeguard, data)
    assert (f.severity, f.record_key, f.field) == ("high", "T-MAIL", "mechanism")
    assert "et overføringsgrunnlag" in f.message["nb"] and "names no transfer basis" in f.message["en"]
    assert "unspecified" not in f.message["da"]  # the key is never shown
    # Inside the EEA there is no third-country transfer to found.
    assert _run(transfers.no_safeguard, _transfer(data, destination_country="NO")) == []


def test_an_unspecified_basis_to_no_named_place_is_reported_twice_for_two_defects() -> None:
    data = _transfer(clean(), mechanism="unspecified", scc=None, destination_country=None)
    [where] = _run(transfers.no_destination, data)
    [basis] = _run(transfers.no_safeguard, data)
    assert where.severity == basis.severity == "high"
    assert "a country not named" in basis.message["en"]


def test_a_region_is_shown_but_does_not_identify_the_country() -> None:
    data = _transfer(clean(), mechanism="unspecified", scc=None, destination_country=None)
    data["transfers"][0]["destination_region"] = "outside_eea"
    [basis] = _run(transfers.no_safeguard, data)
    assert "a country outside the EU/EEA" in basis.message["en"] and "uden for EU/EØS" in basis.message["da"]
    assert _run(transfers.no_destination, data)  # Art. 30(1)(e) asks for the country


def test_an_adequacy_claim_without_a_country_is_a_medium_gap_not_a_missing_basis() -> None:
    data = _transfer(clean(), mechanism="adequacy", destination_country=None, scc=None, tia_reference=None)
    data["transfers"][0]["destination_region"] = "worldwide"
    assert _run(transfers.no_destination, data) == []
    assert _run(transfers.no_safeguard, data) == []
    [f] = _run(transfers.adequacy_destination_unnamed, data)
    assert (f.severity, f.field) == ("medium", "destination_country")
    assert "anywhere in the world" in f.message["en"] and f.details["destination"] == "worldwide"


def test_other_bases_without_a_country_stay_high() -> None:
    # SCCs need the destination's law assessed; the DPF covers certified US recipients only.
    for mechanism in ("scc_2021", "eu_us_dpf", "art49_contract"):
        data = _transfer(clean(), mechanism=mechanism, destination_country=None)
        assert [f.severity for f in _run(transfers.no_destination, data)] == ["high"], mechanism
        assert _run(transfers.adequacy_destination_unnamed, data) == [], mechanism


def test_an_adequacy_claim_with_its_country_is_checked_against_the_country_table() -> None:
    data = _transfer(clean(), mechanism="adequacy", destination_country="JP", scc=None)
    assert _run(transfers.adequacy_destination_unnamed, data) == []
    assert _run(transfers.no_safeguard, data) == []


def test_a_recipient_abroad_with_no_transfer_record() -> None:
    data = clean()
    data["recipients"][0]["country"] = "IN"
    assert _run(transfers.third_country_without_transfer, data) == []  # T-MAIL names the recipient
    data["transfers"][0]["recipient"] = None
    assert _run(transfers.third_country_without_transfer, data) == []  # the activity's transfer names no one
    data["activities"][0]["transfers"] = []
    [f] = _run(transfers.third_country_without_transfer, data)
    assert (f.severity, f.record_key, f.details["country"]) == ("high", "R-MAIL", ["IN"])


def test_a_recipient_in_the_entitys_own_country_is_not_abroad() -> None:
    data = clean(key="ACME-UK", country="GB")
    data["recipients"][0]["country"] = "GB"
    data["transfers"] = []
    data["activities"][0]["transfers"] = []
    assert _run(transfers.third_country_without_transfer, data) == []
    data["recipients"][0]["in_third_country"] = False
    data["recipients"][0]["country"] = "US"
    assert _run(transfers.third_country_without_transfer, data) == []  # the record says it is not


# ------------------------------------------------------------------------------------------
# Processors of unknown location
# ------------------------------------------------------------------------------------------


def test_a_processor_with_no_country_and_no_transfer_record_has_an_unknown_transfer_status() -> None:
    data = clean()
    data["processors"][0]["country"] = None
    assert _run(processors.location_unrecorded, data) == []  # T-MAIL says where the data go
    data["transfers"] = []
    data["activities"][0]["transfers"] = []
    [f] = _run(processors.location_unrecorded, data)
    assert (f.severity, f.record_key) == ("medium", "R-MAIL")
    assert _run(transfers.invalid_mechanism, data) == []  # not "invalid mechanism"
    data["processors"][0]["data_locations"] = ["DE"]
    assert _run(processors.location_unrecorded, data) == []


# ------------------------------------------------------------------------------------------
# Cookies of unstated purpose
# ------------------------------------------------------------------------------------------


def test_a_cookie_of_unstated_purpose_is_not_an_analytics_cookie() -> None:
    data = clean()
    data["activities"][0]["data_categories"].append({"category": "cookies_purpose_unstated"})
    assert _run(cookies.analytics_without_consent, data) == []
    [f] = _run(cookies.cookie_purpose_unstated, data)
    assert f.severity == "medium" and "cookies_purpose_unstated" not in f.message["en"]
    assert "uoplyst formål" in f.message["da"]
    data["activities"][0]["consent"] = {"mechanism": "Opt-in banner"}
    assert _run(cookies.cookie_purpose_unstated, data) == []


# ------------------------------------------------------------------------------------------
# Retention, the DPO, joint controllers
# ------------------------------------------------------------------------------------------


def test_a_legal_obligation_without_its_period_is_no_time_limit() -> None:
    data = clean()
    data["retention_rules"][0].update(kind="legal_hold", duration=None, legal_obligation="the Archives Act")
    [f] = _run(retention.criterion_only, data)
    assert f.record_key == "PA-01"
    data["retention_rules"][0]["duration"] = "P5Y"  # the law's period, recorded
    assert _run(retention.criterion_only, data) == []


def test_a_required_dpo_must_be_named() -> None:
    data = clean()
    data.update(dpo={"name": "Office"}, dpo_decision={"required": True, "reason": "public authority"})
    [f] = _run(accountability.dpo_required_not_named, data)
    assert (f.severity, f.record_kind) == ("medium", "entity")
    assert _run(accountability.dpo_undecided, data) == []
    data["dpo"] = {"email": "dpo@acme.example"}
    assert _run(accountability.dpo_required_not_named, data) == []
    data.update(dpo=None, dpo_decision={"required": False, "reason": "no large-scale monitoring"})
    assert _run(accountability.dpo_required_not_named, data) == []


def test_joint_controllers_need_their_arrangement() -> None:
    data = clean()
    data["joint_controllers"] = [{"contact": {"name": "North Council"}}]
    data["activities"][0]["joint_controllers"] = [
        {"controller": {"name": "Partner A/S"}, "arrangement_ref": "JCA-2026-1"},
        {"controller": {"name": "Other A/S"}},
    ]
    found = {(f.record_kind, f.record_key, f.field) for f in _run(roles.joint_no_arrangement, data)}
    assert found == {
        ("entity", "ACME-DK", "joint_controllers[0].arrangement_ref"),
        ("activity", "PA-01", "joint_controllers[1].arrangement_ref"),
    }
    [activity] = [f for f in _run(roles.joint_no_arrangement, data) if f.record_kind == "activity"]
    assert activity.message["da"].startswith("Aktiviteten PA-01") and "Other A/S" in activity.message["nb"]


def test_consent_by_continued_use_or_browser_settings_is_not_consent() -> None:
    data = clean()
    data["activities"][0]["data_categories"].append({"category": "navigation_behaviour"})
    data["activities"][0]["consent"] = {"mechanism": "Using the site is acceptance", "form": "continued_use"}
    [f] = _run(cookies.analytics_without_consent, data)
    assert f.severity == "high" and "continued use of the site is not consent" in f.message["en"]
    assert "fortsatt bruk av nettstedet" in f.message["nb"] and "continued_use" not in f.message["da"]
    data["activities"][0]["consent"]["form"] = "opt_in"
    assert _run(cookies.analytics_without_consent, data) == []
    del data["activities"][0]["consent"]["form"]  # no form recorded: the consent record is taken as it is
    assert _run(cookies.analytics_without_consent, data) == []
    del data["activities"][0]["consent"]
    [f] = _run(cookies.analytics_without_consent, data)
    assert "none is recorded" in f.message["en"]
