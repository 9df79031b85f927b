"""The activity editor in Danish: a recipient, transfer or retention rule made without leaving the form
(the officer's unsaved edits kept, the new record picked, two separate audited changes), and the
stated rights and exclusions edited, checked by field and kept as they are when not touched."""

from __future__ import annotations

from typing import Any

from tests.integration.web.web_support import Web, parse_form

DA = {"accept-language": "da"}


def _activity(w: Web, entity: str) -> dict[str, Any]:
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    return dict(w.get(f"/api/activities/{item['id']}").json())


def _editor(w: Web, path: str) -> dict[str, Any]:
    page = w.get(path, headers=DA)
    assert page.status_code == 200, page.text
    return {k: v for k, v in parse_form(page.text).items() if k != "csrf_token"}


def _list(value: Any) -> list[str]:
    return value if isinstance(value, list) else [value] if value else []


def _events(w: Web, action: str, record_id: str) -> list[dict[str, Any]]:
    w.sign_in("auditor")
    found = w.get("/api/audit/events", params={"record_id": record_id, "action": action}).json()["items"]
    w.sign_in("officer")
    return list(found)


def test_a_recipient_made_in_the_editor_is_picked_and_the_unsaved_edits_are_kept(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = _editor(web, path) | {"name": "Kundeportal (ikke gemt endnu)", "system": "Portal 2"}
    new = {"new-recipient-key": "R-INLINE-1", "new-recipient-name": "Inkassobureau A/S"}
    new |= {"new-recipient-kind": "external_organisation", "new-recipient-country": "DK"}
    made = web.post(path, form | new | {"inline": "recipient"}, headers=DA)
    assert made.status_code == 200, made.text
    assert "Modtageren Inkassobureau A/S (R-INLINE-1) er oprettet og valgt." in made.text
    shown = parse_form(made.text)
    assert shown["name"] == "Kundeportal (ikke gemt endnu)" and shown["system"] == "Portal 2"
    assert "R-INLINE-1" in _list(shown["recipients"])
    assert shown["version"] == str(before["version"])  # still the version the form was opened at
    assert shown.get("new-recipient-key", "") == ""  # the short form is emptied for the next one
    recipients = web.get("/api/recipients", params={"entity": dk, "limit": 500}).json()["items"]
    listed = next(r for r in recipients if r["key"] == "R-INLINE-1")
    created = web.get(f"/api/recipients/{listed['id']}").json()
    assert created["name"] == "Inkassobureau A/S" and created["kind"] == "external_organisation"
    # The activity itself is not saved by making the record.
    assert web.get(f"/api/activities/{before['id']}").json()["version"] == before["version"]
    saved = web.post(path, {k: v for k, v in shown.items() if k != "csrf_token"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["name"] == "Kundeportal (ikke gemt endnu)" and after["recipients"][-1] == "R-INLINE-1"
    assert after["recipients"][:-1] == before["recipients"]
    # Two changes in the history, each by this officer: the recipient's creation, the activity's save.
    assert len(_events(web, "recipient.create", created["id"])) == 1
    assert len(_events(web, "activity.update", before["id"])) >= 1


def test_a_refused_inline_record_names_its_fields_in_danish_and_creates_nothing(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    count = len(web.get("/api/retention-rules", params={"entity": dk, "limit": 500}).json()["items"])
    form = _editor(web, path) | {"owner": "Kundeservice"}
    bad = {"new-retention-key": "RET-INLINE-BAD", "new-retention-name": "Kundesager"}
    bad |= {"new-retention-kind": "fixed", "new-retention-duration": "fem år"}
    refused = web.post(path, form | bad | {"inline": "retention"}, headers=DA)
    assert refused.status_code == 422, refused.text
    assert '<a href="#f-new-retention-duration">Ny opbevaringsregel: Varighed (ISO 8601)</a>' in refused.text
    assert 'id="err-new-retention-duration">Angiv en varighed som P5Y' in refused.text
    shown = parse_form(refused.text)
    assert shown["owner"] == "Kundeservice" and shown["new-retention-duration"] == "fem år"
    after = web.get("/api/retention-rules", params={"entity": dk, "limit": 500}).json()["items"]
    assert len(after) == count and "RET-INLINE-BAD" not in [r["key"] for r in after]
    # A transfer without its mechanism: the select is named, nothing is created.
    xfer = {"new-transfer-key": "T-INLINE-BAD", "new-transfer-name": "Til USA"}
    refused = web.post(path, form | xfer | {"inline": "transfer"}, headers=DA)
    assert refused.status_code == 422 and 'href="#f-new-transfer-mechanism"' in refused.text
    transfers = web.get("/api/transfers", params={"entity": dk, "limit": 500}).json()["items"]
    assert "T-INLINE-BAD" not in [t["key"] for t in transfers]


def test_a_concurrent_save_after_an_inline_record_is_still_a_conflict(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    mine = _editor(web, path)
    theirs = _editor(web, path)
    assert web.post(path, theirs | {"name": "Deres navn"}).status_code == 200  # saved (and followed)
    rule = {"new-retention-key": "RET-INLINE-2", "new-retention-name": "Fakturaer i 5 år"}
    rule |= {"new-retention-kind": "fixed", "new-retention-duration": "P5Y"}
    made = web.post(path, mine | {"name": "Mit navn"} | rule | {"inline": "retention"}, headers=DA)
    assert made.status_code == 200, made.text
    shown = {k: v for k, v in parse_form(made.text).items() if k != "csrf_token"}
    assert shown["version"] == str(before["version"]) and "RET-INLINE-2" in _list(shown["retention"])
    conflict = web.post(path, shown, headers=DA)
    assert conflict.status_code == 409  # both changed the name: the officer decides
    latest = web.get(f"/api/activities/{before['id']}").json()
    assert latest["name"] == "Deres navn" and "RET-INLINE-2" not in latest["retention"]


def _with_stated(w: Web, activity: dict[str, Any]) -> dict[str, Any]:
    """The activity with a stated right and an exclusion, each with a note the form does not show."""
    body = {k: v for k, v in activity.items() if k not in ("id", "entity", "created_at", "updated_at")}
    body["rights"] = [
        {"right": "objection", "availability": "limited", "limited_to": "direct_marketing", "notes": "p. 4"}
    ]
    body["exclusions"] = [{"what": "children", "notes": "section 2"}]
    saved = w.client.put(f"/api/activities/{activity['id']}", json=body, headers={"x-csrf-token": w.csrf})
    assert saved.status_code == 200, saved.text
    return dict(saved.json())


def test_stated_rights_and_exclusions_are_edited_in_the_form_and_kept_when_untouched(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _with_stated(web, _activity(web, dk))
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = _editor(web, path)
    assert form["right-0-right"] == "objection" and form["right-0-limited_to"] == "direct_marketing"
    assert form["exclusion-0-what"] == "children"
    untouched = web.post(path, form | {"notes": "Gennemgået"}, follow_redirects=False)
    assert untouched.status_code == 303, untouched.text
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["rights"] == before["rights"] and after["exclusions"] == before["exclusions"]
    # A right added, the exclusion's wording given: the notes of the stored rows stay with them.
    form = _editor(web, path)
    form |= {"right-1-right": "erasure", "right-1-availability": "limited"}
    form |= {"right-1-limit": "Ikke regnskabsbilag", "right-1-restriction_article": "17(3)(b)"}
    form |= {"exclusion-0-description": "Vi indsamler ikke oplysninger om børn"}
    assert web.post(path, form, follow_redirects=False).status_code == 303
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["rights"][0] == before["rights"][0]
    assert after["rights"][1] == {
        **after["rights"][1],
        "right": "erasure",
        "availability": "limited",
        "limit": "Ikke regnskabsbilag",
        "restriction_article": "17(3)(b)",
    }
    assert after["exclusions"] == [
        {**before["exclusions"][0], "description": "Vi indsamler ikke oplysninger om børn"}
    ]
    # Emptying the first right's choice removes it; the other keeps its own values.
    form = _editor(web, path) | {"right-0-right": ""}
    assert web.post(path, form, follow_redirects=False).status_code == 303
    assert [r["right"] for r in web.get(f"/api/activities/{before['id']}").json()["rights"]] == ["erasure"]


def test_a_stated_right_with_a_bad_value_is_named_in_danish_and_nothing_changes(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _with_stated(web, _activity(web, dk))
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = _editor(web, path) | {"right-1-right": "access", "right-1-availability": "limited"}
    refused = web.post(path, form, headers=DA)
    assert refused.status_code == 422
    assert (
        '<a href="#f-right-1-limit">Angivet rettighed 2: Begrænsning med dokumentets ord</a>: '
        "En begrænset rettighed skal have sin begrænsning"
    ) in refused.text
    assert (
        'id="f-right-1-limit" name="right-1-limit" type="text" value="" aria-invalid="true"' in refused.text
    )
    form = _editor(web, path) | {"exclusion-0-what": "pets"}  # not an option: a tampered form
    refused = web.post(path, form, headers=DA)
    assert refused.status_code == 422
    assert (
        '<a href="#f-exclusion-0-what">Angivet undtagelse 1: Behandles ikke</a>: Vælg en af' in refused.text
    )
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["version"] == before["version"] and after["rights"] == before["rights"]


def test_two_officers_changing_the_stated_rights_see_them_on_the_conflict_screen_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _with_stated(web, _activity(web, dk))
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    mine, theirs = _editor(web, path), _editor(web, path)
    theirs |= {"right-0-availability": "not_offered", "right-0-limited_to": ""}
    assert web.post(path, theirs).status_code == 200  # saved, and the activity's page followed
    mine |= {"right-0-limit": "Kun nyhedsbreve"}
    conflict = web.post(path, mine, headers=DA)
    assert conflict.status_code == 409
    assert "De registreredes rettigheder som angivet" in conflict.text
    assert "Indsigelse: tilbydes ikke" in conflict.text  # theirs, by its labels, never its keys
    assert "Indsigelse: begrænset (kun direkte markedsføring; Kun nyhedsbreve)" in conflict.text
    # Apply mine on top: the editor on the latest version with my rights; the save keeps the note.
    hidden = {k: v for k, v in parse_form(conflict.text).items() if k != "csrf_token"}
    reopened = web.post(path, hidden, headers=DA)
    assert reopened.status_code == 200
    form = {k: v for k, v in parse_form(reopened.text).items() if k != "csrf_token"}
    assert form["right-0-limit"] == "Kun nyhedsbreve" and form["version"] == str(before["version"] + 1)
    assert web.post(path, form, follow_redirects=False).status_code == 303
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["rights"] == [{**before["rights"][0], "limit": "Kun nyhedsbreve"}]


def test_a_filled_in_short_form_sent_by_the_save_button_is_not_dropped_and_nothing_is_saved(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = _editor(web, path) | {"system": "Nyt system", "new-recipient-name": "Glemt modtager"}
    refused = web.post(path, form, headers=DA)  # Enter in a field: the form's first button, Save
    assert refused.status_code == 422
    assert '<a href="#f-new-recipient">Ny modtager</a>: Udfyldt, men ikke oprettet' in refused.text
    shown = parse_form(refused.text)
    assert shown["new-recipient-name"] == "Glemt modtager" and shown["system"] == "Nyt system"
    assert web.get(f"/api/activities/{before['id']}").json()["version"] == before["version"]
