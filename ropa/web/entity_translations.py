"""The entity form's translations: its security statement, its DPO decision's reason and its supervisory
authority's remit, per export language, as the export of that language shows them (``exports/localize.py``).

Each is a field of the form named by its path in the record (``translations.da.security_statement``,
``dpo_decision.translations.da.reason``), so its value, its post, the three-way merge of a stale form and
its messages by field are those of every other field of the form (``ropa/web/record_forms.py``). An
emptied field removes that translation, and a part left with none has no ``translations`` at all, as a
record that never had any; translations the form does not show (other authorities') are kept.
"""

from __future__ import annotations

from typing import Any

from ropa.i18n import EXPORT_LANGUAGES
from ropa.web.record_forms import Field

# (the part that holds the text, or "" for the entity itself; the text's field; its label key; the
# part's legend key): each free text of the entity an export shows.
TEXTS = (
    ("", "security_statement", "wf.security_statement", ""),
    ("dpo_decision", "reason", "wf.reason", "wf.dpo_decision"),
    ("supervisory_authority", "remit", "wf.remit", "wf.supervisory_authority"),
)
PARTS = tuple(part for part, _, _, _ in TEXTS)


def _path(part: str, lang: str, field: str) -> str:
    return ".".join(p for p in (part, "translations", lang, field) if p)


# The form's fields per language, in the languages of the activity editor's translations.
SECTIONS: tuple[tuple[str, tuple[Field, ...]], ...] = tuple(
    (lang, tuple(Field(_path(part, lang, field), label, "textarea") for part, field, label, _ in TEXTS))
    for lang in EXPORT_LANGUAGES
)
FIELDS = tuple(f for _, fields in SECTIONS for f in fields)


def labels(t: Any) -> dict[str, str]:
    """Each translation field's label, with its part and its language (the summary names the field)."""
    found = {}
    for lang, fields in SECTIONS:
        for f, (_, _, _, legend) in zip(fields, TEXTS, strict=True):
            own = f"{t(f.label)} ({t('language.' + lang)})"
            found[f.name] = f"{t(legend)} – {own}" if legend else own
    return found


def empty(value: Any) -> bool:
    """Nothing in it: no value, or a part whose every field is empty (translations included)."""
    if isinstance(value, dict):
        return all(empty(v) for v in value.values())
    return value in (None, "", [])


def prune(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with every emptied translation left out: per language, and the whole ``translations`` of
    a part that has none left (unset, never ``null``, which the schema refuses)."""
    for part in PARTS:
        holder = data.get(part) if part else data
        if not isinstance(holder, dict) or "translations" not in holder:
            continue
        kept = {lang: text for lang, text in (holder["translations"] or {}).items() if not empty(text)}
        if kept:
            holder["translations"] = kept
        else:
            del holder["translations"]
    return data
