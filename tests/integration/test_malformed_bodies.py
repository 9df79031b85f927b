"""Bodies that cannot be decoded at all (not UTF-8, nested 10,000 deep) are the client's 400, never a 500."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"
BODIES = {
    "invalid-utf8": b'{"key": "K\xff\xfe", "legal_name": "Bad \xc3\x28 ApS", "country": "DK"}',
    "deep-array": b"[" * 10_000 + b"]" * 10_000,
    "deep-object": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
}
REASONS = {"invalid-utf8": "not valid UTF-8", "deep-array": "nested", "deep-object": "nested"}


def _entities(client):
    return client.get("/api/entities").json()["items"]


@pytest.mark.parametrize("path", ["/api/entities", "/api/auth/sign-in", "/api/register/import"])
@pytest.mark.parametrize("kind", sorted(BODIES))
def test_an_undecodable_json_body_is_a_400_naming_the_body(client, path, kind):
    before = _entities(client)
    response = client.post(path, content=BODIES[kind], headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 400
    assert [p["name"] for p in problem["invalid_params"]] == ["body"]
    assert REASONS[kind] in problem["invalid_params"][0]["reason"]
    assert _entities(client) == before


def test_malformed_json_names_the_body_too(client):
    response = client.post("/api/entities", content=b'{"key": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["invalid_params"] == [{"name": "body", "reason": "Input data was truncated"}]


def test_a_form_field_that_is_not_utf8_gives_the_sign_in_page_a_400_not_a_failure(client):
    fields = {"username": (None, b"\xff\xfe"), "password": (None, b"x")}
    page = client.post("/sign-in", files=fields, headers={"accept": "text/html"})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    api = client.post("/api/entities", files=fields)
    assert api.status_code == 400 and api.headers["content-type"].startswith(PROBLEM)
