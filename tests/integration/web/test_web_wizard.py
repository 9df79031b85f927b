"""The new-activity wizard: a draft saved (and audited) at every step, resumable, validated by field,
its findings shown before it is submitted."""

from __future__ import annotations

import re

from tests.integration.web.web_support import parse_form

DA = {"accept-language": "da"}


def _options(html: str, name: str) -> list[str]:
    return re.findall(rf'name="{name}" value="([^"]+)"', html)


def _step(w, path: str, changes: dict, expect: str) -> str:
    """Open a step, change what a person would, save and continue; the redirect names the next step."""
    page = w.get(path, headers=DA)
    assert page.status_code == 200, page.text
    form = {k: v for k, v in parse_form(page.text).items() if k != "csrf_token"} | changes
    saved = w.post(path, form, headers=DA, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert re.search(rf"/wizard/{expect}\?saved=\d+$", saved.headers["location"]), saved.headers["location"]
    return saved.headers["location"].split("?")[0]


def _create(w, dk: str, key: str, **extra) -> str:
    form = {
        "key": key,
        "name": f"Kundeservice {key}",
        "role": "controller",
        "description": "Besvarelse af henvendelser",
        "purpose_count": "0",
        "purpose-0-description": "At besvare kunders spørgsmål",
        "purpose-0-legal_bases": "art6_1_b",
        "go": "next",
    } | extra
    created = w.post(f"/entities/{dk}/activities/wizard", form, headers=DA, follow_redirects=False)
    assert created.status_code == 303, created.text
    return created.headers["location"].split("?")[0]


def _activity(w, location: str) -> dict:
    activity_id = location.split("/activities/")[1].split("/")[0]
    return w.get(f"/api/activities/{activity_id}").json()


def test_walking_every_step_in_danish_creates_a_draft_with_every_field_each_save_audited(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    first = web.get(f"/entities/{dk}/activities/wizard", headers=DA)
    assert first.status_code == 200
    assert "Trin 1 af 7" in first.text and 'for="f-name"' in first.text and "Gem og fortsæt" in first.text
    assert 'class="skip"' in first.text
    data_step = _create(web, dk, "WZ-DA-1")
    assert data_step.endswith("/wizard/data")
    page = web.get(data_step, headers=DA).text
    assert "Trin 2 af 7" in page and "art. 30, stk. 1, litra c" in page
    subject, category = _options(page, "data_subjects")[0], _options(page, "data_categories")[0]
    recipients_step = _step(
        web, data_step, {"data_subjects": subject, "data_categories": category}, "recipients"
    )
    recipient = _options(web.get(recipients_step).text, "recipients")[0]
    transfers_step = _step(web, recipients_step, {"recipients": recipient}, "transfers")
    transfer = _options(web.get(transfers_step).text, "transfers")[0]
    retention_step = _step(web, transfers_step, {"transfers": transfer}, "retention")
    # Retention per data category: the category the draft holds heads the rules that cover it.
    label = re.search(rf'value="{category}"> ([^<]+)</label>', page)[1]  # type: ignore[index]
    retention_page = web.get(retention_step, headers=DA).text
    assert f"<legend>{label}</legend>" in retention_page
    retention = _options(retention_page, "retention")[0]
    security_step = _step(web, retention_step, {"retention": retention}, "security")
    measure = _options(web.get(security_step).text, "security_measures")[0]
    changes = {"security_measures": measure, "security_description": "Adgangsstyring og logning"}
    _step(web, security_step, changes, "review")

    activity = _activity(web, data_step)
    assert activity["key"] == "WZ-DA-1" and activity["status"] == "draft" and activity["version"] == 6
    assert (
        activity["name"] == "Kundeservice WZ-DA-1" and activity["description"] == "Besvarelse af henvendelser"
    )
    assert [(p["description"], p["legal_bases"]) for p in activity["purposes"]] == [
        ("At besvare kunders spørgsmål", ["art6_1_b"])
    ]
    assert activity["data_subjects"] == [subject]
    assert [u["category"] for u in activity["data_categories"]] == [category]
    assert activity["recipients"] == [recipient] and activity["transfers"] == [transfer]
    assert activity["retention"] == [retention]
    assert activity["security"] == {"measures": [measure], "description": "Adgangsstyring og logning"}
    # Every step's save is an audited change by this officer: the creation and one update a step.
    web.sign_in("auditor")
    events = web.get("/api/audit/events", params={"record_id": activity["id"], "limit": 50}).json()["items"]
    assert sorted(e["action"] for e in events) == ["activity.create"] + ["activity.update"] * 5
    assert {e["actor_id"] for e in events} == {next(iter({e["actor_id"] for e in events}))}
    assert all(e["actor_id"].startswith("user:") for e in events)


def test_a_draft_left_at_a_step_is_resumed_there_with_what_was_saved(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    data_step = _create(web, dk, "WZ-DA-2")
    page = web.get(data_step, headers=DA).text
    category = _options(page, "data_categories")[1]
    form = {k: v for k, v in parse_form(page).items() if k != "csrf_token"}
    stay = web.post(data_step, form | {"data_categories": category, "go": "save"}, follow_redirects=False)
    assert stay.status_code == 303 and stay.headers["location"].startswith(data_step + "?saved=")
    assert "Kladden er gemt som version 2." in web.get(stay.headers["location"], headers=DA).text
    # Leaving: the activity's page offers to continue; any step opens with the draft's values.
    activity = _activity(web, data_step)
    page = web.get(f"/entities/{dk}/activities/{activity['id']}", headers=DA).text
    assert f"/activities/{activity['id']}/wizard/purposes" in page and "Fortsæt i guiden" in page
    resumed = web.get(data_step, headers=DA).text
    assert f'name="data_categories" value="{category}" checked' in resumed
    first = web.get(data_step.replace("/data", "/purposes"), headers=DA).text
    assert 'value="Kundeservice WZ-DA-2"' in first and "At besvare kunders spørgsmål" in first
    # "Back" saves and goes to the step before.
    back = web.post(data_step, {**parse_form(resumed), "go": "back"}, follow_redirects=False)
    assert back.headers["location"].split("?")[0].endswith("/wizard/purposes")


def test_a_step_with_a_bad_value_keeps_the_entries_and_names_the_field_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    bad_key = {"key": "?bad key", "purpose-0-description": "Et formål, der bevares"}
    refused = web.post(f"/entities/{dk}/activities/wizard", {"name": "Noget", **bad_key}, headers=DA)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert re.search(r'href="#f-key">Reference</a>: Brug kun bogstaver', refused.text), refused.text
    assert "Et formål, der bevares" in refused.text and 'value="?bad key"' in refused.text
    assert web.get("/api/activities", params={"entity": dk, "q": "Noget"}).json()["items"] == []

    step = _create(web, dk, "WZ-DA-3").replace("/data", "/purposes")
    activity = _activity(web, step)
    form = {k: v for k, v in parse_form(web.get(step).text).items() if k != "csrf_token"}
    response = web.post(step, form | {"name": "", "description": "Ny beskrivelse"}, headers=DA)
    assert response.status_code == 422 and 'aria-invalid="true"' in response.text
    assert '<a href="#f-name">Behandlingsaktivitet</a>: Udfyld feltet.' in response.text
    assert 'id="err-name"' in response.text and "Ny beskrivelse" in response.text
    assert _activity(web, step) == activity  # nothing saved


def test_the_review_step_shows_the_findings_of_the_draft_and_submitting_sends_it_to_review(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    data_step = _create(web, dk, "WZ-DA-4")
    category = _options(web.get(data_step).text, "data_categories")[0]
    _step(web, data_step, {"data_categories": category}, "recipients")
    review = data_step.replace("/data", "/review")
    page = web.get(review, headers=DA)
    assert page.status_code == 200 and "Trin 7 af 7" in page.text
    # No retention rule for the category: the finding this draft raises, in Danish, before submitting.
    assert "retention.missing" in page.text and "har ingen opbevaringsregel for" in page.text
    assert "Fund, som kladden giver anledning til" in page.text
    submitted = web.post(review, {**parse_form(page.text), "go": "submit"}, follow_redirects=False)
    assert submitted.status_code == 303
    activity = _activity(web, data_step)
    assert submitted.headers["location"] == f"/entities/{dk}/activities/{activity['id']}?saved=3"
    assert activity["status"] == "in_review"
    # Submitted: the wizard no longer opens it, and no longer saves it.
    again = web.get(data_step, follow_redirects=False)
    assert (
        again.status_code == 303
        and again.headers["location"] == f"/entities/{dk}/activities/{activity['id']}"
    )
    assert web.post(data_step, parse_form(page.text)).status_code == 409


def test_a_processors_activity_walks_article_30_2_with_its_controllers(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    step = _create(web, dk, "WZ-DA-5", role="processor")
    assert step.endswith("/wizard/controllers")
    page = web.get(step, headers=DA).text
    assert "Trin 2 af 5" in page and "art. 30, stk. 2, litra a-b" in page
    row = {"controller-0-name": "Boligselskabet A/S", "controller-0-categories": "Måleraflæsning\nAfregning"}
    bad = web.post(step, {**parse_form(page), **row, "controller-0-phone": "12345"}, headers=DA)
    assert bad.status_code == 422
    assert '<a href="#f-controller-0-phone">Dataansvarlig 1: Telefon</a>' in bad.text
    assert 'value="Boligselskabet A/S"' in bad.text
    _step(web, step, row, "transfers")
    activity = _activity(web, step)
    assert activity["role"] == "processor"
    assert activity["controllers_served"] == [
        {
            "controller": {
                "name": "Boligselskabet A/S",
                "email": None,
                "phone": None,
                "address": None,
                "url": None,
            },
            "categories_of_processing": ["Måleraflæsning", "Afregning"],
        }
    ]


def test_a_retention_rule_made_in_the_retention_step_is_ticked_and_the_draft_saved_only_by_the_step(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    step = _create(web, dk, "WZ-DA-6")
    draft = _activity(web, step)
    retention = step.replace("/wizard/data", "/wizard/retention")
    page = web.get(retention, headers=DA).text
    assert 'href="#f-new-retention"' in page and "Opret opbevaringsreglen og vælg den" in page
    form = {k: v for k, v in parse_form(page).items() if k != "csrf_token"}
    rule = {"new-retention-key": "RET-WZ-6", "new-retention-name": "Henvendelser i 3 år"}
    rule |= {"new-retention-kind": "fixed", "new-retention-duration": "tre år"}
    refused = web.post(retention, form | rule | {"inline": "retention"}, headers=DA)
    assert refused.status_code == 422
    assert '<a href="#f-new-retention-duration">Ny opbevaringsregel: Varighed (ISO 8601)</a>' in refused.text
    made = web.post(
        retention, form | rule | {"new-retention-duration": "P3Y", "inline": "retention"}, headers=DA
    )
    assert made.status_code == 200, made.text
    assert "Opbevaringsreglen Henvendelser i 3 år (RET-WZ-6) er oprettet og valgt." in made.text
    assert 'name="retention" value="RET-WZ-6" checked' in made.text
    assert _activity(web, step)["version"] == draft["version"]  # the draft is not saved by it
    shown = {k: v for k, v in parse_form(made.text).items() if k != "csrf_token"}
    _step(web, retention, shown, "security")
    assert _activity(web, step)["retention"] == ["RET-WZ-6"]


def test_removing_the_first_of_two_controllers_keeps_the_seconds_own_address(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    step = _create(web, dk, "WZ-DA-7", role="processor")
    draft = _activity(web, step)
    body = {k: v for k, v in draft.items() if k not in ("id", "entity", "created_at", "updated_at")}
    body["controllers_served"] = [
        {"controller": {"name": "Første A/S", "address": {"city": "Aarhus", "country": "DK"}}},
        {
            "controller": {
                "name": "Anden ApS",
                "address": {"city": "Odense", "country": "DK"},
                "url": "https://anden.example",
            }
        },
    ]
    put = web.client.put(f"/api/activities/{draft['id']}", json=body, headers={"x-csrf-token": web.csrf})
    assert put.status_code == 200, put.text
    page = web.get(step, headers=DA).text
    assert parse_form(page)["controller-1-name"] == "Anden ApS"
    emptied = {"controller-0-name": "", "controller-0-email": "", "controller-0-phone": ""}
    _step(web, step, emptied | {"controller-0-categories": ""}, "transfers")
    served = _activity(web, step)["controllers_served"]
    assert [s["controller"]["name"] for s in served] == ["Anden ApS"]
    assert served[0]["controller"]["address"]["city"] == "Odense"
    assert served[0]["controller"]["url"] == "https://anden.example"
