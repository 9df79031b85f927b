"""The export dialog in the browser: options, the completeness check, a background job, its download."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import time

from exports import jobs as export_jobs
from exports.layouts import layouts
from ropa.errors import Invalid

FORM = {"format": "pdf", "language": "en", "layout": "canonical", "variant": "standard"}


def _start(w, entity_key: str = "TECHEM-DK", **values):
    return w.post(f"/entities/{w.ids[entity_key]}/export", {**FORM, **values}, follow_redirects=False)


def _job_path(response) -> str:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert re.fullmatch(r"/exports/[0-9a-f-]{36}", location)
    return location


def _finished(w, job_path: str) -> str:
    """The job's status fragment once the job has ended, polled as the page's htmx does."""
    for _ in range(600):
        fragment = w.get(f"{job_path}/status")
        assert fragment.status_code == 200, fragment.text
        if 'hx-trigger="every 1s"' not in fragment.text:
            return fragment.text
        time.sleep(0.05)
    raise AssertionError(f"the export job did not finish: {fragment.text}")


def _jobs_held(w) -> int:
    return len(w.client.app.state["export_jobs"].jobs)


def test_the_dialog_offers_every_layout_and_the_authoritys_language(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/export")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Export the register of Techem Danmark A/S" in text
    for layout in layouts().values():
        assert f'name="layout" value="{layout.id}"' in page.text and layout.title["en"] in text
    # The authority's own layout is the default: Datatilsynet's for a Danish and a Norwegian entity.
    assert '<input type="radio" name="layout" value="dk-datatilsynet" checked>' in page.text
    assert '<option value="da" lang="da" selected>Dansk – the authority\'s language</option>' in text
    assert '<input type="radio" name="format" value="pdf" checked>' in page.text
    for name in ("format", "variant", "as_of", "authority_case", "language"):
        assert f'name="{name}"' in page.text
    assert f'name="csrf_token" value="{web.csrf}"' in page.text
    web.sign_in("officer_all")
    norway = web.get(f"/entities/{web.ids['TECHEM-NO']}/export").text
    assert '<option value="nb" lang="nb" selected>' in norway
    assert '<input type="radio" name="layout" value="no-datatilsynet" checked>' in norway


def test_checking_completeness_lists_the_empty_required_fields(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    params = {"layout": "dk-datatilsynet", "lang": "en"}
    api = web.get(f"/api/entities/{dk}/export/check", params=params).json()
    assert api["gaps"]
    checked = web.post(f"/entities/{dk}/export?check=1", {**FORM, "layout": "dk-datatilsynet"})
    assert checked.status_code == 200
    text = html.unescape(checked.text)
    assert "Fields this layout requires that are empty" in text and f"{len(api['gaps'])} empty fields" in text
    rows = re.findall(r"<tr><td><a href=\"[^\"]+/activities/([^\"]+)\">", checked.text)
    assert sorted(rows) == sorted(g["activity"] for g in api["gaps"])
    assert all(g["heading"] in text for g in api["gaps"])
    assert '<input type="radio" name="layout" value="dk-datatilsynet" checked>' in checked.text
    # The same as a link, without a form; and nothing was exported.
    linked = web.get(f"/entities/{dk}/export", params={"check": "1", "layout": "dk-datatilsynet"})
    assert f"{len(api['gaps'])} empty fields" in html.unescape(linked.text)
    # htmx swaps the dialog in place, and swaps no 4xx: its check gets the messages with a 200.
    htmx = {"hx-request": "true"}
    swapped = web.post(f"/entities/{dk}/export?check=1", {**FORM, "as_of": "soon"}, headers=htmx)
    assert swapped.status_code == 200 and 'id="err-as_of"' in swapped.text and 'id="dialog"' in swapped.text
    assert _jobs_held(web) == 0


def test_an_export_runs_as_a_job_and_offers_its_file_with_the_sha256(web):
    web.sign_in("officer")
    job = _job_path(_start(web, language="da", authority_case="2026-7431"))
    page = web.get(job)
    assert page.status_code == 200
    assert "2026-7431" in page.text and "Dansk" in page.text
    if "Download " not in page.text:  # still running: polled by htmx, refreshed without JavaScript
        assert f'hx-get="{job}/status" hx-trigger="every 1s"' in page.text
        assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.text
        assert "<progress" in page.text
    done = _finished(web, job)
    link = re.search(r'<a class="button" href="([^"]+)" download="([^"]+)">Download ([^<]+)</a>', done)
    assert link, done
    href, filename, shown = link.groups()
    assert href == f"/api{job}/download" and filename == shown and filename.endswith(".pdf")
    sha = re.search(r'<code class="sha256">([0-9a-f]{64})</code>', done)[1]  # type: ignore[index]
    export_id = re.search(r'<code class="export-id">([^<]+)</code>', done)[1]  # type: ignore[index]
    download = web.get(href)
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    assert hashlib.sha256(download.content).hexdigest() == sha
    assert download.headers["x-export-id"] == export_id
    # The finished job's page shows the same, and polls no more.
    final = web.get(job).text
    assert sha in final and 'hx-trigger="every 1s"' not in final and "http-equiv" not in final


def test_an_excel_export_downloads_a_workbook(web):
    web.sign_in("regulator_dk")  # an authority exports the registers it supervises
    job = _job_path(_start(web, format="xlsx", variant="pdfa", layout="dk-datatilsynet"))
    done = _finished(web, job)
    found = re.search(r'href="(/api/exports/[^"]+/download)"', done)
    assert found, done
    href = found[1]
    download = web.get(href)
    assert download.status_code == 200 and download.content.startswith(b"PK\x03\x04")
    assert hashlib.sha256(download.content).hexdigest() in done
    assert web.client.app.state["export_jobs"].get(job.rsplit("/", 1)[1]).request.variant == "standard"


def test_a_bad_as_of_gives_the_form_back_with_the_message(web):
    web.sign_in("officer")
    bad = _start(web, as_of="yesterday", authority_case="kept", layout="ico")
    assert bad.status_code == 422
    message = "Not a date and time (for example 2026-11-22T10:00)."
    assert f'<p class="field-error" id="err-as_of">{message}</p>' in bad.text
    assert 'name="as_of" type="datetime-local" step="1" value="yesterday" aria-invalid="true"' in bad.text
    assert 'value="kept"' in bad.text and "Nothing was exported." in bad.text
    assert '<input type="radio" name="layout" value="ico" checked>' in bad.text
    future = _start(web, as_of="2999-01-01T00:00")
    assert future.status_code == 422 and "The moment is in the future." in future.text
    layout = _start(web, layout="no-such-layout")
    assert layout.status_code == 422 and "Choose one of the layouts offered." in layout.text
    assert _jobs_held(web) == 0
    # A moment in the past is an export of the register as it stood then.
    moment = dt.datetime.now(dt.UTC).replace(microsecond=0)
    past = _job_path(_start(web, as_of=moment.strftime("%Y-%m-%dT%H:%M:%S")))
    assert "Download " in _finished(web, past)
    assert web.client.app.state["export_jobs"].get(past.rsplit("/", 1)[1]).request.as_of == moment


def test_a_failed_job_shows_its_error(web, monkeypatch):
    async def failing(*args, **kwargs):
        raise Invalid.of([("entity", "nothing to export here")])

    monkeypatch.setattr(export_jobs, "export", failing)
    web.sign_in("officer")
    done = _finished(web, _job_path(_start(web)))
    assert "The export failed: Invalid value for entity" in done and "Download" not in done


def test_other_peoples_jobs_and_entities_out_of_scope_do_not_exist(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    job = _job_path(_start(web))
    _finished(web, job)
    web.sign_in("regulator_no")
    assert web.get(f"/entities/{dk}/export").status_code == 404
    assert _start(web).status_code == 404
    assert web.get(job).status_code == 404 and web.get(f"{job}/status").status_code == 404
    assert web.get(f"/api{job}/download").status_code == 404
    assert web.get(f"/entities/{web.ids['TECHEM-NO']}/export").status_code == 200
    web.sign_in("regulator_dk")  # may export TECHEM-DK, but this job is still the officer's
    assert web.get(job).status_code == 404
    web.sign_in("auditor")  # no register.export
    assert web.get(f"/entities/{dk}/export").status_code == 403


def test_starting_an_export_needs_the_csrf_token(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    refused = web.client.post(f"/entities/{dk}/export", data=FORM, follow_redirects=False)
    assert refused.status_code == 403 and _jobs_held(web) == 0
