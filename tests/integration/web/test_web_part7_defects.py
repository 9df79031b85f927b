"""Issue 15's smaller defects, checked as a user meets them: the editor by key, "1 activity", the
review order, the export dialog's as-of before the entity existed, and long values and narrow screens."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from tests.integration.web.web_support import parse_form


def test_the_activity_editor_opens_and_saves_by_key(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer_all")
    first = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]
    path = f"/entities/{dk}/activities/{first['key']}/edit"
    page = web.get(path)
    assert page.status_code == 200
    form = parse_form(page.text.split("<main")[1])
    saved = web.post(path, form | {"description": "Saved by key"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert web.get(f"/api/activities/{first['id']}").json()["description"] == "Saved by key"
    # A key of another entity's register is not found here.
    no = web.get("/api/activities", params={"entity": web.ids["TECHEM-NO"], "limit": 1}).json()["items"][0]
    assert web.get(f"/entities/{dk}/activities/{no['key']}/edit").status_code == 404


def test_one_activity_found_is_singular_in_every_language(web: Any) -> None:
    web.sign_in("officer")
    for lang, one, many in (
        ("en", "1 activity found", "1 activities"),
        ("da", "1 aktivitet fundet", "1 aktiviteter"),
        ("nb", "1 aktivitet funnet", "1 aktiviteter"),
    ):
        page = html.unescape(web.get("/search", params={"q": "PA-DK-05", "lang": lang}).text)
        assert one in page and many not in page, lang


def test_a_next_review_before_the_last_review_is_refused_on_its_field_in_norwegian(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    first = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]
    before = web.get(f"/api/activities/{first['id']}").json()
    path = f"/entities/{dk}/activities/{first['id']}/edit"
    form = parse_form(web.get(path).text.split("<main")[1])
    bad = web.post(
        path + "?lang=nb", form | {"last_reviewed_at": "2026-05-01", "next_review_due": "2026-04-30"}
    )
    assert bad.status_code == 422 and 'id="err-next_review_due"' in bad.text
    assert "Neste gjennomgang" in html.unescape(bad.text)
    assert web.get(f"/api/activities/{first['id']}").json() == before


def test_the_export_dialog_refuses_an_as_of_before_the_entity_existed(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    created = dt.datetime.fromisoformat(web.get(f"/api/entities/{dk}").json()["created_at"])
    form = {"format": "pdf", "language": "nb", "layout": "canonical", "variant": "standard"}
    early = (created - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
    refused = web.post(f"/entities/{dk}/export?lang=nb", form | {"as_of": early}, follow_redirects=False)
    assert refused.status_code == 422 and 'id="err-as_of"' in refused.text
    assert "Enheten fantes ikke ennå: den ble opprettet" in html.unescape(refused.text)
    checked = web.post(f"/entities/{dk}/export?check=1&lang=da", form | {"as_of": early})
    assert checked.status_code == 422 and "Enheden fandtes ikke endnu" in html.unescape(checked.text)
    # A moment after it was created is accepted: the job starts.
    later = (created + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
    started = web.post(f"/entities/{dk}/export", form | {"as_of": later}, follow_redirects=False)
    assert started.status_code == 303, started.text


def test_wide_tables_are_in_a_scrolling_box_and_long_values_wrap(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    for path in ("findings", "transfers", "processors", "retention"):
        page = web.get(f"/entities/{dk}/{path}").text
        # the box may carry an anchor for a skip link (id, tabindex)
        wrapped = re.findall(r'<div class="table-scroll"[^>]*><table class="data', page)
        assert wrapped, path
        assert page.count('<table class="data') == len(wrapped)
    css = web.get("/static/app.css").text
    assert (
        "main td" in css and "overflow-wrap: anywhere" in css and ".table-scroll { overflow-x: auto; }" in css
    )
