"""The audit log in the browser: events and their diffs, verification, an entity's and an activity's past."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

from ropa.access.users import add_user
from tests.conftest import run
from tests.integration.audit.support import integrate, sql
from tests.integration.web.web_support import PASSWORD, Web

EVENT_ROW = re.compile(r'<tr id="event-(\d+)">')


def _event_ids(page: str) -> list[int]:
    return [int(n) for n in EVENT_ROW.findall(page)]


def _all_pages(w: Web, path: str) -> str:
    """Every page of the log the listing leads to, by its "Next events" links, as one text."""
    texts = []
    while path:
        response = w.get(path)
        assert response.status_code == 200, response.text
        texts.append(response.text)
        found = re.search(r'<a rel="next" href="([^"]+)"', response.text)
        path = html.unescape(found[1]) if found else ""
    return "\n".join(texts)


def _rename_activity(w: Web, entity: str) -> tuple[dict[str, Any], str, str]:
    """As officer: change an activity's name through the API, with its version. Returns it, old, new."""
    w.sign_in("officer")
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    full = w.get(f"/api/activities/{item['id']}").json()
    body = {k: v for k, v in full.items() if k not in ("id", "entity", "created_at", "updated_at")}
    new = f"{full['name']} (revised)"
    saved = w.client.put(
        f"/api/activities/{item['id']}", json={**body, "name": new}, headers={"x-csrf-token": w.csrf}
    )
    assert saved.status_code == 200, saved.text
    return full, full["name"], new


def _seq_of(event_id: int) -> int:
    return int(sql("SELECT seq FROM audit_leaf WHERE event_id = {}", event_id)[0]["seq"])


def _sign_in_as(w: Web, username: str) -> Web:
    w.client.cookies.clear()
    signed = w.client.post("/sign-in", data={"username": username, "password": PASSWORD, "next": "/"})
    assert signed.status_code == 200, signed.text
    w.csrf = w.get("/api/auth/me").json()["csrf_token"]
    return w


def test_an_auditor_sees_the_events_of_their_entity_and_never_of_another(web):
    dk, no = web.ids["TECHEM-DK"], web.ids["TECHEM-NO"]
    web.sign_in("auditor")
    first = web.get("/audit")
    assert first.status_code == 200 and "Audit log" in first.text
    assert f'<option value="{dk}"' in first.text and no not in first.text
    everything = _all_pages(web, "/audit")
    assert _event_ids(everything) and dk in everything
    assert no not in everything and "Techem Norge" not in everything
    api = web.get("/api/audit/events", params={"limit": 1000}).json()["items"]
    assert {e["legal_entity_id"] for e in api} == {dk}
    assert sorted(_event_ids(everything)) == [e["event_id"] for e in api]
    # Another entity's events: refused in the filter, and one of its entries does not exist.
    other = web.get("/audit", params={"entity": no})
    assert other.status_code == 400 and "No such legal entity." in other.text
    assert _event_ids(other.text) == []
    seq_no = sql(
        "SELECT l.seq FROM audit_leaf l JOIN audit_event e ON e.event_id = l.event_id "
        "WHERE e.legal_entity_id = {} ORDER BY l.seq LIMIT 1",
        no,
    )[0]["seq"]
    assert web.get(f"/audit/events/{seq_no}").status_code == 404
    assert web.get(f"/audit/events/{seq_no}", headers={"hx-request": "true"}).status_code == 404


def test_filters_narrow_the_list_as_the_api_does(web):
    dk = web.ids["TECHEM-DK"]
    web.sign_in("auditor")
    for params in (
        {"entity": dk, "action": "activity.create"},
        {"record_type": "processor"},
        {"actor": "system", "record_type": "entity"},
        {"since": "2000-01-01", "until": "2000-12-31T00:00"},
    ):
        page = web.get("/audit", params={**params, "order": "oldest"})
        assert page.status_code == 200, page.text
        api = web.get("/api/audit/events", params={**params, "limit": 50}).json()["items"]
        assert _event_ids(page.text) == [e["event_id"] for e in api], params
    assert _event_ids(web.get("/audit", params={"record_type": "processor"}).text)
    # A date alone as "to" takes in that whole day; the API's "until" is the moment after it.
    today = dt.datetime.now(dt.UTC).date()
    page = web.get(
        "/audit", params={"record_type": "activity", "until": today.isoformat(), "order": "oldest"}
    )
    api = web.get(
        "/api/audit/events",
        params={"record_type": "activity", "until": (today + dt.timedelta(days=1)).isoformat(), "limit": 50},
    ).json()["items"]
    assert _event_ids(page.text) == [e["event_id"] for e in api] != []
    bad = web.get("/audit", params={"since": "last tuesday", "until": "2025-13-01"})
    assert bad.status_code == 400 and bad.text.count('aria-invalid="true"') == 2
    assert 'id="e-since"' in bad.text and 'id="e-until"' in bad.text and _event_ids(bad.text) == []


def test_the_download_links_carry_the_filter_and_answer_with_the_session(web):
    dk = web.ids["TECHEM-DK"]
    page = web.sign_in("auditor").get("/audit", params={"entity": dk, "action": "activity.create"}).text
    links = [html.unescape(h) for h in re.findall(r'href="(/api/audit/events/download\?[^"]+)"', page)]
    assert len(links) == 2 and all(f"entity={dk}" in h and "action=activity.create" in h for h in links)
    csv = web.get(next(h for h in links if h.endswith("format=csv")))
    assert csv.status_code == 200 and csv.text.startswith("seq,event_id,")
    assert len(csv.text.strip().splitlines()) == 1 + len(_event_ids(page))
    # The signed bundle holds every entity's events: offered only to an auditor of them all.
    assert "/api/audit/export" not in page
    run(add_user("w-auditor-all", "auditor", PASSWORD, ["*"], None))
    assert "/api/audit/export" in _sign_in_as(web, "w-auditor-all").get("/audit").text


def test_an_events_diff_shows_the_before_and_after_of_a_changed_field(web):
    dk = web.ids["TECHEM-DK"]
    activity, old, new = _rename_activity(web, "TECHEM-DK")
    web.sign_in("auditor")
    pending = web.get("/audit", params={"entity": dk, "action": "activity.update"}).text
    (event_id,) = _event_ids(pending)
    # Not yet in the tree: no entry to open, the change shown from the event itself.
    assert "pending" in pending
    assert f"<del>{html.escape(old)}</del>" in pending and f"<ins>{html.escape(new)}</ins>" in pending
    integrate()
    listed = web.get("/audit", params={"entity": dk, "action": "activity.update"}).text
    seq = _seq_of(event_id)
    assert f'hx-get="/audit/events/{seq}"' in listed and f'<a href="/audit/events/{seq}">' in listed
    full = web.get(f"/audit/events/{seq}")
    assert full.status_code == 200 and full.text.lstrip().startswith("<!doctype html>")
    for text in (full.text, web.get(f"/audit/events/{seq}", headers={"hx-request": "true"}).text):
        assert f"<del>{html.escape(old)}</del>" in text and f"<ins>{html.escape(new)}</ins>" in text
        assert '<th scope="row">Processing activity</th>' in text  # the label, never the path
    fragment = web.get(f"/audit/events/{seq}", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<nav" not in fragment.text
    assert "vary" in fragment.headers and "hx-request" in fragment.headers["vary"].lower()
    assert "activity.update" in full.text and activity["key"] in full.text


def test_reading_the_log_through_the_pages_is_itself_audited(web):
    dk = web.ids["TECHEM-DK"]
    web.sign_in("auditor")
    me = web.get("/api/auth/me").json()
    assert web.get("/audit", params={"entity": dk, "record_type": "activity"}).status_code == 200
    reads = web.get("/api/audit/events", params={"entity": dk, "action": "audit.read", "limit": 1000}).json()[
        "items"
    ]
    last = reads[-1]
    assert last["actor_id"] == f"user:{me['user_id']}" and last["entity_type"] == "audit_log"
    assert last["entity_id"] == "events"
    assert last["body"]["details"]["filter"] == {"legal_entity_id": dk, "entity_type": "activity"}
    seq = web.get("/api/audit/events", params={"entity": dk, "limit": 1}).json()["items"][0]["seq"]
    assert web.get(f"/audit/events/{seq}", headers={"hx-request": "true"}).status_code == 200
    entry_reads = sql(
        "SELECT actor_id, body FROM audit_event WHERE action = 'audit.read' AND entity_id = 'entry' "
        "ORDER BY event_id DESC LIMIT 1"
    )
    assert entry_reads[0]["actor_id"] == f"user:{me['user_id']}" and f'"seq":{seq}' in entry_reads[0]["body"]
    # The register's history is read from the log too, and that read is recorded.
    web.sign_in("officer")
    officer = web.get("/api/auth/me").json()
    assert web.get(f"/entities/{dk}/history").status_code == 200
    history_reads = sql(
        "SELECT actor_id, legal_entity_id FROM audit_event WHERE action = 'audit.read' "
        "ORDER BY event_id DESC LIMIT 1"
    )
    assert history_reads == [{"actor_id": f"user:{officer['user_id']}", "legal_entity_id": dk}]


def test_verification_says_verified_with_the_real_entry_count(web):
    integrate()
    web.sign_in("auditor")
    expected = web.get("/api/audit/verify").json()
    assert expected["ok"] and expected["tree_size"] > 0
    count = int(sql("SELECT COUNT(*) AS n FROM audit_leaf")[0]["n"])
    checkpoints = int(sql("SELECT COUNT(*) AS n FROM audit_checkpoint")[0]["n"])
    sentence = f"Verified: {count} entries, {checkpoints} checkpoints"
    full = web.post("/audit/verify")
    assert full.status_code == 200 and "<!doctype html>" in full.text and sentence in full.text
    fragment = web.post("/audit/verify", headers={"hx-request": "true"})
    assert fragment.status_code == 200 and sentence in fragment.text and "<html" not in fragment.text
    assert 'class="notice"' in fragment.text and "FAILED" not in fragment.text
    danish = web.post("/audit/verify?lang=da", headers={"hx-request": "true"})
    assert f"Verificeret: {count} poster" in danish.text
    # Without a post (a reload, a language link) the page offers the button and runs nothing.
    form = web.get("/audit/verify")
    assert form.status_code == 200 and 'action="/audit/verify"' in form.text and "Verified" not in form.text
    # The dashboard's button posts here; the audit page has its own.
    assert 'hx-post="/audit/verify"' in web.get("/audit").text
    assert web.sign_in("admin").post("/audit/verify").status_code == 200


def test_verification_refuses_a_missing_or_forged_csrf_token(web):
    web.sign_in("auditor")
    assert web.client.post("/audit/verify", data={}).status_code == 403
    assert web.client.post("/audit/verify", data={"csrf_token": "forged"}).status_code == 403
    forged = web.client.post("/audit/verify", headers={"hx-request": "true", "x-csrf-token": "forged"})
    assert forged.status_code == 403 and "Verified" not in forged.text
    assert web.post("/audit/verify").status_code == 200


def test_the_entity_history_is_a_timeline_of_its_register(web):
    dk, no = web.ids["TECHEM-DK"], web.ids["TECHEM-NO"]
    activity, old, new = _rename_activity(web, "TECHEM-DK")
    page = web.get(f"/entities/{dk}/history")
    assert page.status_code == 200 and "History of Techem Danmark A/S" in page.text
    assert 'aria-current="page">History' in page.text
    items = re.findall(r'<li id="event-(\d+)">(.*?)</li>', page.text, re.S)
    ids = [int(i) for i, _ in items]
    assert ids == sorted(ids, reverse=True)  # newest first
    newest = items[0][1]
    assert "Changed" in newest and html.escape(new) in newest and activity["key"] in newest
    assert "Changed: Processing activity" in newest and f"<del>{html.escape(old)}</del>" in newest
    assert "w-officer-dk" in newest
    api = web.get("/api/activities", params={"entity": dk, "limit": 500}).json()["items"]
    assert all(a["key"] in page.text for a in api)
    assert no not in page.text and "Techem Norge" not in page.text
    # Out of scope is not found, and so is a reference that names nothing.
    assert web.get(f"/entities/{no}/history").status_code == 404
    assert web.get("/entities/TECHEM-NO/history").status_code == 404
    assert web.get("/entities/nothing/history").status_code == 404


def test_an_activitys_history_lists_its_versions_with_their_diffs(web):
    dk, no = web.ids["TECHEM-DK"], web.ids["TECHEM-NO"]
    activity, old, new = _rename_activity(web, "TECHEM-DK")
    path = f"/entities/{dk}/activities/{activity['id']}/history"
    assert f'href="{path}"' in web.get(f"/entities/{dk}/activities/{activity['id']}").text
    page = web.get(path)
    assert page.status_code == 200
    assert page.text.index("Version 2") < page.text.index("Version 1")
    assert f"<del>{html.escape(old)}</del>" in page.text and f"<ins>{html.escape(new)}</ins>" in page.text
    assert "/audit/events/" not in page.text  # the officer may not open the log's entries
    by_key = web.get(f"/entities/TECHEM-DK/activities/{activity['key']}/history")
    assert by_key.status_code == 200 and f"<ins>{html.escape(new)}</ins>" in by_key.text
    # An activity of another entity, under this entity or its own, does not exist for this officer.
    web.sign_in("officer_all")
    other = web.get("/api/activities", params={"entity": no, "limit": 1}).json()["items"][0]
    web.sign_in("officer")
    assert web.get(f"/entities/{dk}/activities/{other['id']}/history").status_code == 404
    assert web.get(f"/entities/{no}/activities/{other['id']}/history").status_code == 404
    web.sign_in("officer_all")
    assert web.get(f"/entities/{dk}/activities/{other['id']}/history").status_code == 404
    web.sign_in("auditor")
    assert web.get(path).status_code == 200 and "/audit/events/" in web.get(path).text


def test_who_may_open_which_page(web):
    dk = web.ids["TECHEM-DK"]
    activity = web.sign_in("officer").get("/api/activities", params={"entity": dk, "limit": 1}).json()
    history = f"/entities/{dk}/activities/{activity['items'][0]['id']}/history"
    # A compliance officer reads the register's history, never the log itself.
    assert web.get(f"/entities/{dk}/history").status_code == 200
    assert web.get(history).status_code == 200
    assert web.get("/audit").status_code == 403
    assert web.get("/audit/events/0").status_code == 403
    assert web.post("/audit/verify").status_code == 403
    assert 'href="/audit"' not in web.get("/").text
    # An admin verifies but does not read the log.
    web.sign_in("admin")
    assert web.get("/audit").status_code == 403 and web.get(f"/entities/{dk}/history").status_code == 403
    # A regulator sees none of it, whichever entity.
    for role in ("regulator_dk", "regulator_no"):
        web.sign_in(role)
        for path in ("/audit", "/audit/events/0", f"/entities/{dk}/history", history):
            assert web.get(path).status_code in (403, 404), (role, path)
        assert web.post("/audit/verify").status_code == 403
        assert web.get("/audit/verify").status_code == 403
    # Nobody signed in: to the sign-in form and back.
    web.client.cookies.clear()
    gone = web.get("/audit?action=activity.update", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/sign-in?next=%2Faudit")
