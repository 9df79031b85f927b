"""Transfers and retention rules in the browser: create, edit and retire through the API's own
services; messages by field in the page's language; a stale form changes nothing."""

from __future__ import annotations

import re

from tests.integration.web.web_support import parse_form


def _form(w, path: str) -> tuple[str, dict]:
    page = w.get(path)
    assert page.status_code == 200, page.text
    main = page.text.split("<main")[1]
    first = main.split("</form>")[0]  # the record's form, not the retire form below it
    return page.text, {k: v for k, v in parse_form(first).items() if k != "csrf_token"}


def _api(w, kind: str, entity: str, key: str) -> dict:
    items = w.get(f"/api/{kind}", params={"entity": entity, "limit": 500}).json()["items"]
    found = next(i for i in items if i["key"] == key)
    return w.get(f"/api/{kind}/{found['id']}").json()


def test_an_officer_moves_a_privacy_shield_transfer_to_the_data_privacy_framework(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _api(web, "transfers", dk, "T-DK-PRIVACY-SHIELD")
    listing = web.get(f"/entities/{dk}/transfers").text
    path = f"/entities/{dk}/transfers/T-DK-PRIVACY-SHIELD/edit"
    assert f'href="{path}"' in listing and "New transfer" in listing
    html, form = _form(web, path)
    assert form["mechanism"] == "privacy_shield" and form["destination_country"] == "US"
    assert form["version"] == str(before["version"])
    # The mechanisms come from the dated reference data: those in force first, the invalid ones apart.
    in_force = html.split('<optgroup label="In force">')[1].split("</optgroup>")[0]
    assert 'value="eu_us_dpf"' in in_force and 'value="privacy_shield"' not in in_force
    assert re.search(r'<optgroup label="No longer in force">.*value="privacy_shield"', html, re.S)
    assert 'for="f-scc-decision"' in html and 'id="f-scc-decision"' in html  # labelled
    form |= {"mechanism": "eu_us_dpf", "tia_reference": "TIA-2026-07"}
    saved = web.post(path, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/entities/{dk}/transfers?saved=T-DK-PRIVACY-SHIELD"
    assert "Saved T-DK-PRIVACY-SHIELD." in web.get(saved.headers["location"]).text
    after = _api(web, "transfers", dk, "T-DK-PRIVACY-SHIELD")
    assert after["mechanism"] == "eu_us_dpf" and after["tia_reference"] == "TIA-2026-07"
    assert after["version"] == before["version"] + 1
    for kept in ("sources", "description", "conditional", "destination_country", "supplementary_measures"):
        assert after[kept] == before[kept], kept
    # The same audited write as the API, by this officer.
    web.sign_in("auditor")
    events = web.get(
        "/api/audit/events", params={"record_id": after["id"], "action": "transfer.update"}
    ).json()
    assert events["items"] and events["items"][-1]["actor_id"].startswith("user:")


def test_an_scc_transfer_records_its_decision_and_module_and_bad_input_is_shown_by_field(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _api(web, "transfers", dk, "T-DK-SCC")
    path = f"/entities/{dk}/transfers/T-DK-SCC/edit"
    _, form = _form(web, path)
    # In Danish: a country that is not a code, an address that is not a web address.
    response = web.post(path + "?lang=da", form | {"destination_country": "USA"})
    assert response.status_code == 422
    assert 'role="alert"' in response.text and 'aria-invalid="true"' in response.text
    assert 'id="err-f-destination_country"' in response.text
    assert "Angiv en landekode på to bogstaver" in response.text
    assert "Expected" not in response.text and "regex" not in response.text and "$." not in response.text
    response = web.post(path + "?lang=en", form | {"safeguards_documentation": "intranet/tia"})
    assert response.status_code == 422 and "web address starting with https://" in response.text
    assert _api(web, "transfers", dk, "T-DK-SCC") == before  # nothing saved
    decision = "Commission Implementing Decision (EU) 2021/914"
    saved = web.post(path, form | {"scc.decision": decision, "scc.module": "2"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = _api(web, "transfers", dk, "T-DK-SCC")
    assert after["scc"]["decision"] == decision and after["scc"]["module"] == 2
    # The form opened before that save is stale now. Another field: merged, their SCC details kept.
    merged = web.post(path, form | {"tia_reference": "TIA-7"}, follow_redirects=False)
    assert merged.status_code == 303, merged.text
    latest = _api(web, "transfers", dk, "T-DK-SCC")
    assert latest["tia_reference"] == "TIA-7" and latest["scc"] == after["scc"]
    # The same field, changed by both: not saved; the field is named with the value saved now.
    stale = web.post(path, form | {"scc.decision": "Decision 2010/87/EU"})
    assert stale.status_code == 409 and "Someone else saved this record meanwhile" in stale.text
    assert (
        'id="err-f-scc-decision"' in stale.text
        and f"Also changed by someone else, to: {decision}" in stale.text
    )
    reopened = parse_form(stale.text.split("<main")[1].split("</form>")[0])
    assert reopened["version"] == str(latest["version"]) and reopened["scc.decision"] == "Decision 2010/87/EU"
    assert reopened["tia_reference"] == "TIA-7"  # what the other save changed is kept in the form
    assert _api(web, "transfers", dk, "T-DK-SCC") == latest


def test_an_officer_changes_a_retention_rule_and_the_time_limit_must_be_stated(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _api(web, "retention-rules", dk, "RET-DK-COOKIE-OTHER")
    path = f"/entities/{dk}/retention/RET-DK-COOKIE-OTHER/edit"
    html, form = _form(web, path)
    assert form["duration"] == before["duration"] and form["kind"] == "fixed"
    assert sorted(form["data_categories"]) == sorted(before["data_categories"])
    # Data categories by their labels, checked ones first.
    assert re.search(
        r'value="device_information" checked> Device information \(computer, mobile, tablet\)', html
    )
    bad = web.post(path + "?lang=nb", form | {"duration": "seks måneder"})
    assert bad.status_code == 422 and "Oppgi en varighet som P5Y" in bad.text
    bad = web.post(path + "?lang=en", form | {"kind": "event", "trigger_event": ""})
    assert bad.status_code == 422 and 'id="err-f-trigger_event"' in bad.text
    assert "Required for this kind of time limit." in bad.text
    assert _api(web, "retention-rules", dk, "RET-DK-COOKIE-OTHER") == before
    categories = [c for c in form["data_categories"] if c != "geolocation_country"]
    changed = form | {"duration": "P6M", "data_categories": categories}
    assert web.post(path, changed, follow_redirects=False).status_code == 303
    after = _api(web, "retention-rules", dk, "RET-DK-COOKIE-OTHER")
    assert after["duration"] == "P6M" and "geolocation_country" not in after["data_categories"]
    assert after["sources"] == before["sources"] and after["notes"] == before["notes"]


def test_new_records_are_created_and_retired_unless_an_activity_still_uses_them(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    html, form = _form(web, f"/entities/{dk}/retention/new")
    assert "<h1>New retention rule</h1>" in html and 'name="version"' not in html
    form |= {"key": "RET-DK-INVOICES", "name": "Invoices", "kind": "fixed", "duration": "P5Y"}
    form["data_categories"] = ["name"]
    created = web.post(f"/entities/{dk}/retention/new", form, follow_redirects=False)
    assert created.status_code == 303, created.text
    rule = _api(web, "retention-rules", dk, "RET-DK-INVOICES")
    assert rule["duration"] == "P5Y" and rule["data_categories"] == ["name"] and rule["version"] == 1
    again = web.post(f"/entities/{dk}/retention/new", form)
    assert again.status_code == 409 and "This key is already used in this register." in again.text
    _, transfer = _form(web, f"/entities/{dk}/transfers/new")
    transfer |= {"key": "TR-DK-DPF", "name": "Hosting in the USA", "destination_country": "US"}
    transfer |= {"mechanism": "eu_us_dpf"}
    assert web.post(f"/entities/{dk}/transfers/new", transfer, follow_redirects=False).status_code == 303
    assert _api(web, "transfers", dk, "TR-DK-DPF")["mechanism"] == "eu_us_dpf"
    # The activity editor offers the new rule.
    activity = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]
    assert 'value="RET-DK-INVOICES"' in web.get(f"/entities/{dk}/activities/{activity['id']}/edit").text
    # A rule still used by an activity is not retired; the page names the activities.
    used = _api(web, "retention-rules", dk, "RET-DK-GENERAL")
    retire = f"/entities/{dk}/retention/RET-DK-GENERAL/retire"
    refused = web.post(retire + "?lang=da", {"version": str(used["version"]), "reason": "x"})
    assert refused.status_code == 409 and "bruges stadig af aktiviteterne" in refused.text
    assert "used by" not in refused.text
    web.get("/?lang=en")
    assert web.get(f"/api/retention-rules/{used['id']}").json()["status"] == "active"
    # The unused one is retired: kept, marked, no longer offered.
    retired = web.post(
        f"/entities/{dk}/retention/RET-DK-INVOICES/retire",
        {"version": "1", "reason": "Duplicate"},
        follow_redirects=False,
    )
    assert retired.status_code == 303 and retired.headers["location"].endswith("?retired=RET-DK-INVOICES")
    assert web.get(f"/api/retention-rules/{rule['id']}").json()["status"] == "retired"
    assert 'value="RET-DK-INVOICES"' not in web.get(f"/entities/{dk}/activities/{activity['id']}/edit").text


def test_only_officers_of_the_entity_may_change_transfers_and_retention_rules(web):
    dk, no = web.ids["TECHEM-DK"], web.ids["TECHEM-NO"]
    web.sign_in("officer_all")
    transfer = web.get("/api/transfers", params={"entity": no, "limit": 1}).json()["items"][0]
    path = f"/entities/{no}/transfers/{transfer['key']}/edit"
    _, form = _form(web, path)
    web.sign_in("officer")  # Denmark's officer: Norway's transfer does not exist for them
    assert web.get(path).status_code == 404 and web.post(path, form).status_code == 404
    assert web.get(f"/entities/{dk}/transfers/{transfer['id']}/edit").status_code == 404  # wrong entity
    for role in ("auditor", "regulator_no"):
        web.sign_in(role)
        assert web.get(path).status_code in (403, 404)
        assert web.post(path, form | {"name": "Changed"}).status_code in (403, 404)
        listing = web.get(f"/entities/{dk}/transfers")
        assert "/edit" not in listing.text and "New transfer" not in listing.text
    web.sign_in("officer_all")
    assert web.client.post(path, data={**form, "csrf_token": "forged"}).status_code == 403
    assert web.get(f"/api/transfers/{transfer['id']}").json()["name"] == transfer["name"]


def test_an_officer_records_a_processors_dpf_check_and_adds_a_recipient(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    processor = web.get("/api/processors", params={"entity": dk, "limit": 1}).json()["items"][0]
    before = web.get(f"/api/processors/{processor['id']}").json()
    path = f"/entities/{dk}/processors/{processor['key']}/edit"
    assert f'href="{path}"' in web.get(f"/entities/{dk}/processors").text
    html, form = _form(web, path)
    subs = re.findall(r'name="sub_processors" value="([^"]*)"', html)
    assert subs and processor["key"] not in subs  # not offered as its own sub-processor
    changed = form | {"dpf.certified": "yes", "dpf.checked_on": "2026-12-01", "data_locations": "de, IE"}
    changed |= {"contract.reference": "DPA 2026-04"}
    assert web.post(path, changed, follow_redirects=False).status_code == 303
    after = web.get(f"/api/processors/{processor['id']}").json()
    assert after["dpf"]["certified"] is True and after["dpf"]["checked_on"] == "2026-12-01"
    assert after["data_locations"] == ["DE", "IE"] and after["contract"]["reference"] == "DPA 2026-04"
    assert after["sources"] == before["sources"] and after["service_kinds"] == before["service_kinds"]
    # A DPF check date without saying whether it is certified: the field is named, nothing saved.
    _, form = _form(web, path)
    bad = web.post(path, form | {"dpf.certified": "", "dpf.checked_on": "2026-12-02"})
    assert bad.status_code == 422 and 'id="err-f-dpf-certified"' in bad.text
    assert web.get(f"/api/processors/{processor['id']}").json()["version"] == after["version"]
    # A recipient, processed by that processor, with purposes one per line.
    _, new = _form(web, f"/entities/{dk}/recipients/new")
    new |= {"key": "REC-DK-MAIL", "name": "Mail delivery", "kind": "processor", "processor": processor["key"]}
    new |= {"purposes": "Sending notices\nBounce handling\n", "non_exhaustive": "yes", "country": "DE"}
    created = web.post(f"/entities/{dk}/recipients/new", new, follow_redirects=False)
    assert created.status_code == 303, created.text
    assert created.headers["location"] == f"/entities/{dk}/processors?saved=REC-DK-MAIL"
    items = web.get("/api/recipients", params={"entity": dk, "limit": 500}).json()["items"]
    rec = web.get(f"/api/recipients/{next(i['id'] for i in items if i['key'] == 'REC-DK-MAIL')}").json()
    assert rec["purposes"] == ["Sending notices", "Bounce handling"] and rec["non_exhaustive"] is True
    assert rec["processor"] == processor["key"] and rec["in_third_country"] is None


def test_an_officer_creates_a_new_activity_as_a_draft_and_continues_in_the_editor(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    assert f'href="/entities/{dk}/activities/new"' in web.get(f"/entities/{dk}").text
    html, _ = _form(web, f"/entities/{dk}/activities/new?lang=da")
    assert "<h1>Ny behandlingsaktivitet</h1>" in html and 'for="f-key"' in html
    bad = web.post(
        f"/entities/{dk}/activities/new", {"key": "has space", "name": "Newsletter", "role": "controller"}
    )
    assert bad.status_code == 422 and 'id="err-key"' in bad.text and "Brug kun bogstaver" in bad.text
    bad = web.post(f"/entities/{dk}/activities/new", {"key": "PA-DK-X", "name": "", "role": "controller"})
    assert bad.status_code == 422 and 'id="err-name"' in bad.text and "Udfyld feltet." in bad.text
    assert "Expected" not in bad.text
    web.get("/?lang=en")
    data = {"key": "PA-DK-NEW", "name": "Customer newsletter", "role": "controller", "description": ""}
    created = web.post(f"/entities/{dk}/activities/new", data, follow_redirects=False)
    assert created.status_code == 303, created.text
    editor = web.get(created.headers["location"])
    assert editor.status_code == 200 and "Edit Customer newsletter" in editor.text
    items = web.get("/api/activities", params={"entity": dk, "limit": 500}).json()["items"]
    new = next(i for i in items if i["key"] == "PA-DK-NEW")
    assert new["status"] == "draft" and new["version"] == 1
    again = web.post(f"/entities/{dk}/activities/new", data)
    assert again.status_code == 409 and "This key is already used in this register." in again.text
