"""The inventory of cookies and similar technologies as a sheet: one row per live cookie, its consent the
consent recorded on the activities it serves."""

from __future__ import annotations

from collections.abc import Iterator

from exports import stated
from exports.view import View
from exports.xlsx.sheets import Cell, Sheet, _lines
from ropa.porting.schemas import CookieIn

HEADS = [
    "col.key", "col.cookie", "col.name_on_device", "col.party", "col.recipient", "col.provider",
    "col.purpose", "col.purpose_class", "col.cookie_duration", "col.consent_category", "col.technology",
    "col.activities", "col.consent_of_activities",
]  # fmt: skip
WIDTHS = [16, 30, 12, 14, 26, 26, 40, 22, 22, 18, 20, 16, 50]


def live_cookies(view: View) -> list[CookieIn]:
    return [c for c in view.entity.cookies if not c.retired]


def duration(view: View, cookie: CookieIn) -> str | None:
    if cookie.duration == "session":
        return view.t("cookie.duration.session")
    return view.t.duration(cookie.duration) or None


def consent_of_activities(view: View, cookie: CookieIn) -> list[str]:
    """ "PA-01: banner with opt-in (Opt-in)" for each activity the cookie serves that records consent."""
    by_key = {a.key: a for a in view.activities}
    found = []
    for key in cookie.activities:
        activity = by_key.get(key)
        if activity is not None and activity.consent is not None:
            form = stated.consent_form(view, activity)
            found.append(f"{key}: {activity.consent.mechanism}" + (f" ({form})" if form else ""))
    return found


def cookies_sheet(view: View) -> Sheet:
    t = view.t

    def third_party(cookie: CookieIn) -> str | None:
        found = view.processors.get(cookie.processor or "") or view.recipients.get(cookie.recipient or "")
        return found.name if found else None

    def rows() -> Iterator[list[Cell]]:
        for c in live_cookies(view):
            yield [
                c.key,
                c.name,
                t.yes_no(not c.name_described),
                t.enum("cookie.party", c.party),
                third_party(c),
                c.provider,
                c.purpose,
                t.enum("cookie.purpose", c.purpose_class) or None,
                duration(view, c),
                t.enum("cookie.category", c.consent_category),
                t.enum("cookie.technology", c.technology) or None,
                _lines(c.activities),
                _lines(consent_of_activities(view, c)),
            ]

    return Sheet(t("sheet.cookies"), [t(h) for h in HEADS], rows, WIDTHS)
