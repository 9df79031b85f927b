"""A Danish or Norwegian export is in Danish or Norwegian: the statutory wording of Art. 30, legal acts
titled and articles cited in the national style, vocabulary values (retention events too) in the
export's language, no English system text and no vocabulary key; free text that is not in the export's
language is reported by the export check."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from exports import pdf
from exports.document import Document, diff, field_label, labelled
from exports.i18n import Texts
from exports.language import guess, notices
from exports.view import View
from exports.xlsx import render_xlsx
from ropa.i18n import Lang, labels
from ropa.i18n.citations import cite, legal_act
from ropa.porting.schemas import EntityIn
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_pdf_fetching import pages, squash
from tests.unit.test_export_regulator_content import document
from tests.workbooks import visible_text

CASES: dict[str, tuple[str, Lang, str]] = {
    "dk": ("TECHEM-DK", "da", "dk-datatilsynet"),
    "no": ("TECHEM-NO", "nb", "no-datatilsynet"),
}
# What each export must say, in the words of the regulation's official Danish and Norwegian texts
# (Art. 30(1)(e)-(g), Art. 46(2)(c)) and of the national registers.
STATUTORY = {
    "dk": [
        "Dokumentation for passende garantier",
        "Forventede tidsfrister for sletning",
        "Tekniske og organisatoriske sikkerhedsforanstaltninger",
        "Kommissionens gennemførelsesafgørelse (EU) 2016/1250 af 12. juli 2016",
        "(art. 46, stk. 2, litra c)",
        "Ikke registreret",
        "14 måneder fra lagringen af cookien",
    ],
    "no": [
        "Overføring til tredjestat eller internasjonal organisasjon",
        "Dokumentasjon av nødvendige garantier",
        "Planlagte tidsfrister for sletting",
        "Standard personvernbestemmelser",
        "Kommisjonens gjennomføringsbeslutning (EU) 2023/1795 av 10. juli 2023",
        "(artikkel 46 nr. 2 bokstav c)",
        "Ikke registrert",
        "inntil mottak av anmodningen om avregistrering av kontoen",
    ],
}
REGISTRATION = {"dk": "CVR-nr.: 29416982", "no": "Organisasjonsnummer: 992 327 669"}


@pytest.fixture(scope="module")
def rendered(register: Any, terms: list[TermData]) -> dict[str, tuple[str, str, Any, Document]]:
    """Per case: the PDF's text, the workbook's text (every visible cell), the workbook, the document."""
    found = {}
    for case, (key, lang, layout) in CASES.items():
        entity = next(e for e in register.entities if e.key == key)
        doc = document(entity, terms, lang, layout=layout)
        text = squash("\n".join(pages(pdf.render_pdf(doc, lambda s, f: None))))
        xdoc = document(entity, terms, lang, layout=layout, fmt="xlsx")
        wb = load_workbook(io.BytesIO(render_xlsx(xdoc, lambda s, f: None)))
        cells = visible_text(wb)
        found[case] = (text, cells, wb, doc)
    return found


@pytest.mark.parametrize("case", CASES)
def test_the_export_uses_the_statutory_wording_of_its_language(rendered: dict[str, Any], case: str) -> None:
    text, cells, _, _ = rendered[case]
    for wording in STATUTORY[case]:
        assert squash(wording) in text, f"PDF lacks {wording!r}"
    for wording in STATUTORY[case][3:]:  # the values; the headings above are the PDF layout's
        assert wording.strip("()").removeprefix("art. ") in cells or wording in cells, (
            f"workbook lacks {wording!r}"
        )


@pytest.mark.parametrize("case", CASES)
def test_the_registration_number_is_written_as_the_country_writes_it(
    rendered: dict[str, Any], case: str
) -> None:
    _, cells, wb, _ = rendered[case]
    assert REGISTRATION[case] in cells
    entity_sheet = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True)}
    assert REGISTRATION[case] in entity_sheet.values()


def _english_system_texts(terms: list[TermData]) -> set[str]:
    """Every English label of the exports' catalogues and of the vocabularies that is not also the
    Danish and Norwegian one: none of it may appear in a Danish or Norwegian export."""
    found = set()
    for entry in labels("exports", "fields").values():
        if entry["en"] not in (entry["da"], entry["nb"]) and len(entry["en"]) >= 8 and "{" not in entry["en"]:
            found.add(entry["en"])
    for term in terms:
        if term.labels.en not in (term.labels.da, term.labels.nb) and len(term.labels.en) >= 8:
            found.add(term.labels.en)
    found |= {"GDPR, Article 30", "Commission Implementing Decision", "Commission Decision", "cookie set"}
    return found


def _sentences(value: Any) -> list[str]:
    """The register's free text: every text value with a space in it (a key or code has none)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _sentences(v)]
    if isinstance(value, list):
        return [s for v in value for s in _sentences(v)]
    return [value] if isinstance(value, str) and " " in value else []


# Register free text of the demo that happens to contain an English label; the free text is the
# register's own words (the language check reports it), not system text.
FREE_TEXT_OVERLAP = {"Privacy Shield", "Google Analytics", "Data Privacy Framework"}


@pytest.mark.parametrize("case", CASES)
def test_no_english_system_text_and_no_vocabulary_key(
    rendered: dict[str, Any], terms: list[TermData], case: str
) -> None:
    text, cells, _, doc = rendered[case]
    english = [e for e in _english_system_texts(terms) if not any(f in e for f in FREE_TEXT_OVERLAP)]
    free_text = squash(" ".join(_sentences(msgspec.to_builtins(doc.entity))))
    leaked = [e for e in english if squash(e) in text and squash(e) not in free_text]
    assert not leaked, f"English system text in the PDF: {leaked[:5]}"
    leaked = [e for e in english if e in cells and squash(e) not in free_text]
    assert not leaked, f"English system text in the workbook: {leaked[:5]}"
    keys = {t.key for t in terms if "_" in t.key} | {"cookie_set", "account_deregistration_received"}
    register_keys = set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", free_text))
    shown = [k for k in keys - register_keys if squash(k) in text or re.search(rf"\b{k}\b", cells)]
    assert not shown, f"vocabulary keys shown: {shown}"


@pytest.mark.parametrize("case", CASES)
def test_the_file_describes_itself_in_the_export_language(
    register: Any, terms: list[TermData], rendered: dict[str, Any], case: str
) -> None:
    _, _, wb, doc = rendered[case]
    t = doc.t
    props = wb.properties
    assert props.keywords.startswith(t("meta.keywords")) and "Article" not in props.keywords
    assert t("basis.controller" if doc.entity.role != "processor" else "basis.processor") == props.subject
    validations = [dv for ws in wb.worksheets for dv in ws.data_validations.dataValidation]
    assert validations and {dv.error for dv in validations} == {t("list.error")}
    info = PdfReader(io.BytesIO(pdf.render_pdf(doc, lambda s, f: None))).metadata
    assert info is not None and info.title and doc.title in info.title
    assert t("cover.export_id") in (info.subject or "")


def test_articles_are_cited_in_the_national_style() -> None:
    assert cite("30(1)(b)", "da") == "art. 30, stk. 1, litra b"
    assert cite("30(1)(b)", "nb") == "artikkel 30 nr. 1 bokstav b"
    assert cite("30(1)(b)", "en") == "Art. 30(1)(b)"
    assert (
        cite("30(1)(e), 30(2)(c), 46", "da") == "art. 30, stk. 1, litra e; art. 30, stk. 2, litra c; art. 46"
    )
    assert cite("49(1) second subparagraph", "nb") == "artikkel 49 nr. 1 annet ledd"
    assert cite("49(1) second subparagraph", "da") == "art. 49, stk. 1, andet afsnit"
    assert cite("46(2)(b), 47", "nb", bare=True) == "46 nr. 2 bokstav b; 47"
    assert cite("not an article", "da") == "not an article", "unreadable text is kept, not mangled"


@pytest.mark.parametrize(
    ("english", "danish", "norwegian"),
    [
        (
            "Commission Implementing Decision (EU) 2016/1250 of 12 July 2016",
            "Kommissionens gennemførelsesafgørelse (EU) 2016/1250 af 12. juli 2016",
            "Kommisjonens gjennomføringsbeslutning (EU) 2016/1250 av 12. juli 2016",
        ),
        (
            "Commission Implementing Decision (EU) 2023/1795 of 10 July 2023",
            "Kommissionens gennemførelsesafgørelse (EU) 2023/1795 af 10. juli 2023",
            "Kommisjonens gjennomføringsbeslutning (EU) 2023/1795 av 10. juli 2023",
        ),
        (
            "Commission Implementing Decision (EU) 2021/914 of 4 June 2021",
            "Kommissionens gennemførelsesafgørelse (EU) 2021/914 af 4. juni 2021",
            "Kommisjonens gjennomføringsbeslutning (EU) 2021/914 av 4. juni 2021",
        ),
        (  # before the Treaty of Lisbon a Commission decision is a "beslutning" in Danish too
            "Commission Decision 2000/520/EC of 26 July 2000",
            "Kommissionens beslutning 2000/520/EF af 26. juli 2000",
            "Kommisjonens beslutning 2000/520/EF av 26. juli 2000",
        ),
        (
            "Commission Decision 2010/625/EU",
            "Kommissionens afgørelse 2010/625/EU",
            "Kommisjonens beslutning 2010/625/EU",
        ),
        (
            "Commission Decisions 2001/497/EC, 2004/915/EC and 2010/87/EU",
            "Kommissionens beslutning 2001/497/EF, Kommissionens beslutning 2004/915/EF og "
            "Kommissionens afgørelse 2010/87/EU",
            "Kommisjonens beslutning 2001/497/EF, Kommisjonens beslutning 2004/915/EF og "
            "Kommisjonens beslutning 2010/87/EU",
        ),
    ],
)
def test_legal_acts_are_titled_in_the_export_language(
    terms: list[TermData], english: str, danish: str, norwegian: str
) -> None:
    assert legal_act(english, "da", Texts("da", terms).date) == danish
    assert legal_act(english, "nb", Texts("nb", terms).date) == norwegian
    assert legal_act(english, "en", Texts("en", terms).date) == english


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_every_legal_act_of_the_reference_data_has_a_national_title(
    terms: list[TermData], lang: Lang
) -> None:
    t = Texts(lang, terms)
    acts = [str(x.attributes["legal_act"]) for x in terms if x.attributes.get("legal_act")]
    assert len(acts) > 15
    for act in acts:
        titled = legal_act(act, lang, t.date)
        assert "Commission" not in titled and " of " not in titled, (act, titled)
        assert ("Kommissionens" if lang == "da" else "Kommisjonens") in titled


def test_retention_events_are_vocabulary_terms_in_every_language(terms: list[TermData]) -> None:
    events = {t.key: t.labels for t in terms if t.vocabulary == "retention_event"}
    assert {"cookie_set", "account_deregistration_received"} <= set(events)
    for key, label in events.items():
        assert "_" not in label.da + label.nb and label.da != label.en, key


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_the_changes_appendix_names_changed_fields_in_the_export_language(
    register: Any, terms: list[TermData], lang: Lang
) -> None:
    demo: EntityIn = next(e for e in register.entities if e.key == "TECHEM-DK")
    first = msgspec.structs.replace(demo.activities[0], id="a-1")
    transfer = msgspec.structs.replace(demo.transfers[0], id="t-1")
    before = msgspec.structs.replace(demo, id="e-1", activities=[first], transfers=[transfer])
    changed = msgspec.structs.replace(first, purposes=[], data_subjects=first.data_subjects[:1])
    after = msgspec.structs.replace(
        before, activities=[changed], transfers=[msgspec.structs.replace(transfer, derogation="x")]
    )
    t = Texts(lang, terms)
    changes = labelled(diff(before, after), t)
    assert {f for c in changes for f in c.fields} == {
        t("field.purposes"),
        t("field.data_subjects"),
        t("record_field.derogation"),
    }
    doc = document(after, terms, lang)
    doc.changes = changes
    doc.meta = dataclasses.replace(
        doc.meta,
        baseline={
            "export_id": "e0",
            "created_at": "2026-02-01T09:00:00+00:00",
            "state_time": "2026-02-01T08:00:00+00:00",
            "state_sha256": "0" * 64,
        },
    )
    text = squash("\n".join(pages(pdf.render_pdf(doc, lambda s, f: None))))
    assert squash(t("field.purposes")) in text and squash(t("record_field.derogation")) in text
    assert "data_subjects" not in text and "derogation" not in text
    assert field_label(t, "no_such_field") == "no_such_field", "an unknown field is shown as written"


def test_the_language_heuristic_tells_the_languages_apart() -> None:
    english = "As long as necessary to fulfil the purposes above; further storage may take place."
    assert guess(english, "da") == "en" and guess(english, "nb") == "en" and guess(english, "en") is None
    danish = "Oplysningerne opbevares, så længe det er nødvendigt af hensyn til formålet, og slettes efter"
    assert guess(danish, "da") is None and guess(danish, "en") == "da"
    norwegian = "Opplysningene lagres så lenge det er nødvendig av hensyn til formålet, og slettes etter"
    assert guess(norwegian, "nb") is None and guess(norwegian, "en") == "nb"
    french = "Les données sont conservées pour la durée nécessaire au traitement et à la gestion des comptes"
    assert guess(french, "da") == "fr"
    assert guess("Google Analytics", "da") is None, "a name has no stopwords to judge"


def test_the_export_check_warns_of_free_text_not_in_the_export_language(
    register: Any, terms: list[TermData]
) -> None:
    entity: EntityIn = next(e for e in register.entities if e.key == "TECHEM-DK")
    first = msgspec.structs.replace(
        entity.activities[0],
        name="Oprettelse og administration af brugerkonti",
        description="The account is created when the employer invites the user to the portal.",
    )
    entity = msgspec.structs.replace(entity, activities=[first])
    view = View(entity, Texts("da", terms))
    found = {(n.record, n.key, n.field): n for n in notices(view)}
    assert ("activity", first.key, "description") in found
    assert ("activity", first.key, "name") not in found, "Danish text in a Danish export is fine"
    wording = found[("activity", first.key, "description")].text(view)
    assert wording.startswith("Behandlingsaktivitet PA-DK-01, Beskrivelse:") and "engelsk" in wording
    assert not [
        n
        for n in notices(View(entity, Texts("en", terms)))
        if n.key == first.key and n.field == "description"
    ]

    # the cookie inventory's purposes are free text printed in the annex too
    cookie = msgspec.structs.replace(
        entity.cookies[0], purpose="These cookies are used to measure how the site is used by our visitors."
    )
    view = View(msgspec.structs.replace(entity, cookies=[cookie]), Texts("da", terms))
    warned = [n for n in notices(view) if n.record == "cookie"]
    assert [(n.key, n.field) for n in warned] == [(cookie.key, "purpose")]
    assert warned[0].text(view).startswith(f"Cookie {cookie.key}, Formål:")

    rule = msgspec.structs.replace(entity.retention_rules[0], kind="event", trigger_event="contract_ended")
    view = View(msgspec.structs.replace(entity, retention_rules=[rule]), Texts("nb", terms))
    unlabelled = [n for n in notices(view) if n.vocabulary == "retention_event"]
    assert [n.value for n in unlabelled] == ["contract_ended"]
    assert "«contract_ended»" in unlabelled[0].text(view)


def test_time_limits_word_the_event_in_the_export_language(register: Any, terms: list[TermData]) -> None:
    entity: EntityIn = next(e for e in register.entities if e.key == "TECHEM-NO")
    rule = next(r for r in entity.retention_rules if r.trigger_event == "account_deregistration_received")
    for lang, expected in (
        ("en", "until receipt of the request to deregister the account"),
        ("da", "indtil modtagelse af anmodningen om afmelding af kontoen"),
        ("nb", "inntil mottak av anmodningen om avregistrering av kontoen"),
    ):
        assert View(entity, Texts(lang, terms)).time_limit(rule) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_findings_cite_articles_name_fields_and_title_legal_acts_in_the_export_language(
    register: Any, terms: list[TermData], lang: Lang
) -> None:
    entity: EntityIn = next(e for e in register.entities if e.key == "TECHEM-DK")
    doc = document(entity, terms, lang, layout="internal-audit")
    t = doc.t
    shield = next(f.finding for f in doc.findings if f.finding.rule_id == "transfer.invalid_mechanism")
    title = legal_act("Commission Implementing Decision (EU) 2016/1250 of 12 July 2016", lang, t.date)
    assert title in shield.message[lang] and "Commission" not in shield.message[lang]
    assert shield.article == (
        "art. 44; art. 45; art. 46" if lang == "da" else "artikkel 44; artikkel 45; artikkel 46"
    )
    assert shield.field == t("record_field.mechanism")
    wb = load_workbook(
        io.BytesIO(
            render_xlsx(document(entity, terms, lang, layout="internal-audit", fmt="xlsx"), lambda s, f: None)
        )
    )
    rows = list(wb[t("sheet.findings")].iter_rows(values_only=True))
    assert any(title in str(r[6]) for r in rows) and not any(r[5] == "mechanism" for r in rows)


PDF_ONLY = {
    "dk": ["(art. 30, stk. 1, litra b)", "CVR-nr.: 29416982"],
    "no": ["(artikkel 30 nr. 1 bokstav b)", "Organisasjonsnummer: 992 327 669"],
}


@pytest.mark.parametrize("case", CASES)
def test_the_pdf_cites_field_articles_and_the_registration_in_the_national_style(
    rendered: dict[str, Any], case: str
) -> None:
    text, _, _, doc = rendered[case]
    for wording in PDF_ONLY[case]:
        assert squash(wording) in text, f"PDF lacks {wording!r}"
    info = PdfReader(io.BytesIO(pdf.render_pdf(doc, lambda s, f: None))).metadata
    assert info is not None and (info.get("/Keywords") or "").startswith(doc.t("meta.keywords"))
