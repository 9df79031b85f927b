"""Dates written in a document's version or "last updated" line, in English, Danish and Norwegian."""

import calendar
import datetime as dt
import re
from collections.abc import Callable

# Month names and their usual abbreviations; Danish and Norwegian differ only in March, May and December.
MONTHS: dict[str, int] = {
    # English
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Danish
    "januar": 1, "februar": 2, "marts": 3, "maj": 5, "juni": 6, "juli": 7, "oktober": 10, "okt": 10,
    # Norwegian (bokmål)
    "mars": 3, "mai": 5, "desember": 12, "des": 12,
}  # fmt: skip
_MONTH = r"\b(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})"
_YEAR = r"(?P<year>(?:19|20)\d{2})"

Reader = Callable[[re.Match[str]], dt.date]


def _month(m: re.Match[str]) -> int:
    value = m.group("month")
    return int(value) if value.isdigit() else MONTHS[value.lower()]


def _day(m: re.Match[str]) -> dt.date:
    return dt.date(int(m.group("year")), _month(m), int(m.group("day")))


def _month_end(m: re.Match[str]) -> dt.date:
    year, month = int(m.group("year")), _month(m)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _year_end(m: re.Match[str]) -> dt.date:
    return dt.date(int(m.group("year")), 12, 31)


# From the most precise to the least. Each match is taken out of the text before the next pattern
# runs, so "9. oktober 2025" is 9 October 2025, not also "some day of 2025".
_PATTERNS: list[tuple[re.Pattern[str], Reader]] = [
    (re.compile(p, re.IGNORECASE), read)
    for p, read in (
        (r"(?<!\d)" + _YEAR + r"-(?P<month>\d{2})-" + _DAY + r"(?!\d)", _day),  # 2025-10-09
        (r"(?<![\d.])" + _DAY + r"[.-](?P<month>\d{1,2})[.-]" + _YEAR + r"(?!\d)", _day),  # 09.10.2025
        # 9 October 2025, 9th of October 2025, 9. oktober 2025, 9. okt. 2025
        (
            r"(?<!\d)" + _DAY + r"(?:\.|st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"(?!\d)",
            _day,
        ),
        (_MONTH + r"\s+" + _DAY + r"(?:st|nd|rd|th)?,?\s+" + _YEAR + r"(?!\d)", _day),  # October 9, 2025
        (r"(?<!\d)" + _YEAR + r"-(?P<month>\d{2})(?![\d-])", _month_end),  # 2025-10
        (_MONTH + r",?\s+" + _YEAR + r"(?!\d)", _month_end),  # oktober 2025, Desember 2023
        (r"(?<!\d)" + _YEAR + r"(?!\d)", _year_end),  # 2025
    )
]


def latest_date(text: str) -> dt.date | None:
    """The latest day a free text (a version, "last updated ...") can mean, or None if it names none.

    A full date is that day, a month and year the month's last day, a year alone 31 December. Where
    the text names several dates, the latest counts. Numeric dates are read day first (09.10.2025), as
    Danish and Norwegian texts write them.
    """
    found: list[dt.date] = []

    def take(read: Reader) -> Callable[[re.Match[str]], str]:
        def one(m: re.Match[str]) -> str:
            try:
                found.append(read(m))
            except ValueError:  # 31 February or month 13: left for a less precise pattern
                return m.group(0)
            return " " * len(m.group(0))

        return one

    for pattern, read in _PATTERNS:
        text = pattern.sub(take(read), text)
    return max(found, default=None)
