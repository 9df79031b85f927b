"""Cross-entity rules: records of one group that diverge for the same system, vendor or data."""

from ropa.rules import group
from ropa.rules.engine import GROUP_RULES
from ropa.rules.model import Finding, GroupRule
from tests.unit.rules.rules_support import clean, context, entity


def _pair() -> tuple[dict, dict]:
    return clean("ACME-DK", "DK"), clean("ACME-NO", "NO")


def _run(rule: GroupRule, dk: dict, no: dict) -> list[Finding]:
    return rule([entity(dk), entity(no)], context())


def test_identical_entities_produce_no_group_findings() -> None:
    dk, no = _pair()
    for rule in GROUP_RULES:
        assert _run(rule, dk, no) == [], rule.id


def test_role_divergence_for_one_system() -> None:
    dk, no = _pair()
    no["activities"][0]["role"] = "processor"
    findings = _run(group.role_divergence, dk, no)
    assert {(f.entity_key, f.severity) for f in findings} == {("ACME-DK", "medium"), ("ACME-NO", "medium")}
    assert "ACME-NO: processor" in findings[0].message["en"]


def test_retention_divergence_for_the_same_service_and_category() -> None:
    dk, no = _pair()
    no["retention_rules"][0]["duration"] = "P3Y"
    findings = _run(group.retention_divergence, dk, no)
    assert {f.record_key for f in findings} == {"RET-ACCOUNT"}
    assert {f.entity_key for f in findings} == {"ACME-DK", "ACME-NO"}
    assert all("P2Y" in f.message["nb"] and "P3Y" in f.message["nb"] for f in findings)


def test_recipient_divergence_in_purposes() -> None:
    dk, no = _pair()
    no["recipients"][0]["purposes"].append("advertising")
    findings = _run(group.recipient_divergence, dk, no)
    assert {(f.entity_key, f.record_key) for f in findings} == {("ACME-DK", "R-MAIL"), ("ACME-NO", "R-MAIL")}


def test_missing_data_category_against_the_counterpart_activity() -> None:
    dk, no = _pair()
    no["activities"][0]["data_categories"].append({"category": "phone_number"})
    [finding] = _run(group.missing_data_category, dk, no)
    assert (finding.entity_key, finding.record_key, finding.severity) == ("ACME-DK", "PA-01", "low")
    assert finding.details["categories"] == ["phone_number"]
