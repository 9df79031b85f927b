"""Keyboard and assistive-technology basics: the skip link, names of form controls, the page's language."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.support import activities

CONTROLS = "input:not([type=hidden]), select, textarea, button"
NAMED = re.compile(r"\S")


def _controls_are_named(page, scope: str) -> int:
    controls = page.locator(scope).locator(CONTROLS)
    count = controls.count()
    for i in range(count):
        expect(controls.nth(i)).to_have_accessible_name(NAMED)
    return count


def test_the_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(site, open_as):
    page = open_as("officer")
    first = activities(page, "TECHEM-DK")[0]
    register = f"/entities/{site.ids['TECHEM-DK']}"
    for path in ("/", register, f"{register}/activities/{first['id']}/edit"):
        page.goto(path)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()  # shown when focused, not only to screen readers
        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()
        # The next Tab goes into the page's content, not back to the header.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.closest('main') !== null"), path


def test_every_control_of_the_sign_in_form_and_the_editor_has_an_accessible_name(site, open_as):
    page = open_as()
    page.goto("/sign-in")
    assert _controls_are_named(page, "main form") == 3
    expect(page.get_by_role("textbox", name="Username")).to_be_focused()  # autofocus

    page = open_as("officer")
    first = activities(page, "TECHEM-DK")[0]
    page.goto(f"/entities/{site.ids['TECHEM-DK']}/activities/{first['id']}/edit")
    # A closed <details> (the translations) hides its controls until a person opens it: open them all.
    closed = page.locator("#activity-form details:not([open]) > summary")
    while closed.count():
        closed.first.click()
    assert _controls_are_named(page, "#activity-form") > 20
    for group in page.locator("#activity-form fieldset").all():  # every group of checkboxes has a legend
        expect(group).to_have_accessible_name(NAMED)
    expect(page.get_by_role("combobox", name="Status")).to_be_visible()
    expect(page.locator("#f-name")).to_have_accessible_name("Processing activity")


def test_pages_say_which_language_they_are_in(site, open_as):
    page = open_as("officer")
    dk = site.ids["TECHEM-DK"]
    missing = f"/entities/{uuid.uuid4()}"  # the error page too
    for path in ("/", f"/entities/{dk}", f"/entities/{dk}/processors", missing):
        page.goto(path)
        expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"/entities/{dk}?lang=da")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fortegnelse for Techem Danmark A/S")
    page.goto("/")  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overblik")
    page.get_by_role("link", name="Norsk").click()
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversikt")
    anonymous = open_as()
    anonymous.goto("/sign-in")
    expect(anonymous.locator("html")).to_have_attribute("lang", "en")


def test_the_register_has_a_link_to_its_filter_shown_when_focused(site, open_as):
    page = open_as("officer")
    page.goto(f"/entities/{site.ids['TECHEM-DK']}?lang=da")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Spring til indhold"
    page.keyboard.press("Tab")
    to_filter = page.get_by_role("link", name="Gå til filteret")
    expect(to_filter).to_be_focused()
    expect(to_filter).to_be_in_viewport()  # visible when focused, like the skip link
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # past the new-activity buttons, straight into the filter
    expect(page.get_by_role("searchbox", name="Søg")).to_be_focused()
