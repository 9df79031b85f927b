"""The cookie inventory in the browser: the entity's Cookies tab lists the cookies in the page's
language, and an officer creates and edits one through the generic record form, audited as the API's."""

from __future__ import annotations

from tests.integration.web.web_support import parse_form


def _form(w, path: str) -> dict:
    page = w.get(path)
    assert page.status_code == 200, page.text
    first = page.text.split("<main")[1].split("</form>")[0]
    return {k: v for k, v in parse_form(first).items() if k != "csrf_token"}


def test_the_cookies_tab_lists_the_inventory_in_danish(web):
    web.sign_in("regulator_dk")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}/cookies?lang=da")
    assert page.status_code == 200, page.text
    text = page.text
    assert "Cookies og lignende teknologier" in text and "Google Analytics cookies" in text
    assert "Tredjepart" in text and "Statistik" in text and "Hotjar" in text
    assert "third" not in text.split("<main")[1] and "statistics" not in text.split("<main")[1]
    assert f'href="/entities/{dk}/cookies"' in text  # the tab
    assert "/cookies/new" not in text  # a regulator only reads


def test_an_officer_creates_and_edits_a_cookie_with_messages_by_field(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    form = _form(web, f"/entities/{dk}/cookies/new")
    page = web.get(f"/entities/{dk}/cookies/new?lang=nb").text
    for field in ("party", "consent_category", "duration", "technology", "processor", "recipient"):
        assert f'id="f-{field}"' in page, field
    assert "Samtykkekategori" in page and "Markedsføring" in page and 'value="PA-DK-04"' in page
    body = form | {
        "key": "C-DK-SESSION",
        "name": "PHPSESSID",
        "party": "first",
        "consent_category": "necessary",
        "duration": "13 måneder",
        "activities": "PA-DK-01",
    }
    refused = web.post(f"/entities/{dk}/cookies/new?lang=da", body)
    assert refused.status_code == 422
    assert 'id="err-f-duration"' in refused.text and "Expected" not in refused.text
    saved = web.post(f"/entities/{dk}/cookies/new", body | {"duration": "session"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/entities/{dk}/cookies?saved=C-DK-SESSION"
    items = web.get("/api/cookies", params={"entity": dk, "limit": 500, "view": "full"}).json()["items"]
    cookie = next(c for c in items if c["key"] == "C-DK-SESSION")
    assert (cookie["duration"], cookie["party"], cookie["activities"]) == ("session", "first", ["PA-DK-01"])
    path = f"/entities/{dk}/cookies/C-DK-SESSION/edit"
    edited = web.post(path, _form(web, path) | {"technology": "local_storage"}, follow_redirects=False)
    assert edited.status_code == 303, edited.text
    after = web.get(f"/api/cookies/{cookie['id']}").json()
    assert (after["technology"], after["version"], after["duration"]) == ("local_storage", 2, "session")
    web.sign_in("auditor")
    events = web.get("/api/audit/events", params={"record_id": cookie["id"]}).json()["items"]
    assert {e["action"] for e in events} == {"cookie.create", "cookie.update"}
