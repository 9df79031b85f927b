"""Sign-in only from this site (login CSRF), and a credential only as what it is (token or session)."""

from __future__ import annotations

import pytest

from tests.integration.access.access_support import PASSWORD

SITE = "http://testserver.local"  # the test client's own origin
EVIL = "https://evil.example"
FORM = {"username": "t-officer-dk", "password": PASSWORD, "next": "/"}


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": EVIL},
        {"origin": "null"},  # a sandboxed frame or a privacy-preserving browser
        {"origin": "http://testserver.local:8080"},  # same host, another port
        {"origin": "https://testserver.local"},  # same host, another scheme
        {"referer": f"{EVIL}/prize.html"},  # no Origin: judged by the Referer
    ],
)
def test_a_sign_in_posted_from_another_site_is_refused(secured, headers):
    c = secured.client
    api = c.post(
        "/api/auth/sign-in", json={"username": "t-officer-dk", "password": PASSWORD}, headers=headers
    )
    assert api.status_code == 403, api.text
    assert api.headers["content-type"].startswith("application/problem+json")
    assert "not from this site" in api.json()["detail"]
    assert "set-cookie" not in api.headers
    form = c.post("/sign-in", data=FORM, headers=headers, follow_redirects=False)
    assert form.status_code == 403
    assert "did not come from this site" in form.text
    assert "set-cookie" not in form.headers
    assert c.get("/api/auth/me").status_code == 401  # no session came of either


def test_another_site_cannot_lock_a_visitor_out(secured):
    c = secured.client
    for i in range(8):  # more wrong passwords than the account allows, all posted from elsewhere
        wrong = {"username": "t-officer-dk", "password": f"guess {i}"}
        assert c.post("/api/auth/sign-in", json=wrong, headers={"origin": EVIL}).status_code == 403
        assert (
            c.post("/sign-in", data={**FORM, "password": f"guess {i}"}, headers={"origin": EVIL}).status_code
            == 403
        )
    right = c.post("/sign-in", data=FORM, headers={"origin": SITE}, follow_redirects=False)
    assert right.status_code == 303


def test_a_cross_site_text_plain_post_cannot_reach_the_json_sign_in(secured):
    # A form with enctype=text/plain can carry a JSON body, and needs no CORS preflight.
    body = '{"username": "t-officer-dk", "password": "correct horse battery staple"}'
    response = secured.client.post(
        "/api/auth/sign-in", content=body, headers={"origin": EVIL, "content-type": "text/plain"}
    )
    assert response.status_code == 403 and "set-cookie" not in response.headers


def test_a_sign_in_from_this_site_is_accepted(secured):
    c = secured.client
    for headers in ({"origin": SITE}, {"referer": f"{SITE}/sign-in?next=%2F"}):
        c.cookies.clear()
        form = c.post("/sign-in", data=FORM, headers=headers, follow_redirects=False)
        assert form.status_code == 303 and "ropa_session=" in form.headers["set-cookie"]
        assert c.get("/api/auth/me").json()["username"] == "t-officer-dk"
    c.cookies.clear()
    api = c.post(
        "/api/auth/sign-in", json={"username": "t-officer-dk", "password": PASSWORD}, headers={"origin": SITE}
    )
    assert api.status_code == 200
    # A script sends no Origin: the JSON sign-in takes it.
    c.cookies.clear()
    script = c.post("/api/auth/sign-in", json={"username": "t-officer-dk", "password": PASSWORD})
    assert script.status_code == 200


def test_the_form_refuses_a_sign_in_without_origin_or_referer(secured):
    # Every current browser sends Origin on a POST, so a form post without it is not from our page.
    response = secured.client.post("/sign-in", data=FORM, follow_redirects=False)
    assert response.status_code == 403 and "set-cookie" not in response.headers
    assert "did not come from this site" in response.text


def test_an_api_token_is_not_a_session_cookie(secured):
    c, token = secured.client, secured.tokens["officer"]
    assert c.get("/api/auth/me", headers=secured.as_("officer")).status_code == 200  # as a token: fine
    c.cookies.set("ropa_session", token)
    assert c.get("/api/auth/me").status_code == 401
    body = {"entity": "TECHEM-DK", "key": "PA-COOKIE", "name": "Slipped past CSRF"}
    assert c.post("/api/activities", json=body).status_code == 401
    c.cookies.clear()
    listed = c.get("/api/activities", headers=secured.as_("officer"), params={"limit": 500}).json()["items"]
    assert "PA-COOKIE" not in {a["key"] for a in listed}


def test_a_session_is_not_a_bearer_token_and_keeps_its_csrf_check(secured):
    c = secured.client
    signed = c.post("/api/auth/sign-in", json={"username": "t-officer-dk", "password": PASSWORD})
    session, csrf = c.cookies["ropa_session"], signed.json()["csrf_token"]
    body = {"entity": "TECHEM-DK", "key": "PA-SESSION", "name": "Made in a browser"}
    assert c.post("/api/activities", json=body).status_code == 403  # the cookie, no CSRF token
    c.cookies.clear()
    bearer = {"authorization": f"Bearer {session}"}
    assert c.get("/api/auth/me", headers=bearer).status_code == 401
    assert c.post("/api/activities", json=body, headers=bearer).status_code == 401
    c.cookies.set("ropa_session", session)
    assert c.post("/api/activities", json=body, headers={"x-csrf-token": csrf}).status_code == 201


def test_the_sign_in_page_lets_the_browser_name_its_origin(secured):
    # Under the site's no-referrer policy a browser would post the form with "Origin: null".
    for response in (
        secured.client.get("/sign-in"),
        secured.client.post("/sign-in", data={**FORM, "password": "wrong"}, headers={"origin": SITE}),
    ):
        assert response.headers.get_list("referrer-policy") == ["same-origin"]
