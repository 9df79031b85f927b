"""What a screen reader and a regulator read in the PDF: the draft watermark is an artifact, not text
of the pages; the contents are a table of contents; a reference ("PA-DK-01") never breaks at its
hyphens; the cover states a processor's role in question and, with every field of the entity set,
stays one page with the checkpoint and the verifier's hash on it."""

from __future__ import annotations

import dataclasses
import io
import re
from collections import Counter
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook
from pypdf import PageObject, PdfReader

from audit import verifier
from exports import pdf
from exports.document import Document
from exports.xlsx import render_xlsx
from ropa.entities.schemas import Dpo, JointController
from ropa.i18n import Lang
from ropa.porting.schemas import EntityIn
from ropa.records.parts import Address, Contact
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_pdf_fetching import squash
from tests.unit.test_export_regulator_content import document
from tests.unit.test_export_stated_fields import stated_entity

LAYOUT: dict[str, str] = {"en": "canonical", "da": "dk-datatilsynet", "nb": "no-datatilsynet"}


def _render(doc: Document) -> PdfReader:
    return PdfReader(io.BytesIO(pdf.render_pdf(doc, lambda stage, fraction: None)))


def _read_aloud(page: PageObject) -> str:
    """The page's text as a tagged-PDF reader reads it: without what is marked as an /Artifact."""
    marks: list[str] = []
    shown: list[str] = []

    def operator(op: bytes, args: Any, cm: Any, tm: Any) -> None:
        if op in (b"BDC", b"BMC"):
            marks.append(str(args[0]))
        elif op == b"EMC" and marks:
            marks.pop()

    def text(value: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if "/Artifact" not in marks:
            shown.append(value)

    page.extract_text(visitor_operand_before=operator, visitor_text=text)
    return "".join(shown)


def _structure(node: Any, parent: str = "", found: list[tuple[str, str, Any]] | None = None) -> list[Any]:
    """Every structure element as (its parent's type, its type, the element), in the tree's order."""
    found = [] if found is None else found
    node = node.get_object()
    kind = str(node.get("/S"))
    found.append((parent, kind, node))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        element: Any = kid.get_object() if hasattr(kid, "get_object") else None
        if isinstance(element, dict) and element.get("/Type") != "/OBJR":
            _structure(kid, kind, found)
    return found


def _small(entity: EntityIn, activities: int = 2) -> EntityIn:
    """``entity`` with its first activities alone: a PDF test renders few pages."""
    return msgspec.structs.replace(
        entity, activities=sorted(entity.activities, key=lambda a: a.key)[:activities]
    )


@pytest.fixture(scope="module")
def demo(register: Any) -> EntityIn:
    return _small(next(e for e in register.entities if e.key == "TECHEM-DK"))


@pytest.fixture(scope="module")
def processor(register: Any) -> EntityIn:
    """An entity that calls itself a processor while its activities state purposes and legal bases."""
    entity = _small(next(e for e in register.entities if e.key == "TECHEM-NO"))
    assert entity.role == "processor" and all(p.legal_bases for a in entity.activities for p in a.purposes)
    return entity


@pytest.fixture(scope="module")
def draft(demo: EntityIn, terms: list[TermData]) -> tuple[Document, PdfReader]:
    doc = document(demo, terms, "da", layout="dk-datatilsynet")
    assert doc.is_draft
    return doc, _render(doc)


def test_the_draft_watermark_is_an_artifact_not_text_of_the_pages(draft: tuple[Document, PdfReader]) -> None:
    doc, reader = draft
    watermark = doc.t("draft")
    assert watermark == "UDKAST"
    # Still drawn on every page, for the eye ...
    assert all(watermark in (page.extract_text() or "") for page in reader.pages)
    # ... but not read aloud between a page's text, nor an element of the structure tree.
    read = [_read_aloud(page) for page in reader.pages]
    assert not [n for n, text in enumerate(read, start=1) if watermark in text]
    assert doc.t("draft.explained").split(":")[0] in read[0], "the draft status is still stated"
    kinds = Counter(kind for _, kind, _ in _structure(reader.root_object["/StructTreeRoot"]))
    assert kinds["/Div"] < len(reader.pages), "no element of the tree on every page"


def test_the_contents_are_a_table_of_contents_linking_each_entry(
    draft: tuple[Document, PdfReader],
) -> None:
    doc, reader = draft
    tree = _structure(reader.root_object["/StructTreeRoot"])
    assert not [kind for parent, kind, _ in tree if parent == "/Document" and kind == "/NonStruct"]
    assert [kind for _, kind, _ in tree].count("/TOC") == 1
    entries = [element for parent, kind, element in tree if kind == "/TOCI"]
    assert all(parent == "/TOC" for parent, kind, _ in tree if kind == "/TOCI")
    # One entry per part, activity and annex of the contents page, each a reference holding its link.
    contents = next(page.extract_text() for page in reader.pages if page.extract_text().startswith("Indhold"))
    assert len(entries) == len(re.findall(r"\.{5,}", contents)) >= len(doc.view.activities) + 8
    for entry in entries:
        (reference,) = [element for parent, kind, element in _structure(entry) if kind == "/Reference"]
        assert "/Link" in [kind for _, kind, _ in _structure(reference)]


def test_every_link_annotation_belongs_to_a_link_element(draft: tuple[Document, PdfReader]) -> None:
    """PDF/UA (ISO 14289-1, 7.18.5): a link annotation is the content of a /Link element; WeasyPrint
    files the contents' page numbers (a span inside the link) under a /Span."""
    _, reader = draft
    tree: Any = reader.root_object["/StructTreeRoot"]
    nums = tree["/ParentTree"]["/Nums"]
    parents = dict(zip((int(k) for k in nums[::2]), nums[1::2], strict=True))
    annotations = [a.get_object() for page in reader.pages for a in page.get("/Annots", [])]
    links = [a for a in annotations if a.get("/Subtype") == "/Link"]
    assert len(links) >= len(reader.pages) // 2, "the contents and the references link"
    for annotation in links:
        element = parents[int(annotation["/StructParent"])].get_object()
        assert element["/S"] == "/Link"
        held = [k.get_object() for k in element["/K"] if isinstance(k.get_object(), dict)]
        assert any(k.get("/Obj") is not None and k["/Obj"].get_object() == annotation for k in held)


def test_a_reference_is_never_broken_at_its_hyphens(demo: EntityIn, terms: list[TermData]) -> None:
    """The annexes' narrow "activities" columns and the activities' headings hold each key whole."""
    keys = {a.key: f"PA-DK-PORTAL-{n:02}" for n, a in enumerate(demo.activities, start=1)}
    entity = msgspec.structs.replace(
        demo, activities=[msgspec.structs.replace(a, key=keys[a.key]) for a in demo.activities]
    )
    for lang in ("en", "da"):
        text = "\n".join(page.extract_text() for page in _render(document(entity, terms, lang)).pages)
        for key in keys.values():
            whole, anyhow = text.count(key), squash(text).count(key)
            assert whole >= 4, f"{key} in the contents, its heading and field, the annexes"
            assert whole == anyhow, f"{lang}: {key} broken across lines {anyhow - whole} times"


ROLE_CONFLICT: dict[str, str] = {
    "en": "Role in question: activities recorded as processing on behalf of controllers state purposes",
    "da": "Rollen er uafklaret: aktiviteter registreret som behandling på vegne af dataansvarlige",
    "nb": "Rollen er uavklart: aktiviteter registrert som behandling på vegne av behandlingsansvarlige",
}


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_the_cover_states_a_processors_role_in_question(
    processor: EntityIn, demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    """Not only in the findings (left out of a regulator's export by default): on the cover of both
    formats, naming the activities, in the export's language."""
    keys = ", ".join(a.key for a in processor.activities)
    doc = document(processor, terms, lang, layout=LAYOUT[lang])
    assert "findings" not in doc.meta.include
    cover = squash(_render(doc).pages[0].extract_text())
    assert squash(ROLE_CONFLICT[lang]) in cover and squash(f"({keys})") in cover
    xdoc = document(processor, terms, lang, layout=LAYOUT[lang], fmt="xlsx")
    wb = load_workbook(io.BytesIO(render_xlsx(xdoc, lambda s, f: None)), read_only=True)
    rows = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True) if len(r) > 1}
    assert rows[doc.t("cover.role")].startswith(ROLE_CONFLICT[lang]) and keys in rows[doc.t("cover.role")]
    # A controller's activities state their purposes of right: no such statement.
    assert document(demo, terms, lang, layout=LAYOUT[lang]).role_conflicts == []
    # A retired activity is not in the export: the cover does not name it either.
    first, *rest = processor.activities
    retired = msgspec.structs.replace(
        processor, activities=[msgspec.structs.replace(first, status="retired"), *rest]
    )
    assert first.key not in document(retired, terms, lang, layout=LAYOUT[lang]).role_conflicts


def _every_field(entity: EntityIn) -> EntityIn:
    """``entity`` with every field of the cover set (issue 19's too), and long values."""
    address = Address(
        street="Carl Jacobsens Vej 35, 2. sal, opgang B", postal_code="2500", city="Valby", country="DK"
    )
    entity = stated_entity(entity)
    joint = [
        JointController(
            contact=Contact(
                name=f"Techem Energy Services GmbH {n}", email="privacy@techem.de", address=address
            )
        )
        for n in range(2)
    ]
    return msgspec.structs.replace(
        entity,
        legal_name=f"{entity.legal_name}, filial af Techem Energy Services GmbH (Tyskland)",
        dpo=Dpo(
            name="Mette Kristine Sørensen-Holm", email="dpo@techem.dk", phone="+4587447701", kind="external"
        ),
        representative=Contact(
            name="Techem EU Representative B.V.", email="rep@techem.example", address=address
        ),
        joint_controllers=joint,
        security_statement=" ".join([entity.security_statement or "Adgangsstyring og kryptering."] * 3),
    )


@pytest.mark.parametrize("lang", ["en", "da", "nb"])
def test_the_cover_with_every_field_set_is_one_page_with_the_checkpoint_and_hash(
    processor: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    doc = document(_small(_every_field(processor), 1), terms, lang, layout=LAYOUT[lang])
    doc.meta = dataclasses.replace(doc.meta, authority_case="2026-431-0099 (sagsbehandler J. Jensen)")
    first, second = (squash(page.extract_text()) for page in _render(doc).pages[:2])
    for shown in (doc.entity.security_statement or "", doc.meta.authority_case or "", ROLE_CONFLICT[lang]):
        assert squash(shown) in first
    for value in (verifier.sha256(), doc.meta.state_sha256, doc.meta.checkpoint_root, "verify_bundle.py"):
        assert value in first, f"{value} is on the cover's page"
    assert second.startswith(squash(doc.t("contents"))), "the contents begin on page 2"
