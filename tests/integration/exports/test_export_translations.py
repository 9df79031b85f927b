"""Translations of the register's free text: kept by the API, shown by the export of their language
(the rest as written), heeded by the export check, and carried in the register file as data."""

from __future__ import annotations

import io
import json

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from exports.read_xlsx import read_workbook
from tests.integration.exports.export_support import pdf_pages, squash
from tests.integration.register.register_support import create, expect_problem, put_body
from tests.workbooks import visible_text

ENGLISH_NAME = "Handling of the applications for jobs at the company"
DANISH_NAME = "Behandling af jobansøgninger i virksomheden"
ENGLISH_PURPOSE = "To assess the applicants for the job and to contact them about the interview"
DANISH_PURPOSE = "At vurdere ansøgerne til stillingen og kontakte dem om samtalen"


def _register(client, key: str) -> tuple[dict, dict]:
    entity = create(client, "entities", key)
    activity = create(
        client,
        "activities",
        f"{key}-hr",
        entity["id"],
        name=ENGLISH_NAME,
        purposes=[
            {
                "description": ENGLISH_PURPOSE,
                "legal_bases": ["art6_1_b"],
                "translations": {"da": {"description": DANISH_PURPOSE}},
            }
        ],
        translations={"da": {"name": DANISH_NAME}},
    )
    return entity, activity


def _warnings(client, key: str, lang: str) -> list[str]:
    response = client.get(f"/api/entities/{key}/export/check", params={"layout": "canonical", "lang": lang})
    assert response.status_code == 200, response.text
    return response.json()["warnings"]


def test_translations_round_trip_through_the_api_and_bad_ones_are_named(client):
    entity, activity = _register(client, "TR-API")
    read = client.get(f"/api/activities/{activity['id']}").json()
    assert read["translations"] == {"da": {"name": DANISH_NAME}}
    assert read["purposes"][0]["translations"] == {"da": {"description": DANISH_PURPOSE}}
    plain = create(client, "activities", "TR-API-plain", entity["id"])
    assert "translations" not in client.get(f"/api/activities/{plain['id']}").json()  # none: left out
    bad = [
        ({"de": {"name": "Verarbeitung"}}, "translations.de"),  # not a language an export is made in
        ({"da": {"purpose": "Formål"}}, "translations.da.purpose"),  # not a translatable field
        ({"da": {"name": "x" * 301}}, "translations.da.name"),  # longer than a name may be
    ]
    for translations, named in bad:
        body = put_body(read, translations=translations)
        expect_problem(client.put(f"/api/activities/{activity['id']}", json=body), 400, named)
    assert client.get(f"/api/activities/{activity['id']}").json()["version"] == read["version"]  # unchanged
    retention = create(client, "retention-rules", "TR-API-keep", entity["id"])
    body = put_body(retention, translations={"nb": {"criterion": "Så lenge kundeforholdet varer"}})
    saved = client.put(f"/api/retention-rules/{retention['id']}", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["translations"] == {"nb": {"criterion": "Så lenge kundeforholdet varer"}}


@pytest.mark.fresh_render  # two renders compared
def test_a_danish_export_shows_the_danish_translation_and_the_check_heeds_it(client):
    _register(client, "TR-DA")
    assert not any("TR-DA-hr" in w for w in _warnings(client, "TR-DA", "da"))
    response = client.get("/api/entities/TR-DA/export.pdf", params={"layout": "canonical", "lang": "da"})
    assert response.status_code == 200, response.text
    text = squash(" ".join(pdf_pages(response.content)))
    assert squash(DANISH_NAME) in text and squash(DANISH_PURPOSE) in text
    assert squash(ENGLISH_NAME) not in text and squash(ENGLISH_PURPOSE) not in text
    # The register file the PDF carries is the data: the text as written, and its translations.
    attached = next(iter(PdfReader(io.BytesIO(response.content)).attachments.values()))[0]
    activity = json.loads(attached)["entities"][0]["activities"][0]
    assert activity["name"] == ENGLISH_NAME and activity["translations"] == {"da": {"name": DANISH_NAME}}
    again = client.get("/api/entities/TR-DA/export.pdf", params={"layout": "canonical", "lang": "da"})
    assert again.content == response.content  # the same state, the same bytes


def test_an_export_without_a_translation_in_its_language_shows_the_text_as_written(client):
    _register(client, "TR-NB")
    assert any("TR-NB-hr" in w for w in _warnings(client, "TR-NB", "nb"))
    response = client.get("/api/entities/TR-NB/export.pdf", params={"layout": "canonical", "lang": "nb"})
    assert response.status_code == 200, response.text
    text = squash(" ".join(pdf_pages(response.content)))
    assert squash(ENGLISH_NAME) in text and squash(DANISH_NAME) not in text


def test_a_translated_workbook_shows_the_translation_and_reads_back_as_the_data(client):
    _register(client, "TR-XL")
    response = client.get("/api/entities/TR-XL/export.xlsx", params={"layout": "canonical", "lang": "da"})
    assert response.status_code == 200, response.text
    cells = visible_text(load_workbook(io.BytesIO(response.content)))
    assert DANISH_NAME in cells and ENGLISH_NAME not in cells
    register = read_workbook(response.content)  # its sheets are checked against the register it carries
    activity = register.entities[0].activities[0]
    assert activity.name == ENGLISH_NAME and activity.translations.da.name == DANISH_NAME
