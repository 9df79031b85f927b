"""The reminder outbox in the browser, in Danish: an officer queues what is due and sees it listed."""

from __future__ import annotations

from playwright.sync_api import expect


def test_an_officer_sends_the_reminders_and_sees_the_outbox_in_danish(site, open_as):
    officer = open_as("officer")
    officer.goto("/?lang=da")
    officer.get_by_role("link", name="Udbakke for påmindelser").click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Påmindelser")
    # The e2e server has no SMTP settings: the page says so, and what is queued stays queued.
    expect(officer.locator("#mail-not-configured")).to_contain_text("E-mail er ikke sat op")
    officer.get_by_role("button", name="Sæt i kø og send nu").click()
    expect(officer.locator("#send-result")).to_contain_text("0 sendt")
    rows = officer.locator("tr.reminder")
    expect(rows.first).to_be_visible()
    expect(rows.first).to_contain_text("I kø")
    officer.get_by_label("Status").select_option("sent")
    officer.get_by_role("button", name="Vis").click()
    expect(officer.get_by_text("Udbakken er tom.")).to_be_visible()
