"""Large exports run as jobs with status and download; the completeness check; layouts as data."""

from __future__ import annotations

import time

from exports import controllers
from ropa.settings import Settings
from tests.integration.exports.export_support import change_activity, export_events, first_activity


def _wait(client, url):
    for _ in range(300):
        status = client.get(url).json()
        if status["status"] in ("done", "failed"):
            return status
        time.sleep(0.05)
    raise AssertionError(f"job did not finish: {status}")


def test_a_large_register_exports_through_a_job(demo_client, monkeypatch):
    monkeypatch.setattr(controllers, "get_settings", lambda: Settings(export_sync_limit=3))
    response = demo_client.get("/api/entities/TECHEM-NO/export.xlsx", params={"lang": "en"})
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == job["status_url"]
    assert job["status"] in ("queued", "running", "done")
    early = demo_client.get(f"/api/exports/{job['id']}/download")
    assert early.status_code in (200, 409)
    done = _wait(demo_client, job["status_url"])
    assert done["status"] == "done" and done["progress"] == 1.0
    download = demo_client.get(done["download_url"])
    assert download.status_code == 200
    assert download.headers["x-export-sha256"] == done["sha256"]
    assert [e for e in export_events(demo_client) if e["export_id"] == done["export_id"]]


def test_post_starts_a_job_and_bad_requests_change_nothing(demo_client):
    response = demo_client.post("/api/exports", json={"entity": "TECHEM-DK", "format": "pdf", "lang": "en"})
    assert response.status_code == 202
    assert _wait(demo_client, response.json()["status_url"])["status"] == "done"
    before = len(export_events(demo_client))
    bad = demo_client.post("/api/exports", json={"entity": "TECHEM-DK", "format": "docx"})
    assert bad.status_code == 400 and bad.json()["invalid_params"][0]["name"] == "format"
    bad = demo_client.post("/api/exports", json={"entity": "TECHEM-DK", "layout": "nope"})
    assert bad.status_code == 422 and bad.json()["invalid_params"][0]["name"] == "layout"
    assert demo_client.post("/api/exports", json={"entity": "NOPE"}).status_code == 404
    assert demo_client.get("/api/exports/not-a-job").status_code == 404
    assert len(export_events(demo_client)) == before


def test_completeness_check_reports_required_empty_fields_until_filled(demo_client):
    url, params = "/api/entities/TECHEM-NO/export/check", {"layout": "ico", "lang": "en"}
    check = demo_client.get(url, params=params).json()
    assert not check["complete"]
    gaps = {(g["activity"], g["field"]) for g in check["gaps"]}
    assert ("PA-NO-01", "security") in gaps
    item = first_activity(demo_client, "TECHEM-NO", q="account")
    change_activity(demo_client, item, security={"description": "Access control", "measures": []})
    check = demo_client.get(url, params=params).json()
    assert (item["key"], "security") not in {(g["activity"], g["field"]) for g in check["gaps"]}
    unknown = demo_client.get("/api/entities/TECHEM-NO/export/check", params={"layout": "x"})
    assert unknown.status_code == 422


def test_layouts_are_listed(demo_client):
    layouts = {layout["id"]: layout for layout in demo_client.get("/api/exports/layouts").json()}
    assert set(layouts) >= {"canonical", "ico", "no-datatilsynet", "dk-datatilsynet", "cnil"}
    no = layouts["no-datatilsynet"]["columns"]
    mandatory = [c["required"] is not False for c in no]
    assert mandatory == sorted(mandatory, reverse=True), "mandatory columns first"
