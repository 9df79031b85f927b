"""An admin creates a legal entity in Norwegian (and may edit it), an officer of every entity edits
it; and at a phone's width (390 px) the wide tables scroll inside their box, not the page."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_an_admin_creates_an_entity_and_an_officer_edits_it_in_norwegian(site, open_as):
    admin = open_as("admin")
    admin.goto("/?lang=nb")
    admin.get_by_role("link", name="Ny juridisk enhet").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ny juridisk enhet")
    identity = admin.get_by_role("group", name="Identitet og registrering")
    identity.get_by_label("Referanse", exact=True).fill("E2E-SE")
    identity.get_by_label("Juridisk navn", exact=True).fill("Exempel Sverige AB")
    country = identity.get_by_label("Land", exact=True)
    country.fill("Sverige")
    admin.get_by_role("group", name="Kontaktopplysninger").get_by_label("Sted", exact=True).fill("Malmö")
    admin.get_by_role("button", name="Lagre").click()
    # Refused on the field, in Norwegian, with what was typed kept; the summary's link leads to it.
    alert = admin.get_by_role("alert")
    expect(alert).to_contain_text("Ikke lagret. Rett feltene merket nedenfor.")
    expect(alert).to_contain_text("Oppgi en landkode på to bokstaver")
    expect(country).to_have_attribute("aria-invalid", "true")
    expect(
        admin.get_by_role("group", name="Kontaktopplysninger").get_by_label("Sted", exact=True)
    ).to_have_value("Malmö")
    alert.get_by_role("link", name="Land").click()
    expect(country).to_be_focused()
    country.fill("SE")
    admin.get_by_role("group", name="Kontaktopplysninger").get_by_label("Land", exact=True).fill("SE")
    admin.get_by_role("button", name="Lagre").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Protokoll for Exempel Sverige AB")
    expect(admin.get_by_role("status").filter(has_text="E2E-SE er lagret.")).to_be_visible()
    entity_url = admin.url.split("?")[0]
    # An admin creates entities and keeps their own records, with their officers; the activities
    # an entity holds are its officers' alone (as the API's guard says).
    expect(admin.get_by_role("link", name="Rediger enheten")).to_have_count(1)
    expect(admin.get_by_role("link", name="Ny behandlingsaktivitet")).to_have_count(0)

    officer = open_as("officer_all")
    officer.goto(entity_url + "?lang=nb")
    officer.get_by_role("link", name="Rediger enheten").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Rediger Exempel Sverige AB")
    identity = officer.get_by_role("group", name="Identitet og registrering")
    expect(identity.get_by_label("Referanse", exact=True)).to_have_value("E2E-SE")
    expect(identity.get_by_label("Referanse", exact=True)).to_have_attribute("readonly", "")
    dpo = officer.get_by_role("group", name="Personvernombud", exact=True)
    dpo.get_by_label("Navn", exact=True).fill("Sara Lind")
    dpo.get_by_label("E-post", exact=True).fill("dpo@exempel.example")
    officer.get_by_role("button", name="Lagre").click()
    expect(officer.get_by_role("status").filter(has_text="E2E-SE er lagret.")).to_be_visible()
    entity_id = entity_url.rstrip("/").rsplit("/", 1)[1]
    stored = officer.request.get(f"/api/entities/{entity_id}").json()
    assert stored["dpo"] == {"name": "Sara Lind", "email": "dpo@exempel.example", "phone": None, "kind": None}
    assert stored["address"]["city"] == "Malmö" and stored["version"] == 2


def test_wide_tables_scroll_inside_their_box_at_a_phones_width(site, open_as):
    page = open_as("officer")
    page.set_viewport_size({"width": 390, "height": 844})
    dk = f"/entities/{site.ids['TECHEM-DK']}"
    for path in (f"{dk}/findings", f"{dk}/transfers", f"{dk}/processors", dk):
        page.goto(path + "?lang=da")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide at 390 px"
        boxes = page.locator(".table-scroll:has(table.data)")
        expect(boxes.first).to_be_visible()
        assert re.match(r"auto|scroll", boxes.first.evaluate("e => getComputedStyle(e).overflowX"))
