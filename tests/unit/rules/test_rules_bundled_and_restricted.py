"""Purposes bundled under bases they cannot share; rights limited by an article that does not limit them."""

import re
from typing import Any

import msgspec
import pytest

from ropa.activities.schemas import RightStated
from ropa.porting.schemas import RegisterFile
from ropa.rules import bases, rights
from ropa.rules.model import Finding
from tests.unit.rules.rules_support import builtin_terms, clean, context, entity


def _run(rule: Any, data: dict[str, Any]) -> list[Finding]:
    return list(rule(entity(data), context()))


def _activity(data: dict[str, Any]) -> dict[str, Any]:
    return data["activities"][0]


def _purpose(data: dict[str, Any]) -> dict[str, Any]:
    return data["activities"][0]["purposes"][0]


# Words a Danish or Norwegian message must not contain: English ones, vocabulary keys, field paths.
ENGLISH = re.compile(r"\b(the|which|and|of|consent|purpose|right|limits|citing|contract)\b")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\w\[\d+\]")


def _no_english_and_no_keys(f: Finding, english_ok: tuple[str, ...] = ()) -> None:
    for lang in ("da", "nb"):
        for text in (f.message[lang], f.remediation[lang]):
            for quoted in english_ok:  # a purpose as the register words it, quoted as recorded
                text = text.replace(quoted, "")
            assert not ENGLISH.findall(text), (lang, text)
            assert not IDENTIFIER.findall(text), (lang, text)
            assert not {t.key for t in builtin_terms()} & set(re.findall(r"\w+", text)), (lang, text)


# ------------------------------------------------------------------------------------------
# Consent beside another basis for the same purposes
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("other", ["art6_1_b", "art6_1_c", "art6_1_e"])
def test_consent_given_beside_another_basis_is_medium_and_names_the_other_by_its_label(other: str) -> None:
    data = clean()
    _purpose(data)["legal_bases"] = ["art6_1_a", other]
    [f] = _run(bases.consent_with_other_basis, data)
    assert (f.severity, f.record_key, f.field) == ("medium", "PA-01", "purposes")
    assert f.details["others"] == [other]
    assert "Run the customer account" in f.message["en"] and "(Art. 6(1)(" in f.message["en"]
    assert "art. 6, stk. 1, litra" in f.message["da"] and "art. 6 nr. 1 bokstav" in f.message["nb"]
    _no_english_and_no_keys(f, english_ok=("Run the customer account",))


def test_consent_alone_or_other_bases_without_consent_are_not_flagged() -> None:
    data = clean()
    _purpose(data)["legal_bases"] = ["art6_1_a"]
    assert _run(bases.consent_with_other_basis, data) == []
    _purpose(data)["legal_bases"] = ["art6_1_c", "art6_1_e"]  # two public-law bases may stand together
    assert _run(bases.consent_with_other_basis, data) == []
    # consent for one purpose, a contract for another: each purpose has its own basis
    _activity(data)["purposes"] = [
        {"description": "Newsletter", "legal_bases": ["art6_1_a"]},
        {"description": "Deliver the order", "legal_bases": ["art6_1_b"]},
    ]
    assert _run(bases.consent_with_other_basis, data) == []


def test_consent_beside_a_law_counts_and_cookie_choices_are_left_to_the_cookie_rule() -> None:
    data = clean()
    _purpose(data).update(
        legal_bases=["art6_1_a"], national_bases=[{"act": "lov nr. 1", "point": "art6_1_c"}]
    )
    [f] = _run(bases.consent_with_other_basis, data)
    assert f.details["others"] == ["art6_1_c"]
    _purpose(data).update(legal_bases=["art6_1_a", "art6_1_f"], national_bases=[], lia_reference="LIA-1")
    assert len(_run(bases.consent_with_other_basis, data)) == 1  # no cookies: this rule reports it
    _activity(data)["data_categories"].append({"category": "navigation_behaviour"})
    assert _run(bases.consent_with_other_basis, data) == []  # cookies.ambiguous_basis does
    # ... but only that pair: a contract beside them is this rule's, named alone
    _purpose(data)["legal_bases"] = ["art6_1_a", "art6_1_f", "art6_1_b"]
    [f] = _run(bases.consent_with_other_basis, data)
    assert f.details["others"] == ["art6_1_b"]
    # and a second purpose on consent and a law is reported though the first is a cookie choice
    _purpose(data)["legal_bases"] = ["art6_1_a", "art6_1_f"]
    _activity(data)["purposes"].append(
        {"description": "Keep the books", "legal_bases": ["art6_1_a", "art6_1_c"]}
    )
    [f] = _run(bases.consent_with_other_basis, data)
    assert f.details["others"] == ["art6_1_c"]


# ------------------------------------------------------------------------------------------
# One consent for several purposes
# ------------------------------------------------------------------------------------------

BUNDLE = [
    {"description": "Send the newsletter", "legal_bases": ["art6_1_a"]},
    {"description": "Statistics on logins", "legal_bases": ["art6_1_a"]},
]


def test_one_consent_for_two_purposes_is_medium_and_lists_them() -> None:
    data = clean()
    _activity(data).update(purposes=BUNDLE, consent={"mechanism": "Creating a login"})
    [f] = _run(bases.consent_bundled, data)
    assert (f.severity, f.field, f.details["count"]) == ("medium", "consent", 2)
    assert "Send the newsletter; Statistics on logins" in f.message["en"]
    assert "ét samtykke til 2 formål" in f.message["da"] and "ett samtykke til 2 formål" in f.message["nb"]
    _no_english_and_no_keys(f, english_ok=("Send the newsletter; Statistics on logins",))


def test_one_consent_for_one_purpose_or_consent_not_recorded_is_not_flagged() -> None:
    data = clean()
    _activity(data).update(purposes=BUNDLE[:1], consent={"mechanism": "A box"})
    assert _run(bases.consent_bundled, data) == []
    _activity(data).update(purposes=[*BUNDLE[:1], {"description": "Orders", "legal_bases": ["art6_1_b"]}])
    assert _run(bases.consent_bundled, data) == []  # one purpose on consent, one on the contract
    _activity(data).update(purposes=BUNDLE, consent=None)
    assert _run(bases.consent_bundled, data) == []  # how consent is asked is not recorded: nothing to judge


def test_explicit_consent_to_special_data_counts_as_consent() -> None:
    data = clean()
    second = {"description": "Health survey", "legal_bases": ["art6_1_f"], "special_condition": "art9_2_a"}
    _activity(data).update(purposes=[BUNDLE[0], second], consent={"mechanism": "A form"})
    [f] = _run(bases.consent_bundled, data)
    assert f.details["count"] == 2


# ------------------------------------------------------------------------------------------
# Marketing on a contract alone
# ------------------------------------------------------------------------------------------


def test_advertising_data_on_a_contract_alone_is_high() -> None:
    data = clean()
    _activity(data)["data_categories"].append({"category": "advertising_preferences"})
    [f] = _run(bases.marketing_on_contract, data)
    assert (f.severity, f.article) == ("high", "Art. 6(1)(b)")
    assert "data om annonceinteraktion og præferencer" in f.message["da"]
    _no_english_and_no_keys(f)


def test_an_advertising_service_is_evidence_and_its_recipient_is_named() -> None:
    data = clean()
    data["processors"][0]["service_kinds"] = ["advertising"]
    [f] = _run(bases.marketing_on_contract, data)
    assert f.details["evidence"] == ["Mailer"]


@pytest.mark.parametrize(
    "purposes",
    [
        [
            {"description": "Accounts", "legal_bases": ["art6_1_b"]},
            {"description": "Ads", "legal_bases": ["art6_1_a"]},
        ],
        [
            {
                "description": "Accounts and ads",
                "legal_bases": ["art6_1_b", "art6_1_f"],
                "lia_reference": "LIA-1",
            }
        ],
    ],
)
def test_marketing_with_a_basis_of_its_own_is_not_flagged(purposes: list[dict[str, Any]]) -> None:
    data = clean()
    _activity(data)["data_categories"].append({"category": "advertising_preferences"})
    _activity(data)["purposes"] = purposes
    assert _run(bases.marketing_on_contract, data) == []


def test_a_contract_without_marketing_evidence_is_not_flagged() -> None:
    assert _run(bases.marketing_on_contract, clean()) == []


# ------------------------------------------------------------------------------------------
# Rights limited by citing an article
# ------------------------------------------------------------------------------------------


def _limited(data: dict[str, Any], basis: str, **right: Any) -> list[Finding]:
    _purpose(data).update(legal_bases=[basis], lia_reference="LIA-1")
    _activity(data)["rights"] = [{"availability": "limited", **right}]
    return _run(rights.restriction_wrong_article, data)


@pytest.mark.parametrize("basis", ["art6_1_e", "art6_1_f"])
def test_objection_confined_to_marketing_by_art_21_2_on_a_task_or_interest_is_flagged(basis: str) -> None:
    data = clean()
    [f] = _limited(data, basis, right="objection", limited_to="direct_marketing", restriction_article="21(2)")
    assert (f.severity, f.field, f.details["reason"]) == (
        "low",
        "rights[0].restriction_article",
        "objection_general",
    )
    assert "citing Art. 21(2)" in f.message["en"] and "Art. 21(1) gives" in f.message["en"]
    assert "art. 21, stk. 2" in f.message["da"] and "artikkel 21 nr. 2" in f.message["nb"]
    _no_english_and_no_keys(f)
    assert rights.objection_excluded(entity(data), context()) == []  # one finding, not two


@pytest.mark.parametrize("basis", ["art6_1_a", "art6_1_b", "art6_1_c"])
def test_objection_confined_to_marketing_where_art_21_1_does_not_apply_is_lawful(basis: str) -> None:
    data = clean()
    assert (
        _limited(data, basis, right="objection", limited_to="direct_marketing", restriction_article="21(2)")
        == []
    )


def test_compelling_grounds_limit_objection_but_do_not_exclude_it() -> None:
    data = clean()
    assert _limited(data, "art6_1_f", right="objection", restriction_article="21(1)") == []
    _activity(data)["rights"][0]["availability"] = "not_offered"
    [f] = _run(rights.restriction_wrong_article, data)
    assert f.details["reason"] == "objection_case_by_case"


def test_erasure_refused_under_17_3_b_needs_an_obligation_or_a_task() -> None:
    data = clean()
    [f] = _limited(data, "art6_1_b", right="erasure", restriction_article="17(3)(b)")
    assert "legal obligation or a public task" in f.message["en"]
    assert "art. 17, stk. 3, litra b" in f.message["da"]
    _no_english_and_no_keys(f)
    assert _limited(data, "art6_1_c", right="erasure", restriction_article="17(3)(b)") == []
    # a contract's data kept under a bookkeeping law: the legal hold is the obligation
    data["retention_rules"][0].update(kind="legal_hold", legal_obligation="bogføringsloven § 10")
    assert _limited(data, "art6_1_b", right="erasure", restriction_article="17(3)(b)") == []


def test_erasure_refused_under_17_3_c_needs_health_data() -> None:
    data = clean()
    [f] = _limited(data, "art6_1_e", right="erasure", restriction_article="17(3)(c)")
    assert f.details["reason"] == "no_public_health"
    _purpose(data)["special_condition"] = "art9_2_i"
    assert _run(rights.restriction_wrong_article, data) == []


@pytest.mark.parametrize(("basis", "flagged"), [("art6_1_a", True), ("art6_1_b", True), ("art6_1_c", False)])
def test_portability_denied_under_art_20_1_is_wrong_on_consent_or_contract(basis: str, flagged: bool) -> None:
    data = clean()
    found = _limited(data, basis, right="portability", restriction_article="20(1)")
    assert [f.details["reason"] for f in found] == (["portability_applies"] if flagged else [])


def test_portability_denied_for_a_public_task_needs_that_task() -> None:
    data = clean()
    assert _limited(data, "art6_1_e", right="portability", restriction_article="20(3)") == []
    [f] = _limited(data, "art6_1_f", right="portability", restriction_article="20(3)")
    assert f.details["reason"] == "no_public_task"


def test_art_23_needs_the_law_that_restricts() -> None:
    data = clean()
    [f] = _limited(data, "art6_1_e", right="access", restriction_article="23")
    assert f.details["reason"] == "no_law" and "none is named" in f.message["en"]
    _no_english_and_no_keys(f)
    [f] = _limited(
        data, "art6_1_e", right="access", restriction_article="23", restriction_cited="Art. 23 GDPR"
    )
    assert f.details["reason"] == "no_law"  # the GDPR's own article is not the law that restricts
    cited = "offentlighedsloven § 30"
    assert _limited(data, "art6_1_e", right="access", restriction_article="23", restriction_cited=cited) == []


@pytest.mark.parametrize(
    ("right", "article"),
    [("withdraw_consent", "23"), ("complaint_to_supervisory_authority", "12(5)"), ("access", "17(3)(e)")],
)
def test_an_article_that_does_not_limit_the_right_is_flagged(right: str, article: str) -> None:
    data = clean()
    [f] = _limited(data, "art6_1_a", right=right, restriction_article=article, restriction_cited="lov § 1")
    assert f.details["reason"] == "other_right"
    _no_english_and_no_keys(f)


def test_an_offered_right_a_processor_for_a_client_or_a_purpose_without_basis_is_not_judged() -> None:
    data = clean()
    _activity(data)["rights"] = [{"right": "erasure", "restriction_article": "17(3)(b)"}]
    assert _run(rights.restriction_wrong_article, data) == []  # offered: the article limits nothing
    _activity(data)["rights"][0]["availability"] = "not_offered"
    _purpose(data)["legal_bases"] = []
    assert _run(rights.restriction_wrong_article, data) == []  # purpose.no_legal_basis comes first
    _purpose(data)["legal_bases"] = ["art6_1_b"]
    _activity(data).update(role="processor", controllers_served=[{"controller": {"name": "Client"}}])
    assert _run(rights.restriction_wrong_article, data) == []


def test_the_article_is_optional_round_trips_and_is_checked_against_the_closed_list() -> None:
    stated = RightStated(right="erasure", availability="limited", restriction_article="17(3)(b)")
    assert msgspec.json.decode(msgspec.json.encode(stated), type=RightStated) == stated
    assert msgspec.json.decode(b'{"right": "erasure"}', type=RightStated).restriction_article is None
    with pytest.raises(msgspec.ValidationError, match="restriction_article"):
        msgspec.json.decode(b'{"right": "erasure", "restriction_article": "Art. 99"}', type=RightStated)
    data = clean()
    _activity(data)["rights"] = [{"right": "erasure", "restriction_article": "17(3)(b)"}]
    register = RegisterFile(entities=[entity(data)])
    assert msgspec.yaml.decode(msgspec.yaml.encode(register), type=RegisterFile) == register
