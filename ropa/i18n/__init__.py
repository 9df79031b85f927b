"""Every fixed text of the service in English, Danish and Norwegian (and French, for the exports): one
language list, one catalogue loader, one lookup, shared by the web, the exports and the rules.

A catalogue is a YAML file in this folder, one per domain (``exports``, ``fields``, ``web``, ``audit``,
``findings``, ``rules``): ``key: {en: ..., da: ..., nb: ...}``, ``{name}`` placeholders filled at lookup.

There is no fallback between languages. Loading a catalogue refuses an entry that lacks a language of
its domain (``LANGUAGES``; ``EXPORT_LANGUAGES`` for the catalogues an export reads) or has an empty
text, and looking up a key no catalogue of the reader holds raises
``KeyError``: a Danish or Norwegian page or export never carries an English text in silence, it fails
where the missing translation is. Only a value that is not a label (a vocabulary key the register does
not know, an enum value without a label, an unknown duration shape) is shown as it is written.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Literal

import isodate
import pycountry
import yaml
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.units import format_unit

from ropa.vocabulary.schemas import TermData

try:  # libyaml's loader when PyYAML has it: the catalogues load in milliseconds, not a tenth of a second
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader  # type: ignore[assignment]

Lang = Literal["en", "da", "nb"]
LANGUAGES: tuple[Lang, ...] = ("en", "da", "nb")
# The languages an export is written in: the web's, and French, for the CNIL (the web stays en/da/nb).
ExportLang = Literal["en", "da", "nb", "fr"]
EXPORT_LANGUAGES: tuple[ExportLang, ...] = ("en", "da", "nb", "fr")
# Each language in its own words, as a language picker offers it.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "da": "Dansk", "nb": "Norsk (bokmål)", "fr": "Français"}
# Babel's locales: British English writes "22 November 2026", as the EU's English texts do.
LOCALES: dict[ExportLang, str] = {"en": "en_GB", "da": "da_DK", "nb": "nb_NO", "fr": "fr_FR"}

HERE = Path(__file__).parent
DOMAINS: tuple[str, ...] = ("exports", "fields", "web", "audit", "findings", "rules")
# The languages each catalogue holds: those an export renders hold French too.
DOMAIN_LANGUAGES: dict[str, tuple[str, ...]] = {"exports": EXPORT_LANGUAGES, "fields": EXPORT_LANGUAGES}

Catalogue = dict[str, dict[str, str]]


class CatalogueError(ValueError):
    """A catalogue file that would make a page or an export show a wrong or missing text."""


def load(path: Path, languages: tuple[str, ...] = LANGUAGES) -> Catalogue:
    """One catalogue file, checked: string keys, and a non-empty text in every language of ``languages``."""
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader) or {}
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path.name}: not a mapping of keys to texts")
    if unquoted := [k for k in raw if not isinstance(k, str)]:
        raise CatalogueError(f"{path.name}: quote the keys {unquoted} (YAML reads yes, no, on, off as bools)")
    for key, texts in raw.items():
        if not isinstance(texts, dict) or set(texts) != set(languages):
            found = sorted(map(str, texts)) if isinstance(texts, dict) else texts
            raise CatalogueError(f"{path.name}: {key}: needs exactly {', '.join(languages)}, has {found}")
        if empty := [lang for lang, text in texts.items() if not isinstance(text, str) or not text.strip()]:
            raise CatalogueError(f"{path.name}: {key}: no text in {', '.join(empty)}")
    return raw


@functools.cache
def catalogue(domain: str) -> Catalogue:
    """The catalogue of one domain (``exports``, ``web``, ...), loaded once per process."""
    if domain not in DOMAINS:
        raise CatalogueError(f"no catalogue '{domain}'; one of {', '.join(DOMAINS)}")
    return load(HERE / f"{domain}.yaml", DOMAIN_LANGUAGES.get(domain, LANGUAGES))


@functools.cache
def labels(*domains: str) -> Catalogue:
    """The catalogues of ``domains`` as one table; a key in two of them is refused, so no catalogue
    silently overrides another's text."""
    merged: Catalogue = {}
    for domain in domains:
        table = catalogue(domain)
        if twice := sorted(set(merged) & set(table)):
            raise CatalogueError(f"{domain}.yaml: {twice} already in one of {', '.join(domains)}")
        merged.update(table)
    return merged


def entry(domain: str, key: str) -> dict[str, str]:
    """One entry of a catalogue in every language, for code that words a value in all of them at once
    (the findings' messages)."""
    return catalogue(domain)[key]


def label(term: TermData, lang: str) -> str:
    """The term's label in ``lang``; its English label where it has none in ``lang`` (French is
    optional: see ``Texts.labelled``)."""
    return str(getattr(term.labels, lang, None) or term.labels.en)


class Texts:
    """Everything a reader (a page, an export) writes in one language: the labels of its catalogues
    (``DOMAINS``), vocabulary terms, countries, dates and durations."""

    DOMAINS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, lang: ExportLang, terms: Iterable[TermData]) -> None:
        self.lang: ExportLang = lang
        self.locale = Locale.parse(LOCALES[lang])
        self._labels = labels(*self.DOMAINS)
        self._terms = {(t.vocabulary, t.key): t for t in terms}
        self._dates: dict[dt.date, str] = {}  # Babel formats a date slowly; an export repeats them
        self._countries: dict[str, str] = {}

    def __call__(self, key: str, **params: Any) -> str:
        """A label; ``{name}`` placeholders are filled from ``params``. An unknown key raises ``KeyError``."""
        text = self._labels[key][self.lang]
        return text.format(**params) if params else text

    def has(self, key: str) -> bool:
        return key in self._labels

    def term(self, vocabulary: str, key: str) -> str:
        """A vocabulary term's label; an unknown key is shown as it is, never dropped. A term without a
        label in this language (a custom term has no French one unless given) shows its English label,
        which the export's language check reports (``labelled``)."""
        term = self._terms.get((vocabulary, key))
        return label(term, self.lang) if term else key

    def labelled(self, vocabulary: str, key: str) -> bool:
        """Whether the term is known and has a label of its own in this language."""
        term = self._terms.get((vocabulary, key))
        return term is not None and bool(getattr(term.labels, self.lang, None))

    def term_data(self, vocabulary: str, key: str) -> TermData | None:
        return self._terms.get((vocabulary, key))

    def vocabulary(self, vocabulary: str) -> list[str]:
        """Labels of the terms in use (not deprecated), for validation lists."""
        return sorted(
            label(t, self.lang) for (v, _), t in self._terms.items() if v == vocabulary and not t.deprecated
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
