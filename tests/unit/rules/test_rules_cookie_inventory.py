"""cookies.inventory_without_consent: a cookie of the inventory that is not strictly necessary, set for an
activity that records no valid consent; reported once, by this rule or by the data-category rule."""

from typing import Any

from ropa.rules.cookies import analytics_without_consent, inventory_without_consent
from ropa.rules.engine import evaluate
from tests.unit.rules.rules_support import clean, context, entity, register

RULE = "cookies.inventory_without_consent"


def _with_cookie(category: str = "statistics", **cookie: Any) -> dict[str, Any]:
    d = clean()
    d["cookies"] = [
        {
            "key": "C-GA",
            "name": "_ga",
            "party": "third",
            "consent_category": category,
            "activities": [d["activities"][0]["key"]],
            **cookie,
        }
    ]
    return d


def _findings(d: dict[str, Any]) -> list[Any]:
    return [f for f in evaluate(register(d), context()) if f.rule_id.startswith("cookies.")]


def test_a_statistics_cookie_on_an_activity_without_consent_is_reported_in_every_language() -> None:
    d = _with_cookie()
    found = _findings(d)
    assert [(f.rule_id, f.record_kind, f.record_key, f.severity) for f in found] == [
        (RULE, "cookie", "C-GA", "high")
    ]
    activity = d["activities"][0]["key"]
    message = found[0].message
    assert activity in message["en"] and "none is recorded" in message["en"]
    assert "statistik" in message["da"] and "intet er registreret" in message["da"]
    assert "statistikk" in message["nb"] and "ingen er registrert" in message["nb"]
    assert all("statistics" not in message[lang] for lang in ("da", "nb"))  # no vocabulary keys


def test_a_strictly_necessary_cookie_needs_no_consent() -> None:
    assert _findings(_with_cookie("necessary")) == []


def test_consent_asked_by_opt_in_satisfies_it_and_continued_use_does_not() -> None:
    d = _with_cookie("marketing")
    d["activities"][0]["consent"] = {"mechanism": "banner with opt-in", "form": "opt_in"}
    assert _findings(d) == []
    d["activities"][0]["consent"] = {"mechanism": "by using the site you accept", "form": "continued_use"}
    found = _findings(d)
    assert [f.rule_id for f in found] == [RULE]
    assert "continued use of the site is not consent" in found[0].message["en"]
    assert "markedsføring" in found[0].message["da"]


def test_an_activity_the_data_categories_already_show_as_tracking_is_reported_once() -> None:
    d = _with_cookie()
    d["activities"][0]["data_categories"].append({"category": "navigation_behaviour"})
    d["retention_rules"][0]["data_categories"].append("navigation_behaviour")
    ctx = context()
    assert analytics_without_consent(entity(d), ctx)  # the data-category rule reports the activity
    assert inventory_without_consent(entity(d), ctx) == []  # so the inventory does not again


def test_retired_cookies_and_activities_are_left_out() -> None:
    d = _with_cookie(retired=True)
    assert _findings(d) == []
    d = _with_cookie()
    d["activities"].append({**d["activities"][0], "key": "PA-OLD", "status": "retired"})
    d["cookies"][0]["activities"] = ["PA-OLD"]
    # the cookie serves no current activity: that gap is cookies.no_activity's, not a consent gap
    assert [f.rule_id for f in _findings(d)] == ["cookies.no_activity"]


def test_one_finding_per_activity_the_cookie_serves_without_consent() -> None:
    d = _with_cookie()
    second = {
        **d["activities"][0],
        "key": "PA-2",
        "consent": {"mechanism": "opt-in banner", "form": "opt_in"},
    }
    third = {**d["activities"][0], "key": "PA-3"}
    d["activities"] += [second, third]
    d["cookies"][0]["activities"] = [d["activities"][0]["key"], "PA-2", "PA-3"]
    found = [f for f in _findings(d) if f.rule_id == RULE]
    assert sorted(f.details["activity"] for f in found) == sorted([d["activities"][0]["key"], "PA-3"])
