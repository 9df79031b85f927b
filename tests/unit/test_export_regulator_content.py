"""What a regulator's export says and holds: only the register by default, internal material
by an explicit opt-in, true statements about transfers and earlier exports, "not recorded" for gaps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from exports import pdf
from exports.document import Document, ExportMeta, for_export, register_sha256
from exports.i18n import Texts
from exports.layouts import layouts
from exports.service import _baseline, _sent
from exports.view import View
from exports.xlsx import render_xlsx
from ropa.entities.schemas import Dpo, SourceDocument
from ropa.i18n import ExportLang, Lang
from ropa.porting.schemas import EntityIn
from ropa.records.parts import SourceRef
from ropa.transfers.schemas import SccDetails
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_pdf_fetching import pages, squash

NOT_RECORDED = {"en": "Not recorded", "da": "Ikke registreret", "nb": "Ikke registrert"}
LANGS: tuple[Lang, ...] = ("en", "da", "nb")
MOMENT = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def demo(register: Any) -> EntityIn:
    return next(e for e in register.entities if e.key == "TECHEM-DK")


def document(
    entity: EntityIn,
    terms: list[TermData],
    lang: ExportLang = "en",
    include: tuple[str, ...] = (),
    layout: str = "canonical",
    fmt: str = "pdf",
) -> Document:
    """An export as ``exports.service.prepare`` makes one, without a database."""
    if layouts()[layout].internal:
        include = ("notes", "findings", "acceptances")
    shown = for_export(entity, include)
    meta = ExportMeta(
        export_id="0b7e3c52-1d7a-4f5e-9a51-3c2d6f1e8a90",
        created_at=MOMENT,
        state_time=MOMENT,
        as_of=None,
        format=fmt,  # type: ignore[arg-type]
        layout=layout,
        lang=lang,
        variant="standard",
        authority="Datatilsynet (DK)",
        authority_case=None,
        checkpoint_size=42,
        checkpoint_root="q83vEjRWeJA=",
        state_sha256=register_sha256(terms, shown),
        include=include,  # type: ignore[arg-type]
    )
    view = View(shown, Texts(lang, terms))
    return Document(meta, view, layouts()[layout].shown(include), None, terms, entity)


def pdf_text(doc: Document) -> str:
    return squash("\n".join(pages(pdf.render_pdf(doc, lambda stage, fraction: None))))


def notes_of(entity: EntityIn) -> list[str]:
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if k in ("notes", "legal_basis_note") and isinstance(v, str):
                    found.append(v)
                else:
                    walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(msgspec.to_builtins(entity))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_a_regulator_export_holds_the_register_only_unless_internal_material_is_asked_for(
    demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    notes = notes_of(demo)
    assert any("balancing test implied" in n for n in notes), "the demo has analysts' notes"
    plain = document(demo, terms, lang)
    text = pdf_text(plain)
    leaked = [n for n in notes if squash(n)[:60] in text]
    assert not leaked, f"analysts' notes in a regulator export: {leaked[:2]}"
    findings_title = squash(Texts(lang, terms)("annex.findings"))
    assert findings_title not in text
    attached = json.loads(plain.register_json)["entities"][0]
    carried = json.dumps(attached, ensure_ascii=False)
    assert not [n for n in notes if n in carried], "the attached register carries no notes"
    assert attached["finding_acceptances"] == []

    opted = document(demo, terms, lang, include=("notes", "findings"))
    text = pdf_text(opted)
    assert squash("balancing test implied") in text
    assert findings_title in text
    assert squash(Texts(lang, terms)("include.notes")) in text, "the cover names what was included"
    assert "balancing test implied" in opted.register_json.decode()


def test_the_workbook_hides_notes_and_findings_by_default_and_the_internal_audit_layout_has_them(
    demo: EntityIn, terms: list[TermData]
) -> None:
    def workbook(doc: Document) -> Any:
        return load_workbook(io.BytesIO(render_xlsx(doc, lambda s, f: None)), read_only=True)

    wb = workbook(document(demo, terms, "da", fmt="xlsx"))
    everything = " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert "balancing test implied" not in everything, "neither the sheets nor the hidden register"
    assert "Fund" not in wb.sheetnames and Texts("da", terms)("sheet.findings") not in wb.sheetnames

    wb = workbook(document(demo, terms, "da", layout="internal-audit", fmt="xlsx"))
    everything = " ".join(
        str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c
    )
    assert "balancing test implied" in everything
    assert Texts("da", terms)("sheet.findings") in wb.sheetnames


@pytest.mark.parametrize("lang", LANGS)
def test_a_dpo_with_an_email_and_no_name_prints_the_email(
    demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    entity = msgspec.structs.replace(demo, dpo=Dpo(email="dpo@example.dk"), dpo_decision=None)
    cover = squash(pages(pdf.render_pdf(document(entity, terms, lang), lambda s, f: None))[0])
    label = squash(Texts(lang, terms)("cover.dpo"))
    assert label + "dpo@example.dk" in cover
    wb = load_workbook(io.BytesIO(render_xlsx(document(entity, terms, lang, fmt="xlsx"), lambda s, f: None)))
    rows = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert rows[Texts(lang, terms)("cover.dpo")] == "dpo@example.dk"


VALIDITY = {
    "en": ("Valid", "Validity not established", "Conditional: "),
    "da": ("Gyldig", "Gyldighed ikke fastslået", "Betinget: "),
    "nb": ("Gyldig", "Gyldighet ikke fastslått", "Betinget: "),
}


@pytest.mark.parametrize("lang", LANGS)
def test_a_transfer_is_valid_only_with_a_destination_and_an_instrument(
    demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    valid, unknown, conditional = VALIDITY[lang]
    base = demo.transfers[0]
    cases = {
        "scc": msgspec.structs.replace(base, mechanism="scc_unspecified", scc=None, destination_country="US"),
        "adequacy": msgspec.structs.replace(
            base, mechanism="adequacy", destination_country=None, international_organisation=None
        ),
        "conditional": msgspec.structs.replace(
            base,
            mechanism="scc_2021",
            scc=SccDetails(decision="2021/914", module=2),
            destination_country="US",
            conditional=True,
            description="only when a customer asks for support from the US team",
        ),
        "valid": msgspec.structs.replace(
            base, mechanism="adequacy", destination_country="JP", conditional=False
        ),
    }
    t = Texts(lang, terms)
    for name, transfer in cases.items():
        view = View(msgspec.structs.replace(demo, transfers=[transfer]), t)
        status = view.mechanism(transfer)["status"]
        if name in ("scc", "adequacy"):
            assert status.startswith(unknown) and valid not in status.replace(unknown, ""), (name, status)
        if name == "scc":
            assert t("validity.missing.scc_decision") in status
        if name == "adequacy":
            assert t("validity.missing.destination") in status
        if name == "conditional":
            assert status == conditional + "only when a customer asks for support from the US team"
            assert t("mechanism_status.invalid") not in status
        if name == "valid":
            assert status == valid
            assert "2019/419" in view.mechanism(transfer)["legal_act"], "the adequacy decision is named"


@pytest.mark.parametrize("lang", LANGS)
def test_every_field_the_layout_names_prints_not_recorded_when_empty(
    demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    first = msgspec.structs.replace(demo.activities[0], description=None, system=None, transfers=[])
    entity = msgspec.structs.replace(demo, activities=[first], security_statement=None)
    text = pdf_text(document(entity, terms, lang))
    t = Texts(lang, terms)
    heading = squash(t("field.system"))
    at = text.index(heading + "Ikke" if lang != "en" else heading + "Not")
    assert text[at:].startswith(heading + squash(NOT_RECORDED[lang]))
    assert squash(t("none.transfers")) not in text, "no source states that there are no transfers"

    quote = SourceRef(document="DK-PP", quote="Vi overfører ikke oplysninger", field="transfers")
    stated = msgspec.structs.replace(first, sources=[*first.sources, quote])
    text = pdf_text(document(msgspec.structs.replace(entity, activities=[stated]), terms, lang))
    assert squash(t("none.transfers")) in text, "an empty list the source states is 'none', not a gap"


@pytest.mark.parametrize("lang", LANGS)
def test_source_documents_and_quotes_of_other_records_are_in_both_formats(
    demo: EntityIn, terms: list[TermData], lang: Lang
) -> None:
    doc_ = SourceDocument(
        key="DK-NOTICE", title="Privatlivspolitik", version="2025-01", url="https://example.dk/p"
    )
    entity = msgspec.structs.replace(demo, documents=[*demo.documents, doc_])
    text = pdf_text(document(entity, terms, lang))
    assert squash("Privatlivspolitik") in text and squash("https://example.dk/p") in text
    quote = demo.sources[0].quote
    assert squash(quote)[:50] in text, "the entity's own source quote"
    wb = load_workbook(io.BytesIO(render_xlsx(document(entity, terms, lang, fmt="xlsx"), lambda s, f: None)))
    sheet = wb[Texts(lang, terms)("annex.documents")[:31]]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    assert "https://example.dk/p" in cells and "2025-01" in cells


def test_the_workbook_has_unique_headings_iso_times_and_print_setup(
    demo: EntityIn, terms: list[TermData]
) -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(document(demo, terms, "nb", fmt="xlsx"), lambda s, f: None)))
    for ws in wb.worksheets:
        if ws.sheet_state == "hidden":
            continue
        headings = [c.value for c in ws[1]]
        assert len(headings) == len(set(headings)), ws.title
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
    rows = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert rows[Texts("nb", terms)("cover.exported_at")] == "2026-03-01T09:30:00+00:00"


def _event(export_id: str, day: int, purpose: str = "authority", case: str | None = None) -> dict[str, Any]:
    at = dt.datetime(2026, 3, day, tzinfo=dt.UTC).isoformat()
    return {
        "export_id": export_id,
        "created_at": at,
        "state_time": at,
        "state_sha256": export_id,
        "authority": "Datatilsynet (DK)",
        "authority_case": case,
        "purpose": purpose,
    }


def test_the_baseline_is_the_last_export_sent_to_that_authority_and_case() -> None:
    previous = [
        _event("sent-1", 1),
        _event("sent-1", 1),  # a reissue: the same export
        *[_event(f"internal-{n}", 2, "internal") for n in range(40)],
        {k: v for k, v in _event("old-style", 3).items() if k != "purpose"},  # before purposes existed
        _event("sent-other-case", 4, case="2026-9"),
        _event("sent-2", 5),
    ]
    sent = _sent(previous, "Datatilsynet (DK)", None)
    assert sorted(d["export_id"] for d in sent) == ["sent-1", "sent-2"]
    assert _baseline(sent, dt.datetime(2026, 3, 6, tzinfo=dt.UTC))["export_id"] == "sent-2"
    assert _baseline(sent, dt.datetime(2026, 3, 5, tzinfo=dt.UTC))["export_id"] == "sent-2", "same state"
    assert _baseline(sent, dt.datetime(2026, 3, 3, tzinfo=dt.UTC))["export_id"] == "sent-1"
    assert _sent(previous, "Datatilsynet (DK)", "2026-9")[0]["export_id"] == "sent-other-case"
    assert _sent(previous, "Datatilsyne (NO)", None) == []


def _header_scopes(node: Any, found: dict[str, int]) -> dict[str, int]:
    node = node.get_object()
    if node.get("/S") == "/TH":
        scope = str(node.get("/A", {}).get("/Scope"))
        found[scope] = found.get(scope, 0) + 1
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if hasattr(kid, "get_object") and hasattr(kid.get_object(), "get"):
            _header_scopes(kid, found)
    return found


def test_pdfa_lists_its_attachment_once_and_every_header_cell_has_a_scope(
    demo: EntityIn, terms: list[TermData]
) -> None:
    doc = document(demo, terms, "da")
    doc.meta = dataclasses.replace(doc.meta, variant="pdfa")
    reader = PdfReader(io.BytesIO(pdf.render_pdf(doc, lambda s, f: None)))
    root: Any = reader.root_object
    assert len(root["/AF"]) == 1 and list(reader.attachments) == ["ropa-register-TECHEM-DK.json"]
    scopes = _header_scopes(root["/StructTreeRoot"], {})
    assert set(scopes) == {"/Column", "/Row"}, scopes  # column heads of tables, row heads of fields


def test_the_workbook_states_its_sentences_on_the_entity_sheet_never_in_a_data_row(
    demo: EntityIn, terms: list[TermData]
) -> None:
    """A data sheet's rows are records a filter or a pivot table can take: what the changes sheet
    compares with is said on the entity sheet."""
    doc = document(demo, terms, "da", fmt="xlsx")
    assert doc.changes is None and doc.meta.purpose == "internal"
    wb = load_workbook(io.BytesIO(render_xlsx(doc, lambda s, f: None)))
    sentences = [
        doc.t(k)
        for k in (
            "annex.changes.first", "annex.changes.never_sent", "annex.changes.none_earlier",
            "annex.changes.none", "draft.explained", "approved.explained", "cover.verifier_explained",
        )
    ]  # fmt: skip
    entity, *data = [ws for ws in wb.worksheets if ws.sheet_state != "hidden"]
    for ws in data:
        cells = [str(c) for row in ws.iter_rows(min_row=2, values_only=True) for c in row if c is not None]
        assert not [s for s in sentences if any(s in c for c in cells)], ws.title
    assert wb[doc.t("sheet.changes")].max_row == 1, "no change, no row: the headings alone"
    rows = {r[0]: r[1] for r in entity.iter_rows(values_only=True)}
    assert rows[doc.t("annex.changes")] == doc.t("annex.changes.never_sent")
