"""Over the API and in the export dialog: French is a language of the exports (the CNIL's), not of the
web; an unknown language is refused naming the field, and a French export cannot carry the findings,
whose messages exist in the web's languages only."""

from __future__ import annotations

import html
import io

from openpyxl import load_workbook

from tests.integration.register.register_support import put_body
from tests.integration.web.conftest import web  # noqa: F401  (the browser-like client's fixture)
from tests.workbooks import visible_text


def test_a_french_cnil_workbook_is_worded_in_french(demo_client):
    response = demo_client.get("/api/entities/TECHEM-DK/export.xlsx", params={"layout": "cnil", "lang": "fr"})
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"].endswith('-fr-cnil.xlsx"')
    wb = load_workbook(io.BytesIO(response.content))
    cells = visible_text(wb)
    for wording in (
        "Finalité principale",
        "Organismes externes",
        "Non renseigné",
        "Clauses types de protection des données (décision non indiquée)",
        "Numéro CVR : 29416982",
    ):
        assert wording in cells, wording
    assert "Décision d'exécution (UE) 2016/1250 de la Commission du 12 juillet 2016" in cells
    assert "Not recorded" not in cells and "Commission Implementing Decision" not in cells
    assert "scc_unspecified" not in cells


def test_the_export_check_warns_in_french(demo_client):
    check = demo_client.get(
        "/api/entities/TECHEM-DK/export/check", params={"layout": "cnil", "lang": "fr"}
    ).json()
    assert check["warnings"], "the demo register's free text is English and Danish"
    assert any("ne semble pas rédigé en français (mots en anglais)" in w for w in check["warnings"])
    assert all(" : " in w for w in check["warnings"])


def test_an_unknown_language_or_french_findings_are_refused_naming_the_field(demo_client):
    url = "/api/entities/TECHEM-DK/export.pdf"
    unknown = demo_client.get(url, params={"layout": "cnil", "lang": "de"})
    assert unknown.status_code == 400
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "lang" in {p["name"] for p in unknown.json()["invalid_params"]}
    findings = demo_client.get(url, params={"layout": "cnil", "lang": "fr", "include": "findings"})
    assert findings.status_code == 422
    assert findings.headers["content-type"].startswith("application/problem+json")
    assert [p["name"] for p in findings.json()["invalid_params"]] == ["include"]
    listed = {x["id"]: x for x in demo_client.get("/api/exports/layouts").json()}
    assert "fr" in listed["cnil"]["languages"] and listed["cnil"]["title"]["fr"].startswith("CNIL")


def test_the_export_dialog_offers_french(web):  # noqa: F811
    web.sign_in("officer")
    page = web.get(f"/entities/{web.ids['TECHEM-DK']}/export")
    assert page.status_code == 200
    assert '<option value="fr" lang="fr">Français</option>' in html.unescape(page.text)


def test_findings_of_an_entity_whose_exports_default_to_french_are_refused_before_any_work(demo_client):
    """An entity under the CNIL exports in French unless ``lang`` is given: asked for the findings
    (internal-audit, or include=findings), the export is refused naming the field, synchronously and
    as a job, instead of failing while it renders."""
    listed = demo_client.get("/api/entities").json()["items"]
    entity_id = next(e["id"] for e in listed if e["key"] == "TECHEM-DK")
    entity = demo_client.get(f"/api/entities/{entity_id}").json()
    cnil = {"name": "CNIL", "country": "FR", "complaint_url": "https://www.cnil.fr/fr/plaintes"}
    moved = demo_client.put(f"/api/entities/{entity_id}", json=put_body(entity, supervisory_authority=cnil))
    assert moved.status_code == 200, moved.text
    audit = demo_client.get("/api/entities/TECHEM-DK/export.pdf", params={"layout": "internal-audit"})
    assert audit.status_code == 422, audit.text
    assert [p["name"] for p in audit.json()["invalid_params"]] == ["lang"]
    job = demo_client.post(
        "/api/exports", json={"entity": "TECHEM-DK", "format": "xlsx", "include": ["findings"]}
    )
    assert job.status_code == 422, job.text
    assert [p["name"] for p in job.json()["invalid_params"]] == ["include"]
    english = demo_client.get(
        "/api/entities/TECHEM-DK/export.xlsx", params={"layout": "internal-audit", "lang": "en"}
    )
    assert english.status_code == 200, english.text
    french = demo_client.get("/api/entities/TECHEM-DK/export.xlsx", params={"layout": "cnil"})
    assert french.status_code == 200 and french.headers["content-disposition"].endswith('-fr-cnil.xlsx"')
