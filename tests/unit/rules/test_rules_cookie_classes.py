"""cookies.necessary_misclassified (a cookie recorded as necessary whose purpose or provider shows it is not)
and cookies.no_activity (a cookie outside every record of processing): each reported once, on the cookie,
in every language, and never beside the consent rules for the same gap."""

from typing import Any

import pytest

from ropa.rules.engine import evaluate
from ropa.rules.model import Finding
from tests.unit.rules.rules_support import clean, context, register

MISCLASSIFIED = "cookies.necessary_misclassified"
NO_ACTIVITY = "cookies.no_activity"
OPT_IN = {"mechanism": "banner with opt-in", "form": "opt_in"}


def _with_cookie(**cookie: Any) -> dict[str, Any]:
    d = clean()
    d["cookies"] = [
        {
            "key": "C-1",
            "name": "_hjSession",
            "party": "third",
            "consent_category": "necessary",
            "activities": [d["activities"][0]["key"]],
            **cookie,
        }
    ]
    return d


def _analytics_processor(d: dict[str, Any], kinds: list[str]) -> None:
    d["processors"].append({"key": "P-AN", "name": "Analyser", "service_kinds": kinds, "country": "IE"})


def _cookie_findings(d: dict[str, Any]) -> list[Finding]:
    return [f for f in evaluate(register(d), context()) if f.rule_id.startswith("cookies.")]


def _summary(found: list[Finding]) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.rule_id, f.severity, f.record_key, f.field) for f in found]


# ------------------------------------------------------------------------------------------
# A cookie recorded as necessary that is not
# ------------------------------------------------------------------------------------------


def test_a_session_recording_cookie_recorded_as_necessary_is_reported_in_every_language() -> None:
    found = _cookie_findings(_with_cookie(purpose_class="session_recording"))
    assert _summary(found) == [(MISCLASSIFIED, "high", "C-1", "consent_category")]
    message = found[0].message
    assert "_hjSession" in message["en"] and "recording of sessions" in message["en"]
    assert "optagelse af sessioner" in message["da"] and "nødvendig" in message["da"]
    assert "opptak av økter" in message["nb"] and "nødvendig" in message["nb"]
    for lang in ("da", "nb"):  # neither English nor the vocabulary key
        assert "session_recording" not in message[lang] and "recording" not in message[lang]
        assert "necessary" not in message[lang] and "session" not in found[0].remediation[lang]


@pytest.mark.parametrize("purpose_class", ["analytics", "advertising", "social_media"])
def test_every_tracking_purpose_is_not_strictly_necessary(purpose_class: str) -> None:
    found = _cookie_findings(_with_cookie(purpose_class=purpose_class))
    assert [f.rule_id for f in found] == [MISCLASSIFIED]
    assert found[0].details["evidence"] == [purpose_class]


def test_the_providers_analytics_service_shows_it_where_no_purpose_class_is_recorded() -> None:
    d = _with_cookie(processor="P-AN")
    _analytics_processor(d, ["hosting", "web_analytics"])
    found = [f for f in _cookie_findings(d) if f.rule_id == MISCLASSIFIED]
    assert len(found) == 1
    assert "web analytics and statistics" in found[0].message["en"]
    assert "webanalyse og statistik" in found[0].message["da"]
    assert "webanalyse og statistikk" in found[0].message["nb"]
    assert all("web_analytics" not in found[0].message[lang] for lang in ("en", "da", "nb"))


def test_the_provider_is_found_through_the_cookies_recipient() -> None:
    d = _with_cookie(recipient="R-AN")
    _analytics_processor(d, ["advertising"])
    d["recipients"].append({"key": "R-AN", "name": "Analyser", "kind": "processor", "processor": "P-AN"})
    assert [f.rule_id for f in _cookie_findings(d) if f.rule_id == MISCLASSIFIED] == [MISCLASSIFIED]


@pytest.mark.parametrize(
    "purpose_class", [None, "authentication", "security", "load_balancing", "consent_choice", "preferences"]
)
def test_a_strictly_necessary_purpose_is_not_questioned(purpose_class: str | None) -> None:
    # preferences: a choice the user made (a language) is exempt, and the record does not say who chose
    assert _cookie_findings(_with_cookie(purpose_class=purpose_class)) == []


def test_a_stated_necessary_purpose_is_taken_whatever_else_the_provider_sells() -> None:
    d = _with_cookie(processor="P-AN", purpose_class="load_balancing")
    _analytics_processor(d, ["hosting", "web_analytics"])
    assert [f for f in _cookie_findings(d) if f.rule_id == MISCLASSIFIED] == []


def test_an_analytics_cookie_in_its_own_category_is_left_to_the_consent_rules() -> None:
    d = _with_cookie(purpose_class="analytics", consent_category="statistics")
    d["activities"][0]["consent"] = OPT_IN
    assert _cookie_findings(d) == []


def test_consent_on_the_activity_does_not_answer_for_a_cookie_set_as_necessary() -> None:
    # a cookie recorded as necessary is set before any choice, so the activity's opt-in never covers it
    d = _with_cookie(purpose_class="analytics")
    d["activities"][0]["consent"] = OPT_IN
    assert [f.rule_id for f in _cookie_findings(d)] == [MISCLASSIFIED]


def test_an_activity_already_reported_as_tracking_without_consent_is_not_reported_again() -> None:
    d = _with_cookie(purpose_class="analytics", processor="P-AN")
    _analytics_processor(d, ["web_analytics"])
    d["recipients"].append({"key": "R-AN", "name": "Analyser", "kind": "processor", "processor": "P-AN"})
    d["activities"][0]["recipients"].append("R-AN")
    found = _cookie_findings(d)
    assert [f.rule_id for f in found] == ["cookies.analytics_without_consent"]
    # with consent asked on the activity, the misclassified cookie is the one gap left, reported once
    d["activities"][0]["consent"] = OPT_IN
    assert [f.rule_id for f in _cookie_findings(d)] == [MISCLASSIFIED]


def test_retired_cookies_are_left_out() -> None:
    assert _cookie_findings(_with_cookie(purpose_class="advertising", retired=True)) == []


# ------------------------------------------------------------------------------------------
# A cookie outside every record of processing
# ------------------------------------------------------------------------------------------


def test_a_cookie_serving_no_activity_is_reported_in_every_language() -> None:
    found = _cookie_findings(_with_cookie(activities=[], consent_category="statistics"))
    assert _summary(found) == [(NO_ACTIVITY, "medium", "C-1", "activities")]
    message = found[0].message
    assert "_hjSession" in message["en"] and "record of processing activities" in message["en"]
    assert "fortegnelsen over behandlingsaktiviteter" in message["da"]
    assert "protokollen over behandlingsaktiviteter" in message["nb"]
    for lang in ("da", "nb"):
        assert "activit" not in message[lang] and "activit" not in found[0].remediation[lang]


def test_a_cookie_serving_only_retired_activities_serves_none() -> None:
    d = _with_cookie()
    d["activities"].append({**d["activities"][0], "key": "PA-OLD", "status": "retired"})
    d["cookies"][0]["activities"] = ["PA-OLD"]
    assert _summary(_cookie_findings(d)) == [(NO_ACTIVITY, "medium", "C-1", "activities")]


def test_a_cookie_serving_a_current_activity_or_retired_itself_is_not_reported() -> None:
    d = _with_cookie()
    d["activities"].append({**d["activities"][0], "key": "PA-OLD", "status": "retired"})
    d["cookies"][0]["activities"] = ["PA-OLD", d["activities"][0]["key"]]
    assert _cookie_findings(d) == []
    assert _cookie_findings(_with_cookie(activities=[], retired=True)) == []


def test_a_misclassified_cookie_serving_no_activity_is_reported_for_each_gap_on_its_own_field() -> None:
    found = _cookie_findings(_with_cookie(activities=[], purpose_class="advertising"))
    assert sorted(_summary(found)) == [
        (MISCLASSIFIED, "high", "C-1", "consent_category"),
        (NO_ACTIVITY, "medium", "C-1", "activities"),
    ]
