"""Every field of every record kind has a label in every language, so a finding's field and a diff's
changed field are never shown by their names or paths (``ropa/web/labels.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec.inspect as mi
import pytest

from ropa.i18n import LANGUAGES
from ropa.records.catalog import REGISTRY
from ropa.web.labels import Values, path_label
from ropa.web.pages import UiTexts


def _names(info: Any, seen: set[type]) -> Iterator[str]:
    if isinstance(info, mi.Metadata):
        yield from _names(info.type, seen)
    elif isinstance(info, mi.StructType) and info.cls not in seen:
        seen.add(info.cls)
        for field in info.fields:
            yield field.encode_name
            yield from _names(field.type, seen)
    elif isinstance(info, mi.ListType):
        yield from _names(info.item_type, seen)
    elif isinstance(info, mi.UnionType):
        for option in info.types:
            yield from _names(option, seen)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_field_of_every_kind_has_a_label(lang):
    t = UiTexts(lang, [])
    names = {n for kind in REGISTRY.values() for n in _names(mi.type_info(kind.out), set())}
    missing = sorted(n for n in names if not t.has(f"field.{n}") and not t.has(f"wf.{n}"))
    assert missing == [], "add a wf.<name> label to ropa/i18n/web.yaml (or field.<name> to fields.yaml)"


def test_a_path_is_shown_as_its_labels_and_a_value_in_the_pages_words():
    t = UiTexts("da", [])
    shown = path_label(t, "purposes[0].lia_reference")
    assert shown.endswith(" 1 › Reference til interesseafvejningen") and "lia" not in shown
    assert path_label(t, "last_reviewed_at") == "Senest gennemgået"
    values = Values(t, "activity")
    assert values("status", "in_review") == t("status.in_review") != "in_review"
    purpose = values("purposes[0]", {"description": "Statistik", "lia_reference": "LIA-7", "sources": []})
    assert purpose == "Beskrivelse: Statistik · Reference til interesseafvejningen: LIA-7"
