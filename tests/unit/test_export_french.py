"""A French export (the CNIL's) is in French: the statutory wording of the regulation's French text,
legal acts titled and articles cited in the French style, vocabulary values in French, no English
system text and no vocabulary key, "Non renseigné" where the register records nothing; the CNIL's fiche
asks what its model asks (main purpose and sub-purposes, the data-category checklist, recipients in
three, transfers as yes or no with a link)."""

from __future__ import annotations

import io
import re
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook

from exports import pdf
from exports.document import Document
from exports.i18n import Texts, default_language
from exports.language import notices
from exports.layouts import cells, layouts
from exports.localize import localized
from exports.service import ExportRequest, validate
from exports.view import View
from exports.xlsx import render_xlsx
from ropa.activities.schemas import ActivityText, ActivityTranslations
from ropa.errors import Invalid
from ropa.i18n import labels
from ropa.i18n.citations import cite, legal_act
from ropa.porting.schemas import EntityIn
from ropa.records.parts import SourceRef
from ropa.vocabulary.schemas import Labels, TermData
from tests.unit.test_export_national_language import FREE_TEXT_OVERLAP, _sentences
from tests.unit.test_export_pdf_fetching import pages, squash
from tests.unit.test_export_regulator_content import document
from tests.workbooks import visible_text

# The words of the French text of Regulation (EU) 2016/679 (Art. 30, 46(2)(c)) and of the CNIL's model.
STATUTORY_PDF = [
    "Registre des activités de traitement",
    "Article 30, paragraphe 1, du règlement général sur la protection des données (UE) 2016/679",
    "Responsable du traitement",
    "Mesures de sécurité techniques et organisationnelles",
    "Documents attestant de l'existence de garanties appropriées",
    "Transferts vers des pays tiers et des organisations internationales",
    "Sous-traitants et sous-traitants ultérieurs",
    "(article 30, paragraphe 1, point b))",
    "Numéro CVR : 29416982",
]
STATUTORY_VALUES = [
    "Clauses types de protection des données (décision non indiquée)",
    "Décision d'exécution (UE) 2016/1250 de la Commission du 12 juillet 2016",
    "14\xa0mois à compter de : le dépôt du cookie",
    "Non renseigné",
]
CNIL_HEADINGS = [
    "Finalité principale",
    "Sous-finalités",
    "État civil, identité, données d'identification, images…",
    "Vie personnelle (habitudes de vie, situation familiale, etc.)",
    "Vie professionnelle (ex. CV, situation professionnelle, scolarité, formation, distinctions, "
    "diplômes, etc.)",
    "Informations d'ordre économique et financier (revenus, situation financière, situation fiscale, etc.)",
    "Données de connexion (adresse IP, logs, etc.)",
    "Données de localisation (déplacements, données GPS, GSM, etc.)",
    "Des données sensibles sont-elles traitées ?",
    "Destinataires internes (entité ou service, catégories de personnes habilitées, "
    "direction informatique, etc.)",
    "Organismes externes",
    "Sous-traitants (hébergeurs, prestataires et maintenance informatiques, etc.)",
    "Des données personnelles sont-elles transmises hors de l'Union européenne ?",
    "Lien vers la documentation",
]


def _workbook(doc: Document) -> Any:
    return load_workbook(io.BytesIO(render_xlsx(doc, lambda s, f: None)))


def _fiche(wb: Any, key: str) -> dict[str, str]:
    return {str(r[0]): str(r[1]) for r in wb[key].iter_rows(min_row=2, values_only=True)}


@pytest.fixture(scope="module")
def demo(register: Any) -> EntityIn:
    return next(e for e in register.entities if e.key == "TECHEM-DK")


@pytest.fixture(scope="module")
def rendered(demo: EntityIn, terms: list[TermData]) -> tuple[str, str, Any, Document]:
    """The demo's CNIL export in French: the PDF's text, the workbook's text, the workbook, the document."""
    doc = document(demo, terms, "fr", layout="cnil")
    text = squash("\n".join(pages(pdf.render_pdf(doc, lambda s, f: None))))
    wb = _workbook(document(demo, terms, "fr", layout="cnil", fmt="xlsx"))
    return text, visible_text(wb), wb, doc


def test_the_cnil_export_uses_the_statutory_french_wording(rendered: tuple[str, str, Any, Document]) -> None:
    text, workbook, _, _ = rendered
    for wording in STATUTORY_PDF + STATUTORY_VALUES + CNIL_HEADINGS:
        assert squash(wording) in text, f"PDF lacks {wording!r}"
    for wording in STATUTORY_VALUES + CNIL_HEADINGS:
        assert wording in workbook, f"workbook lacks {wording!r}"


def _english_system_texts(terms: list[TermData]) -> set[str]:
    """Every English label of the exports' catalogues and of the vocabularies that is not also the
    French one: none of it may appear in a French export."""
    found = {
        e["en"] for e in labels("exports", "fields").values() if e["en"] != e["fr"] and len(e["en"]) >= 8
    }
    found = {e for e in found if "{" not in e}
    found |= {t.labels.en for t in terms if t.labels.en != t.labels.fr and len(t.labels.en) >= 8}
    return found | {
        "GDPR, Article 30",
        "Commission Implementing Decision",
        "Commission Decision",
        "Not recorded",
    }


def test_no_english_system_text_and_no_vocabulary_key(
    rendered: tuple[str, str, Any, Document], terms: list[TermData]
) -> None:
    text, workbook, _, doc = rendered
    english = [e for e in _english_system_texts(terms) if not any(f in e for f in FREE_TEXT_OVERLAP)]
    free_text = squash(" ".join(_sentences(msgspec.to_builtins(doc.entity))))
    leaked = [e for e in english if squash(e) in text and squash(e) not in free_text]
    assert not leaked, f"English system text in the PDF: {leaked[:5]}"
    leaked = [e for e in english if e in workbook.splitlines() and squash(e) not in free_text]
    assert not leaked, f"English system text in the workbook: {leaked[:5]}"
    keys = {t.key for t in terms if "_" in t.key}
    register_keys = set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", free_text))
    shown = [k for k in keys - register_keys if squash(k) in text or re.search(rf"\b{k}\b", workbook)]
    assert not shown, f"vocabulary keys shown: {shown}"


def test_an_empty_field_of_the_fiche_reads_non_renseigne(rendered: tuple[str, str, Any, Document]) -> None:
    _, _, wb, doc = rendered
    fiche = _fiche(wb, doc.view.activities[0].key)
    # The demo records no creation date, no internal recipient and no link to the safeguards.
    for heading in ("Date de création de la fiche", "Organismes externes", "Lien vers la documentation"):
        assert fiche[heading] == "Non renseigné", heading
    assert wb.properties.keywords.startswith("RGPD, article 30")


def _cnil_activity(demo: EntityIn) -> EntityIn:
    """The demo with its first activity given what the CNIL's fiche splits: three purposes, categories
    of several checklist lines (health among them), recipients of each kind, a documented transfer."""
    first = demo.activities[0]
    purposes = [
        msgspec.structs.replace(first.purposes[0], description=d) for d in ("Main", "Sub one", "Sub two")
    ]
    uses = [
        msgspec.structs.replace(first.data_categories[0], category=c)
        for c in ("name", "bank_account", "health")
    ]
    kinds = {"R-FR-HR": "internal", "R-FR-TAX": "public_authority", "R-FR-HOST": "processor"}
    recipients = [
        msgspec.structs.replace(demo.recipients[0], key=k, name=k.title(), kind=kind, processor=None)
        for k, kind in kinds.items()
    ]
    transfer = msgspec.structs.replace(
        demo.transfers[1], key="T-FR", safeguards_documentation="https://example.org/scc.pdf"
    )
    activity = msgspec.structs.replace(
        first, purposes=purposes, data_categories=uses, recipients=list(kinds), transfers=["T-FR"]
    )
    source = SourceRef(document=demo.documents[0].key, quote="Aucun transfert.", field="transfers")
    second = msgspec.structs.replace(demo.activities[1], transfers=[], sources=[source])
    third = msgspec.structs.replace(demo.activities[2], transfers=[], sources=[])
    return msgspec.structs.replace(
        demo,
        activities=[activity, second, third],
        recipients=recipients,
        transfers=[*demo.transfers, transfer],
    )


def test_the_cnil_fiche_asks_what_the_cnil_model_asks(demo: EntityIn, terms: list[TermData]) -> None:
    entity = _cnil_activity(demo)
    wb = _workbook(document(entity, terms, "fr", layout="cnil", fmt="xlsx"))
    first, second, third = (_fiche(wb, a.key) for a in entity.activities)
    assert first["Finalité principale"] == "Main"
    assert first["Sous-finalités"] == "Sub one\nSub two"
    assert first["État civil, identité, données d'identification, images…"] == "Nom"
    assert first[CNIL_HEADINGS[5]] == "Coordonnées bancaires"
    assert first["Données de connexion (adresse IP, logs, etc.)"] == "Non"
    assert first["Des données sensibles sont-elles traitées ?"] == "Données concernant la santé"
    assert first[CNIL_HEADINGS[9]].startswith("R-Fr-Hr (Destinataire interne")
    assert first["Organismes externes"].startswith("R-Fr-Tax (Autorité publique")
    assert first["Sous-traitants (hébergeurs, prestataires et maintenance informatiques, etc.)"].startswith(
        "R-Fr-Host (Sous-traitant"
    )
    assert first[CNIL_HEADINGS[12]] == "Oui"
    assert first["Lien vers la documentation"] == "États-Unis: https://example.org/scc.pdf"
    assert second[CNIL_HEADINGS[12]] == "Non", "a source states there is no transfer"
    assert third[CNIL_HEADINGS[12]] == "Non renseigné", "nothing recorded is not a no"
    assert "Sous-finalités" in third and third["Sous-finalités"].startswith("Aucune sous-finalité")


def test_articles_and_legal_acts_are_written_as_the_french_text_of_the_regulation(
    terms: list[TermData],
) -> None:
    assert cite("30(1)(b)", "fr") == "article 30, paragraphe 1, point b)"
    assert cite("30(1)(e), 46", "fr") == "article 30, paragraphe 1, point e); article 46"
    assert cite("49(1) second subparagraph", "fr", bare=True) == "49, paragraphe 1, deuxième alinéa"
    assert cite("12-22", "fr") == "articles 12 à 22"
    date = Texts("fr", terms).date
    assert (
        legal_act("Commission Implementing Decision (EU) 2023/1795 of 10 July 2023", "fr", date)
        == "Décision d'exécution (UE) 2023/1795 de la Commission du 10 juillet 2023"
    )
    assert legal_act("Commission Decision 2000/520/EC of 26 July 2000", "fr", date) == (
        "Décision 2000/520/CE de la Commission du 26 juillet 2000"
    )
    assert legal_act("Commission Decisions 2001/497/EC, 2004/915/EC and 2010/87/EU", "fr", date) == (
        "Décisions 2001/497/CE, 2004/915/CE et 2010/87/UE de la Commission"
    )
    for act in {str(x.attributes["legal_act"]) for x in terms if x.attributes.get("legal_act")}:
        titled = legal_act(act, "fr", date)
        assert "Commission" in titled and "Décision" in titled and " of " not in titled, (act, titled)


def test_every_built_in_term_has_a_french_label(terms: list[TermData]) -> None:
    assert all(t.labels.fr and "_" not in t.labels.fr for t in terms)
    french = Texts("fr", terms)
    assert french.term("legal_basis", "art6_1_f").startswith(
        "Intérêts légitimes (art. 6, paragraphe 1, point f)"
    )
    assert french.duration("P14M") == "14\xa0mois" and default_language("FR", "en") == "fr"


def test_a_custom_term_without_a_french_label_is_reported_not_shown_silently(
    demo: EntityIn, terms: list[TermData]
) -> None:
    custom = TermData(
        vocabulary="data_category",
        key="meter_serial",
        labels=Labels(en="Meter serial number", da="Målerens serienummer", nb="Målerens serienummer"),
    )
    first = demo.activities[0]
    uses = [
        *first.data_categories,
        msgspec.structs.replace(first.data_categories[0], category="meter_serial"),
    ]
    entity = msgspec.structs.replace(demo, activities=[msgspec.structs.replace(first, data_categories=uses)])
    view = View(entity, Texts("fr", [*terms, custom]))
    warned = [n for n in notices(view) if n.value == "meter_serial"]
    assert [(n.record, n.key, n.field) for n in warned] == [("activity", first.key, "data_categories")]
    assert "« Meter serial number » n'a pas de libellé en français" in warned[0].text(view)
    shown = {c.field.id: c.values for c in cells(layouts()["cnil"], view.activities[0], view)}
    assert "Meter serial number" in shown["cnil_data_other"], "shown in English, and reported"
    danish = View(entity, Texts("da", [*terms, custom]))
    assert not [n for n in notices(danish) if n.value == "meter_serial"]


def test_a_french_export_without_findings_is_accepted_and_with_them_refused() -> None:
    validate(ExportRequest(entity="X", lang="fr", layout="cnil"))
    with pytest.raises(Invalid) as refused:
        validate(ExportRequest(entity="X", lang="fr", layout="cnil", include=["findings"]))
    assert [p["name"] for p in refused.value.invalid_params] == ["include"]
    with pytest.raises(Invalid) as refused:
        validate(ExportRequest(entity="X", lang="fr", layout="internal-audit"))
    assert [p["name"] for p in refused.value.invalid_params] == ["lang"]
    with pytest.raises(Invalid) as refused:
        validate(ExportRequest(entity="X", lang="de", layout="cnil"))  # type: ignore[arg-type]
    assert [p["name"] for p in refused.value.invalid_params] == ["lang"]


def test_a_french_translation_of_the_free_text_is_what_a_french_export_shows(
    demo: EntityIn, terms: list[TermData]
) -> None:
    first = demo.activities[0]
    description = (
        "Nous créons votre compte utilisateur pour vous donner accès au portail et pour traiter vos demandes."
    )
    french = ActivityTranslations(
        fr=ActivityText(name="Création du compte utilisateur", description=description)
    )
    activity = msgspec.structs.replace(first, description="We create your user account.", translations=french)
    entity = msgspec.structs.replace(demo, activities=[activity])
    view = localized(document(entity, terms, "fr", layout="cnil").view)  # as exports.service prepares it
    shown = {c.field.id: c.values for c in cells(layouts()["cnil"], view.activities[0], view)}
    assert shown["name"] == ["Création du compte utilisateur"]
    assert not [
        n for n in notices(view) if (n.key, n.field) in {(first.key, "name"), (first.key, "description")}
    ]
    danish = localized(document(entity, terms, "da", layout="dk-datatilsynet").view)
    assert danish.activities[0].name == first.name, "the Danish export shows the text as written"
    assert [n.found for n in notices(danish) if (n.key, n.field) == (first.key, "description")] == ["en"]


def test_a_kind_of_data_left_out_of_examples_is_not_recorded_rather_than_no(
    demo: EntityIn, terms: list[TermData]
) -> None:
    """Categories listed only as examples (``data_categories_non_exhaustive``) state no absence: the
    CNIL's and the Danish Datatilsynet's yes-or-no lines read "not recorded", not "No"."""
    first = demo.activities[0]
    assert first.data_categories and not [
        c for c in first.data_categories if c.category in ("health_data", "national_id_number")
    ]
    for non_exhaustive, expected in ((False, ["Non"]), (True, [])):
        activity = msgspec.structs.replace(first, data_categories_non_exhaustive=non_exhaustive)
        entity = msgspec.structs.replace(demo, activities=[activity])
        view = document(entity, terms, "fr", layout="cnil").view
        shown = {c.field.id: c.values for c in cells(layouts()["cnil"], view.activities[0], view)}
        assert shown["cnil_sensitive_data"] == expected
        danish = document(entity, terms, "da", layout="dk-datatilsynet").view
        cpr = {
            c.field.id: c.values for c in cells(layouts()["dk-datatilsynet"], danish.activities[0], danish)
        }
        assert cpr["cpr_numbers"] == ([] if non_exhaustive else ["Nej"])
