"""The register in the browser: sign-in, dashboard, an entity's activities, one activity, its annexes."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs


def _activity_ids(w, entity_key: str) -> dict[str, str]:
    items = w.get("/api/activities", params={"entity": entity_key, "limit": 500}).json()["items"]
    return {a["key"]: a["id"] for a in items}


def test_a_page_without_a_session_goes_to_the_sign_in_form_and_back(web):
    dk = web.ids["TECHEM-DK"]
    response = web.get(f"/entities/{dk}?q=portal", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/sign-in?next=%2Fentities%2F{dk}%3Fq%3Dportal"
    form = web.get(response.headers["location"])
    assert form.status_code == 200 and 'name="password"' in form.text
    assert f'value="/entities/{dk}?q=portal"' in form.text
    signed = web.client.post(
        "/sign-in",
        data={
            "username": "w-officer-dk",
            "password": "correct horse battery staple",
            "next": f"/entities/{dk}",
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == f"/entities/{dk}"
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def test_wrong_password_is_refused_on_the_form_and_never_redirects_off_site(web):
    bad = web.client.post("/sign-in", data={"username": "w-officer-dk", "password": "nope", "next": "/"})
    assert bad.status_code == 401 and "Wrong username or password." in bad.text
    assert "ropa_session" not in bad.headers.get("set-cookie", "")
    off_site = web.client.post(
        "/sign-in",
        data={
            "username": "w-officer-dk",
            "password": "correct horse battery staple",
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert off_site.headers["location"] == "/"


def test_sign_in_is_rate_limited_on_the_form_too(web):
    statuses = [
        web.client.post("/sign-in", data={"username": "w-auditor-dk", "password": f"guess {i}"}).status_code
        for i in range(7)
    ]
    assert statuses[:5] == [401] * 5 and statuses[-1] == 429


def test_the_dashboard_counts_what_the_officer_may_see(web):
    page = web.sign_in("officer").get("/").text
    assert "Techem Danmark A/S" in page and "Techem Norge AS" not in page
    api = web.get("/api/activities", params={"entity": "TECHEM-DK", "limit": 500}).json()["items"]
    drafts = sum(a["status"] == "draft" for a in api)
    assert re.search(rf"Draft</th><td class=\"num\">{drafts}</td>", page)
    open_findings = web.get("/api/findings", params={"entity": "TECHEM-DK", "status": "open"}).json()
    high = sum(f["finding"]["severity"] == "high" for f in open_findings)
    assert f">{high}</a>" in page if high else True
    assert "Latest checkpoint" in page


def test_the_register_lists_filters_and_searches_activities(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    names = {
        a["name"] for a in web.get("/api/activities", params={"entity": dk, "limit": 500}).json()["items"]
    }
    page = web.get(f"/entities/{dk}").text
    for name in names:
        assert name.replace("'", "&#39;") in page or name in page
    # A word of some activities' names, not of all: the page finds what the API finds.
    word = next(
        w.lower() for n in sorted(names) for w in n.split() if len(w) > 5 and not all(w in m for m in names)
    )
    searched = web.get(f"/entities/{dk}", params={"q": word}).text
    api = web.get("/api/activities", params={"entity": dk, "q": word}).json()["items"]
    assert 0 < len(api) < len(names) and all(a["name"].replace("'", "&#39;") in searched for a in api)
    assert len(re.findall(r"/activities/[0-9a-f-]{36}\"", searched)) == len(api)
    none = web.get(f"/entities/{dk}", params={"status": "retired"}).text
    assert "No activity matches." in none


def test_an_activity_shows_every_element_and_its_source_sentences(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    first = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]
    record = web.get(f"/api/activities/{first['id']}").json()
    page = web.get(f"/entities/{dk}/activities/{first['id']}").text
    assert record["name"] in page
    for heading in ("Purposes of the processing", "Categories of data subjects", "Categories of recipients"):
        assert heading in page
    quotes = [s["quote"] for s in record["sources"]] + [
        s["quote"] for p in record["purposes"] for s in p["sources"]
    ]
    assert quotes
    import html

    for quote in quotes:
        assert html.escape(quote, quote=True) in page or quote in page
    assert 'href="/entities/' in page and "/edit" in page  # the officer may edit


def test_pages_come_in_danish_and_norwegian(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    danish = web.get(f"/entities/{dk}", params={"lang": "da"})
    assert '<html lang="da">' in danish.text and "Fortegnelse for Techem Danmark A/S" in danish.text
    # The choice is remembered.
    assert '<html lang="da">' in web.get("/").text
    norsk = web.get(f"/entities/{dk}/processors", params={"lang": "nb"}).text
    assert "Databehandlere og underdatabehandlere" in norsk and '<html lang="nb">' in norsk


def test_switching_language_keeps_the_search_and_filter(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    page = web.get(f"/entities/{dk}", params={"q": "support", "status": "draft"}).text
    links = re.findall(r'<a href="\?([^"]*)" hreflang="da"', page)
    assert len(links) == 1
    assert parse_qs(html.unescape(links[0])) == {"q": ["support"], "status": ["draft"], "lang": ["da"]}


def test_processors_transfers_and_retention_pages_show_the_annexes(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    processors = web.get("/api/processors", params={"entity": dk, "limit": 500}).json()["items"]
    page = web.get(f"/entities/{dk}/processors").text
    assert processors and all(p["name"] in page for p in processors)
    transfers = web.get("/api/transfers", params={"entity": dk, "limit": 500}).json()["items"]
    page = web.get(f"/entities/{dk}/transfers").text
    assert transfers and all(x["name"] in page for x in transfers)
    rules = web.get("/api/retention-rules", params={"entity": dk, "limit": 500}).json()["items"]
    page = web.get(f"/entities/{dk}/retention").text
    assert rules and all(r["name"].replace("'", "&#39;") in page for r in rules)


def test_a_regulator_reads_its_authoritys_register_only_and_cannot_edit(web):
    web.sign_in("regulator_no")
    no, dk = web.ids["TECHEM-NO"], web.ids["TECHEM-DK"]
    dashboard = web.get("/").text
    assert "Techem Norge AS" in dashboard and "Techem Danmark A/S" not in dashboard
    assert web.get(f"/entities/{no}").status_code == 200
    for path in (f"/entities/{dk}", f"/entities/{dk}/processors", "/entities/TECHEM-DK/transfers"):
        response = web.get(path)
        assert response.status_code == 404 and "Techem Danmark" not in response.text
    activity = web.get("/api/activities", params={"entity": no, "limit": 1}).json()["items"][0]
    page = web.get(f"/entities/{no}/activities/{activity['id']}").text
    assert "/edit" not in page and 'href="/audit"' not in page
