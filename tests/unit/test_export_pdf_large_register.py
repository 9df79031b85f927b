"""The PDF of a register of many activities (issue 18): the structure tree still points every
element at the page that shows it, and the activities' tables keep their columns."""

from __future__ import annotations

import io
import re
from typing import Any

import msgspec
from pypdf import PdfReader

from exports import pdf
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.vocabulary.schemas import TermData
from tests.unit.export_pdf_support import struct_elements
from tests.unit.test_export_pdf_fetching import document

ACTIVITIES = 12


def _entity(register: RegisterFile, activities: int = ACTIVITIES) -> EntityIn:
    """The demo's Danish entity with its first activity cloned under new keys, as bench/common.py does."""
    entity = next(e for e in register.entities if e.key == "TECHEM-DK")
    template = entity.activities[0]
    clones = [
        msgspec.structs.replace(template, key=f"BIG-{i:03d}", name=f"Cloned activity {i:03d}", id=None)
        for i in range(activities)
    ]
    return msgspec.structs.replace(entity, activities=clones)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_each_activity_heading_is_tagged_on_the_page_that_prints_it(
    register: RegisterFile, terms: list[TermData]
) -> None:
    content = pdf.render_pdf(document(_entity(register), terms), lambda stage, fraction: None)
    reader = PdfReader(io.BytesIO(content))
    pages: list[Any] = list(reader.pages)
    page_of = {page.indirect_reference.idnum: number for number, page in enumerate(pages)}
    assert len(reader.pages) > 2 * ACTIVITIES, "the activities span many pages"

    heading_pages: set[int] = set()
    elements = 0
    for element in struct_elements(reader):
        if "/Pg" in element:
            elements += 1
            page = page_of.get(element.raw_get("/Pg").idnum)
            assert page is not None, "a structure element names a page the PDF has"
            if element.get("/S") == "/H2":
                heading_pages.add(page)
    assert elements > 1000

    # Each activity's heading (/H2) is tagged on the page whose text shows it (not the contents).
    texts = [_squash(page.extract_text() or "") for page in reader.pages]
    first = next(n for n, text in enumerate(texts) if text.startswith("Processingactivities"))
    for i in range(ACTIVITIES):
        key = f"BIG-{i:03d}Clonedactivity{i:03d}"
        shown = [n for n, text in enumerate(texts) if key in text and n >= first]
        assert shown, f"activity {i} is printed"
        assert shown[0] in heading_pages, f"activity {i}'s heading is tagged on page {shown[0] + 1}"
