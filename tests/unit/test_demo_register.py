"""The Techem demo register: schema, references, verbatim quotes and faithfulness to the seeds.

No database. The demo must reproduce the seed register faithfully, flaws included, because the
findings engine is tested against those flaws; these tests fail if someone "fixes" the demo.
"""

from typing import Any

import pytest

from ropa.porting.schemas import RegisterFile
from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import (
    REF_COLLECTIONS,
    SEED_ROOT,
    by_key,
    normalise,
    source_refs,
    tagged,
)

# ------------------------------------------------------------------------------------------
# Demo register: schema-level integrity
# ------------------------------------------------------------------------------------------


def test_demo_is_one_register_file(register: RegisterFile) -> None:
    assert register.format == "ropa-register"
    assert register.format_version == 1
    assert [e.key for e in register.entities] == ["TECHEM-DK", "TECHEM-NO"]
    for e in register.entities:  # the importer assigns ids
        assert e.id is None
        for coll in ("processors", "recipients", "transfers", "retention_rules", "activities"):
            assert all(r.id is None for r in getattr(e, coll)), coll


def test_keys_are_unique_within_each_entity(entities: dict[str, Any]) -> None:
    for e in entities.values():
        for coll in ("processors", "recipients", "transfers", "retention_rules", "activities", "documents"):
            keys = [r.key for r in getattr(e, coll)]
            assert len(keys) == len(set(keys)), (e.key, coll)


def test_vocabulary_keys_exist_and_are_not_deprecated(
    terms: list[TermData], entities: dict[str, Any]
) -> None:
    active = {(t.vocabulary, t.key) for t in terms if not t.deprecated}
    used = [
        (name, value, path) for e in entities.values() for m, name, value, path in tagged(e) if m == "vocab"
    ]
    assert used, "the walker found no vocabulary fields"
    assert {name for name, _, _ in used} >= {
        "legal_basis", "data_subject_category", "data_category", "recipient_kind", "transfer_mechanism",
        "service_kind",
    }  # fmt: skip
    missing = [f"{path}: {name}/{value}" for name, value, path in used if (name, value) not in active]
    assert missing == []


def test_refs_resolve_within_their_entity(entities: dict[str, Any]) -> None:
    for e in entities.values():
        targets = {kind: {r.key for r in getattr(e, coll)} for kind, coll in REF_COLLECTIONS.items()}
        refs = [(name, value, path) for m, name, value, path in tagged(e) if m == "ref"]
        assert {name for name, _, _ in refs} == set(REF_COLLECTIONS), e.key
        dangling = [f"{path}: {name}/{value}" for name, value, path in refs if value not in targets[name]]
        assert dangling == []


def test_special_flags_match_vocabulary(terms: list[TermData], entities: dict[str, Any]) -> None:
    cats = {t.key: t.attributes for t in terms if t.vocabulary == "data_category"}
    for e in entities.values():
        for a in e.activities:
            for use in a.data_categories:
                assert use.special is bool(cats[use.category].get("special")), (a.key, use.category)
                assert use.criminal is bool(cats[use.category].get("art10")), (a.key, use.category)


# ------------------------------------------------------------------------------------------
# Demo register: quotes are verbatim
# ------------------------------------------------------------------------------------------


def test_every_quote_is_verbatim_in_its_seed(entities: dict[str, Any]) -> None:
    files = [SEED_ROOT / d.file for e in entities.values() for d in e.documents]
    if not all(f.is_file() for f in files):
        pytest.skip(f"seed texts not found under {SEED_ROOT} (set ROPA_SEED_ROOT)")
    checked = 0
    for e in entities.values():
        texts = {d.key: normalise((SEED_ROOT / d.file).read_text(encoding="utf-8")) for d in e.documents}
        for path, ref in source_refs(e, e.key):
            assert ref.document in texts, f"{path}: unknown document {ref.document}"
            assert ref.quote.strip(), path
            assert normalise(ref.quote) in texts[ref.document], (
                f"{path}: quote not in {ref.document}: {ref.quote}"
            )
            checked += 1
    assert checked > 100


def test_every_record_carries_sources(entities: dict[str, Any]) -> None:
    for e in entities.values():
        assert e.sources
        for coll in ("processors", "recipients", "transfers", "retention_rules", "activities"):
            for r in getattr(e, coll):
                assert r.sources, (e.key, r.key)
        for a in e.activities:
            for p in a.purposes:
                assert p.sources, a.key
                assert any(
                    s.field == "original" and normalise(p.original) in normalise(s.quote) for s in p.sources
                ), a.key
            for src in a.data_sources:
                assert src.sources, a.key


# ------------------------------------------------------------------------------------------
# Demo register: faithful to the seeds, flaws included
# ------------------------------------------------------------------------------------------


def test_entities_as_claimed(entities: dict[str, Any]) -> None:
    dk, no = entities["TECHEM-DK"], entities["TECHEM-NO"]
    assert dk.role == "controller"
    assert no.role == "processor"  # contested (F-08): must stay as claimed
    assert (dk.country, no.country) == ("DK", "NO")
    assert (dk.default_language, no.default_language) == ("da", "nb")
    assert (dk.phone, no.phone) == ("+4587447700", "+4722021459")
    assert (dk.registration.scheme, dk.registration.number) == ("CVR", "29416982")
    assert (no.registration.scheme, no.registration.number) == ("org.nr.", "992327669")
    assert (
        dk.supervisory_authority.complaint_url == "https://www.datatilsynet.dk/borger/klage-til-datatilsynet/"
    )
    assert no.supervisory_authority.complaint_url == "http://www.datatilsynet.no/om-datatilsynet/kontakt-oss"
    assert [a.name for a in dk.other_authorities] == ["Erhvervsstyrelsen"]
    assert no.other_authorities[0].name.startswith("Nkom")
    assert all(a.remit for e in (dk, no) for a in e.other_authorities)
    assert by_key(dk.documents)["DK-PP"].version is None
    assert by_key(no.documents)["NO-PP"].version == "Desember 2023"
    assert (by_key(dk.documents)["DK-PP"].language, by_key(no.documents)["NO-PP"].language) == ("da", "nb")


def test_no_dpo_and_no_controllers_served(entities: dict[str, Any]) -> None:
    for e in entities.values():
        assert e.dpo is None, e.key
        assert e.dpo_decision is None, e.key
        assert e.representative is None, e.key
        assert e.joint_controllers == [], e.key
        assert e.headcount_band is None, e.key
    assert all(a.controllers_served == [] for a in entities["TECHEM-NO"].activities)


def test_eleven_draft_activities_with_claimed_roles(entities: dict[str, Any]) -> None:
    dk, no = entities["TECHEM-DK"], entities["TECHEM-NO"]
    assert [a.key for a in dk.activities] == [f"PA-DK-0{i}" for i in range(1, 6)]
    assert [a.key for a in no.activities] == [f"PA-NO-0{i}" for i in range(1, 7)]
    assert {a.role for a in dk.activities} == {"controller"}
    assert {a.role for a in no.activities} == {"processor"}
    for e in (dk, no):
        lang = e.default_language
        for a in e.activities:
            assert a.status == "draft", a.key
            assert a.security is None, a.key  # absent in the seeds (F-07)
            assert a.purposes, a.key
            for p in a.purposes:
                assert p.description and p.original and p.language == lang, a.key
                assert p.lia_reference is None, a.key
                if "art6_1_f" in p.legal_bases:
                    assert p.legitimate_interest, a.key
        assert e.security_statement


def test_legal_bases_as_stated(entities: dict[str, Any]) -> None:
    bases = {
        a.key: [sorted(p.legal_bases) for p in a.purposes] for e in entities.values() for a in e.activities
    }
    for key in [f"PA-DK-0{i}" for i in range(1, 6)] + ["PA-NO-01", "PA-NO-02", "PA-NO-03"]:
        assert bases[key] == [["art6_1_f"]], key
    for key in ("PA-NO-04", "PA-NO-05"):
        assert bases[key] == [["art6_1_a", "art6_1_f"]], key
        note = by_key(entities["TECHEM-NO"].activities)[key].purposes[0].legal_basis_note
        assert "alternatives" in note
    # PA-NO-06: advertising purposes with no legal basis (F-12).
    pa06 = by_key(entities["TECHEM-NO"].activities)["PA-NO-06"]
    assert len(pa06.purposes) == 2
    assert all(p.legal_bases == [] and p.legitimate_interest is None for p in pa06.purposes)
    assert pa06.consent is None
    # Cookie consent is described only in NO (PA-NO-04), not in DK (F-11).
    assert by_key(entities["TECHEM-NO"].activities)["PA-NO-04"].consent is not None
    assert all(a.consent is None for a in entities["TECHEM-DK"].activities)


def test_data_categories_and_mandatory_flags(entities: dict[str, Any]) -> None:
    for e in entities.values():
        for a in e.activities:
            flags = {u.category: u.mandatory for u in a.data_categories}
            if "email_address" in flags:
                assert flags["email_address"] is True, a.key
                assert flags["phone_number"] is False, a.key
    dk_cats = {u.category for a in entities["TECHEM-DK"].activities for u in a.data_categories}
    assert "support_inquiry_content" not in dk_cats  # DK lists the purpose but not the data (F-13)
    pa_no_03 = by_key(entities["TECHEM-NO"].activities)["PA-NO-03"]
    assert "support_inquiry_content" in {u.category for u in pa_no_03.data_categories}


def test_transfers_one_per_claimed_mechanism(entities: dict[str, Any]) -> None:
    mechs = {k: {t.mechanism: t for t in e.transfers} for k, e in entities.items()}
    assert set(mechs["TECHEM-DK"]) == {"scc_unspecified", "privacy_shield", "adequacy"}
    assert set(mechs["TECHEM-NO"]) == {"scc_unspecified", "eu_us_dpf", "adequacy"}
    for k, e in entities.items():
        assert len(e.transfers) == 3, k
        for t in e.transfers:
            assert t.conditional is True, t.key
            assert t.recipient is None, t.key  # not linked to recipients (F-04)
            assert t.scc is None and t.tia_reference is None and t.supplementary_measures == [], t.key
            expected = "US" if t.mechanism == "privacy_shield" else None
            assert t.destination_country == expected, t.key
        for a in e.activities:
            assert sorted(a.transfers) == sorted(t.key for t in e.transfers), a.key
    assert mechs["TECHEM-DK"]["privacy_shield"].key == "T-DK-PRIVACY-SHIELD"
    assert all(t.copy_available_to_subject is None for t in entities["TECHEM-DK"].transfers)
    assert all(t.copy_available_to_subject is True for t in entities["TECHEM-NO"].transfers)


def test_processors_known_by_category_except_ga_and_hotjar(entities: dict[str, Any]) -> None:
    for k, e in entities.items():
        processors = by_key(e.processors)
        for p in e.processors:
            assert p.legal_name is None, p.key
            assert p.country is None and p.contract is None and p.dpf is None, p.key
            assert p.data_locations == [] and p.sub_processors == [], p.key
        named = {p.name for p in e.processors}
        assert {"Google Analytics", "Hotjar"} <= named, k
        for p in e.processors:
            if p.name in ("Google Analytics", "Hotjar"):
                assert p.notes and "EXTERNAL" in p.notes, p.key
        for r in e.recipients:
            assert r.kind == "processor", r.key  # as claimed, "som databehandler"
            assert r.processor in processors, r.key
            assert processors[r.processor].name == r.name, r.key
            assert r.country is None and r.in_third_country is None, r.key
        recipients = by_key(e.recipients)
        suffix = k.split("-")[1]
        assert recipients[f"R-{suffix}-GA"].name == "Google Analytics"
        assert recipients[f"R-{suffix}-HOTJAR"].name == "Hotjar"
    # NO-PP attributes advertising purposes to GA and Hotjar; DK-PP only statistics (F-12).
    for key in ("R-NO-GA", "R-NO-HOTJAR"):
        purposes = by_key(entities["TECHEM-NO"].recipients)[key].purposes
        assert len(purposes) == 3 and any("advertisements" in p for p in purposes)
    for key in ("R-DK-GA", "R-DK-HOTJAR"):
        assert by_key(entities["TECHEM-DK"].recipients)[key].purposes == [
            "generate statistics on use of the portal"
        ]
    assert {r.key for r in entities["TECHEM-NO"].recipients} >= {
        "R-NO-HOSTING",
        "R-NO-BACKUP",
        "R-NO-SUPPORT",
    }
    assert len(entities["TECHEM-DK"].recipients) == 4


def test_retention_exactly_as_stated(entities: dict[str, Any]) -> None:
    dk = by_key(entities["TECHEM-DK"].retention_rules)
    no = by_key(entities["TECHEM-NO"].retention_rules)
    assert set(dk) == {"RET-DK-GENERAL", "RET-DK-GA-IP", "RET-DK-COOKIE-OTHER"}
    assert set(no) == {"RET-NO-GENERAL", "RET-NO-GA-IP", "RET-NO-ACCOUNT", "RET-NO-SUPPORT"}

    for rules in (dk, no):
        general = next(r for r in rules.values() if r.key.endswith("GENERAL"))
        assert general.kind == "criterion" and general.duration is None and general.criterion
    # GA IP: 14 months in DK, 24 months in NO, both from when the cookie was set (F-09).
    assert (dk["RET-DK-GA-IP"].kind, dk["RET-DK-GA-IP"].duration) == ("fixed", "P14M")
    assert (no["RET-NO-GA-IP"].kind, no["RET-NO-GA-IP"].duration) == ("fixed", "P24M")
    for rule, recipient in ((dk["RET-DK-GA-IP"], "R-DK-GA"), (no["RET-NO-GA-IP"], "R-NO-GA")):
        assert rule.start_event == "cookie_set"
        assert rule.data_categories == ["ip_address"]
        assert rule.recipient == recipient
    other = dk["RET-DK-COOKIE-OTHER"]
    assert (other.kind, other.duration, other.start_event) == ("fixed", "P12M", None)
    # NO: event-triggered rules with no maximum delay (F-10).
    assert (no["RET-NO-ACCOUNT"].kind, no["RET-NO-ACCOUNT"].trigger_event) == (
        "event",
        "account_deregistration_received",
    )
    assert (no["RET-NO-SUPPORT"].kind, no["RET-NO-SUPPORT"].trigger_event) == (
        "event",
        "support_inquiry_closed",
    )
    assert all(r.duration is None for r in (no["RET-NO-ACCOUNT"], no["RET-NO-SUPPORT"]))
    # No invented rules: DK has no account/support rule, NO has no rule for other cookie data.
    assert not any(r.kind == "event" for r in dk.values())
    no_fixed = {c for r in no.values() if r.kind == "fixed" for c in r.data_categories}
    assert no_fixed == {"ip_address"}
