"""Signing in and out through the form, and what the dashboard shows a compliance officer."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ACCOUNTS, PASSWORD


def test_an_officer_signs_in_sees_their_entity_only_and_signs_out(site, open_as):
    page = open_as()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2F$"))
    expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()

    page.get_by_label("Username").fill(ACCOUNTS["officer"][0])
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value(ACCOUNTS["officer"][0])

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site.url}/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text("Signed in as e2e-officer-dk (compliance officer)")).to_be_visible()
    card = page.get_by_role("article", name="Techem Danmark A/S")
    expect(card).to_be_visible()
    expect(card.get_by_role("table", name="Activities by status")).to_be_visible()
    expect(page.get_by_text("Techem Norge AS")).to_have_count(0)
    expect(page.get_by_text("Latest checkpoint")).to_be_visible()

    card.get_by_role("link", name="Techem Danmark A/S").click()
    expect(page).to_have_url(f"{site.url}/entities/{site.ids['TECHEM-DK']}")
    expect(page.get_by_role("heading", name="Register of Techem Danmark A/S")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/sign-in\?out=true$"))
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    # The session is gone: the register asks for a sign-in again and comes back to it afterwards.
    page.goto(f"/entities/{site.ids['TECHEM-DK']}")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
