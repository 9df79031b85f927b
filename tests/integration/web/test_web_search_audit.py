"""Search and audit queries people can use: any word of an activity, its terms' labels in English,
Danish and Norwegian, its recipients and processors, in the registers the caller may see; the audit
log by user name and record key, newest first, numbered as in its CSV."""

from __future__ import annotations

import csv
import html
import io
import re
from typing import Any

from tests.integration.audit.support import integrate, sql
from tests.integration.web.web_support import ACCOUNTS, Web


def _keys(page: str) -> set[str]:
    """The activity keys a search page or register page lists."""
    return {k for k in re.findall(r"<td><code>([^<]+)</code></td>", page)}


def _activities(w: Web, entity: str) -> list[dict[str, Any]]:
    items = w.get("/api/activities", params={"entity": entity, "limit": 500}).json()["items"]
    return [w.get(f"/api/activities/{a['id']}").json() for a in items]


def _with_category(activities: list[dict[str, Any]], category: str) -> set[str]:
    return {a["key"] for a in activities if any(c["category"] == category for c in a["data_categories"])}


def test_search_finds_a_term_by_its_label_in_every_language(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    expected = _with_category(_activities(web, dk), "navigation_behaviour")
    assert expected
    # "Navigation og adfærd" (da), "Navigering og atferd" (nb), "Navigation and usage behaviour" (en)
    for word in ("adfærd", "ATFERD", "usage behaviour"):
        page = web.get("/search", params={"q": word, "lang": "da"})
        assert page.status_code == 200
        assert _keys(page.text) == expected, word
    page = web.get("/search", params={"q": "adfærd", "lang": "da"}).text
    assert f"{len(expected)} aktiviteter fundet" in html.unescape(page)
    # Each hit says where: the field's label in the page's language, never the key or the path.
    rows = re.findall(r"<tr>\s*<td><a href=\"/entities/.*?</tr>", page, re.S)
    assert len(rows) == len(expected)
    for row in rows:
        cell = html.unescape(re.findall(r"<td>(.*?)</td>", row, re.S)[-1])
        assert "Kategorier af personoplysninger" in cell and "data_categories" not in cell
    # The register's own search box is the same search, within the entity, without JavaScript.
    register = web.get(f"/entities/{dk}", params={"q": "adfærd"}).text
    assert _keys(register) == expected


def test_search_covers_recipients_processors_and_every_word(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activities = _activities(web, dk)
    recipients = web.get("/api/recipients", params={"entity": dk, "limit": 500}).json()["items"]
    full = {r["key"]: web.get(f"/api/recipients/{r['id']}").json() for r in recipients}
    hotjar = {k for k, r in full.items() if r.get("processor") == "P-DK-HOTJAR"}
    expected = {a["key"] for a in activities if hotjar & set(a["recipients"])}
    assert expected
    assert _keys(web.get("/search", params={"q": "hotjar"}).text) == expected
    # Every word must be found somewhere in the activity: one that is nowhere finds nothing.
    assert _keys(web.get("/search", params={"q": "hotjar zzqqxx"}).text) == set()
    assert "No activity matches." in web.get("/search", params={"q": "zzqqxx"}).text


def test_search_spans_the_entities_the_caller_may_see_and_no_other(web):
    web.sign_in("officer_all")
    no = web.ids["TECHEM-NO"]
    norwegian = _activities(web, no)[0]
    word = norwegian["name"]
    assert norwegian["key"] in _keys(web.get("/search", params={"q": word}).text)
    web.sign_in("officer")  # Techem Danmark only
    page = web.get("/search", params={"q": word})
    assert page.status_code == 200 and norwegian["key"] not in _keys(page.text)


def _rows(page: str) -> list[tuple[int | None, int]]:
    """(seq shown, event id) of each event row of the audit page, top to bottom."""
    found = []
    for event_id, cell in re.findall(r'<tr id="event-(\d+)">\s*<td class="num">(.*?)</td>', page, re.S):
        seq = re.search(r">(\d+)</a>", cell)
        found.append((int(seq[1]) if seq else None, int(event_id)))
    return found


def test_the_audit_log_filters_by_user_name_and_record_key_newest_first(web):
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    activity = next(a for a in _activities(web, dk) if a["key"] == "PA-DK-04")
    body = {k: v for k, v in activity.items() if k not in ("id", "entity", "created_at", "updated_at")}
    for n in (1, 2):
        saved = web.client.put(
            f"/api/activities/{activity['id']}",
            json={**body, "name": f"{activity['name']} ({n})"},
            headers={"x-csrf-token": web.csrf},
        )
        assert saved.status_code == 200, saved.text
        body["version"] = saved.json()["version"]
    integrate()
    web.sign_in("auditor")
    officer = ACCOUNTS["officer"][0]
    by_name = web.get("/audit", params={"actor": officer, "lang": "da"})
    assert by_name.status_code == 200, by_name.text
    rows = _rows(by_name.text)
    user_id = sql("SELECT id FROM app_user WHERE username = {}", officer)[0]["id"]
    officer_events = web.get("/api/audit/events", params={"actor": f"user:{user_id}", "limit": 1000}).json()
    assert rows and [r[1] for r in rows] == sorted(
        (e["event_id"] for e in officer_events["items"]), reverse=True
    )
    assert "Bruger" in by_name.text  # the filter's label in Danish
    api = web.get("/api/audit/events", params={"limit": 1000}).json()["items"]
    by_key = web.get("/audit", params={"record_id": "PA-DK-04"})
    keyed = _rows(by_key.text)
    expected = [e["event_id"] for e in api if e["entity_id"] == activity["id"]]
    assert sorted(r[1] for r in keyed) == sorted(expected) and len(keyed) >= 3  # created, changed twice
    assert [r[1] for r in keyed] == sorted(expected, reverse=True)
    oldest = _rows(web.get("/audit", params={"record_id": "PA-DK-04", "order": "oldest"}).text)
    assert [r[1] for r in oldest] == sorted(expected)
    unknown = web.get("/audit", params={"actor": "nobody-here", "record_id": "NO-SUCH-KEY", "lang": "da"})
    assert unknown.status_code == 400
    assert "Ingen bruger med dette navn." in html.unescape(unknown.text)
    assert "Ingen post med denne nøgle." in html.unescape(unknown.text)
    # The numbers the page shows are the CSV's, which names the actor by user name.
    link = html.unescape(re.findall(r'href="(/api/audit/events/download\?[^"]+format=csv)"', by_key.text)[0])
    rows_csv = list(csv.DictReader(io.StringIO(web.get(link).text)))
    assert {int(r["event_id"]): int(r["seq"]) for r in rows_csv} == {e: s for s, e in keyed}
    changed = [r for r in rows_csv if r["action"] == "activity.update"]
    assert len(changed) == 2 and {r["actor_name"] for r in changed} == {officer}
