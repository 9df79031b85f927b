"""The activity editor's translations: the name, the description and each purpose's description, per
export language, as the export of that language shows them (``exports/localize.py``).

The form holds them as plain fields (``tr-da-name``, a purpose's ``tr-da``). A field the post does not
carry is left out of the form, and the save keeps the stored translation: a page or a wizard step
without these fields never drops them. An emptied field removes that translation.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.datastructures import FormMultiDict

from ropa.i18n import EXPORT_LANGUAGES

FIELDS = ("name", "description")  # of the activity; a purpose's description besides
_FIELD = re.compile(r"tr-([a-z]+)-([a-z_]+)")


def field_name(lang: str, field: str) -> str:
    return f"tr-{lang}-{field}"


def parse(name: str) -> tuple[str, str] | None:
    """(language, field) of a translation's form field, or None."""
    m = _FIELD.fullmatch(name)
    return (m[1], m[2]) if m and m[1] in EXPORT_LANGUAGES and m[2] in FIELDS else None


def _stored(translations: Any, lang: str, field: str) -> str:
    entry = (translations or {}).get(lang) or {}
    return str(entry.get(field) or "")


def values_of(data: dict[str, Any]) -> dict[str, str]:
    """The activity's translations as the form's values."""
    tr = data.get("translations")
    return {field_name(lang, f): _stored(tr, lang, f) for lang in EXPORT_LANGUAGES for f in FIELDS}


def purpose_values_of(purpose: dict[str, Any]) -> dict[str, str]:
    """A purpose's translations as the form's values of that purpose."""
    tr = purpose.get("translations")
    return {f"tr-{lang}": _stored(tr, lang, "description") for lang in EXPORT_LANGUAGES}


def values_from_post(submitted: FormMultiDict) -> dict[str, str]:
    """The translations the post carries (left out: those it does not carry)."""
    names = (field_name(lang, f) for lang in EXPORT_LANGUAGES for f in FIELDS)
    return {name: str(submitted.get(name, "")).strip() for name in names if name in submitted}


def purpose_values_from_post(submitted: FormMultiDict, index: int) -> dict[str, str]:
    names = ((f"tr-{lang}", f"purpose-{index}-tr-{lang}") for lang in EXPORT_LANGUAGES)
    return {key: str(submitted.get(name, "")).strip() for key, name in names if name in submitted}


def _applied(stored: Any, texts: dict[tuple[str, str], str]) -> dict[str, dict[str, str]]:
    out = {lang: dict(entry) for lang, entry in (stored or {}).items() if entry}
    for (lang, field), text in texts.items():
        entry = out.setdefault(lang, {})
        if text:
            entry[field] = text
        else:
            entry.pop(field, None)
    return {lang: entry for lang, entry in out.items() if entry}


def _set(data: dict[str, Any], translations: dict[str, dict[str, str]]) -> None:
    if translations:
        data["translations"] = translations
    else:
        data.pop("translations", None)  # none: unset, as a record that never had any


def apply_activity(values: dict[str, Any], data: dict[str, Any]) -> None:
    """The form's translations of the activity over the stored ones, in ``data``."""
    texts = {pair: values[name] for name in values if (pair := parse(name)) is not None}
    _set(data, _applied(data.get("translations"), texts))


def apply_purpose(posted: dict[str, Any], data: dict[str, Any]) -> None:
    """The form's translations of one purpose over its stored ones (``data``: the purpose)."""
    texts: dict[tuple[str, str], str] = {
        (lang, "description"): posted[f"tr-{lang}"] for lang in EXPORT_LANGUAGES if f"tr-{lang}" in posted
    }
    _set(data, _applied(data.get("translations"), texts))


def purpose_key(purpose: dict[str, Any]) -> tuple[str, ...]:
    """A purpose's translations, for comparing two versions of the form."""
    return tuple(str(purpose.get(f"tr-{lang}", "")) for lang in EXPORT_LANGUAGES)


def reapply(index: int, purpose: dict[str, Any]) -> list[tuple[str, str]]:
    """A purpose's translations as hidden fields of the conflict screen."""
    return [
        (f"purpose-{index}-tr-{lang}", purpose[f"tr-{lang}"])
        for lang in EXPORT_LANGUAGES
        if f"tr-{lang}" in purpose
    ]
