"""The new-activity wizard in the browser, in Norwegian: an officer walks Art. 30(1), leaves a draft,
resumes it, sees its findings and submits it for review."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

CONTROLS = "input:not([type=hidden]), select, textarea, button"


def _tick_first(page, name: str) -> str:
    box = page.locator(f"input[type=checkbox][name='{name}']").first
    box.check()
    return str(box.get_attribute("value"))


def _next(page, step: str) -> None:
    page.get_by_role("button", name="Lagre og fortsett").click()
    expect(page).to_have_url(re.compile(rf"/wizard/{step}\?saved=\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Utkastet er lagret som versjon")


def test_an_officer_walks_the_wizard_in_norwegian_and_submits_a_draft_with_its_findings(site, open_as):
    page = open_as("officer")
    register = f"/entities/{site.ids['TECHEM-DK']}"
    page.goto(f"{register}?lang=nb")
    page.get_by_role("link", name="Ny aktivitet, steg for steg").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Steg 1 av 7")
    # Every control is labelled; the skip link is the first tab stop, and Save is reachable by keyboard.
    controls = page.get_by_role("main").locator(CONTROLS)
    for i in range(controls.count()):
        expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\S"))
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Hopp til innhold")).to_be_focused()

    key = f"WZ-E2E-{uuid.uuid4().hex[:6]}"
    page.get_by_label("Referanse", exact=True).fill(key)
    page.get_by_label("Behandlingsaktivitet", exact=True).fill("Kundeservice")
    page.get_by_label("Hva opplysningene behandles til").fill("Å svare på kundenes spørsmål")
    page.get_by_label("Oppfyllelse av en avtale (art. 6 nr. 1 bokstav b)").check()
    _next(page, "data")
    expect(page.get_by_role("heading", level=2)).to_contain_text("Steg 2 av 7")
    # A long step: the buttons are a few tabs away, through the link to them at the top of the step.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link: focus on the main content
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Gå til knappene":
            break
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Lagre og fortsett")).to_be_focused()
    subject = _tick_first(page, "data_subjects")
    category = _tick_first(page, "data_categories")
    _next(page, "recipients")
    recipient = _tick_first(page, "recipients")
    _next(page, "transfers")

    # Leave the draft at the transfers step, and come back to it from the activity's page.
    draft_url = page.url.split("?")[0]
    page.get_by_role("link", name="Forlat (utkastet beholdes)").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kundeservice")
    page.get_by_role("link", name="Fortsett i veiviseren").click()
    expect(page.get_by_label("Behandlingsaktivitet", exact=True)).to_have_value("Kundeservice")
    page.get_by_role("navigation", name="Steg").get_by_role("link", name=re.compile("Overføringer")).click()
    expect(page).to_have_url(draft_url)
    _next(page, "retention")
    # No retention rule ticked: the review shows the finding this draft raises, before submitting.
    _next(page, "security")
    measure = _tick_first(page, "security_measures")
    page.get_by_label("Beskrivelse av tiltakene").fill("Tilgangsstyring")
    _next(page, "review")
    expect(page.get_by_role("heading", level=2)).to_contain_text("Steg 7 av 7")
    findings = page.locator("section.record-findings")
    expect(findings).to_contain_text("har ingen lagringsregel for")
    expect(findings).to_contain_text("retention.missing")

    page.get_by_role("button", name="Send til gjennomgang").click()
    expect(page).to_have_url(
        re.compile(rf"{re.escape(site.url + register)}/activities/[0-9a-f-]+\?saved=\d+$")
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Under gjennomgang")
    activity_id = page.url.split("/activities/")[1].split("?")[0]
    saved = page.request.get(f"/api/activities/{activity_id}").json()
    assert saved["key"] == key and saved["status"] == "in_review"
    assert saved["purposes"][0]["legal_bases"] == ["art6_1_b"]
    assert saved["data_subjects"] == [subject] and [u["category"] for u in saved["data_categories"]] == [
        category
    ]
    assert saved["recipients"] == [recipient] and saved["security"]["measures"] == [measure]
    history = page.request.get(f"/api/activities/{activity_id}/history")
    assert history.ok and len(history.json()) == saved["version"]
