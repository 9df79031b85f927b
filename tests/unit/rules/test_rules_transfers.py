"""Transfer validity follows the vocabulary's dated reference data, the evaluation date and signed_on."""

import datetime as dt

import msgspec

from ropa.rules import dpf, transfers
from ropa.rules.model import Context
from tests.unit.rules.rules_support import builtin_terms, clean, context, entity


def _transfer_entity(**changes: object) -> dict:
    data = clean()
    data["transfers"][0].update(changes)
    return data


def test_privacy_shield_was_valid_before_schrems_ii_and_is_invalid_after() -> None:
    data = _transfer_entity(mechanism="privacy_shield", scc=None, signed_on="2018-03-01")
    assert transfers.invalid_mechanism(entity(data), context(dt.date(2019, 1, 1))) == []
    [finding] = transfers.invalid_mechanism(entity(data), context())
    assert finding.record_key == "T-MAIL" and finding.severity == "high"
    assert "2016/1250" in finding.message["en"] and "valid until 2020-07-16" in finding.message["en"]
    # The successor is named by its Danish label, never by its vocabulary key.
    dpf = {t.key: t for t in builtin_terms() if t.vocabulary == "transfer_mechanism"}["eu_us_dpf"]
    assert dpf.labels.da in finding.remediation["da"] and "eu_us_dpf" not in finding.remediation["da"]
    assert finding.details["successor"] == "eu_us_dpf"


def test_old_sccs_signed_after_the_new_contracts_deadline_were_invalid_at_signing() -> None:
    data = _transfer_entity(mechanism="scc_old", scc=None, signed_on="2021-10-15")
    [finding] = transfers.invalid_mechanism(entity(data), context(dt.date(2022, 6, 1)))
    assert "new_contracts_until 2021-09-26" in finding.details["reason"]
    signed_in_time = _transfer_entity(mechanism="scc_old", scc=None, signed_on="2021-05-01")
    assert transfers.invalid_mechanism(entity(signed_in_time), context(dt.date(2022, 6, 1))) == []
    assert transfers.invalid_mechanism(entity(signed_in_time), context())  # expired 2022-12-27


def test_a_mechanism_signed_before_it_existed_is_reported() -> None:
    data = _transfer_entity(mechanism="eu_us_dpf", scc=None, signed_on="2023-01-01")
    [finding] = transfers.invalid_mechanism(entity(data), context())
    assert "before valid_from 2023-07-10" in finding.details["reason"]


def test_dates_come_from_the_vocabulary_not_the_code() -> None:
    terms = [
        msgspec.structs.replace(t, attributes={**t.attributes, "valid_to": "2030-01-01"})
        if (t.vocabulary, t.key) == ("transfer_mechanism", "privacy_shield")
        else t
        for t in builtin_terms()
    ]
    data = _transfer_entity(mechanism="privacy_shield", scc=None, signed_on=None)
    assert transfers.invalid_mechanism(entity(data), Context.build(terms, dt.date(2026, 11, 22))) == []


def test_adequacy_uses_the_country_table_and_its_dates() -> None:
    to_japan = _transfer_entity(mechanism="adequacy", destination_country="JP", scc=None)
    assert transfers.no_safeguard(entity(to_japan), context()) == []
    to_brazil = _transfer_entity(mechanism="adequacy", destination_country="BR", scc=None)
    assert transfers.no_safeguard(entity(to_brazil), context()) == []
    assert transfers.no_safeguard(entity(to_brazil), context(dt.date(2025, 6, 1)))
    [finding] = transfers.no_safeguard(
        entity(_transfer_entity(mechanism="eu_us_dpf", destination_country="CN")), context()
    )
    assert "covers US only" in finding.details["reason"]


def test_derogations_must_be_documented() -> None:
    data = _transfer_entity(mechanism="art49_compelling_interests", scc=None, derogation="one-off claim")
    assert transfers.no_safeguard(entity(data), context())
    data["transfers"][0]["safeguards_documentation"] = "https://acme.example/art49"
    assert transfers.no_safeguard(entity(data), context()) == []


def test_transfers_inside_the_eea_are_not_third_country_transfers() -> None:
    data = _transfer_entity(mechanism="adequacy", destination_country="NO", scc=None)
    assert transfers.no_safeguard(entity(data), context()) == []


def test_a_certified_dpf_recipient_checked_recently_is_compliant() -> None:
    data = _transfer_entity(mechanism="eu_us_dpf", scc=None, tia_reference=None)
    data["processors"][0]["dpf"] = {"certified": True, "checked_on": "2026-10-01"}
    ent = entity(data)
    assert dpf.dpf_unverified(ent, context()) == []
    assert dpf.dpf_check_stale(ent, context()) == []
    assert transfers.invalid_mechanism(ent, context()) == []
    [stale] = dpf.dpf_check_stale(ent, context(dt.date(2027, 12, 1)))
    assert stale.record_kind == "processor" and stale.severity == "low"


def test_sccs_to_an_adequate_country_need_no_tia() -> None:
    data = _transfer_entity(destination_country="CH", tia_reference=None)
    assert transfers.scc_incomplete(entity(data), context()) == []
    data = _transfer_entity(mechanism="scc_unspecified", scc=None, tia_reference=None)
    [finding] = transfers.scc_incomplete(entity(data), context())
    assert finding.details["missing"] == ["decision", "module", "tia_reference"]
