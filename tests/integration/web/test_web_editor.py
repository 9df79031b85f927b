"""The activity editor: the API's audited update; bad input shown inline; a stale save is a conflict."""

from __future__ import annotations

import re

from tests.integration.web.web_support import parse_form


def _first_activity(w, entity: str) -> dict:
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    return w.get(f"/api/activities/{item['id']}").json()


def _editor(w, entity_id: str, activity_id: str) -> tuple[str, dict]:
    page = w.get(f"/entities/{entity_id}/activities/{activity_id}/edit")
    assert page.status_code == 200, page.text
    return page.text, parse_form(page.text)


def test_saving_the_form_changes_the_record_and_keeps_what_the_form_does_not_show(web):
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


def test_a_browsers_line_breaks_are_kept_as_the_apis(web):
    """A browser sends a text area's lines joined by "\\r\\n": the register keeps "\\n", as the API's
    clients write it, so the Excel export, a dump and a diff see the same text."""
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    _, form = _editor(web, dk, before["id"])
    form["description"] = "Første linje\r\nAnden linje\rTredje linje"
    saved = web.post(f"/entities/{dk}/activities/{before['id']}/edit", form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["description"] == "Første linje\nAnden linje\nTredje linje"


def test_pickers_offer_the_vocabulary_and_the_entitys_own_records(web):
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


def test_invalid_input_is_shown_next_to_its_field_and_changes_nothing(web):
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


def _as_list(value) -> list[str]:
    return value if isinstance(value, list) else ([value] if value else [])


def _activity_with_recipients(w, entity: str) -> dict:
    items = w.get("/api/activities", params={"entity": entity, "limit": 100}).json()["items"]
    for item in items:
        full = w.get(f"/api/activities/{item['id']}").json()
        if len(full["recipients"]) >= 2 and len(full["data_categories"]) >= 2:
            return full
    raise AssertionError("the demo register has an activity with two recipients and two data categories")


def test_two_officers_changing_different_fields_are_merged_without_a_conflict_screen(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _activity_with_recipients(web, dk)
    path = f"/entities/{dk}/activities/{activity['id']}/edit"
    _, mine = _editor(web, dk, activity["id"])
    _, theirs = _editor(web, dk, activity["id"])
    # They remove a recipient and change the description; I change the system and add a data category.
    removed = activity["recipients"][0]
    theirs["recipients"] = [r for r in _as_list(theirs["recipients"]) if r != removed]
    assert web.post(path, theirs | {"description": "Their description"}).status_code == 200
    mine["data_categories"] = [*_as_list(mine.get("data_categories")), "name"]
    saved = web.post(path, mine | {"system": "My system name"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith(f"?saved={activity['version'] + 2}&merged=1")
    assert "their changes are kept" in web.get(saved.headers["location"]).text
    latest = web.get(f"/api/activities/{activity['id']}").json()
    assert latest["description"] == "Their description" and latest["system"] == "My system name"
    assert removed not in latest["recipients"]  # what they removed stays removed
    assert latest["recipients"] == [r for r in activity["recipients"] if r != removed]
    assert "name" in [u["category"] for u in latest["data_categories"]]
    assert latest["purposes"] == activity["purposes"] and latest["sources"] == activity["sources"]
    # The version both started from was read from the audit log, and that read is itself recorded.
    me = web.get("/api/auth/me").json()
    web.sign_in("auditor")
    reads = web.get("/api/audit/events", params={"entity": dk, "action": "audit.read", "limit": 1000})
    base_reads = [e for e in reads.json()["items"] if e["entity_id"] == "version"]
    assert [e["actor_id"] for e in base_reads] == [f"user:{me['user_id']}"]
    details = {"entity_type": "activity", "entity_id": activity["id"], "version": activity["version"]}
    assert base_reads[0]["body"]["details"] == details


def test_both_changing_one_field_shows_only_that_field_and_apply_mine_keeps_their_removal(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _activity_with_recipients(web, dk)
    path = f"/entities/{dk}/activities/{activity['id']}/edit"
    _, mine = _editor(web, dk, activity["id"])
    _, theirs = _editor(web, dk, activity["id"])
    removed = activity["recipients"][0]
    dropped = activity["data_categories"][0]["category"]
    theirs["recipients"] = [r for r in _as_list(theirs["recipients"]) if r != removed]
    theirs["data_categories"] = [c for c in _as_list(theirs["data_categories"]) if c != dropped]
    assert web.post(path, theirs | {"name": "Their name"}).status_code == 200
    conflict = web.post(path, mine | {"name": "My name", "notes": "My note"})
    assert conflict.status_code == 409
    assert "Someone else saved first" in conflict.text and "Both of you changed these fields" in conflict.text
    rows = re.findall(r'<th scope="row">([^<]*)</th>', conflict.text)
    assert rows == ["Processing activity"]  # the one field both changed; not the recipients, not the notes
    table = conflict.text.split("<table")[1].split("</table>")[0]
    assert "Their name" in table and "My name" in table
    assert f"When you opened it (version {activity['version']})" in table
    assert activity["name"] in table  # the value both started from
    assert "data_categories" not in table and "recipients" not in table  # labels, never field names
    assert web.get(f"/api/activities/{activity['id']}").json()["name"] == "Their name"
    # Apply mine: the editor on the latest version, my description, their removals kept.
    hidden = parse_form(conflict.text.split('name="reapply"')[1].split("</form>")[0])
    reopened = web.post(path, {"reapply": "1", **hidden})
    assert reopened.status_code == 200
    form = parse_form(reopened.text)
    assert form["version"] == str(activity["version"] + 1)
    assert form["name"] == "My name" and form["notes"] == "My note"
    assert removed not in _as_list(form["recipients"]) and dropped not in _as_list(form["data_categories"])
    assert web.post(path, form, follow_redirects=False).status_code == 303
    latest = web.get(f"/api/activities/{activity['id']}").json()
    assert latest["version"] == activity["version"] + 2
    assert latest["name"] == "My name" and latest["notes"] == "My note"
    assert removed not in latest["recipients"]  # no lost update
    assert dropped not in [u["category"] for u in latest["data_categories"]]


def test_a_third_save_between_the_conflict_screen_and_the_save_is_caught_again(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{activity['id']}/edit"
    _, mine = _editor(web, dk, activity["id"])
    _, second = _editor(web, dk, activity["id"])
    assert web.post(path, second | {"description": "Second description"}).status_code == 200
    conflict = web.post(path, mine | {"description": "My description"})
    assert conflict.status_code == 409
    hidden = parse_form(conflict.text.split('name="reapply"')[1].split("</form>")[0])
    # A third officer saves the same field and another one before I apply mine.
    _, third = _editor(web, dk, activity["id"])
    assert (
        web.post(path, third | {"description": "Third description", "system": "Third system"}).status_code
        == 200
    )
    again = web.post(path, {"reapply": "1", **hidden})
    assert again.status_code == 409
    assert "Third description" in again.text and "Second description" in again.text
    hidden = parse_form(again.text.split('name="reapply"')[1].split("</form>")[0])
    form = parse_form(web.post(path, {"reapply": "1", **hidden}).text)
    assert form["version"] == str(activity["version"] + 2) and form["system"] == "Third system"
    # The editor opened by key works too.
    assert web.get(f"/entities/{dk}/activities/{activity['key']}/edit").status_code == 200
    # A stale form posted straight (the same field changed, so no merge): a conflict, nothing saved.
    assert web.post(path, mine | {"description": "Stale"}).status_code == 409
    assert web.get(f"/api/activities/{activity['id']}").json()["description"] == "Third description"


def test_only_officers_of_the_entity_may_open_or_post_the_editor(web):
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


def test_quick_defects_review_order_plural_and_messages_in_the_pages_language(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    _, form = _editor(web, dk, before["id"])
    # A next review before the last review is refused on its field, in Danish.
    bad = web.post(
        path + "?lang=da", form | {"last_reviewed_at": "2026-10-01", "next_review_due": "2026-09-01"}
    )
    assert bad.status_code == 422 and 'id="err-next_review_due"' in bad.text
    assert "Næste gennemgang kan ikke ligge før seneste gennemgang." in bad.text
    # msgspec's own words never reach the page: an empty name and a bad date, in Norwegian.
    bad = web.post(path + "?lang=nb", form | {"name": ""})
    assert bad.status_code == 422 and "Fyll ut feltet." in bad.text and "Expected" not in bad.text
    bad = web.post(path + "?lang=nb", form | {"next_review_due": "30/06/2027"})
    assert bad.status_code == 422 and "Oppgi en dato som ÅÅÅÅ-MM-DD." in bad.text and "RFC" not in bad.text
    assert web.get(f"/api/activities/{before['id']}").json() == before
    # One activity found is "1 activity", not "1 activities" (the search reads every field: PA-DK-01
    # is also named in another activity's text, PA-DK-05 in its own alone).
    one = web.get(f"/entities/{dk}", params={"q": "PA-DK-05", "lang": "en"}).text
    assert "1 activity shown" in one and "1 activities" not in one
