"""The activity editor's translations: per export language, the name, the description and each
purpose's description; a save that does not touch them keeps them, an emptied field removes one."""

from __future__ import annotations

from tests.integration.web.web_support import parse_form


def _activity(w, entity: str) -> dict:
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    return w.get(f"/api/activities/{item['id']}").json()


def _form(w, entity: str, activity: str) -> tuple[str, dict]:
    page = w.get(f"/entities/{entity}/activities/{activity}/edit")
    assert page.status_code == 200, page.text
    return page.text, parse_form(page.text)


def _save(w, entity: str, activity: str, form: dict) -> dict:
    saved = w.post(f"/entities/{entity}/activities/{activity}/edit", form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    return w.get(f"/api/activities/{activity}").json()


def test_translations_are_edited_in_the_form_and_kept_by_saves_that_do_not_touch_them(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    html, form = _form(web, dk, before["id"])
    assert "<details" in html and "Translation into Danish" in html and 'for="f-tr-da-name"' in html
    assert form["tr-da-name"] == "" and form["purpose-0-tr-nb"] == ""
    # French too: the CNIL's export is in French, though the web itself is not.
    assert "Translation into French" in html and form["tr-fr-name"] == "" and form["purpose-0-tr-fr"] == ""
    form |= {
        "tr-da-name": "Kundeportal",
        "tr-nb-description": "Kundeportalen",
        "tr-fr-name": "Portail client",
        "purpose-0-tr-da": "At levere",
    }
    after = _save(web, dk, before["id"], form)
    assert after["translations"] == {
        "da": {"name": "Kundeportal"},
        "nb": {"description": "Kundeportalen"},
        "fr": {"name": "Portail client"},
    }
    assert after["purposes"][0]["translations"] == {"da": {"description": "At levere"}}
    assert after["name"] == before["name"]  # the text as written is not touched
    # Saved again as shown, and once by a post that carries no translation fields: both keep them.
    _, form = _form(web, dk, before["id"])
    assert form["tr-da-name"] == "Kundeportal" and form["purpose-0-tr-da"] == "At levere"
    form["name"] = "Customer portal accounts"
    kept = _save(web, dk, before["id"], form)
    assert kept["translations"] == after["translations"] and kept["name"] == "Customer portal accounts"
    _, form = _form(web, dk, before["id"])
    bare = {k: v for k, v in form.items() if "tr-" not in k}
    kept = _save(web, dk, before["id"], bare)
    assert kept["translations"] == after["translations"]
    assert kept["purposes"][0]["translations"] == {"da": {"description": "At levere"}}
    # An emptied field removes that translation; none left: none recorded.
    _, form = _form(web, dk, before["id"])
    form |= {"tr-da-name": "", "tr-nb-description": "", "tr-fr-name": "", "purpose-0-tr-da": ""}
    emptied = _save(web, dk, before["id"], form)
    assert "translations" not in emptied and "translations" not in emptied["purposes"][0]


def test_a_too_long_translation_is_shown_at_its_field(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    _, form = _form(web, dk, before["id"])
    form["tr-nb-name"] = "x" * 301
    refused = web.post(f"/entities/{dk}/activities/{before['id']}/edit", form, follow_redirects=False)
    assert refused.status_code == 422, refused.text
    assert 'id="err-tr-nb-name"' in refused.text and '<details class="translations" open>' in refused.text
    assert web.get(f"/api/activities/{before['id']}").json()["version"] == before["version"]
