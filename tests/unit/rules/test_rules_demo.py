"""The engine on the Techem demo reports the seed findings; on a clean register it reports nothing.

F-number (the flaws the demo register was built to show; ropa/demo/techem.yaml names the main ones)
-> rule ids; a flaw rated "Critical" when the demo was drawn up maps to "high":
  F-01 transfer.invalid_mechanism (DK, Privacy Shield)      F-02 transfer.scc_incomplete (DK, NO)
  F-03 transfer.dpf_unverified (NO)                          F-04 transfer.no_destination (DK, NO)
  F-05 processor.no_contract (DK, NO), recipient.non_exhaustive (DK, low)
  F-06 dpo.undecided (DK, NO)                                F-07 completeness.security (DK, NO)
  F-08 role.processor_own_purposes (NO), role.processor_without_controllers (NO), group.role_divergence
  F-09 group.retention_divergence (GA IP 14 vs 24 months)
  F-10 retention.criterion_only (DK account/support; NO other cookie data), retention.missing (NO)
  F-11 cookies.analytics_without_consent (DK, NO), cookies.ambiguous_basis (NO)
  F-12 recipient.own_purposes (NO), purpose.no_legal_basis (NO, PA-NO-06), group.recipient_divergence
  F-13 group.missing_data_category (DK support lacks the inquiry content NO records)
  F-15 lia.missing (DK, NO)
  F-17 document.undated (DK), document.stale (NO), review.missing (one per entity): all low, since a
       missing or old date is not something a regulator acts on (the seed rates F-17 medium)
  F-19 processor.location_unrecorded (DK, NO; medium, the seed rates it Info): Hotjar's location, as every
       processor's, is not recorded, so whether its data leave the EU/EEA is unknown
  F-22 group.role_divergence, group.retention_divergence, group.recipient_divergence
Not derivable from the structured demo data: F-14 (GA4 vendor behaviour is not in the register),
F-16 (wording and translation defects of the source texts), F-18 (no Art. 14 notice field), F-19's
sub-processors (no sub-processor locations), F-20 (headcount band not recorded), F-21 (rights-vs-basis
rule not built yet);
F-11's "NO text predates the 2025 ekomlov" needs national-law dates that the vocabulary does not hold.
"""

import re

import msgspec
import pytest

from ropa.porting.schemas import RegisterFile
from ropa.rules.engine import RULES, evaluate
from ropa.rules.model import Finding
from ropa.vocabulary.schemas import TermData
from tests.unit.rules.rules_support import builtin_terms, clean, context, register

DK, NO = "TECHEM-DK", "TECHEM-NO"

# (F-number, rule id, entity, severity, record key or None for "any record")
EXPECTED = [
    ("F-01", "transfer.invalid_mechanism", DK, "high", "T-DK-PRIVACY-SHIELD"),
    ("F-02", "transfer.scc_incomplete", DK, "high", "T-DK-SCC"),
    ("F-02", "transfer.scc_incomplete", NO, "high", "T-NO-SCC"),
    ("F-03", "transfer.dpf_unverified", NO, "medium", "T-NO-DPF"),
    ("F-04", "transfer.no_destination", DK, "high", "T-DK-SCC"),
    ("F-04", "transfer.no_destination", NO, "high", "T-NO-DPF"),
    ("F-05", "processor.no_contract", DK, "medium", "R-DK-EMAIL"),
    ("F-05", "processor.no_contract", NO, "medium", "R-NO-HOSTING"),
    ("F-05", "recipient.non_exhaustive", DK, "low", "R-DK-HOTJAR"),
    ("F-06", "dpo.undecided", DK, "medium", DK),
    ("F-06", "dpo.undecided", NO, "medium", NO),
    ("F-07", "completeness.security", DK, "medium", "PA-DK-01"),
    ("F-07", "completeness.security", NO, "medium", "PA-NO-01"),
    ("F-08", "role.processor_own_purposes", NO, "high", "PA-NO-01"),
    ("F-08", "role.processor_without_controllers", NO, "medium", "PA-NO-01"),
    ("F-09", "group.retention_divergence", DK, "medium", "RET-DK-GA-IP"),
    ("F-09", "group.retention_divergence", NO, "medium", "RET-NO-GA-IP"),
    ("F-10", "retention.criterion_only", DK, "medium", "PA-DK-01"),
    ("F-10", "retention.criterion_only", DK, "medium", "PA-DK-03"),
    ("F-10", "retention.criterion_only", NO, "medium", "PA-NO-04"),
    ("F-10", "retention.missing", NO, "medium", "PA-NO-06"),
    ("F-11", "cookies.analytics_without_consent", DK, "high", "PA-DK-04"),
    ("F-11", "cookies.analytics_without_consent", NO, "high", "PA-NO-05"),
    ("F-11", "cookies.ambiguous_basis", NO, "medium", "PA-NO-04"),
    ("F-12", "recipient.own_purposes", NO, "high", "R-NO-GA"),
    ("F-12", "recipient.own_purposes", NO, "high", "R-NO-HOTJAR"),
    ("F-12", "purpose.no_legal_basis", NO, "high", "PA-NO-06"),
    ("F-13", "group.missing_data_category", DK, "low", "PA-DK-03"),
    ("F-15", "lia.missing", DK, "medium", "PA-DK-04"),
    ("F-15", "lia.missing", NO, "medium", "PA-NO-04"),
    ("F-17", "document.undated", DK, "low", "DK-PP"),
    ("F-17", "document.stale", NO, "low", "NO-PP"),
    ("F-17", "review.missing", DK, "low", DK),
    ("F-17", "review.missing", NO, "low", NO),
    ("F-19", "processor.location_unrecorded", DK, "medium", "R-DK-HOTJAR"),
    ("F-19", "processor.location_unrecorded", NO, "medium", "R-NO-HOTJAR"),
    ("F-22", "group.role_divergence", DK, "medium", DK),
    ("F-22", "group.role_divergence", NO, "medium", NO),
    ("F-22", "group.recipient_divergence", DK, "medium", "R-DK-GA"),
    ("F-22", "group.recipient_divergence", NO, "medium", "R-NO-GA"),
]


@pytest.fixture(scope="module")
def demo_findings(register: RegisterFile) -> list[Finding]:
    return evaluate(register, context())


@pytest.mark.parametrize(("number", "rule_id", "entity", "severity", "record"), EXPECTED)
def test_demo_reports_the_seed_finding(
    demo_findings: list[Finding], number: str, rule_id: str, entity: str, severity: str, record: str
) -> None:
    hits = [f for f in demo_findings if f.rule_id == rule_id and f.record_key == record]
    assert {(f.entity_key, f.severity) for f in hits} == {(entity, severity)}, number


def test_demo_has_no_false_findings_where_the_record_is_right(demo_findings: list[Finding]) -> None:
    # DK is a controller throughout; NO's PA-NO-04 records consent; no Art. 9/10 data; nothing retired.
    assert not [f for f in demo_findings if f.entity_key == DK and f.rule_id.startswith("role.")]
    assert not [f for f in demo_findings if f.rule_id.startswith("special.")]
    consent = [f.record_key for f in demo_findings if f.rule_id == "cookies.analytics_without_consent"]
    assert "PA-NO-04" not in consent
    assert not [f for f in demo_findings if f.rule_id == "transfer.invalid_mechanism" and f.entity_key == NO]


def test_a_clean_register_yields_no_findings() -> None:
    assert evaluate(register(clean("ACME-DK", "DK"), clean("ACME-NO", "NO")), context()) == []


def test_findings_are_sorted_deterministically(register: RegisterFile, demo_findings: list[Finding]) -> None:
    assert evaluate(register, context()) == demo_findings
    entities = [f.entity_key for f in demo_findings]
    assert entities == sorted(entities)


def test_the_registry_lists_each_rule_once_with_severity_and_article() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert all(r.severity in {"high", "medium", "low", "info"} and r.article for r in RULES)
    assert {r.id for r in RULES if r.scope == "group"} >= {
        "group.role_divergence",
        "group.retention_divergence",
    }


def test_retired_records_are_ignored(register: RegisterFile) -> None:
    dk = register.entities[0]
    retired = msgspec.structs.replace(
        dk, transfers=[msgspec.structs.replace(t, retired=True) for t in dk.transfers]
    )
    findings = evaluate(RegisterFile(entities=[retired]), context())
    assert not [f for f in findings if f.record_kind == "transfer"]


def test_the_demo_raises_one_review_finding_per_entity(demo_findings: list[Finding]) -> None:
    reviews = [f for f in demo_findings if f.rule_id == "review.missing"]
    assert sorted((f.entity_key, f.record_kind) for f in reviews) == [(DK, "entity"), (NO, "entity")]


# A snake_case identifier (vocabulary keys, field names, field paths such as purposes[0].legal_bases).
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b|\w\[\d+\]")
# Enum values of the records that are English words, not Danish or Norwegian ones.
ENUMS = {"controller", "processor", "fixed", "event", "criterion"}


def _english_keys(terms: tuple[TermData, ...], lang: str) -> set[str]:
    """Vocabulary keys that are not also a word of some label in ``lang`` (e.g. "backup" is Danish too)."""
    words = {w for t in terms for w in re.findall(r"\w+", getattr(t.labels, lang).casefold())}
    return {t.key for t in terms} - words


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_danish_and_norwegian_texts_name_no_vocabulary_key_and_no_field(
    demo_findings: list[Finding], lang: str
) -> None:
    keys = _english_keys(builtin_terms(), lang) | ENUMS
    for f in demo_findings:
        for text in (f.message[lang], f.remediation[lang]):
            assert not IDENTIFIER.findall(text), (f.rule_id, text)
            assert not keys & set(re.findall(r"\w+", text)), (f.rule_id, text)
            path = f.field if f.field and re.search(r"[._\[]", f.field) else None
            assert path is None or path not in text, (f.rule_id, text)


def test_purposes_are_quoted_in_the_language_of_the_message(demo_findings: list[Finding]) -> None:
    [first, second] = [f for f in demo_findings if f.rule_id == "purpose.no_legal_basis"]
    assert "for å registrere og rapportere om brukeratferd" in first.message["nb"]
    assert "Register and report on user behaviour" in first.message["en"]
    assert "samle inn preferansedata" in second.message["da"]  # the source's wording, not an English one
    assert "Collect preference data" not in second.message["da"] + second.message["nb"]


def test_labels_come_from_the_register_vocabulary(demo_findings: list[Finding]) -> None:
    [shield] = [f for f in demo_findings if f.rule_id == "transfer.invalid_mechanism"]
    assert (
        "EU-U.S. Privacy Shield (ugyldig)" in shield.message["da"]
        and "gyldig til 2020-07-16" in shield.message["da"]
    )
    assert shield.details["mechanism"] == "privacy_shield"
    # The legal act by its national title, not the English one.
    assert "Kommissionens gennemførelsesafgørelse (EU) 2016/1250 af 12. juli 2016" in shield.message["da"]
    assert "Kommisjonens gjennomføringsbeslutning (EU) 2016/1250 av 12. juli 2016" in shield.message["nb"]
    assert "Commission" not in shield.message["da"] + shield.message["nb"]
    assert "Commission Implementing Decision (EU) 2016/1250" in shield.message["en"]
    roles = [f for f in demo_findings if f.rule_id == "group.role_divergence"][0]
    assert "TECHEM-DK: behandlingsansvarlig; TECHEM-NO: databehandler" in roles.message["nb"]
    assert "'Techem administrator portal'" in roles.message["en"]


def test_no_citation_is_written_twice(demo_findings: list[Finding]) -> None:
    for f in demo_findings:
        assert f.article.startswith(("Art. ", "ePrivacy Art. ")), f.article
        for text in (f.article, *f.message.values(), *f.remediation.values()):
            assert not re.search(r"\bart\.\s+art\.", text, re.IGNORECASE), text
