"""The activity editor: the API's audited update; bad input shown inline; a stale save is a conflict."""

from __future__ import annotations

import re

from tests.integration.web.web_support import parse_form, web  # noqa: F401 - fixture


def _first_activity(w, entity: str) -> dict:
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    return w.get(f"/api/activities/{item['id']}").json()


def _editor(w, entity_id: str, activity_id: str) -> tuple[str, dict]:
    page = w.get(f"/entities/{entity_id}/activities/{activity_id}/edit")
    assert page.status_code == 200, page.text
    return page.text, parse_form(page.text)


def test_saving_the_form_changes_the_record_and_keeps_what_the_form_does_not_show(web):  # noqa: F811
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    html, form = _editor(web, dk, before["id"])
    assert form["name"] == before["name"] and form["version"] == str(before["version"])
    assert 'for="f-name"' in html and 'id="f-name"' in html  # labelled
    form |= {"name": "Portal user accounts", "status": "in_review", "next_review_due": "2027-06-30"}
    saved = web.post(f"/entities/{dk}/activities/{before['id']}/edit", form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    version = before["version"] + 1
    assert saved.headers["location"] == f"/entities/{dk}/activities/{before['id']}?saved={version}"
    page = web.get(saved.headers["location"]).text
    assert f"Saved as version {before['version'] + 1}." in page and "Portal user accounts" in page
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["name"] == "Portal user accounts" and after["status"] == "in_review"
    assert after["next_review_due"] == "2027-06-30"
    # What the form does not show is carried over untouched.
    for kept in ("sources", "data_sources", "recipients", "transfers", "retention", "dpia", "consent"):
        assert after.get(kept) == before.get(kept), kept
    assert [p["sources"] for p in after["purposes"]] == [p["sources"] for p in before["purposes"]]
    assert [u for u in after["data_categories"]] == [u for u in before["data_categories"]]
    # The change is in the history, by this officer, through the same audited write as the API.
    web.sign_in("auditor")
    query = {"record_id": before["id"], "action": "activity.update"}
    events = web.get("/api/audit/events", params=query).json()
    assert events["items"] and events["items"][-1]["actor_id"].startswith("user:")


def test_pickers_offer_the_vocabulary_and_the_entitys_own_records(web):  # noqa: F811
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _first_activity(web, dk)
    html, _ = _editor(web, dk, activity["id"])
    recipients = web.get("/api/recipients", params={"entity": dk, "limit": 500}).json()["items"]
    for r in recipients:
        assert f'value="{r["key"]}"' in html
    no_recipients = web.get("/api/recipients", params={"entity": "TECHEM-NO", "limit": 500})
    assert no_recipients.status_code == 422  # the officer of Denmark does not see Norway's records
    assert 'value="art6_1_f"' in html and "Legitimate interests" in html
    # Adding a data category and a legal basis to a new purpose.
    _, form = _editor(web, dk, activity["id"])
    form["data_categories"] = (
        [*form.get("data_categories", []), "name"]
        if isinstance(form.get("data_categories"), list)
        else [form["data_categories"], "name"]
    )
    count = int(form["purpose_count"])
    form[f"purpose-{count}-description"] = "Sending service notices"
    form[f"purpose-{count}-legal_bases"] = "art6_1_b"
    assert web.post(f"/entities/{dk}/activities/{activity['id']}/edit", form).status_code == 200
    after = web.get(f"/api/activities/{activity['id']}").json()
    assert "name" in [u["category"] for u in after["data_categories"]]
    assert after["purposes"][-1] == {**after["purposes"][-1], "description": "Sending service notices"}
    assert after["purposes"][-1]["legal_bases"] == ["art6_1_b"]


def test_invalid_input_is_shown_next_to_its_field_and_changes_nothing(web):  # noqa: F811
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    _, form = _editor(web, dk, before["id"])
    form |= {"name": "", "next_review_due": "30/06/2027"}
    response = web.post(f"/entities/{dk}/activities/{before['id']}/edit", form)
    assert response.status_code == 422
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert re.search(r'id="err-(name|next_review_due)"', response.text)
    assert web.get(f"/api/activities/{before['id']}").json() == before
    # A term that does not exist: the API's own message, on the field.
    _, form = _editor(web, dk, before["id"])
    form["data_subjects"] = "no_such_subject"
    response = web.post(f"/entities/{dk}/activities/{before['id']}/edit", form)
    assert response.status_code == 422 and 'id="err-data_subjects"' in response.text
    assert "no_such_subject" in response.text
    assert web.get(f"/api/activities/{before['id']}").json() == before


def test_a_stale_save_gets_the_conflict_screen_and_can_be_reapplied(web):  # noqa: F811
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{activity['id']}/edit"
    _, mine = _editor(web, dk, activity["id"])
    _, theirs = _editor(web, dk, activity["id"])
    assert web.post(path, theirs | {"description": "Their description"}).status_code == 200
    conflict = web.post(path, mine | {"system": "My system name"})
    assert conflict.status_code == 409
    assert "Someone else saved first" in conflict.text
    assert "Their description" in conflict.text and "My system name" in conflict.text
    assert web.get(f"/api/activities/{activity['id']}").json()["system"] == activity["system"]
    # Re-apply: the editor on the latest version with my values; saving it then succeeds.
    hidden = parse_form(conflict.text.split('name="reapply"')[1].split("</form>")[0])
    reopened = web.post(path, {"reapply": "1", **hidden})
    assert reopened.status_code == 200
    form = parse_form(reopened.text)
    assert form["version"] == str(activity["version"] + 1) and form["system"] == "My system name"
    assert web.post(path, form, follow_redirects=False).status_code == 303
    latest = web.get(f"/api/activities/{activity['id']}").json()
    assert latest["system"] == "My system name" and latest["version"] == activity["version"] + 2


def test_only_officers_of_the_entity_may_open_or_post_the_editor(web):  # noqa: F811
    dk, no = web.ids["TECHEM-DK"], web.ids["TECHEM-NO"]
    web.sign_in("officer_all")
    activity = _first_activity(web, no)
    path = f"/entities/{no}/activities/{activity['id']}/edit"
    _, form = _editor(web, no, activity["id"])
    # The officer of Denmark: Norway's activity does not exist for them.
    web.sign_in("officer")
    assert web.get(path).status_code == 404
    assert web.post(path, form).status_code == 404
    # The same activity under the wrong entity is not found either.
    assert web.get(f"/entities/{dk}/activities/{activity['id']}/edit").status_code == 404
    # Read-only roles: refused, and the record is unchanged.
    for role in ("auditor", "regulator_no"):
        web.sign_in(role)
        assert web.get(path).status_code in (403, 404)
        assert web.post(path, form | {"name": "Changed"}).status_code in (403, 404)
    # A session post without the CSRF token is refused.
    web.sign_in("officer_all")
    assert web.client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403
    web.sign_in("admin")
    assert web.get("/api/activities/" + activity["id"]).json()["name"] == activity["name"]
