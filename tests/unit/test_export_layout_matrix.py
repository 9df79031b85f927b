"""Every regulator layout in every export language (issue 16): the workbook's activity sheet carries the
layout's columns under the headings the layout gives them in that language (the authority's statutory
wording), every cell of a named column holds a value or the language's "not recorded", and neither the
workbook nor the PDF's document shows a vocabulary key or, outside English, an English system text.
The PDF's text is read from the HTML WeasyPrint lays out (``exports.pdf.render_html``): the layout of
each of these documents is tested elsewhere (tests/unit/test_export_french.py, test_export_pdf_*)."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook

from exports import pdf
from exports.i18n import Texts
from exports.layouts import layouts
from exports.xlsx import render_xlsx
from ropa.i18n import EXPORT_LANGUAGES, ExportLang, labels
from ropa.porting.schemas import EntityIn
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_national_language import FREE_TEXT_OVERLAP, _sentences
from tests.unit.test_export_pdf_fetching import squash
from tests.unit.test_export_regulator_content import document
from tests.workbooks import visible_text

REGULATOR_LAYOUTS = sorted(k for k, v in layouts().items() if not v.internal)
ENTITIES = ("TECHEM-DK", "TECHEM-NO")


def _english_system_texts(terms: list[TermData], lang: ExportLang) -> set[str]:
    """The exports' catalogue texts and vocabulary labels whose English differs from ``lang``'s."""
    found = {
        e["en"]
        for e in labels("exports", "fields").values()
        if e["en"] != e[lang] and len(e["en"]) >= 8 and "{" not in e["en"]
    }
    found |= {t.labels.en for t in terms if t.labels.en != getattr(t.labels, lang) and len(t.labels.en) >= 8}
    return {e for e in found if not any(f in e for f in FREE_TEXT_OVERLAP)}


def _html_text(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.fixture(scope="module")
def exports(entities: dict[str, EntityIn], terms: list[TermData]) -> dict[tuple[str, str, str], Any]:
    """Per (entity, layout, language): the workbook, the PDF's document text and the columns shown."""
    made: dict[tuple[str, str, str], Any] = {}
    for key in ENTITIES:
        for layout in REGULATOR_LAYOUTS:
            for lang in EXPORT_LANGUAGES:
                entity = entities[key]
                doc = document(entity, terms, lang, layout=layout, fmt="xlsx")
                book = load_workbook(io.BytesIO(render_xlsx(doc, lambda s, f: None)))
                text = _html_text(pdf.render_html(document(entity, terms, lang, layout=layout)))
                made[key, layout, lang] = (book, text, doc.layout)
    return made


@pytest.mark.parametrize("key", ENTITIES)
@pytest.mark.parametrize("lang", EXPORT_LANGUAGES)
@pytest.mark.parametrize("layout_id", REGULATOR_LAYOUTS)
def test_each_layout_speaks_the_export_language_and_leaves_no_column_blank(
    exports: dict[tuple[str, str, str], Any],
    entities: dict[str, EntityIn],
    terms: list[TermData],
    key: str,
    layout_id: str,
    lang: ExportLang,
) -> None:
    wb, text, layout = exports[key, layout_id, lang]  # the layout's columns a regulator export shows
    t = Texts(lang, terms)
    headings = [layout.heading(c, t) for c in layout.columns]
    sheet = wb.worksheets[1]  # the activities, one row each (the first sheet is the entity)
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(headings)]) == headings, "the layout's columns, in its order and wording"
    entity = entities[key]
    assert len(rows) - 1 == len(entity.activities)
    not_recorded = t("not_recorded")
    for row in rows[1:]:
        blank = [
            h for h, value in zip(headings, row, strict=False) if value is None or not str(value).strip()
        ]
        assert not blank, f"{row[0]}: columns left blank instead of {not_recorded!r}: {blank}"
    assert any(not_recorded in str(v) for row in rows[1:] for v in row), "the register's gaps are shown"
    for heading in headings:
        assert squash(heading) in squash(text), f"the PDF lacks the column {heading!r}"

    free = squash(" ".join(_sentences(msgspec.to_builtins(entity))))
    shown = visible_text(wb)
    keys = {term.key for term in terms if "_" in term.key}
    for where, found in (("workbook", shown), ("PDF", text)):
        leaked = [k for k in keys if re.search(rf"\b{k}\b", found) and squash(k) not in free]
        assert not leaked, f"vocabulary keys in the {where}: {leaked[:5]}"
    if lang != "en":
        english = _english_system_texts(terms, lang)
        lines = set(shown.splitlines())
        leaked = [e for e in english if e in lines and squash(e) not in free]
        assert not leaked, f"English system text in the workbook: {leaked[:5]}"
        leaked = [e for e in english if squash(e) in squash(text) and squash(e) not in free]
        assert not leaked, f"English system text in the PDF: {leaked[:5]}"
