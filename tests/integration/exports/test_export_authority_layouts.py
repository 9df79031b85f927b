"""The authorities' own layouts, rendered as each authority reads them (ICO in English, Datatilsynet DK in
Danish, Datatilsynet NO in Norwegian), for the demo register and for a register built here: the statutory
wording and the authority's headings, the column order, the national columns (breaches, DPA 2018
Schedule 1, policy adherence; CPR numbers, criminal-offence data apart from special categories, what is
disclosed to each recipient) and "not recorded" in the export's language where they are empty."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook

from exports import pdf
from exports.document import Document
from exports.i18n import Texts
from exports.layouts import layouts
from exports.xlsx import render_xlsx
from ropa.activities.schemas import (
    ControllerServed,
    DataCategoryUse,
    PersonalDataBreach,
    PolicyAdherence,
    Purpose,
    RecipientDisclosure,
    Security,
)
from ropa.i18n import labels
from ropa.porting.schemas import ActivityIn, EntityIn, RegisterFile
from ropa.records.parts import Contact
from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import BUILTIN, DEMO
from tests.unit.test_export_pdf_fetching import pages, squash
from tests.unit.test_export_regulator_content import document
from tests.workbooks import visible_text

# case: (demo entity, export language, layout)
CASES = {
    "ico": ("TECHEM-DK", "en", "ico"),
    "ico-processor": ("TECHEM-NO", "en", "ico-processor"),
    "dk": ("TECHEM-DK", "da", "dk-datatilsynet"),
    "no": ("TECHEM-NO", "nb", "no-datatilsynet"),
}
# The wording each export must carry: the basis line and the authority's headings.
STATUTORY = {
    "ico": [
        "Article 30(1) of the UK GDPR",
        "Article 6 lawful basis for processing personal data",
        "Has a personal data breach occurred?",
        "Link to record of personal data breach",
        "Data Protection Act 2018 Schedule 1 Condition for processing",
        "Link to Schedule 1 appropriate policy document",
        "Is personal data retained and erased in accordance with the policy document?",
        "Reasons for not adhering to policy document (if applicable)",
    ],
    "ico-processor": [
        "Article 30(2) of the UK GDPR",
        "Name and contact details of each controller on whose behalf we act",
        "Categories of processing carried out on behalf of each controller",
        "General description of technical and organisational security measures (if possible)",
    ],
    "dk": [
        "Databeskyttelsesforordningens (EU) 2016/679 artikel 30, stk. 1",
        "Følsomme oplysninger",
        "Oplysninger om strafbare forhold (databeskyttelseslovens § 8)",
        "Oplysninger om CPR-nummer (databeskyttelseslovens § 11)",
        "Personoplysninger og registrerede, der videregives til den enkelte modtager",
        "Dokumentation for passende garantier",
        "Forventede tidsfrister for sletning",
    ],
    "no": [
        "Referansenummer",
        "Planlagte tidsfrister for sletting",
        "Dokumentasjon av nødvendige garantier",
        "Navn og kontaktopplysninger til hver behandlingsansvarlig",
        "Databehandleravtale",
    ],
}
# The columns each layout adds for its authority; empty in the demo register, so "not recorded" there.
NEW_COLUMNS = {
    "ico": ["personal_data_breach", "breach_record", "appropriate_policy", "retention_adherence"],
    "ico-processor": ["personal_data_breach", "breach_record"],
    "dk": [],  # the demo's DK activities list their categories: "No", not "not recorded" (below)
    "no": [],
}
BREACH_LINK = "https://intranet.example.co.uk/breaches/2026-004"
POLICY_LINK = "https://intranet.example.co.uk/policies/appropriate-policy-document"
REASONS = "The 2019 archive awaits its erasure review"
SCHEDULE1 = "Sch. 1 Part 1 para. 1 (employment)"


def _built(entity: EntityIn, case: str) -> EntityIn:
    """The demo entity's records with one activity of this test's own in place of the demo's."""
    recipients = [r.key for r in entity.recipients if not r.retired][:2]
    common: dict[str, Any] = {
        "status": "approved",
        "data_subjects": ["employee"],
        "recipients": recipients,
        "retention": [r.key for r in entity.retention_rules if not r.retired][:1],
    }
    if case in ("ico", "dk"):
        activity = ActivityIn(
            key="PA-T-01",
            name="Lønadministration" if case == "dk" else "Payroll",
            purposes=[
                Purpose(
                    description="Udbetaling af løn" if case == "dk" else "Paying salaries",
                    legal_bases=["art6_1_b"],
                    special_condition="art9_2_b",
                    uk_schedule1_condition=SCHEDULE1 if case == "ico" else None,
                )
            ],
            data_categories=[
                DataCategoryUse(category="national_id", national_basis="databeskyttelsesloven § 11"),
                DataCategoryUse(category="criminal_offences", criminal=True),
                DataCategoryUse(category="health", special=True),
                DataCategoryUse(category="email_address"),
            ],
            recipient_disclosures=[
                RecipientDisclosure(
                    recipient=recipients[0],
                    data_categories=["email_address", "health"],
                    data_subjects=["employee"],
                )
            ],
            personal_data_breach=PersonalDataBreach(occurred=True, record_link=BREACH_LINK),
            appropriate_policy_link=POLICY_LINK,
            retention_adherence=PolicyAdherence(follows_policy=False, reasons=REASONS),
            security=Security(measures=["access_control"]),
            **common,
        )
    else:
        activity = ActivityIn(
            key="PA-T-01",
            name="Fakturering" if case == "no" else "Billing",
            role="processor",
            controllers_served=[
                ControllerServed(
                    controller=Contact(name="Boligselskapet Nord AS", email="post@bolignord.example.no"),
                    categories_of_processing=[
                        "Avregning av forbruk" if case == "no" else "Consumption billing"
                    ],
                )
            ],
            data_categories=[DataCategoryUse(category="email_address")],
            personal_data_breach=PersonalDataBreach(occurred=False),
            security=Security(measures=["access_control"]),
            **common,
        )
    return msgspec.structs.replace(entity, activities=[activity])


@dataclass
class Rendered:
    text: str  # the PDF's text, without whitespace
    rows: list[tuple[Any, ...]]  # the Activities sheet: its header, then one row per activity
    cells: str  # every visible cell of the workbook
    doc: Document

    def column(self, heading: str) -> list[Any]:
        index = self.rows[0].index(heading)
        return [r[index] for r in self.rows[1:]]


def _render(entity: EntityIn, terms: list[TermData], lang: str, layout: str) -> Rendered:
    doc = document(entity, terms, lang, layout=layout)  # type: ignore[arg-type]
    text = squash("\n".join(pages(pdf.render_pdf(doc, lambda s, f: None))))
    xdoc = document(entity, terms, lang, layout=layout, fmt="xlsx")  # type: ignore[arg-type]
    wb = load_workbook(io.BytesIO(render_xlsx(xdoc, lambda s, f: None)))
    rows = list(wb[doc.t("sheet.activities")].iter_rows(values_only=True))
    return Rendered(text, rows, visible_text(wb), doc)


@pytest.fixture(scope="module")
def terms() -> list[TermData]:
    return msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData])


@pytest.fixture(scope="module")
def rendered(terms: list[TermData]) -> dict[tuple[str, str], Rendered]:
    """Per (case, "demo" or "built"): the export of that layout in its authority's language."""
    register = msgspec.yaml.decode(DEMO.read_bytes(), type=RegisterFile)
    found = {}
    for case, (key, lang, layout) in CASES.items():
        entity = next(e for e in register.entities if e.key == key)
        if layout.startswith("ico"):  # the ICO's templates are for records kept under the UK GDPR
            entity = msgspec.structs.replace(entity, regime="uk_gdpr")
        found[case, "demo"] = _render(entity, terms, lang, layout)
        found[case, "built"] = _render(_built(entity, case), terms, lang, layout)
    return found


WHICH = [(case, which) for case in CASES for which in ("demo", "built")]


@pytest.mark.parametrize(("case", "which"), WHICH)
def test_the_export_carries_the_authority_wording(
    rendered: dict[Any, Rendered], case: str, which: str
) -> None:
    r = rendered[case, which]
    for wording in STATUTORY[case]:
        assert squash(wording) in r.text, f"PDF lacks {wording!r}"
    layout = layouts()[CASES[case][2]]
    assert list(r.rows[0]) == [layout.heading(c, r.doc.t) for c in layout.columns], (
        "the layout's columns, in order"
    )


@pytest.mark.parametrize("case", ["ico", "ico-processor"])
def test_an_ico_export_cites_the_uk_gdpr_not_the_eu_regulation(
    rendered: dict[Any, Rendered], case: str
) -> None:
    r = rendered[case, "demo"]
    basis = r.doc.layout.basis(
        r.doc.t, "processor" if case == "ico-processor" else "controller", r.doc.entity
    )
    assert "UK GDPR" in basis and "2016/679" not in basis
    assert squash(basis) in r.text
    assert (
        squash(r.doc.t("basis.controller")) not in r.text and squash(r.doc.t("basis.processor")) not in r.text
    )


def test_the_basis_follows_the_entitys_law_not_the_layout(terms: list[TermData]) -> None:
    """An entity under the EU GDPR exported in the ICO's layout: its record is kept under Art. 30 of the
    EU regulation, and the cover says so; in the canonical layout a UK entity's cites the UK GDPR."""
    register = msgspec.yaml.decode(DEMO.read_bytes(), type=RegisterFile)
    danish = next(e for e in register.entities if e.key == "TECHEM-DK")
    for entity, layout, cited, not_cited in (
        (danish, "ico", "basis.controller", "basis.controller.uk_gdpr"),
        (
            msgspec.structs.replace(danish, country="GB"),
            "canonical",
            "basis.controller.uk_gdpr",
            "basis.controller",
        ),
    ):
        doc = document(entity, terms, "en", layout=layout)
        html = pdf.render_html(doc)
        assert doc.t(cited) in html and doc.t(not_cited) not in html


@pytest.mark.parametrize("case", [c for c in CASES if NEW_COLUMNS[c]])
def test_the_new_columns_read_not_recorded_where_the_register_is_silent(
    rendered: dict[Any, Rendered], case: str
) -> None:
    r = rendered[case, "demo"]
    not_recorded = r.doc.t("not_recorded")
    for field in NEW_COLUMNS[case]:
        column = next(c for c in r.doc.layout.columns if c.field == field)
        assert set(r.column(r.doc.layout.heading(column, r.doc.t))) == {not_recorded}, field


def test_the_ico_export_shows_breaches_schedule1_and_policy_adherence(rendered: dict[Any, Rendered]) -> None:
    r = rendered["ico", "built"]
    t = r.doc.t
    row = dict(zip(r.rows[0], r.rows[1], strict=True))
    assert row["Has a personal data breach occurred?"] == t("yes")
    assert row["Link to record of personal data breach"] == BREACH_LINK
    assert row["Data Protection Act 2018 Schedule 1 Condition for processing"] == SCHEDULE1
    assert row["Link to Schedule 1 appropriate policy document"] == POLICY_LINK
    assert row["Is personal data retained and erased in accordance with the policy document?"] == t("no")
    assert row["Reasons for not adhering to policy document (if applicable)"] == REASONS
    for value in (BREACH_LINK, POLICY_LINK, SCHEDULE1, REASONS):
        assert squash(value) in r.text


def test_the_ico_processor_export_names_each_controller_and_its_processing(
    rendered: dict[Any, Rendered],
) -> None:
    r = rendered["ico-processor", "built"]
    row = dict(zip(r.rows[0], r.rows[1], strict=True))
    assert (
        "Boligselskapet Nord AS" in row["Name and contact details of each controller on whose behalf we act"]
    )
    assert row["Categories of processing carried out on behalf of each controller"] == "Consumption billing"
    assert row["Has a personal data breach occurred?"] == r.doc.t("no")


def test_the_danish_export_keeps_cpr_criminal_and_special_data_apart(rendered: dict[Any, Rendered]) -> None:
    r = rendered["dk", "built"]
    t = r.doc.t
    row = dict(zip(r.rows[0], r.rows[1], strict=True))
    cpr, criminal, health = (
        t.term("data_category", k) for k in ("national_id", "criminal_offences", "health")
    )
    cpr_column = str(row["Oplysninger om CPR-nummer (databeskyttelseslovens § 11)"])
    criminal_column = str(row["Oplysninger om strafbare forhold (databeskyttelseslovens § 8)"])
    special_column = str(row["Følsomme oplysninger"])
    assert cpr in cpr_column and "databeskyttelsesloven § 11" in cpr_column
    assert criminal in criminal_column and health not in criminal_column
    assert health in special_column and criminal not in special_column and cpr not in special_column
    # The demo's activities have none of them: "Nej", a stated absence, not "Ikke registreret".
    demo = rendered["dk", "demo"]
    assert set(demo.column("Oplysninger om CPR-nummer (databeskyttelseslovens § 11)")) == {t("no")}


def test_the_danish_export_states_what_each_recipient_receives(rendered: dict[Any, Rendered]) -> None:
    r = rendered["dk", "built"]
    t, view = r.doc.t, r.doc.view
    heading = "Personoplysninger og registrerede, der videregives til den enkelte modtager"
    lines = str(r.column(heading)[0]).splitlines()
    first, second = r.doc.entity.activities[0].recipients
    categories = f"{t.term('data_category', 'email_address')}, {t.term('data_category', 'health')}"
    assert f"{view.recipient(first)}: personoplysninger: {categories}; registrerede: Medarbejdere" in lines
    # A recipient the register says nothing of: "Ikke registreret", in Danish, for both.
    assert (
        f"{view.recipient(second)}: personoplysninger: Ikke registreret; registrerede: Ikke registreret"
        in lines
    )
    assert squash("registrerede: Ikke registreret") in r.text


@pytest.mark.parametrize("which", ["demo", "built"])
def test_the_norwegian_export_puts_the_reference_first_then_the_mandatory_columns(
    rendered: dict[Any, Rendered], which: str
) -> None:
    r = rendered["no", which]
    header = list(r.rows[0])
    assert header[0] == "Referansenummer"
    mandatory = [c for c in r.doc.layout.columns[1:] if c.required]
    optional_start = header.index("Rolle (behandlingsansvarlig eller databehandler)")
    assert all(header.index(r.doc.layout.heading(c, r.doc.t)) < optional_start for c in mandatory)
    # In the PDF too: each activity's table opens with its reference number.
    key = r.doc.view.activities[0].key
    assert squash(f"Referansenummer{key}Behandlingsaktivitet") in r.text


def _english_system_texts(terms: list[TermData]) -> set[str]:
    """The English labels of the exports' catalogues and the vocabularies that differ from the Danish and
    Norwegian ones: none of it may appear in a Danish or Norwegian export."""
    found = {
        e["en"]
        for e in labels("exports", "fields").values()
        if e["en"] not in (e["da"], e["nb"]) and len(e["en"]) >= 8 and "{" not in e["en"]
    }
    found |= {
        t.labels.en for t in terms if t.labels.en not in (t.labels.da, t.labels.nb) and len(t.labels.en) >= 8
    }
    return found | {"personal data:", "data subjects:", "UK GDPR", "Not recorded"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("case", ["dk", "no"])
def test_no_english_and_no_vocabulary_key_in_the_national_exports(
    rendered: dict[Any, Rendered], terms: list[TermData], case: str
) -> None:
    r = rendered[case, "built"]  # the built register's free text is in the export's language
    english = _english_system_texts(terms)
    free = squash(" ".join(_strings(msgspec.to_builtins(r.doc.entity))))  # the register's own words
    leaked = [e for e in english if squash(e) in r.text and squash(e) not in free]
    assert not leaked, f"English in the PDF: {leaked[:5]}"
    shown_keys = [k for k in {t.key for t in terms if "_" in t.key} if re.search(rf"\b{k}\b", r.cells)]
    assert not shown_keys, f"vocabulary keys in the workbook: {shown_keys}"
    assert Texts(r.doc.t.lang, terms)("not_recorded") in r.cells
