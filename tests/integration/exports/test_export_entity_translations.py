"""Translations of the legal entity's own free text (its security statement, its DPO decision's reason, its
supervisory authority's remit): kept by the API, shown on the cover and the Entity sheet of the export of
their language (the original in the others), heeded by the export check; and the changes appendix of a
translated export names the changed records as the rest of that export does."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from pypdf import PdfReader

from exports.read_xlsx import read_workbook
from tests.integration.exports.export_support import export, pdf_pages, squash
from tests.integration.register.register_support import create, expect_problem, put_body
from tests.workbooks import visible_text

SECURITY = "Access to the personal data is restricted to the staff of the company and is logged"
SECURITY_DA = "Adgang til personoplysningerne er begrænset til virksomhedens medarbejdere og bliver logget"
REASON = "The company is not a public authority and does not monitor the data subjects on a large scale"
REASON_DA = "Virksomheden er ikke en offentlig myndighed og overvåger ikke de registrerede i stort omfang"
REMIT = "Supervises the processing of personal data in Denmark and handles the complaints of the public"
REMIT_DA = "Fører tilsyn med behandlingen af personoplysninger i Danmark og behandler klagerne fra borgerne"
ENGLISH = (SECURITY, REASON, REMIT)
DANISH = (SECURITY_DA, REASON_DA, REMIT_DA)
ACTIVITY = "Handling of the applications for jobs at the company"
ACTIVITY_DA = "Behandling af jobansøgninger i virksomheden"


def _entity(client, key: str) -> dict:
    return create(
        client,
        "entities",
        key,
        security_statement=SECURITY,
        translations={"da": {"security_statement": SECURITY_DA}},
        dpo_decision={"required": False, "reason": REASON, "translations": {"da": {"reason": REASON_DA}}},
        supervisory_authority={
            "name": "Datatilsynet",
            "country": "DK",
            "remit": REMIT,
            "translations": {"da": {"remit": REMIT_DA}},
        },
    )


def _warnings(client, key: str, lang: str) -> list[str]:
    response = client.get(f"/api/entities/{key}/export/check", params={"layout": "canonical", "lang": lang})
    assert response.status_code == 200, response.text
    return response.json()["warnings"]


def test_the_entitys_translations_round_trip_through_the_api_and_bad_ones_are_named(client):
    entity = _entity(client, "ETR-API")
    read = client.get(f"/api/entities/{entity['id']}").json()
    assert read["translations"] == {"da": {"security_statement": SECURITY_DA}}
    assert read["dpo_decision"]["translations"] == {"da": {"reason": REASON_DA}}
    assert read["supervisory_authority"]["translations"] == {"da": {"remit": REMIT_DA}}
    plain = client.get(f"/api/entities/{create(client, 'entities', 'ETR-PLAIN')['id']}").json()
    assert "translations" not in plain  # none recorded: none written
    authority = read["supervisory_authority"]
    bad = [
        ({"translations": {"de": {"security_statement": "x"}}}, "translations.de"),  # no export language
        ({"translations": {"da": {"legal_name": "x"}}}, "translations.da.legal_name"),  # not translatable
        (
            {"translations": {"da": {"security_statement": "x" * 20_001}}},
            "translations.da.security_statement",
        ),
        (
            {"supervisory_authority": {**authority, "translations": {"da": {"name": "x"}}}},
            "supervisory_authority.translations.da.name",
        ),
    ]
    for change, named in bad:
        body = put_body(read, **change)
        expect_problem(client.put(f"/api/entities/{entity['id']}", json=body), 400, named)
    assert client.get(f"/api/entities/{entity['id']}").json() == read  # nothing changed
    body = put_body(read, translations={"nb": {"security_statement": "Tilgangen er begrenset"}})
    saved = client.put(f"/api/entities/{entity['id']}", json=body)
    assert saved.status_code == 200, saved.text
    assert saved.json()["translations"] == {"nb": {"security_statement": "Tilgangen er begrenset"}}
    history = client.get(f"/api/entities/{entity['id']}/history").json()
    assert [h["action"] for h in history] == ["entity.create", "entity.update"]


def test_danish_exports_show_the_entitys_danish_text_and_name_the_changes_in_danish(client):
    key = "ETR-DA"
    entity = _entity(client, key)
    activity = create(
        client, "activities", "HR-1", entity["id"], name=ACTIVITY, translations={"da": {"name": ACTIVITY_DA}}
    )
    # The check warns of the entity's English text where it has no translation (Norwegian), not in Danish.
    assert not any(key in w for w in _warnings(client, key, "da"))
    assert sum(key in w for w in _warnings(client, key, "nb")) == 3

    # Sent to the authority, in Danish: its Entity sheet shows the Danish text.
    sent = export(client, key, "xlsx", layout="canonical", lang="da", purpose="authority")
    cells = visible_text(load_workbook(io.BytesIO(sent.content)))
    assert all(text in cells for text in DANISH) and not any(text in cells for text in ENGLISH)
    assert read_workbook(sent.content).entities[0].security_statement == SECURITY  # reads back as the data

    # A change since: the Danish PDF's appendix names the activity by its Danish name.
    changed = put_body(client.get(f"/api/activities/{activity['id']}").json(), description="New text")
    assert client.put(f"/api/activities/{activity['id']}", json=changed).status_code == 200
    danish = export(client, key, "pdf", layout="canonical", lang="da")
    text = squash(" ".join(pdf_pages(danish.content)))
    assert all(squash(t) in text for t in DANISH) and not any(squash(t) in text for t in ENGLISH)
    appendix = text[text.rindex(squash("Ændringer siden sidste eksport sendt til samme myndighed")) :]
    assert squash(sent.headers["x-export-id"]) in appendix and squash(ACTIVITY_DA) in appendix
    assert squash(ACTIVITY) not in text
    # The register file the PDF carries is the data: the text as written, with its translations.
    attached = next(iter(PdfReader(io.BytesIO(danish.content)).attachments.values()))[0]
    carried = json.loads(attached)["entities"][0]
    assert carried["security_statement"] == SECURITY
    assert carried["translations"] == {"da": {"security_statement": SECURITY_DA}}

    # The English export shows the text as written.
    english = squash(" ".join(pdf_pages(export(client, key, "pdf", layout="canonical", lang="en").content)))
    assert all(squash(t) in english for t in ENGLISH) and not any(squash(t) in english for t in DANISH)
