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


# ------------------------------------------------------------------------------------------
# Only related entities are compared, and never on a catch-all category
# ------------------------------------------------------------------------------------------


def _unrelated() -> tuple[dict, dict]:
    """Two companies in one register that nothing links: own systems, no joint control, no processing."""
    dk, no = _pair()
    no["legal_name"] = "Other Company AS"
    no["activities"][0]["system"] = "Other company's shop"
    return dk, no


def test_unrelated_entities_are_never_compared() -> None:
    dk, no = _unrelated()
    no["retention_rules"][0]["duration"] = "P3Y"  # same vendor name and category, another period
    no["recipients"][0]["purposes"].append("advertising")
    no["activities"][0]["data_categories"].append({"category": "phone_number"})
    for rule in GROUP_RULES:
        assert _run(rule, dk, no) == [], rule.id


def test_entities_the_register_links_are_compared() -> None:
    dk, no = _unrelated()
    no["retention_rules"][0]["duration"] = "P3Y"
    # Acme DK names the Norwegian company as joint controller of its activity (Art. 26).
    dk["activities"][0]["joint_controllers"] = [{"controller": {"name": "OTHER company  AS"}}]
    findings = _run(group.retention_divergence, dk, no)
    assert {(f.entity_key, f.record_key) for f in findings} == {
        ("ACME-DK", "RET-ACCOUNT"),
        ("ACME-NO", "RET-ACCOUNT"),
    }


def test_a_processor_acting_for_another_entity_links_the_two() -> None:
    dk, no = _unrelated()
    no["recipients"][0]["purposes"].append("advertising")
    no["activities"][0]["controllers_served"] = [
        {"controller": {"name": "Acme DK"}, "categories_of_processing": ["hosting"]}
    ]
    assert {f.entity_key for f in _run(group.recipient_divergence, dk, no)} == {"ACME-DK", "ACME-NO"}


def test_groups_are_the_linked_entities_only() -> None:
    a, b = _pair()
    c = clean("LONE-SE", "SE")
    c["activities"][0]["system"] = "Lone system"
    groups = group.related([entity(a), entity(b), entity(c)])
    assert [sorted(e.key for e in g) for g in groups] == [["ACME-DK", "ACME-NO"]]


def test_a_catch_all_category_is_never_compared() -> None:
    dk, no = _pair()
    for data, period in ((dk, "P1Y"), (no, "P5Y")):
        data["retention_rules"].append(
            {"key": "RET-OTHER", "name": "Other data", "kind": "fixed", "duration": period,
             "data_categories": ["other"]}
        )  # fmt: skip
        data["activities"][0]["retention"].append("RET-OTHER")
    no["activities"][0]["data_categories"].append({"category": "other"})
    assert _run(group.retention_divergence, dk, no) == []
    assert _run(group.missing_data_category, dk, no) == []
