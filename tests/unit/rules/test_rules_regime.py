"""The controller's regime and public-authority status (issue 19): the DPO a public authority must have,
legitimate interest barred for its tasks, and transfers judged under the EU or the UK GDPR."""

from typing import Any

import pytest

from ropa.rules import accountability, authorities, transfers
from ropa.rules.model import Finding
from tests.unit.rules.rules_support import clean, context, entity


def _run(rule: Any, data: dict[str, Any]) -> list[Finding]:
    return list(rule(entity(data), context()))


def _authority(**changes: Any) -> dict[str, Any]:
    data = clean()
    data.update(public_authority=True, **changes)
    return data


# ------------------------------------------------------------------------------------------
# A public authority's DPO
# ------------------------------------------------------------------------------------------


def test_a_public_authority_without_a_dpo_is_high_and_replaces_the_medium_dpo_findings() -> None:
    data = _authority(dpo=None)
    [f] = _run(authorities.public_authority_without_dpo, data)
    assert (f.severity, f.record_key, f.field) == ("high", "ACME-DK", "dpo")
    assert "offentlig myndighed" in f.message["da"] and "personvernombud" in f.message["nb"]
    assert _run(accountability.dpo_undecided, data) == []
    data["dpo_decision"] = {"required": True, "reason": "a public authority"}
    assert len(_run(authorities.public_authority_without_dpo, data)) == 1
    assert _run(accountability.dpo_required_not_named, data) == []


def test_a_dpo_named_without_contact_details_is_not_a_dpo() -> None:
    data = _authority(dpo={"name": "Dana Officer"})
    assert len(_run(authorities.public_authority_without_dpo, data)) == 1
    data["dpo"] = {"phone": "+4512345678"}
    assert _run(authorities.public_authority_without_dpo, data) == []


def test_a_court_deciding_it_needs_no_dpo_is_not_flagged() -> None:
    data = _authority(
        dpo=None, dpo_decision={"required": False, "reason": "a court in its judicial capacity"}
    )
    assert _run(authorities.public_authority_without_dpo, data) == []


def test_a_private_controller_without_a_dpo_is_only_undecided() -> None:
    data = clean()
    data.update(dpo=None)
    assert _run(authorities.public_authority_without_dpo, data) == []
    assert len(_run(accountability.dpo_undecided, data)) == 1
    data["public_authority"] = False
    assert _run(authorities.public_authority_without_dpo, data) == []


# ------------------------------------------------------------------------------------------
# Legitimate interest at a public authority
# ------------------------------------------------------------------------------------------


def test_legitimate_interest_at_a_public_authority_is_medium_per_purpose() -> None:
    data = _authority()
    purposes = data["activities"][0]["purposes"]
    purposes[0].update(legal_bases=["art6_1_f"], lia_reference="LIA-1")
    purposes.append({"description": "Statutory case handling", "legal_bases": ["art6_1_e"]})
    [f] = _run(authorities.public_authority_legitimate_interest, data)
    assert (f.severity, f.field) == ("medium", "purposes[0].legal_bases")
    assert "Run the customer account" in f.message["en"]
    data["public_authority"] = None  # not recorded as an authority: a company may rely on it
    assert _run(authorities.public_authority_legitimate_interest, data) == []


def test_an_authority_processing_for_another_controller_is_not_judged_on_that_controllers_basis() -> None:
    data = _authority()
    data["activities"][0].update(
        role="processor",
        purposes=[{"description": "Payroll for a client", "legal_bases": ["art6_1_f"]}],
        controllers_served=[{"controller": {"name": "Client A/S"}}],
    )
    assert _run(authorities.public_authority_legitimate_interest, data) == []


# ------------------------------------------------------------------------------------------
# Transfers under the EU and the UK GDPR
# ------------------------------------------------------------------------------------------


def _transfer_to(data: dict[str, Any], country: str, mechanism: str = "derogation") -> dict[str, Any]:
    data["transfers"][0].update(
        destination_country=country, mechanism=mechanism, scc=None, tia_reference=None
    )
    data["processors"][0]["country"] = country
    return data


@pytest.mark.parametrize("country", ["NO", "IS", "LI", "DE"])
def test_the_eea_is_never_a_third_country_for_an_eea_controller(country: str) -> None:
    data = _transfer_to(clean("ACME-DK", "DK"), country, "unspecified")
    assert _run(transfers.no_safeguard, data) == []
    data["recipients"][0]["in_third_country"] = None
    data["transfers"] = []
    data["activities"][0]["transfers"] = []
    assert _run(transfers.third_country_without_transfer, data) == []


@pytest.mark.parametrize("country", ["NO", "FR", "IE"])
def test_from_the_uk_the_eea_is_adequate(country: str) -> None:
    data = _transfer_to(clean("ACME-UK", "GB"), country, "unspecified")
    assert _run(transfers.no_safeguard, data) == []
    data["regime"] = "uk_gdpr"
    data["country"] = "GB"
    assert _run(transfers.no_safeguard, data) == []


def test_from_the_uk_a_transfer_home_is_no_transfer_but_from_the_eu_the_uk_is_a_third_country() -> None:
    uk = _transfer_to(clean("ACME-UK", "GB"), "GB", "unspecified")
    assert _run(transfers.no_safeguard, uk) == []
    # An EU-regime establishment recorded in the UK (regime stated): the UK is home only under the UK GDPR.
    eu = _transfer_to(clean("ACME-DK", "DK"), "GB", "unspecified")
    [f] = _run(transfers.no_safeguard, eu)
    assert f.details["country"] == "GB"


def test_from_the_uk_a_third_country_still_needs_a_basis() -> None:
    data = _transfer_to(clean("ACME-UK", "GB"), "US", "unspecified")
    data["regime"] = "uk_gdpr"
    [f] = _run(transfers.no_safeguard, data)
    assert (f.severity, f.details["country"]) == ("high", "US")


def test_the_regime_follows_the_country_unless_recorded() -> None:
    assert authorities.regime(entity(clean("ACME-UK", "GB"))) == "uk_gdpr"
    assert authorities.regime(entity(clean("ACME-NO", "NO"))) == "eu_gdpr"
    data = clean("ACME-NO", "NO")
    data.update(regime="uk_gdpr")
    assert authorities.regime(entity(data)) == "uk_gdpr"
