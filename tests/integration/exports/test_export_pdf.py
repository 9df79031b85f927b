"""PDF exports a regulator receives: complete, in their language, with footers that tie it to the log."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import time

import pytest
from pypdf import PdfReader

from tests.integration.exports.export_support import (
    change_activity,
    expected_phrases,
    export,
    export_events,
    first_activity,
    pdf_pages,
    squash,
)

DRAFT = {"en": "DRAFT", "da": "UDKAST", "nb": "UTKAST"}
PAGE = {"en": "Page", "da": "Side", "nb": "Side"}


@pytest.mark.parametrize("lang", ["en", "da", "nb"])
def test_pdf_holds_every_fact_of_the_demo_in_each_language(demo_client, lang):
    for key in ("TECHEM-DK", "TECHEM-NO"):
        response = export(demo_client, key, "pdf", lang=lang)
        pages = pdf_pages(response.content)
        text = squash("\n".join(pages))
        for what, phrases in expected_phrases(key, lang).items():
            missing = sorted(p for p in phrases if squash(p) not in text)
            assert not missing, f"{key} {lang}: {what} missing from the PDF: {missing}"
        export_id = response.headers["x-export-id"]
        events = [e for e in export_events(demo_client) if e["export_id"] == export_id]
        size = events[-1]["checkpoint"]["tree_size"]
        for number, page in enumerate(pages, start=1):
            flat = squash(page)
            assert squash(export_id) in flat, f"page {number} lacks the export id"
            assert squash(f"{PAGE[lang]} {number}") in flat, f"page {number} lacks its number"
            assert str(size) in page, f"page {number} lacks the checkpoint"
        # Every activity is a draft in the demo: the watermark says so.
        assert DRAFT[lang] in pages[1]


def test_pdf_is_tagged_with_metadata_and_language(demo_client):
    response = export(demo_client, "TECHEM-NO", "pdf")  # the Norwegian authority's language by default
    reader = PdfReader(io.BytesIO(response.content))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "nb"
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    meta = reader.metadata
    assert meta.title.startswith("Protokoll over")
    assert meta.author == "Techem Norge AS"
    assert response.headers["x-export-id"] in meta.subject
    assert response.headers["content-type"] == "application/pdf"
    assert "attachment" in response.headers["content-disposition"]
    assert hashlib.sha256(response.content).hexdigest() == response.headers["x-export-sha256"]


def test_pdfa_variant_embeds_the_register_the_audit_event_names(demo_client):
    response = export(demo_client, "TECHEM-DK", "pdf", variant="pdfa", authority_case="2026-7731")
    reader = PdfReader(io.BytesIO(response.content))
    attachments = reader.attachments
    assert list(attachments) == ["ropa-register-TECHEM-DK.json"]
    embedded = attachments["ropa-register-TECHEM-DK.json"][0]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp
    event = [e for e in export_events(demo_client) if e["export_id"] == response.headers["x-export-id"]][-1]
    assert event["state_sha256"] == hashlib.sha256(embedded).hexdigest()
    assert event["sha256"] == response.headers["x-export-sha256"]
    assert event["authority"] == "Datatilsynet (DK)"
    assert event["authority_case"] == "2026-7731"
    options = (event["format"], event["layout"], event["lang"], event["variant"])
    assert options == ("pdf", "canonical", "da", "pdfa")
    assert "2026-7731" in "".join(pdf_pages(response.content)[:1])


@pytest.mark.fresh_render  # two renders compared: neither may come from the run's render cache
def test_the_same_state_exports_to_the_same_bytes_and_a_change_to_a_new_export(demo_client):
    first = export(demo_client, "TECHEM-DK", "pdf", lang="en", purpose="authority")
    again = export(demo_client, "TECHEM-DK", "pdf", lang="en", purpose="authority")
    assert again.content == first.content
    assert again.headers["x-export-id"] == first.headers["x-export-id"]
    events = export_events(demo_client)
    assert [e["reissue"] for e in events[-2:]] == [False, True]  # both audited

    activity = first_activity(demo_client, "TECHEM-DK", q="support")
    change_activity(demo_client, activity, name="Handling support tickets, renamed")

    changed = export(demo_client, "TECHEM-DK", "pdf", lang="en")
    assert changed.headers["x-export-id"] != first.headers["x-export-id"]
    text = squash("\n".join(pdf_pages(changed.content)))
    appendix = text[text.rindex(squash("Changes since the last export sent to the same authority")) :]
    assert squash(first.headers["x-export-id"]) in appendix
    # the changed field by its label ("Name"), not its key in the register format ("name")
    assert squash(f"{activity['key']} Handling support tickets, renamed Changed Name") in appendix


def test_as_of_renders_the_register_as_it_stood(demo_client):
    activity = first_activity(demo_client, "TECHEM-NO", q="statistics")
    before = dt.datetime.now(dt.UTC)
    time.sleep(0.01)
    change_activity(demo_client, activity, name="Statistics, renamed after the moment")

    then = export(demo_client, "TECHEM-NO", "pdf", as_of=before.isoformat())
    old = squash("\n".join(pdf_pages(then.content)))
    new = squash("\n".join(pdf_pages(export(demo_client, "TECHEM-NO", "pdf").content)))
    assert squash(activity["name"]) in old and squash("renamed after the moment") not in old
    assert squash("renamed after the moment") in new


def test_approved_register_has_no_draft_watermark(demo_client):
    items = demo_client.get("/api/activities", params={"entity": "TECHEM-NO", "limit": 100}).json()["items"]
    for item in items:
        change_activity(demo_client, item, status="approved")
    pages = pdf_pages(export(demo_client, "TECHEM-NO", "pdf", lang="en").content)
    assert "DRAFT" not in "".join(pages)
    assert "Every processing activity in this record is approved." in squash_keep(pages[0])


def squash_keep(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"as_of": "yesterday"}, 422, "as_of"),
        ({"as_of": "2999-01-01T00:00:00Z"}, 422, "as_of"),
        ({"layout": "no-such-layout"}, 422, "layout"),
        ({"lang": "sv"}, 400, "lang"),
        ({"variant": "pdf/x"}, 400, "variant"),
    ],
)
def test_bad_options_get_a_4xx_naming_the_field_and_export_nothing(demo_client, params, status, field):
    before = len(export_events(demo_client))
    response = demo_client.get("/api/entities/TECHEM-DK/export.pdf", params=params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [p["name"] for p in response.json()["invalid_params"]]
    assert len(export_events(demo_client)) == before


def test_unknown_entity_or_one_not_yet_existing_is_404(demo_client):
    assert demo_client.get("/api/entities/NO-SUCH/export.pdf").status_code == 404
    assert demo_client.get("/api/entities/NO-SUCH/export.xlsx").status_code == 404
    early = demo_client.get("/api/entities/TECHEM-DK/export.pdf", params={"as_of": "2001-01-01T00:00:00Z"})
    assert early.status_code == 404


def test_entity_is_found_by_registration_number(demo_client):
    response = export(demo_client, "992327669", "pdf", lang="en")
    assert squash("Techem Norge AS") in squash(pdf_pages(response.content)[0])
