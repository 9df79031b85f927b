"""Labels, vocabulary terms, countries, dates and durations in English, Danish and Norwegian."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from typing import Any, Literal

import isodate
import pycountry
import yaml
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.units import format_unit

from ropa.vocabulary.schemas import TermData

try:  # libyaml's loader when PyYAML has it: labels.yaml loads in milliseconds, not a tenth of a second
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

Lang = Literal["en", "da", "nb"]
LANGUAGES: tuple[Lang, ...] = ("en", "da", "nb")
# Babel's locales: British English writes "22 November 2026", as the EU's English texts do.
LOCALES = {"en": "en_GB", "da": "da_DK", "nb": "nb_NO"}
# The default language of an export follows the supervisory authority's country.
AUTHORITY_LANGUAGE = {"DK": "da", "NO": "nb"}


@functools.cache
def labels() -> dict[str, dict[str, str]]:
    text = Path(__file__).with_name("labels.yaml").read_text(encoding="utf-8")
    raw = yaml.load(text, Loader=SafeLoader)
    return {str(k): v for k, v in raw.items()}


class Texts:
    """Everything an export writes in one language."""

    def __init__(self, lang: Lang, terms: list[TermData]) -> None:
        self.lang: Lang = lang
        self.locale = Locale.parse(LOCALES[lang])
        self._labels = labels()
        self._terms = {(t.vocabulary, t.key): t for t in terms}
        self._dates: dict[dt.date, str] = {}  # Babel formats a date slowly; an export repeats them
        self._countries: dict[str, str] = {}

    def __call__(self, key: str, **params: Any) -> str:
        """A label; ``{name}`` placeholders are filled from ``params``."""
        text = self._labels[key][self.lang]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._labels

    def term(self, vocabulary: str, key: str) -> str:
        """A vocabulary term's label; an unknown key is shown as it is, never dropped."""
        term = self._terms.get((vocabulary, key))
        return getattr(term.labels, self.lang) if term else key

    def term_data(self, vocabulary: str, key: str) -> TermData | None:
        return self._terms.get((vocabulary, key))

    def vocabulary(self, vocabulary: str) -> list[str]:
        """Labels of the terms in use (not deprecated), for validation lists."""
        return sorted(
            getattr(t.labels, self.lang)
            for (v, _), t in self._terms.items()
            if v == vocabulary and not t.deprecated
        )

    def enum(self, prefix: str, value: str | None) -> str:
        if value is None:
            return ""
        key = f"{prefix}.{value}"
        return self(key) if key in self._labels else value

    def yes_no(self, value: bool | None) -> str:
        return "" if value is None else self("yes" if value else "no")

    def country(self, code: str | None) -> str:
        if not code:
            return ""
        name = self._countries.get(code)
        if name is None:
            name = self._countries[code] = self._country(code)
        return name

    def _country(self, code: str) -> str:
        name = self.locale.territories.get(code.upper())
        if name:
            return str(name)
        found = pycountry.countries.get(alpha_2=code.upper())
        return found.name if found else code

    def date(self, value: dt.date | None) -> str:
        if value is None:
            return ""
        text = self._dates.get(value)
        if text is None:
            text = self._dates[value] = format_date(value, format="long", locale=self.locale)
        return text

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        return format_datetime(value, format="long", tzinfo=dt.UTC, locale=self.locale)

    def duration(self, iso: str | None) -> str:
        """``P14M`` as "14 months", "14 måneder", "14 måneder"; unknown shapes are shown as written."""
        if not iso:
            return ""
        try:
            parsed = isodate.parse_duration(iso)
        except (isodate.ISO8601Error, ValueError):
            return iso
        parts: list[tuple[float, str]] = []
        if isinstance(parsed, isodate.Duration):
            parts += [(float(parsed.years), "duration-year"), (float(parsed.months), "duration-month")]
            delta = parsed.tdelta
        else:
            delta = parsed
        days, seconds = delta.days, delta.seconds
        if days % 7 == 0 and days:
            parts.append((days // 7, "duration-week"))
        else:
            parts.append((days, "duration-day"))
        parts += [(seconds // 3600, "duration-hour"), (seconds % 3600 // 60, "duration-minute")]
        shown = [
            format_unit(int(n) if float(n).is_integer() else n, unit, length="long", locale=self.locale)
            for n, unit in parts
            if n
        ]
        return ", ".join(shown) or iso


def default_language(authority_country: str | None, fallback: str) -> Lang:
    lang = AUTHORITY_LANGUAGE.get((authority_country or "").upper(), fallback)
    return lang if lang in LANGUAGES else "en"
