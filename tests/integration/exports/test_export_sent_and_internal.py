"""What an export says about earlier ones, and what internal material it carries.

The changes appendix compares with the last export recorded as *sent* to the same authority and case;
internal exports never count. Analysts' notes, findings and accepted risks go out only when asked for,
and the audit event records what the export was for and what it included."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from pypdf import PdfReader

from tests.conftest import ENGINE, ROOT, _pg_url
from tests.integration.exports.export_support import (
    change_activity,
    export,
    export_events,
    first_activity,
    pdf_pages,
    squash,
)

CHANGES = {
    "en": (
        "Changes since the last export sent to the same authority",
        "No export of this register is recorded",
    ),
    "da": ("Ændringer siden sidste eksport sendt til samme myndighed", "Ingen eksport af denne fortegnelse"),
    "nb": ("Endringer siden forrige eksport sendt til samme myndighet", "Ingen eksport av denne protokollen"),
}
FIRST = {
    "en": "This is the first export of this register recorded as sent to this authority",
    "da": "Dette er den første eksport af denne fortegnelse, der er registreret som sendt",
    "nb": "Dette er den første eksporten av denne protokollen som er registrert som sendt",
}


def _appendix(response, lang: str) -> str:
    text = squash("\n".join(pdf_pages(response.content)))
    return text[text.rindex(squash(CHANGES[lang][0])) :]


def test_internal_exports_never_count_as_sent_and_the_baseline_is_the_last_sent_one(demo_client):
    key, lang = "TECHEM-NO", "en"
    for _ in range(3):  # internal exports, some of the same state
        internal = export(demo_client, key, "pdf", lang=lang)
    appendix = _appendix(internal, lang)
    assert squash(CHANGES[lang][1]) in appendix, "no export was sent: the appendix says so"
    assert squash(FIRST[lang]) not in appendix

    sent = export(demo_client, key, "pdf", lang=lang, purpose="authority")
    assert squash(FIRST[lang]) in _appendix(sent, lang)

    activity = first_activity(demo_client, key, q="statistics")
    change_activity(demo_client, activity, name=f"Statistics renamed {lang}")
    for _ in range(2):
        later = export(demo_client, key, "pdf", lang=lang)  # internal again
    appendix = _appendix(later, lang)
    assert squash(sent.headers["x-export-id"]) in appendix, "compared with the export actually sent"
    assert squash(f"Statistics renamed {lang}") in appendix

    # Another case of the same authority has no export sent yet.
    other = export(demo_client, key, "pdf", lang=lang, purpose="authority", authority_case=f"case-{lang}")
    assert squash(FIRST[lang]) in _appendix(other, lang)

    events = {e["export_id"]: e for e in export_events(demo_client)}
    assert events[sent.headers["x-export-id"]]["purpose"] == "authority"
    assert events[later.headers["x-export-id"]]["purpose"] == "internal"
    assert events[later.headers["x-export-id"]]["baseline"]["export_id"] == sent.headers["x-export-id"]


@pytest.mark.parametrize("lang", ["da", "nb"])
def test_the_appendix_speaks_the_export_language(demo_client, lang):
    internal = export(demo_client, "TECHEM-NO", "pdf", lang=lang)
    appendix = _appendix(internal, lang)
    assert squash(CHANGES[lang][1]) in appendix and squash(FIRST[lang]) not in appendix
    sent = export(demo_client, "TECHEM-NO", "pdf", lang=lang, purpose="authority")
    assert squash(FIRST[lang]) in _appendix(sent, lang)


def test_notes_findings_and_acceptances_go_out_only_when_asked_for_and_the_event_says_so(demo_client):
    plain = export(demo_client, "TECHEM-NO", "pdf", lang="nb", variant="pdfa")
    text = squash("\n".join(pdf_pages(plain.content)))
    assert squash("(sic") not in text and squash("Funn og mangler") not in text
    attached = PdfReader(io.BytesIO(plain.content)).attachments
    (name,) = attached
    register = json.loads(attached[name][0])
    assert "(sic" not in json.dumps(register, ensure_ascii=False)
    assert register["entities"][0]["finding_acceptances"] == []

    opted = demo_client.get(
        "/api/entities/TECHEM-NO/export.pdf",
        params={"lang": "nb", "variant": "pdfa", "include": ["notes", "findings"]},
    )
    assert opted.status_code == 200, opted.text
    assert squash("(sic") in squash("\n".join(pdf_pages(opted.content)))
    attached = PdfReader(io.BytesIO(opted.content)).attachments
    assert "(sic" in attached[name][0].decode()
    events = {e["export_id"]: e for e in export_events(demo_client)}
    assert events[plain.headers["x-export-id"]]["include"] == []
    assert events[opted.headers["x-export-id"]]["include"] == ["notes", "findings"]
    assert opted.headers["x-export-id"] != plain.headers["x-export-id"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"layout": "internal-audit", "purpose": "authority"}, "purpose"),
        ({"include": "drafts"}, "include"),
        ({"as_of": "2026-01-01T10:00:00"}, "as_of"),
    ],
)
def test_an_internal_audit_export_is_never_sent_and_bad_options_are_refused(demo_client, params, field):
    before = len(export_events(demo_client))
    response = demo_client.get("/api/entities/TECHEM-DK/export.pdf", params=params)
    assert 400 <= response.status_code < 500, response.text
    assert field in [p["name"] for p in response.json()["invalid_params"]]
    assert len(export_events(demo_client)) == before


def test_the_cli_refuses_an_as_of_without_a_zone(demo_database, tmp_path):
    env = dict(os.environ)
    if ENGINE == "postgres":
        env["ROPA_DATABASE_URL"] = _pg_url(demo_database)
    else:
        env["ROPA_SQLITE_PATH"] = demo_database
    done = subprocess.run(
        [sys.executable, "-m", "ropa", "export", "--entity", "TECHEM-DK", "--as-of", "2026-01-01T10:00",
         "-o", str(tmp_path / "x.pdf"), "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "as_of" in done.stderr + done.stdout and "time zone" in done.stderr + done.stdout
    assert not (tmp_path / "x.pdf").exists()
