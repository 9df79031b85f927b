"""The activity editor in the browser, in Danish: a recipient and a retention rule made without leaving
the form, by keyboard, the officer's unsaved edits kept and the new records picked; then one save."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.support import activities


def _create_by_keyboard(page, legend: str, button: str) -> None:
    """Focus the short form's button and press Enter: no mouse."""
    page.get_by_role("group", name=legend).get_by_role("button", name=button).focus()
    page.keyboard.press("Enter")


def test_an_officer_makes_a_recipient_and_a_retention_rule_inside_the_editor_in_danish(site, open_as):
    page = open_as("officer")
    activity = activities(page, "TECHEM-DK")[-1]
    url = f"/entities/{site.ids['TECHEM-DK']}/activities/{activity['id']}"
    page.goto(f"{url}/edit?lang=da")
    version = int(page.locator("input[name=version]").input_value())
    tag = uuid.uuid4().hex[:6].upper()
    description = f"Gennemgået i e2e-testen {tag}."
    page.get_by_label("Beskrivelse", exact=True).fill(description)

    recipient = page.get_by_role("group", name="Ny modtager")
    recipient.get_by_label("Reference").fill(f"R-E2E-{tag}")
    recipient.get_by_label("Navn", exact=True).fill(f"Revisor {tag}")
    recipient.get_by_label("Type").select_option(label="Ekstern organisation")
    _create_by_keyboard(page, "Ny modtager", "Opret modtageren og vælg den")
    expect(page.get_by_role("status")).to_have_text(
        f"Modtageren Revisor {tag} (R-E2E-{tag}) er oprettet og valgt. "
        "Aktiviteten er endnu ikke gemt: gem den for at beholde dine ændringer."
    )
    expect(page.get_by_label("Beskrivelse", exact=True)).to_have_value(description)
    expect(page.get_by_role("checkbox", name=f"Revisor {tag} (R-E2E-{tag})")).to_be_checked()

    rule = page.get_by_role("group", name="Ny opbevaringsregel")
    rule.get_by_label("Reference").fill(f"RET-E2E-{tag}")
    rule.get_by_label("Navn", exact=True).fill(f"Bilag {tag}")
    rule.get_by_label("Varighed (ISO 8601)").fill("fem år")
    _create_by_keyboard(page, "Ny opbevaringsregel", "Opret opbevaringsreglen og vælg den")
    # Refused: the field is named in Danish, nothing else is lost.
    expect(page.get_by_role("alert")).to_contain_text("Ny opbevaringsregel: Varighed (ISO 8601)")
    expect(page.get_by_label("Beskrivelse", exact=True)).to_have_value(description)
    expect(page.get_by_role("checkbox", name=f"Revisor {tag} (R-E2E-{tag})")).to_be_checked()
    page.get_by_role("group", name="Ny opbevaringsregel").get_by_label("Varighed (ISO 8601)").fill("P5Y")
    _create_by_keyboard(page, "Ny opbevaringsregel", "Opret opbevaringsreglen og vælg den")
    expect(page.get_by_role("status")).to_contain_text(f"Opbevaringsreglen Bilag {tag} (RET-E2E-{tag})")
    expect(page.get_by_role("checkbox", name=f"Bilag {tag} (RET-E2E-{tag})")).to_be_checked()
    expect(page.get_by_role("checkbox", name=f"Revisor {tag} (R-E2E-{tag})")).to_be_checked()

    page.get_by_role("button", name="Gem", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"{re.escape(url)}\?saved={version + 1}$"))
    saved = page.request.get(f"/api/activities/{activity['id']}").json()
    assert saved["description"] == description
    assert f"R-E2E-{tag}" in saved["recipients"] and f"RET-E2E-{tag}" in saved["retention"]
