"""What is the exports' own in their languages: the catalogues an export reads and the language it is
written in by default. The languages, the catalogue loader and the lookup are ``ropa.i18n``'s."""

from __future__ import annotations

from typing import ClassVar

from ropa.i18n import EXPORT_LANGUAGES, ExportLang
from ropa.i18n import Texts as BaseTexts

# The default language of an export follows the supervisory authority's country.
AUTHORITY_LANGUAGE: dict[str, ExportLang] = {"DK": "da", "NO": "nb", "FR": "fr"}


class Texts(BaseTexts):
    """Everything an export writes in one language: its own phrases and headings, and the fields'."""

    DOMAINS: ClassVar[tuple[str, ...]] = ("exports", "fields")


def default_language(authority_country: str | None, fallback: str) -> ExportLang:
    """The authority's language, else the entity's default (English when that is no language of ours)."""
    lang = AUTHORITY_LANGUAGE.get((authority_country or "").upper(), fallback)
    return lang if lang in EXPORT_LANGUAGES else "en"
