"""Over the API: the export check warns of free text not in the export's language, in that language,
and a Danish or Norwegian export titles the legal acts and words the retention events in it."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from tests.workbooks import visible_text


def test_the_export_check_warns_of_text_not_in_the_export_language(demo_client):
    url = "/api/entities/TECHEM-DK/export/check"
    danish = demo_client.get(url, params={"layout": "dk-datatilsynet"}).json()
    assert danish["warnings"], "the demo register's free text is largely English"
    assert all("ser ikke ud til at være på dansk" in w for w in danish["warnings"] if "ordforrådet" not in w)
    assert any(
        w.startswith("Juridisk enhed TECHEM-DK, Generel beskrivelse af sikkerhed") for w in danish["warnings"]
    )
    english = demo_client.get(url, params={"layout": "canonical", "lang": "en"}).json()
    assert len(english["warnings"]) < len(danish["warnings"])
    assert all("does not read as English" in w for w in english["warnings"])


def test_a_norwegian_workbook_is_worded_in_norwegian(demo_client):
    response = demo_client.get(
        "/api/entities/TECHEM-NO/export.xlsx", params={"layout": "no-datatilsynet", "lang": "nb"}
    )
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    cells = visible_text(wb)
    assert "Kommisjonens gjennomføringsbeslutning (EU) 2023/1795 av 10. juli 2023" in cells
    assert "inntil mottak av anmodningen om avregistrering av kontoen" in cells
    assert "Organisasjonsnummer: 992 327 669" in cells
    assert "account_deregistration_received" not in cells
    assert "Commission Implementing Decision" not in cells and "Commission Decision" not in cells
