"""Screenshots of the main pages, for a person to look at: `ROPA_E2E_SCREENSHOTS=/tmp/shots`.

Without that variable they go to a temp dir that is removed afterwards; the test still checks that
each page is the one meant (its heading) and that none scrolls sideways at 1280 px.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.support import activities


def _fits(page) -> None:
    """Nothing wider than the window: a page that scrolls sideways hides part of itself."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the window"


def _page(page, shoot, name: str, path: str | None, heading: str | re.Pattern[str]) -> None:
    if path is not None:
        page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    _fits(page)
    shoot(page, name)


def test_screenshots_of_the_main_pages(site, open_as, shoot):
    dk = f"/entities/{site.ids['TECHEM-DK']}"
    anonymous = open_as()
    _page(anonymous, shoot, "01-sign-in", "/sign-in", "Sign in")

    officer = open_as("officer")
    items = activities(officer, "TECHEM-DK")
    first, other = items[0], items[-1]
    _page(officer, shoot, "02-dashboard", "/", "Dashboard")
    _page(officer, shoot, "03-register", dk, "Register of Techem Danmark A/S")
    _page(
        officer, shoot, "04-activity", f"{dk}/activities/{first['id']}", re.compile(re.escape(first["name"]))
    )
    _page(officer, shoot, "05-editor", f"{dk}/activities/{first['id']}/edit", re.compile("^Edit "))

    # The conflict screen: another officer saves the same version first.
    rival = open_as("officer2")
    for page in (officer, rival):
        page.goto(f"{dk}/activities/{other['id']}/edit")
    rival.get_by_label("Description", exact=True).fill("Saved first by the other officer.")
    rival.get_by_role("button", name="Save").click()
    expect(rival.get_by_role("status")).to_contain_text("Saved as version")
    officer.get_by_label("Description", exact=True).fill("Saved second, after the other officer.")
    officer.get_by_label("Status", exact=True).select_option(label="Approved")
    officer.get_by_role("button", name="Save").click()
    _page(officer, shoot, "06-conflict", None, "Someone else saved first")

    _page(officer, shoot, "07-processors", f"{dk}/processors", re.compile("Processors"))
    _page(officer, shoot, "08-transfers", f"{dk}/transfers", re.compile("transfers", re.I))
    _page(officer, shoot, "09-retention", f"{dk}/retention", re.compile("Retention"))
    _page(officer, shoot, "10-findings", f"{dk}/findings", re.compile("Findings"))
    _page(officer, shoot, "11-export-dialog", f"{dk}/export", "Export the register of Techem Danmark A/S")
    officer.get_by_role("radio", name="Excel workbook (.xlsx)", exact=True).check()
    officer.get_by_role("button", name="Export", exact=True).click()
    expect(officer.get_by_role("link", name=re.compile(r"^Download "))).to_be_visible(timeout=90_000)
    _page(officer, shoot, "12-export-job", None, re.compile("Export"))
    _page(
        officer,
        shoot,
        "13-not-found",
        "/entities/00000000-0000-4000-8000-000000000000",
        re.compile("Not found"),
    )

    auditor = open_as("auditor")
    _page(auditor, shoot, "14-audit-log", "/audit", re.compile("Audit log"))
    _page(auditor, shoot, "15-history", f"{dk}/activities/{first['id']}/history", re.compile("History"))
    _page(officer, shoot, "16-register-danish", f"{dk}?lang=da", "Fortegnelse for Techem Danmark A/S")

    regulator = open_as("regulator_no")
    _page(regulator, shoot, "17-dashboard-regulator", "/", "Dashboard")
