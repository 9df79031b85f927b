"""What a source document states (issue 19) is in the exports, in Danish and Norwegian: a basis laid
down by law, the UK Schedule 1 condition, how consent is given, rights with their limits, exclusions,
a claim of anonymity, a non-exhaustive list of categories, a category's national provision, a transfer
to a region on an unnamed basis and the basis as claimed, the regime, national law, public-authority
status, responsible unit and authority contacts, a planned processor. Values by their labels, never
their keys; no English system text."""

from __future__ import annotations

import io
from html import unescape
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook

from exports import pdf
from exports.document import Document
from exports.xlsx import render_xlsx
from ropa.activities.schemas import Consent, NationalBasis, RightStated, StatedExclusion
from ropa.entities.schemas import Authority
from ropa.i18n import Lang
from ropa.porting.schemas import EntityIn, TransferIn
from ropa.records.parts import Address, Contact
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_national_language import FREE_TEXT_OVERLAP, _english_system_texts, _sentences
from tests.unit.test_export_pdf_fetching import pages, squash
from tests.unit.test_export_regulator_content import document
from tests.workbooks import visible_text

STATED_TRANSFER = "T-STATED"


def stated_entity(entity: EntityIn) -> EntityIn:
    """``entity`` with every field of issue 19 set on it, its first activity and a new transfer."""
    first = sorted(entity.activities, key=lambda a: a.key)[0]
    purpose = msgspec.structs.replace(
        first.purposes[0],
        national_bases=[
            NationalBasis(act="offentlighedsloven § 13", point="art6_1_c"),
            NationalBasis(act="arkivloven § 7"),
        ],
        uk_schedule1_condition="Sch. 1 Part 1 para. 1",
    )
    categories = [
        msgspec.structs.replace(first.data_categories[0], national_basis="databeskyttelsesloven § 11"),
        *first.data_categories[1:],
    ]
    activity = msgspec.structs.replace(
        first,
        purposes=[purpose, *first.purposes[1:]],
        data_categories=categories,
        consent=Consent(mechanism="afkrydsningsfelt ved tilmelding", form="opt_in"),
        rights=[
            RightStated(right="objection", availability="limited", limited_to="direct_marketing"),
            RightStated(
                right="rectification",
                availability="not_offered",
                restriction_cited="databeskyttelsesloven § 22",
                restriction_article="23",
            ),
            RightStated(right="withdraw_consent"),
        ],
        exclusions=[StatedExclusion(what="children"), StatedExclusion(what="other", description="ingen CPR")],
        anonymity_claim="aggregated",
        data_categories_non_exhaustive=True,
        transfers=[*first.transfers, STATED_TRANSFER],
    )
    transfer = TransferIn(
        key=STATED_TRANSFER,
        name="Overførsel til driftsleverandør",
        destination_region="outside_eea",
        mechanism="unspecified",
        mechanism_claimed="et overføringsgrundlag",
    )
    authority = msgspec.structs.replace(
        entity.supervisory_authority or Authority(name="Datatilsynet", country="DK"),
        email="dt@datatilsynet.dk",
        phone="+4533193200",
        address=Address(street="Carl Jacobsens Vej 35", postal_code="2500", city="Valby", country="DK"),
        url="https://www.datatilsynet.dk",
    )
    return msgspec.structs.replace(
        entity,
        regime="eu_gdpr",
        national_law="DK",
        public_authority=True,
        responsible=Contact(name="Juridisk afdeling", email="jura@techem.dk"),
        supervisory_authority=authority,
        other_authorities=[Authority(name="Erhvervsstyrelsen", country="DK", email="cookies@erst.dk")],
        processors=[msgspec.structs.replace(entity.processors[0], planned=True), *entity.processors[1:]],
        transfers=[*entity.transfers, transfer],
        activities=[activity if a.key == first.key else a for a in entity.activities],
    )


# Each language's wording of the stated fields: headings (fields.yaml) and values (exports.yaml,
# vocabulary labels), and the national law titled in the export's language.
EXPECTED: dict[str, list[str]] = {
    "da": [
        "Behandlingsgrundlag fastsat ved lov",
        "offentlighedsloven § 13 (Retlig forpligtelse (art. 6, stk. 1, litra c))",
        "arkivloven § 7 (litra i art. 6, stk. 1, ikke angivet)",
        "Hvordan samtykke gives",
        "Aktivt tilvalg",
        "De registreredes rettigheder som angivet",
        "Indsigelse: begrænset (kun direkte markedsføring)",
        "Berigtigelse: tilbydes ikke (databeskyttelsesloven § 22; art. 23)",
        "Tilbagetrækning af samtykke: tilbydes",
        "Angivne undtagelser",
        "Ingen oplysninger om børn",
        "Andet: ingen CPR",
        "Beskrevet som aggregerede",
        "Kategorier af oplysninger kun angivet som eksempler",
        "National bestemmelse, der tillader behandlingen",
        "databeskyttelsesloven § 11",
        "Overførselsgrundlag som angivet i dokumentet",
        "et overføringsgrundlag",
        "Uden for EU/EØS (intet land angivet)",
        "Overførselsgrundlag ikke angivet",
    ],
    "nb": [
        "Behandlingsgrunnlag fastsatt i lov",
        "offentlighedsloven § 13 (Rettslig forpliktelse (art. 6 nr. 1 bokstav c))",
        "arkivloven § 7 (bokstav i art. 6 nr. 1 ikke angitt)",
        "Hvordan samtykke gis",
        "Aktivt samtykke",
        "De registrertes rettigheter slik de er angitt",
        "Innsigelse: begrenset (bare direkte markedsføring)",
        "Retting: tilbys ikke (databeskyttelsesloven § 22; artikkel 23)",
        "Tilbaketrekking av samtykke: tilbys",
        "Angitte unntak",
        "Ingen opplysninger om barn",
        "Annet: ingen CPR",
        "Beskrevet som aggregerte",
        "Kategorier av opplysninger bare angitt som eksempler",
        "Nasjonal bestemmelse som tillater behandlingen",
        "databeskyttelsesloven § 11",
        "Overføringsgrunnlag slik dokumentet angir det",
        "et overføringsgrundlag",
        "Utenfor EU/EØS (intet land angitt)",
        "Overføringsgrunnlag ikke angitt",
    ],
}
# The cover (PDF) and the entity sheet (workbook), the processors' and transfers' annexes.
ENTITY: dict[str, list[str]] = {
    "da": [
        "EU's databeskyttelsesforordning",
        "Databeskyttelsesloven (lov nr. 502 af 23. maj 2018)",
        "Offentlig myndighed eller organ",
        "Juridisk afdeling, jura@techem.dk",
        "Tilsynsmyndighedens kontaktoplysninger",
        "dt@datatilsynet.dk, +4533193200, Carl Jacobsens Vej 35, 2500 Valby, Danmark",
        "Erhvervsstyrelsen (Danmark); cookies@erst.dk",
        "Planlagt, endnu ikke i brug",
    ],
    "nb": [
        "EUs personvernforordning",
        "Den danske databeskyttelsesloven (lov nr. 502 av 23. mai 2018)",
        "Offentlig myndighet eller organ",
        "Juridisk afdeling, jura@techem.dk",
        "Tilsynsmyndighetens kontaktopplysninger",
        "dt@datatilsynet.dk, +4533193200, Carl Jacobsens Vej 35, 2500 Valby, Danmark",
        "Erhvervsstyrelsen (Danmark); cookies@erst.dk",
        "Planlagt, ennå ikke i bruk",
    ],
}
# The workbook alone (the purposes sheet): the UK condition, which the Nordic layouts leave out.
WORKBOOK_ONLY = ["Sch. 1 Part 1 para. 1"]
KEYS = [
    "art6_1_c", "opt_in", "direct_marketing", "not_offered", "withdraw_consent", "outside_eea",
    "eu_gdpr", "national_law", "unspecified", "aggregated", "rights_stated",
]  # fmt: skip
LAYOUT: dict[str, str] = {"da": "dk-datatilsynet", "nb": "no-datatilsynet"}


@pytest.fixture(scope="module")
def rendered(register: Any, terms: list[TermData]) -> dict[str, tuple[str, str, Document]]:
    """Per language: the PDF's text and the workbook's visible cells, of the national layout."""
    entity = stated_entity(next(e for e in register.entities if e.key == "TECHEM-DK"))
    found = {}
    for lang, layout in LAYOUT.items():
        doc = document(entity, terms, lang, layout=layout)  # type: ignore[arg-type]
        text = squash("\n".join(pages(pdf.render_pdf(doc, lambda s, f: None))))
        xdoc = document(entity, terms, lang, layout=layout, fmt="xlsx")  # type: ignore[arg-type]
        found[lang] = (text, visible_text(render_xlsx(xdoc, lambda s, f: None)), doc)
    return found


@pytest.mark.parametrize("lang", LAYOUT)
def test_the_pdf_shows_every_stated_field_in_the_export_language(rendered: dict[str, Any], lang: str) -> None:
    text, _, _ = rendered[lang]
    missing = [w for w in EXPECTED[lang] + ENTITY[lang] if squash(w) not in text]
    assert not missing, f"PDF lacks {missing}"


@pytest.mark.parametrize("lang", LAYOUT)
def test_the_workbook_shows_every_stated_field_in_the_export_language(
    rendered: dict[str, Any], lang: str
) -> None:
    _, cells, doc = rendered[lang]
    missing = [w for w in EXPECTED[lang] + ENTITY[lang] + WORKBOOK_ONLY if w not in cells]
    assert not missing, f"workbook lacks {missing}"
    # The headings the workbook gives the stated fields of the purposes, categories and transfers.
    for key in ("field.national_bases", "field.uk_schedule1_condition", "field.planned"):
        assert doc.t(key) in cells


@pytest.mark.parametrize("lang", LAYOUT)
def test_no_vocabulary_key_and_no_english_system_text(
    rendered: dict[str, Any], terms: list[TermData], lang: str
) -> None:
    text, cells, doc = rendered[lang]
    for key in KEYS:
        assert squash(key) not in text, f"key {key!r} in the PDF"
        assert key not in cells, f"key {key!r} in the workbook"
    english = [e for e in _english_system_texts(terms) if not any(f in e for f in FREE_TEXT_OVERLAP)]
    free_text = squash(" ".join(_sentences(msgspec.to_builtins(doc.entity))))
    leaked = [e for e in english if squash(e) in text and squash(e) not in free_text]
    assert not leaked, f"English system text in the PDF: {leaked[:5]}"
    leaked = [e for e in english if e in cells and squash(e) not in free_text]
    assert not leaked, f"English system text in the workbook: {leaked[:5]}"


@pytest.mark.parametrize("lang", ["en", "da", "nb"])
def test_the_internal_audit_layout_names_every_stated_activity_field(
    register: Any, terms: list[TermData], lang: Lang
) -> None:
    entity = stated_entity(next(e for e in register.entities if e.key == "TECHEM-DK"))
    doc = document(entity, terms, lang, layout="internal-audit")
    html = unescape(pdf.render_html(doc))
    for field in (
        "national_bases", "uk_schedule1_condition", "consent_form", "rights_stated", "exclusions",
        "anonymity_claim", "data_categories_non_exhaustive", "national_basis", "mechanism_claimed",
    ):  # fmt: skip
        assert doc.t(f"field.{field}") in html, field
    assert "Sch. 1 Part 1 para. 1" in html


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_an_empty_stated_field_that_a_layout_names_is_not_recorded(
    register: Any, terms: list[TermData], lang: Lang
) -> None:
    plain = next(e for e in register.entities if e.key == "TECHEM-DK")
    doc = document(plain, terms, lang, layout=LAYOUT[lang], fmt="xlsx")
    wb = load_workbook(io.BytesIO(render_xlsx(doc, lambda s, f: None)))
    header, *rows = list(wb[doc.t("sheet.activities")].iter_rows(values_only=True))
    column = header.index(doc.t("field.rights_stated"))
    assert {r[column] for r in rows} == {doc.t("not_recorded")}
    # The cover leaves out what the entity does not state, and the regime is not guessed.
    html = unescape(pdf.render_html(document(plain, terms, lang, layout=LAYOUT[lang])))
    assert doc.t("cover.national_law") not in html
