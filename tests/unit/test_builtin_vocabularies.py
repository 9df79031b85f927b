"""The built-in vocabularies: three languages per term, dated transfer instruments, adequacy data."""

import re
from collections import Counter

from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import ART9, CNIL_CLASSES, VOCABULARIES, iso

# ------------------------------------------------------------------------------------------
# Vocabularies
# ------------------------------------------------------------------------------------------


def test_builtin_vocabularies_decode_and_are_unique(terms: list[TermData]) -> None:
    assert {t.vocabulary for t in terms} == VOCABULARIES
    pairs = Counter((t.vocabulary, t.key) for t in terms)
    assert [p for p, n in pairs.items() if n > 1] == []
    for t in terms:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", t.key), t.key
        if t.replaced_by:
            assert (t.vocabulary, t.replaced_by) in pairs


def test_every_term_has_three_labels(terms: list[TermData]) -> None:
    for t in terms:
        for lang in ("en", "da", "nb"):
            assert getattr(t.labels, lang).strip(), f"{t.vocabulary}.{t.key} has no {lang} label"


def test_required_terms_exist(terms: list[TermData]) -> None:
    keys: dict[str, set[str]] = {}
    for t in terms:
        keys.setdefault(t.vocabulary, set()).add(t.key)
    assert keys["legal_basis"] == {f"art6_1_{c}" for c in "abcdef"}
    assert keys["special_condition"] == {f"art9_2_{c}" for c in "abcdefghij"}
    assert keys["recipient_kind"] == {
        "internal",
        "external_organisation",
        "processor",
        "sub_processor",
        "joint_controller",
        "independent_controller",
        "public_authority",
    }
    assert {
        "adequacy", "eu_us_dpf", "scc_2021", "scc_unspecified", "scc_old", "bcr", "code_of_conduct",
        "certification", "ad_hoc_clauses", "art49_consent", "art49_contract", "art49_public_interest",
        "art49_legal_claims", "art49_vital_interests", "art49_public_register", "art49_compelling_interests",
        "privacy_shield", "safe_harbour",
    } <= keys["transfer_mechanism"]  # fmt: skip
    assert {
        "access_control", "authentication_mfa", "logging_traceability", "software_protection", "backup",
        "encryption_in_transit", "encryption_at_rest", "pseudonymisation", "processor_control",
        "physical_security", "staff_training", "incident_response", "data_minimisation", "network_security",
        "other",
    } <= keys["security_measure"]  # fmt: skip
    assert {
        "hosting", "email_delivery", "it_operations", "support", "backup", "web_analytics",
        "session_recording", "advertising", "crm", "payment", "other",
    } <= keys["service_kind"]  # fmt: skip
    assert {"portal_user", "invited_employee", "support_requester", "website_visitor"} <= keys[
        "data_subject_category"
    ]
    adequate = {"ad", "ar", "ca", "fo", "gg", "il", "im", "jp", "je", "nz", "kr", "ch", "gb", "uy", "us_dpf"}
    assert adequate <= keys["country_adequacy"]


def test_data_categories_carry_cnil_class_and_special_flags(terms: list[TermData]) -> None:
    cats = {t.key: t for t in terms if t.vocabulary == "data_category"}
    for key, t in cats.items():
        assert t.attributes.get("class") in CNIL_CLASSES, key
        assert t.attributes.get("special", False) is (key in ART9), key
    assert cats["criminal_offences"].attributes.get("art10") is True
    assert cats["ip_address"].attributes["class"] == "login_connection"
    assert cats["support_inquiry_content"].attributes["class"] == "support_content"


def test_transfer_mechanisms_are_dated_reference_data(terms: list[TermData]) -> None:
    mech = {t.key: t.attributes for t in terms if t.vocabulary == "transfer_mechanism"}
    for key, a in mech.items():
        for attr in ("article", "legal_act", "valid_from", "valid_to", "status", "conditions"):
            assert attr in a, f"{key} lacks {attr}"
        assert a["status"] in {"valid", "invalid", "expired"}, key
        assert a["conditions"], key
        for attr in ("valid_from", "valid_to", "new_contracts_until"):
            if a.get(attr) is not None:
                iso(a[attr])

    dated = {  # key: (legal act fragment, valid_from, valid_to, status)
        "eu_us_dpf": ("2023/1795", "2023-07-10", None, "valid"),
        "scc_2021": ("2021/914", "2021-06-27", None, "valid"),
        "privacy_shield": ("2016/1250", "2016-07-12", "2020-07-16", "invalid"),
        "safe_harbour": ("2000/520/EC", "2000-07-26", "2015-10-06", "invalid"),
    }
    for key, (act, start, end, status) in dated.items():
        a = mech[key]
        assert act in a["legal_act"], key
        assert a["valid_from"] == start, key
        assert a["valid_to"] == end, key
        assert a["status"] == status, key
    assert "C-311/18" in mech["privacy_shield"]["invalidated_by"]
    assert "C-362/14" in mech["safe_harbour"]["invalidated_by"]
    assert mech["eu_us_dpf"]["applies_to_eea_efta"] is True

    old = mech["scc_old"]
    assert all(act in old["legal_act"] for act in ("2001/497/EC", "2004/915/EC", "2010/87/EU"))
    assert old["new_contracts_until"] == "2021-09-26"
    assert old["valid_to"] == "2022-12-27"
    assert old["status"] == "expired"
    assert mech["scc_unspecified"]["legal_act"] is None
    assert mech["art49_compelling_interests"]["art30_documentation_required"] is True


def test_country_adequacy_reference_data(terms: list[TermData]) -> None:
    for t in terms:
        if t.vocabulary != "country_adequacy":
            continue
        a = t.attributes
        assert re.fullmatch(r"[A-Z]{2}", a["country"]), t.key
        assert t.key in (a["country"].lower(), "us_dpf"), t.key
        assert a["legal_act"], t.key
        iso(a["valid_from"])
        assert a.get("scope"), t.key
