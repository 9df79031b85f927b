"""Validation messages in the page's language: the API's reasons (msgspec's and the services') as a
person reads them, never a type name, a regular expression or a JSON path."""

from __future__ import annotations

import re
from typing import Any

# (pattern of the API's reason, label key); a named group is passed to the label.
PATTERNS: list[tuple[str, str]] = [
    (
        r"Expected `str` of length >= 1|Object missing required field|Expected `\w+`, got `null`",
        "err.required",
    ),
    (r"Expected `str` of length <= (?P<n>\d+)", "err.too_long"),
    (r"Expected `(str|int)`.*regex '\^\[A-Za-z0-9\]", "err.key"),
    (r"Expected `str` matching regex '\^https\?|has no host name", "err.url"),
    (r"Expected `str` matching regex '\^\[A-Z\]\{2\}\$'|is not an ISO 3166-1 country code", "err.country"),
    (r"Invalid RFC ?3339 encoded date|Invalid date|Expected `date`", "err.date"),
    (r"is not an ISO 8601 duration|Expected `str` matching regex '\^P'", "err.duration"),
    (r"must be longer than zero", "err.duration_zero"),
    (r"'(?P<value>[^']*)' is not a term of vocabulary", "err.unknown_term"),
    (r"'(?P<value>[^']*)' of vocabulary '[^']*' is deprecated", "err.deprecated_term"),
    (r"no [a-z ]+ '(?P<value>[^']*)' in this entity", "err.unknown_record"),
    (r"required when kind is", "err.required_for_kind"),
    (r"already used", "err.key_taken"),
    (r"Expected `int|Invalid enum value", "err.choice"),
    (r"before the last review", "err.review_order"),
    (r"consent needs its mechanism", "st.consent_needs_mechanism"),
]


def friendly(reason: str, t: Any) -> str:
    """``reason`` as the page says it; a reason not known here becomes the general message."""
    for pattern, key in PATTERNS:
        if m := re.search(pattern, reason):
            return str(t(key, **{k: v for k, v in m.groupdict().items() if v is not None}))
    return str(t("err.invalid"))


def approval_refusal(exc: Any, t: Any) -> str | None:
    """A refused approval (``ropa.records.approval``) as the page says it; None for other errors."""
    if exc.status == 409 and any(p.get("name") == "version" for p in exc.invalid_params):
        return str(t("rv.stale"))
    if not any(p.get("name") == "status" for p in exc.invalid_params):
        return None
    return str(t("rv.own_change" if exc.status == 409 else "rv.no_permission"))
