"""What a document states, as it states it (issue 19), on the pages and in the editors: a basis laid
down by law, a transfer's region and claimed basis, how consent is given; labelled in the page's
language, saved through the API's audited write, and never shown by a vocabulary key or field name."""

from __future__ import annotations

import html as html_lib
import re

from tests.integration.web.web_support import parse_form

KEYS = (
    "national_bases",
    "national_basis",
    "destination_region",
    "mechanism_claimed",
    "outside_eea",
    "worldwide",
    "consent_form",
    "continued_use",
    "opt_in",
    "art6_1_",
    "point_unstated",
    "st.",
)


def _visible(page: str) -> str:
    """The text a person reads in the page's main part: no tags, attributes or scripts."""
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", main))


def _no_keys(text: str) -> None:
    shown = [k for k in KEYS if k in text]
    assert shown == [], shown


def _first_activity(w, entity: str) -> dict:
    item = w.get("/api/activities", params={"entity": entity, "limit": 1}).json()["items"][0]
    return w.get(f"/api/activities/{item['id']}").json()


def _api(w, kind: str, entity: str, key: str) -> dict:
    items = w.get(f"/api/{kind}", params={"entity": entity, "limit": 500}).json()["items"]
    found = next(i for i in items if i["key"] == key)
    return w.get(f"/api/{kind}/{found['id']}").json()


def _events(w, record_id: str, action: str) -> list[dict]:
    w.sign_in("auditor")
    items = w.get("/api/audit/events", params={"record_id": record_id, "action": action}).json()["items"]
    w.sign_in("officer")
    return items


def test_a_basis_laid_down_by_law_is_edited_and_shown_with_its_point_not_stated_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    editor = web.get(path, params={"lang": "da"}).text
    assert "Lov og bestemmelse (art. 6, stk. 3)" in editor and "Hvordan samtykke gives" in editor
    form = {k: v for k, v in parse_form(editor).items() if k != "csrf_token"}
    form |= {
        "purpose-0-nb-0-act": "offentlighedsloven § 13",
        "purpose-0-nb-0-point": "",
        "consent_mechanism": "Et banner ved første besøg",
        "consent_form": "continued_use",
    }
    saved = web.post(path, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["purposes"][0]["national_bases"] == [{"act": "offentlighedsloven § 13", "point": None}]
    assert after["consent"]["form"] == "continued_use"
    assert after["purposes"][0]["legal_bases"] == before["purposes"][0]["legal_bases"]  # kept
    assert _events(web, before["id"], "activity.update")  # the API's audited write
    page = web.get(saved.headers["location"], params={"lang": "da"}).text  # signed in again: no cookie
    text = _visible(page)
    assert "Behandlingsgrundlag fastsat ved lov (art. 6, stk. 3)" in text
    assert "offentlighedsloven § 13 – litra i art. 6, stk. 1, ikke angivet" in text
    assert "Fortsat brug af tjenesten" in text
    _no_keys(text)
    # With its point, the point is shown by its label; the act removed, the basis is gone.
    form = {k: v for k, v in parse_form(web.get(path).text).items() if k != "csrf_token"}
    assert form["purpose-0-nb-0-act"] == "offentlighedsloven § 13"
    form["purpose-0-nb-0-point"] = "art6_1_e"
    assert web.post(path, form, follow_redirects=False).status_code == 303
    text = _visible(web.get(f"/entities/{dk}/activities/{before['id']}").text)
    assert (
        "offentlighedsloven § 13 – " in text
        and "ikke angivet" not in text.split("offentlighedsloven § 13")[1][:60]
    )
    _no_keys(text)
    form = {k: v for k, v in parse_form(web.get(path).text).items() if k != "csrf_token"}
    form["purpose-0-nb-0-act"] = ""
    assert web.post(path, form, follow_redirects=False).status_code == 303
    assert web.get(f"/api/activities/{before['id']}").json()["purposes"][0]["national_bases"] == []


def test_a_form_of_consent_without_its_mechanism_is_refused_by_field_and_changes_nothing(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = {
        k: v for k, v in parse_form(web.get(path, params={"lang": "nb"}).text).items() if k != "csrf_token"
    }
    form |= {"consent_mechanism": "", "consent_form": "pre_ticked"}
    refused = web.post(path, form)
    assert refused.status_code == 422
    assert "Beskriv hvordan det bes om samtykke, før formen velges." in refused.text
    assert (
        'id="f-consent_mechanism"' in refused.text
        and 'aria-describedby="err-consent_mechanism"' in refused.text
    )
    assert web.get(f"/api/activities/{before['id']}").json()["version"] == before["version"]


def test_a_transfers_region_and_claimed_basis_are_edited_and_shown_labelled_in_norwegian(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _api(web, "transfers", dk, "T-DK-SCC")
    path = f"/entities/{dk}/transfers/T-DK-SCC/edit"
    page = web.get(path, params={"lang": "nb"}).text
    assert 'for="f-destination_region"' in page and 'for="f-mechanism_claimed"' in page  # labelled
    assert "Mottakerområde (intet land angitt)" in page and "Utenfor EU/EØS (intet land angitt)" in page
    form = {
        k: v for k, v in parse_form(page.split("<main")[1].split("</form>")[0]).items() if k != "csrf_token"
    }
    assert form.get("destination_region", "") == ""  # none chosen
    form |= {"destination_region": "outside_eea", "mechanism_claimed": "<b>EU-standardkontrakter</b> e.l."}
    saved = web.post(path, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = _api(web, "transfers", dk, "T-DK-SCC")
    assert after["destination_region"] == "outside_eea"
    assert after["mechanism_claimed"] == "<b>EU-standardkontrakter</b> e.l."
    assert after["version"] == before["version"] + 1
    assert after["mechanism"] == before["mechanism"]  # the determined basis is kept beside the claim
    assert _events(web, after["id"], "transfer.update")
    listing = web.get(saved.headers["location"], params={"lang": "nb"}).text  # signed in again
    assert (
        "&lt;b&gt;EU-standardkontrakter&lt;/b&gt;" in listing and "<b>EU-standard" not in listing
    )  # escaped
    text = _visible(listing)
    assert "Utenfor EU/EØS (intet land angitt)" in text
    assert "Slik dokumentet angir det: <b>EU-standardkontrakter</b> e.l." in text
    _no_keys(text)
    # The editor opens with the saved values; a region cleared is saved as none.
    form = {k: v for k, v in parse_form(web.get(path).text.split("<main")[1].split("</form>")[0]).items()}
    assert form["destination_region"] == "outside_eea"
    form = {k: v for k, v in form.items() if k != "csrf_token"} | {"destination_region": "worldwide"}
    assert web.post(path, form, follow_redirects=False).status_code == 303
    text = _visible(web.get(f"/entities/{dk}/transfers").text)
    assert "Hvor som helst i verden (intet land angitt)" in text
    _no_keys(text)


def test_the_unspecified_transfer_basis_is_offered_and_shown_by_its_label(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    path = f"/entities/{dk}/transfers/T-DK-SCC/edit"
    page = web.get(path, params={"lang": "da"}).text
    assert 'value="unspecified"' in page and "Overførselsgrundlag ikke angivet" in page
    form = {
        k: v for k, v in parse_form(page.split("<main")[1].split("</form>")[0]).items() if k != "csrf_token"
    }
    form |= {
        "mechanism": "unspecified",
        "scc.decision": "",
        "scc.module": "",
        "mechanism_claimed": "et overførselsgrundlag",
    }
    saved = web.post(path, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    text = _visible(web.get(saved.headers["location"]).text)
    assert (
        "Overførselsgrundlag ikke angivet" in text
        and "Som angivet i dokumentet: et overførselsgrundlag" in text
    )
    assert "unspecified" not in text
    _no_keys(text)


def _put(w, kind: str, record: dict, **changes) -> dict:
    server = ("id", "entity", "created_at", "updated_at") + (("status",) if kind == "entities" else ())
    body = {k: v for k, v in record.items() if k not in server}
    saved = w.client.put(f"/api/{kind}/{record['id']}", json=body | changes, headers={"x-csrf-token": w.csrf})
    assert saved.status_code == 200, saved.text
    return saved.json()


def test_rights_with_their_limits_and_claims_about_the_data_are_shown_in_norwegian(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    activity = _first_activity(web, dk)
    _put(
        web,
        "activities",
        activity,
        rights=[
            {"right": "objection", "availability": "limited", "limited_to": "direct_marketing"},
            {"right": "portability", "availability": "not_offered", "restriction_cited": "art. 20(3)"},
        ],
        exclusions=[{"what": "children"}],
        anonymity_claim="aggregated",
        data_categories_non_exhaustive=True,
    )
    text = _visible(web.get(f"/entities/{dk}/activities/{activity['id']}", params={"lang": "nb"}).text)
    assert "Innsigelse: begrenset (bare direkte markedsføring)" in text
    assert "Dataportabilitet: tilbys ikke (art. 20(3))" in text
    assert "Ingen opplysninger om barn" in text and "Beskrevet som aggregerte" in text
    assert "Kategorier av opplysninger bare angitt som eksempler" in text
    for key in ("direct_marketing", "not_offered", "aggregated", "children", "portability"):
        assert key not in text, key
    _no_keys(text)


def test_the_register_page_shows_the_controllers_regime_status_and_authority_contact_in_danish(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    entity = web.get(f"/api/entities/{dk}").json()
    authority = {**(entity.get("supervisory_authority") or {"name": "Datatilsynet", "country": "DK"})}
    _put(
        web,
        "entities",
        entity,
        regime="eu_gdpr",
        public_authority=False,
        responsible={"name": "Juridisk afdeling", "email": "jura@example.dk"},
        supervisory_authority=authority | {"email": "dt@datatilsynet.dk", "phone": "+4533193200"},
    )
    text = _visible(web.get(f"/entities/{dk}", params={"lang": "da"}).text)
    assert "Databeskyttelsesregler (EU's databeskyttelsesforordning eller UK GDPR)" in text
    assert "EU's databeskyttelsesforordning" in text.split("eller UK GDPR)")[1]
    assert "Offentlig myndighed eller organ" in text and "Nej" in text
    assert "Juridisk afdeling, jura@example.dk" in text
    assert "dt@datatilsynet.dk" in text and "+4533193200" in text
    assert "eu_gdpr" not in text and "public_authority" not in text


def test_a_basis_by_law_added_on_an_older_form_is_merged_onto_a_save_made_meanwhile(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    form = {k: v for k, v in parse_form(web.get(path).text).items() if k != "csrf_token"}
    _put(web, "activities", before, name="Renamed meanwhile")  # someone else saves another field
    form |= {"purpose-0-nb-0-act": "databeskyttelsesloven § 6", "purpose-0-nb-0-point": "art6_1_c"}
    saved = web.post(path, form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"].endswith("&merged=1")
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["name"] == "Renamed meanwhile"
    assert after["purposes"][0]["national_bases"] == [
        {"act": "databeskyttelsesloven § 6", "point": "art6_1_c"}
    ]


def test_an_anonymity_claim_and_example_categories_are_edited_in_the_editor_and_shown(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    before = _first_activity(web, dk)
    path = f"/entities/{dk}/activities/{before['id']}/edit"
    editor = web.get(path, params={"lang": "da"}).text
    assert "Beskrevet som anonyme" in editor and 'for="f-anonymity_claim"' in editor
    form = {k: v for k, v in parse_form(editor).items() if k != "csrf_token"}
    assert "data_categories_non_exhaustive" not in form  # unchecked
    form |= {"anonymity_claim": "anonymous", "data_categories_non_exhaustive": "yes"}
    assert web.post(path, form, follow_redirects=False).status_code == 303
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["anonymity_claim"] == "anonymous" and after["data_categories_non_exhaustive"] is True
    text = _visible(web.get(f"/entities/{dk}/activities/{before['id']}").text)
    assert "Beskrevet som anonyme" in text and "anonymous" not in text
    form = {k: v for k, v in parse_form(web.get(path).text).items() if k != "csrf_token"}
    assert form["anonymity_claim"] == "anonymous" and form["data_categories_non_exhaustive"] == "yes"
    del form["data_categories_non_exhaustive"]  # unticked
    form["anonymity_claim"] = ""
    assert web.post(path, form, follow_redirects=False).status_code == 303
    after = web.get(f"/api/activities/{before['id']}").json()
    assert after["anonymity_claim"] is None and after["data_categories_non_exhaustive"] is False


def test_a_processor_marked_planned_in_its_form_is_shown_as_planned(web):
    web.sign_in("officer")
    dk = web.ids["TECHEM-DK"]
    processor = web.get("/api/processors", params={"entity": dk, "limit": 1}).json()["items"][0]
    path = f"/entities/{dk}/processors/{processor['key']}/edit"
    page = web.get(path, params={"lang": "da"}).text
    form = {
        k: v for k, v in parse_form(page.split("<main")[1].split("</form>")[0]).items() if k != "csrf_token"
    }
    assert "planned" not in form and "Planlagt, endnu ikke i brug" in page
    assert web.post(path, form | {"planned": "yes"}, follow_redirects=False).status_code == 303
    assert _api(web, "processors", dk, processor["key"])["planned"] is True
    row = web.get(f"/entities/{dk}/processors").text.split(f'id="p-{processor["key"]}"')[1].split("</tr>")[0]
    assert "(Planlagt, endnu ikke i brug)" in _visible(f"<main>{row}</main>")
