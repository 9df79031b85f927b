"""Legal entities in the browser: an admin creates one; an admin or its compliance officer edits,
retires and reactivates it, through the API's own services and guard; messages by field in the
page's language."""

from __future__ import annotations

import html
from typing import Any

from audit.tables import AuditEvent
from tests.integration.web.web_support import parse_form


def _form(w: Any, path: str) -> dict[str, Any]:
    page = w.get(path)
    assert page.status_code == 200, page.text
    first = page.text.split("<main")[1].split("</form>")[0]  # the entity's form, not the retire form
    return {k: v for k, v in parse_form(first).items() if k != "csrf_token"}


def _entity(w: Any, key: str) -> dict[str, Any]:
    items = w.get("/api/entities", params={"limit": 500}).json()["items"]
    return w.get(f"/api/entities/{next(i for i in items if i['key'] == key)['id']}").json()


NEW = {
    "key": "ACME-DK",
    "legal_name": "Acme Danmark ApS",
    "country": "DK",
    "role": "controller",
    "default_language": "da",
    "registration.scheme": "CVR",
    "registration.number": "12345678",
    "address.street": "Vestergade 1",
    "address.postal_code": "1456",
    "address.city": "København K",
    "address.country": "DK",
    "email": "privacy@acme.example",
    "regime": "eu_gdpr",
    "national_law": "DK",
    "public_authority": "no",
    "supervisory_authority.name": "Datatilsynet",
    "supervisory_authority.country": "DK",
    "dpo.name": "Mette Hansen",
    "dpo.kind": "internal",
    "headcount_band": "lt250",
}


def test_an_admin_creates_a_legal_entity_and_bad_input_is_named_by_field_in_danish(web: Any) -> None:
    web.sign_in("officer_all")
    assert "/entities/new" not in web.get("/").text
    assert web.get("/entities/new").status_code == 403  # entities.create, as POST /api/entities
    web.sign_in("admin")
    assert 'href="/entities/new"' in web.get("/?lang=da").text
    form = _form(web, "/entities/new?lang=da")
    assert form["role"] == "controller" and form["default_language"] == "da" and "version" not in form
    bad = form | NEW | {"country": "Danmark", "representative.email": "eu@rep.example", "phone": "12 34"}
    response = web.post("/entities/new?lang=da", bad)
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert 'role="alert"' in text and 'id="err-f-country"' in text and 'aria-invalid="true"' in text
    assert "Angiv en landekode på to bogstaver" in text
    assert "Expected" not in text and "$." not in text and "regex" not in text
    # What was typed is kept.
    kept = parse_form(text.split("<main")[1].split("</form>")[0])
    assert kept["legal_name"] == "Acme Danmark ApS" and kept["address.city"] == "København K"
    assert kept["country"] == "Danmark"
    response = web.post("/entities/new?lang=da", bad | {"country": "DK"})
    text = html.unescape(response.text)
    assert response.status_code == 422 and 'id="err-f-phone"' in text and "Angiv et telefonnummer" in text
    response = web.post("/entities/new?lang=da", bad | {"country": "DK", "phone": "+4512345678"})
    text = html.unescape(response.text)
    # A representative needs a name: the summary names the part and the field.
    assert response.status_code == 422 and 'id="err-f-representative-name"' in text
    assert "Repræsentant (art. 27) – Navn" in text and "Udfyld feltet." in text
    assert all(i["key"] != "ACME-DK" for i in web.get("/api/entities").json()["items"])

    created = web.post("/entities/new", form | NEW | {"phone": "+4512345678"}, follow_redirects=False)
    assert created.status_code == 303, created.text
    stored = _entity(web, "ACME-DK")
    assert created.headers["location"] == f"/entities/{stored['id']}?saved=ACME-DK"
    assert "Saved ACME-DK." in web.get(created.headers["location"] + "&lang=en").text
    assert stored["registration"] == {"scheme": "CVR", "number": "12345678"}
    assert stored["address"]["city"] == "København K" and stored["public_authority"] is False
    assert stored["supervisory_authority"]["name"] == "Datatilsynet" and stored["dpo"]["kind"] == "internal"
    assert stored["representative"] is None and stored["responsible"] is None  # left empty: no part
    assert stored["headcount_band"] == "lt250" and stored["version"] == 1
    event = (
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.entity_id == stored["id"])
        .run_sync()
    )
    assert [e["action"] for e in event] == ["entity.create"] and event[0]["actor_id"].startswith("user:")
    # The same registration number again, in Norwegian: refused on that field.
    again = web.post("/entities/new?lang=nb", form | NEW | {"key": "ACME-DK-2"})
    assert again.status_code == 409 and 'id="err-f-registration-number"' in again.text
    assert "Dette registreringsnummeret brukes allerede" in html.unescape(again.text)


def test_an_officer_edits_an_entity_keeps_what_the_form_does_not_show_and_merges_a_stale_form(
    web: Any,
) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    before = _entity(web, "TECHEM-DK")
    assert f'href="/entities/{dk}/edit"' in web.get(f"/entities/{dk}").text
    path = f"/entities/{dk}/edit"
    form = _form(web, path)
    assert form["legal_name"] == before["legal_name"] and form["version"] == str(before["version"])
    changed = form | {
        "dpo.name": "Jens Jensen",
        "dpo.email": "dpo@techem.example",
        "representative.name": "EU Rep GmbH",
        "representative.address.country": "DE",
        "representative.address.city": "Berlin",
    }
    saved = web.post(path, changed, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    after = _entity(web, "TECHEM-DK")
    assert after["version"] == before["version"] + 1 and after["dpo"]["name"] == "Jens Jensen"
    assert after["representative"]["address"] == {
        "street": None,
        "postal_code": None,
        "city": "Berlin",
        "country": "DE",
    }
    for kept in ("documents", "sources", "joint_controllers", "other_authorities", "key"):
        assert after[kept] == before[kept], kept
    # The form opened before that save: another field merges, the same field is a conflict.
    merged = web.post(path, form | {"security_statement": "ISO 27001"}, follow_redirects=False)
    assert merged.status_code == 303, merged.text
    latest = _entity(web, "TECHEM-DK")
    assert latest["security_statement"] == "ISO 27001" and latest["dpo"]["name"] == "Jens Jensen"
    stale = web.post(path + "?lang=nb", form | {"dpo.name": "Kari Nordmann"})
    assert stale.status_code == 409 and 'id="err-f-dpo-name"' in stale.text
    assert "Jens Jensen" in stale.text
    assert _entity(web, "TECHEM-DK") == latest


def test_an_entity_is_retired_only_once_it_holds_no_records(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    version = str(_entity(web, "TECHEM-DK")["version"])
    refused = web.post(f"/entities/{dk}/retire?lang=nb", {"version": version, "reason": "x"})
    assert refused.status_code == 409 and "Ikke faset ut: enheten har fortsatt" in html.unescape(refused.text)
    assert _entity(web, "TECHEM-DK")["status"] == "active"
    web.sign_in("admin")
    form = _form(web, "/entities/new")
    created = web.post("/entities/new", form | {"key": "EMPTY-NO", "legal_name": "Tom AS", "country": "NO"})
    assert created.status_code == 200  # followed to the register page
    empty = _entity(web, "EMPTY-NO")
    web.sign_in("officer_all")
    retired = web.post(
        f"/entities/{empty['id']}/retire",
        {"version": str(empty["version"]), "reason": "sold"},
        follow_redirects=False,
    )
    assert retired.status_code == 303, retired.text
    assert _entity(web, "EMPTY-NO")["status"] == "retired"
    page = web.get(f"/entities/{empty['id']}/edit?lang=da")
    assert "Denne juridiske enhed er udfaset" in html.unescape(page.text) and "/retire" not in page.text
    frozen = web.post(f"/entities/{empty['id']}/edit", _form(web, f"/entities/{empty['id']}/edit"))
    assert frozen.status_code == 409 and _entity(web, "EMPTY-NO")["version"] == empty["version"] + 1


def _actions(record_id: str) -> list[tuple[str, str]]:
    rows = (
        AuditEvent.select(AuditEvent.action, AuditEvent.actor_id)
        .where(AuditEvent.entity_id == record_id)
        .order_by(AuditEvent.event_id)
        .run_sync()
    )
    return [(r["action"], r["actor_id"]) for r in rows]


def test_an_admin_edits_an_entitys_own_record_but_not_the_records_it_holds(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("admin")
    admin = web.get("/api/auth/me").json()
    register = web.get(f"/entities/{dk}").text
    assert f'href="/entities/{dk}/edit"' in register
    assert f"/entities/{dk}/activities/new" not in register  # the activities are its officers'
    form = _form(web, f"/entities/{dk}/edit")
    saved = web.post(f"/entities/{dk}/edit", form | {"dpo.name": "Admin Set"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert _entity(web, "TECHEM-DK")["dpo"]["name"] == "Admin Set"
    assert _actions(dk)[-1] == ("entity.update", f"user:{admin['user_id']}")
    activity = web.get("/api/activities", params={"entity": dk, "limit": 1}).json()["items"][0]
    assert web.get(f"/entities/{dk}/activities/{activity['id']}/edit").status_code == 403
    assert web.post(f"/entities/{dk}/activities/{activity['id']}/edit", {}).status_code == 403
    assert web.get(f"/entities/{dk}/processors/new").status_code == 403


def test_a_retired_entity_is_reactivated_with_a_reason_in_the_page_language(web: Any) -> None:
    web.sign_in("admin")
    created = web.post(
        "/entities/new",
        _form(web, "/entities/new") | {"key": "BACK-NO", "legal_name": "Tilbake AS", "country": "NO"},
    )
    assert created.status_code == 200
    entity = _entity(web, "BACK-NO")
    path = f"/entities/{entity['id']}"
    retired = web.post(
        f"{path}/retire", {"version": str(entity["version"]), "reason": "sold"}, follow_redirects=False
    )
    assert retired.status_code == 303, retired.text
    page = html.unescape(web.get(f"{path}/edit?lang=nb").text)
    assert f'action="{path}/reactivate"' in page and f'action="{path}/retire"' not in page
    assert "Reaktiver denne juridiske enheten" in page
    assert "Reaktiver enheten" in html.unescape(web.get(f"{path}?lang=nb").text)
    version = str(entity["version"] + 1)
    no_reason = web.post(f"{path}/reactivate?lang=da", {"version": version, "reason": "  "})
    assert no_reason.status_code == 422
    assert "Ikke genaktiveret: angiv en begrundelse." in html.unescape(no_reason.text)
    stale = web.post(f"{path}/reactivate?lang=en", {"version": str(entity["version"]), "reason": "x"})
    assert stale.status_code == 409 and "Someone else saved this record first" in stale.text
    assert _entity(web, "BACK-NO")["status"] == "retired"
    back = web.post(
        f"{path}/reactivate", {"version": version, "reason": "bought back"}, follow_redirects=False
    )
    assert back.status_code == 303 and back.headers["location"] == f"{path}?saved=BACK-NO"
    assert _entity(web, "BACK-NO")["status"] == "active"
    assert [a for a, _ in _actions(entity["id"])] == ["entity.create", "entity.retire", "entity.reactivate"]
    again = web.post(f"{path}/reactivate?lang=en", {"version": str(entity["version"] + 2), "reason": "x"})
    assert again.status_code == 409 and "Already active" in again.text
    # The entity's history names the event in the page's language.
    web.sign_in("officer_all")
    assert "Genaktiveret" in html.unescape(web.get(f"/entities/{entity['id']}/history?lang=da").text)


def test_an_officer_translates_the_entitys_own_text_per_export_language(web: Any) -> None:
    dk = web.ids["TECHEM-DK"]
    web.sign_in("officer")
    path = f"/entities/{dk}/edit"
    page = html.unescape(web.get(path + "?lang=da").text)
    assert "Oversættelse til dansk" in page and "Oversættelse til norsk" in page and "<details" in page
    form = _form(web, path)
    assert form["translations.da.security_statement"] == "" and form["supervisory_authority.name"]
    statement = "Adgang til oplysningerne er begrænset og bliver logget"
    remit = "Fører tilsyn med behandlingen af personoplysninger"
    posted = form | {
        "security_statement": "Access is restricted and logged",
        "supervisory_authority.remit": "Supervises the processing of personal data",
        "translations.da.security_statement": statement,
        "supervisory_authority.translations.da.remit": remit,
        "supervisory_authority.translations.nb.remit": "Fører tilsyn",
    }
    saved = web.post(path, posted, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    stored = _entity(web, "TECHEM-DK")
    assert stored["translations"] == {"da": {"security_statement": statement}}
    assert stored["supervisory_authority"]["translations"] == {
        "da": {"remit": remit},
        "nb": {"remit": "Fører tilsyn"},
    }
    assert "translations" not in (stored["dpo_decision"] or {})  # none given: none written
    rows = (
        AuditEvent.select(AuditEvent.action, AuditEvent.body)
        .where(AuditEvent.entity_id == dk)
        .order_by(AuditEvent.event_id)
        .run_sync()
    )
    assert rows[-1]["action"] == "entity.update"
    assert "begrænset og bliver logget" in str(rows[-1]["body"])  # the change, in the audit log
    # The form shows them again; an emptied field removes that translation, the others stay.
    again = _form(web, path)
    assert again["translations.da.security_statement"] == statement
    emptied = web.post(
        path, again | {"supervisory_authority.translations.nb.remit": ""}, follow_redirects=False
    )
    assert emptied.status_code == 303, emptied.text
    latest = _entity(web, "TECHEM-DK")
    assert latest["supervisory_authority"]["translations"] == {"da": {"remit": remit}}
    assert latest["translations"] == stored["translations"]
    # Too long: refused by field, its section opened with the message, nothing saved.
    refused = web.post(
        path + "?lang=en", _form(web, path) | {"translations.nb.security_statement": "x" * 20_001}
    )
    assert refused.status_code == 422
    assert 'id="err-f-translations-nb-security_statement"' in refused.text
    assert '<details class="translations" open>' in refused.text
    assert _entity(web, "TECHEM-DK") == latest
