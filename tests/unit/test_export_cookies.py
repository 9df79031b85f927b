"""The inventory of cookies and similar technologies in the exports: an annex of the PDF and a sheet of the
workbook, in Danish and Norwegian, labels for every value, "not recorded" where a value is missing, and the
consent recorded on the activities beside each cookie."""

from __future__ import annotations

import io
import re
from typing import Any

import msgspec
import pytest
from openpyxl import load_workbook

from exports import pdf
from exports.xlsx import render_xlsx
from ropa.activities.schemas import Consent
from ropa.i18n import Lang
from ropa.porting.schemas import CookieIn, EntityIn
from ropa.vocabulary.schemas import TermData
from tests.unit.test_export_pdf_fetching import pages, squash
from tests.unit.test_export_regulator_content import document

LAYOUT: dict[str, str] = {"da": "dk-datatilsynet", "nb": "no-datatilsynet"}
# Per language: the annex's heading, the cookie's values as labels, "not recorded", the consent's form.
EXPECTED: dict[str, list[str]] = {
    "da": [
        "Cookies og lignende teknologier",
        "Tredjepart",
        "Førstepart",
        "Markedsføring",
        "Strengt nødvendig",
        "Sporingspixel",
        "13 måneder",
        "Indtil browseren lukkes (session)",
        "Ikke registreret",
        "Aktivt tilvalg",
        "intet cookienavn angivet",
    ],
    "nb": [
        "Informasjonskapsler og lignende teknologier",
        "Tredjepart",
        "Førstepart",
        "Markedsføring",
        "Strengt nødvendig",
        "Sporingspiksel",
        "13 måneder",
        "Til nettleseren lukkes (økt)",
        "Ikke registrert",
        "Aktivt samtykke",
        "intet navn angitt",
    ],
}
KEYS = ["third_party", "http_cookie", "consent_category", "cookie.party", "cookie.category", "opt_in"]


def with_cookies(entity: EntityIn) -> EntityIn:
    """The DK demo entity with a consent on its first activity and three cookies of every shape."""
    first = sorted(entity.activities, key=lambda a: a.key)[0]
    activity = msgspec.structs.replace(first, consent=Consent(mechanism="samtykkebanner", form="opt_in"))
    cookies = [
        CookieIn(
            key="C-PIXEL",
            name="fb_px",
            party="third",
            processor=entity.processors[0].key,
            provider="Meta Platforms Ireland",
            purpose="måling af annoncer",
            purpose_class="advertising",
            duration="P13M",
            consent_category="marketing",
            technology="pixel",
            activities=[first.key],
        ),
        CookieIn(
            key="C-SESSION", name="sid", party="first", duration="session", consent_category="necessary"
        ),
        CookieIn(key="C-OLD", name="old_cookie", party="first", consent_category="statistics", retired=True),
        *entity.cookies,
    ]
    activities = [activity if a.key == first.key else a for a in entity.activities]
    return msgspec.structs.replace(entity, activities=activities, cookies=cookies)


@pytest.fixture(scope="module")
def rendered(register: Any, terms: list[TermData]) -> dict[str, tuple[str, Any]]:
    entity = with_cookies(next(e for e in register.entities if e.key == "TECHEM-DK"))
    found = {}
    for lang, layout in LAYOUT.items():
        doc = document(entity, terms, lang, layout=layout)  # type: ignore[arg-type]
        text = "\n".join(pages(pdf.render_pdf(doc, lambda s, f: None)))
        xdoc = document(entity, terms, lang, layout=layout, fmt="xlsx")  # type: ignore[arg-type]
        found[lang] = (text, load_workbook(io.BytesIO(render_xlsx(xdoc, lambda s, f: None))))
    return found


def _annex(text: str, lang: Lang, terms: list[TermData]) -> str:
    """The PDF's text from the cookies annex's heading to the next annex's."""
    from exports.i18n import Texts

    t = Texts(lang, terms)
    start = squash(text).rindex(squash(t("annex.cookies")))
    end = squash(text).index(squash(t("annex.documents")), start)
    return squash(text)[start:end]


@pytest.mark.parametrize("lang", LAYOUT)
def test_the_pdf_annex_lists_the_cookies_in_the_export_language(
    rendered: dict[str, Any], terms: list[TermData], lang: Lang
) -> None:
    annex = _annex(rendered[lang][0], lang, terms)
    missing = [w for w in EXPECTED[lang] if squash(w) not in annex]
    assert not missing, f"the annex lacks {missing}"
    assert "fb_px" in annex and "samtykkebanner" in annex and "GoogleAnalyticscookies" in annex
    assert "old_cookie" not in annex  # retired
    assert not [k for k in KEYS if squash(k) in annex]
    # the activities' keys in the narrow columns do not break at their hyphens ("PA-/DK-01")
    from exports.i18n import Texts

    t = Texts(lang, terms)
    raw = rendered[lang][0]
    begin = raw.rindex(t("annex.cookies"))
    raw_annex = raw[begin : raw.index(t("annex.documents"), begin)]
    assert re.search(r"PA-DK-\d\d", raw_annex), "no activity key in the annex"
    assert not re.search(r"PA-\s*\n|PA-DK-\s*\n", raw_annex), "a key broke at its hyphen"


@pytest.mark.parametrize("lang", LAYOUT)
def test_the_workbook_has_an_inventory_sheet_read_back_as_written(
    rendered: dict[str, Any], terms: list[TermData], lang: Lang
) -> None:
    from exports.i18n import Texts

    t = Texts(lang, terms)
    wb = rendered[lang][1]
    rows = list(wb[t("sheet.cookies")].iter_rows(values_only=True))
    header, body = rows[0], {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(body) == {"C-PIXEL", "C-SESSION", "C-DK-GA", "C-DK-HOTJAR"}
    pixel = body["C-PIXEL"]
    assert pixel[t("col.party")] == t("cookie.party.third")
    assert pixel[t("col.consent_category")] == t("cookie.category.marketing")
    assert pixel[t("col.technology")] == t("cookie.technology.pixel")
    assert pixel[t("col.cookie_duration")] == t.duration("P13M")
    assert "samtykkebanner" in pixel[t("col.consent_of_activities")]
    assert t("stated.consent_form.opt_in") in pixel[t("col.consent_of_activities")]
    assert body["C-SESSION"][t("col.cookie_duration")] == t("cookie.duration.session")
    assert body["C-DK-GA"][t("col.name_on_device")] == t("no")
    assert len(header) == len(set(header))
