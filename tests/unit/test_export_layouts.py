"""Layouts are data: every built-in one is valid, a new file adds one, a bad one is refused."""

from __future__ import annotations

import pytest

from exports import layouts as layouts_module
from exports.fields import FIELDS
from exports.i18n import Texts
from exports.layouts import layouts
from ropa.errors import LayoutError
from ropa.i18n import LANGUAGES


def test_every_field_has_a_label_in_every_language():
    for field in FIELDS:
        for lang in LANGUAGES:
            assert Texts(lang, [])(f"field.{field}").strip(), (field, lang)


def test_built_in_layouts_load():
    found = layouts()
    assert {"canonical", "ico", "no-datatilsynet", "dk-datatilsynet", "cnil"} <= set(found)
    assert found["cnil"].style == "fiche"
    t = Texts("en", [])
    ico = found["ico"]
    assert ico.heading(ico.columns[3], t) == "Purpose of processing"


def test_a_new_layout_file_needs_no_code(tmp_path, monkeypatch):
    (tmp_path / "mine.yaml").write_text(
        "id: mine\ntitle: {en: Mine}\ncolumns:\n  - {field: name, required: true}\n"
        "  - {field: retention, heading: {da: Slettefrister}}\n"
    )
    monkeypatch.setenv("ROPA_EXPORT_LAYOUT_DIR", str(tmp_path))
    layouts_module.layouts.cache_clear()
    try:
        mine = layouts()["mine"]
        assert mine.heading(mine.columns[1], Texts("da", [])) == "Slettefrister"
        assert mine.heading(mine.columns[1], Texts("en", [])).startswith("Time limits for erasure")
        bad = "id: bad\ntitle: {en: Bad}\ncolumns:\n  - {field: no_such_field}\n"
        (tmp_path / "bad.yaml").write_text(bad)
        layouts_module.layouts.cache_clear()
        with pytest.raises(LayoutError, match="no_such_field"):
            layouts()
    finally:
        layouts_module.layouts.cache_clear()


def test_dates_and_durations_follow_the_language():
    import datetime as dt

    assert Texts("da", []).date(dt.date(2026, 11, 22)) == "22. november 2026"
    assert Texts("en", []).date(dt.date(2026, 11, 22)) == "22 November 2026"
    assert Texts("nb", []).duration("P14M") == "14 måneder"
    assert Texts("en", []).duration("P2Y6M") == "2 years, 6 months"
