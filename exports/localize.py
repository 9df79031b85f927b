"""The register's free text in the export's language, where the register carries a translation.

Every label of an export is in its language; the register's own text (an activity's name, a
purpose, a criterion) is as it was written. A record part may carry ``translations``: per export
language, a closed set of its text fields translated (docs/register-format.md). An export shows a
field's translation in its language where there is one, and the text as written where there is none.

Only what the export shows is swapped: the register file the export carries (the JSON attached to
the PDF, the workbook's hidden sheet) is the data, original and translations both, so the view is
built over the translated records while its ``entity`` stays the register as it is; the entity's own
text (its security statement, its DPO decision's reason, its authorities' remits) is shown from
``View.shown``. The translations stay on the swapped records too, so the export check can tell a
translated field (``translated``) from one written in another language.
"""

from __future__ import annotations

import functools
import operator
from typing import Any

import msgspec
import msgspec.inspect as mi

from exports.view import View
from ropa.porting.schemas import EntityIn
from ropa.records.parts import Text, Translations
from ropa.records.struct_info import struct_fields


def text(part: Any, lang: str) -> Text | None:
    """The translations of ``part`` (a record or a part of one) into ``lang``, if it has any."""
    translations = getattr(part, "translations", None)
    if not isinstance(translations, Translations):
        return None
    found = getattr(translations, lang, None)
    return found if isinstance(found, Text) else None


def translated(part: Any, lang: str, field: str) -> bool:
    """Whether ``part``'s ``field`` has a (non-empty) translation into ``lang``."""
    found = text(part, lang)
    return found is not None and bool(getattr(found, field, None))


@functools.cache
def _parts(struct_type: type) -> tuple[str, ...]:
    """The fields of ``struct_type`` that hold structs (or lists of them) that may carry translations."""
    return tuple(f.name for f in struct_fields(struct_type) if _may_translate(f.type))


def _may_translate(info: Any) -> bool:
    if isinstance(info, mi.Metadata):
        return _may_translate(info.type)
    if isinstance(info, mi.ListType):
        return _may_translate(info.item_type)
    if isinstance(info, mi.UnionType):
        return any(_may_translate(option) for option in info.types)
    if isinstance(info, mi.StructType):
        fields = {f.name for f in info.fields}
        return "translations" in fields or any(_may_translate(f.type) for f in info.fields)
    return False


def _localized(value: Any, lang: str) -> Any:
    """``value`` with its translated text (and that of its parts) swapped in; ``value`` itself if none."""
    if isinstance(value, list):
        items = [_localized(item, lang) for item in value]
        return items if any(map(operator.is_not, items, value)) else value
    if not isinstance(value, msgspec.Struct):
        return value
    changes: dict[str, Any] = {}
    for name in _parts(type(value)):
        part = getattr(value, name)
        swapped = _localized(part, lang)
        if swapped is not part:
            changes[name] = swapped
    found = text(value, lang)
    if found is not None:
        for field in found.__struct_fields__:
            if translation := getattr(found, field):
                changes[field] = translation
    return msgspec.structs.replace(value, **changes) if changes else value


def localize(entity: EntityIn, lang: str) -> EntityIn:
    """``entity`` with its own translated text and each record's in ``lang`` swapped in (the rest as
    written); ``entity`` itself where nothing is translated."""
    localized_entity: EntityIn = _localized(entity, lang)
    return localized_entity


def localized(view: View) -> View:
    """``view`` showing the register's text in its language where translated. The new view's ``entity``
    is the register as it is, so the register file the export carries keeps the data unchanged; its
    ``shown`` is the entity as the export shows it."""
    entity = localize(view.entity, view.t.lang)
    if entity is view.entity:
        return view
    shown = View(entity, view.t, view.times, view.approvers)
    shown.entity = view.entity
    return shown
