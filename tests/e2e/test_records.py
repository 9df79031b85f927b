"""An officer's core tasks in the browser, in Danish: move a Privacy Shield transfer to the EU-US
Data Privacy Framework, shorten a retention rule, and keep a long unbroken value from widening pages."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.support import activities


def test_an_officer_fixes_a_privacy_shield_transfer_and_changes_a_retention_rule_in_danish(site, open_as):
    page = open_as("officer")
    dk = site.ids["TECHEM-DK"]
    page.goto(f"/entities/{dk}/transfers?lang=da")
    expect(page.get_by_role("heading", level=1)).to_have_text("Overførsler til tredjelande")
    row = page.get_by_role("row", name=re.compile("Privacy Shield"))
    row.get_by_role("link", name=re.compile("^Redigér")).click()
    expect(page).to_have_url(re.compile(r"/transfers/T-DK-PRIVACY-SHIELD/edit$"))
    mechanism = page.get_by_label("Overførselsgrundlag", exact=True)
    expect(mechanism).to_have_value("privacy_shield")
    mechanism.select_option("eu_us_dpf")
    page.get_by_label("Modtagerland", exact=True).fill("US")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("status")).to_have_text("T-DK-PRIVACY-SHIELD er gemt.")
    row = page.get_by_role("row", name=re.compile("Privacy Shield"))
    expect(row).to_contain_text("Data Privacy Framework")
    transfers = page.request.get(f"/api/transfers?entity={dk}&limit=500").json()["items"]
    fixed = next(x for x in transfers if x["key"] == "T-DK-PRIVACY-SHIELD")
    assert page.request.get(f"/api/transfers/{fixed['id']}").json()["mechanism"] == "eu_us_dpf"

    # A retention rule: a duration that is not one is refused on the field, in Danish; then saved.
    page.goto(f"/entities/{dk}/retention")
    page.get_by_role("row", name=re.compile("cookies")).first.get_by_role(
        "link", name=re.compile("^Redigér")
    ).click()
    duration = page.get_by_label("Varighed (ISO 8601)", exact=True)
    duration.fill("seks måneder")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("alert")).to_contain_text("Angiv en varighed som P5Y")
    expect(duration).to_have_attribute("aria-invalid", "true")
    page.get_by_role("alert").get_by_role("link", name="Varighed (ISO 8601)").click()
    expect(duration).to_be_focused()
    duration.fill("P6M")
    page.get_by_role("button", name="Gem").click()
    expect(page.get_by_role("status")).to_contain_text("er gemt.")


def test_a_long_unbroken_value_does_not_widen_the_page(site, open_as):
    page = open_as("officer")
    page.set_viewport_size({"width": 1280, "height": 900})
    activity = activities(page, "TECHEM-DK")[2]
    url = f"/entities/{site.ids['TECHEM-DK']}/activities/{activity['id']}"
    page.goto(f"{url}/edit?lang=en")
    hostile = "x" * 400 + uuid.uuid4().hex
    page.get_by_label("Description", exact=True).fill(hostile)
    page.get_by_label("System or application", exact=True).fill("https://example.org/" + "a" * 250)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version")
    expect(page.get_by_text(hostile)).to_be_visible()
    for path in (url, f"/entities/{site.ids['TECHEM-DK']}"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 1280, f"{path} is {width} px wide"


CONTROLS = "input:not([type=hidden]), select, textarea, button"


def test_the_record_forms_keep_the_skip_link_labels_and_focus_ring(site, open_as):
    page = open_as("officer")
    dk = f"/entities/{site.ids['TECHEM-DK']}"
    forms = ["transfers/new", "retention/new", "processors/new", "recipients/new", "activities/new"]
    forms += ["transfers/T-DK-SCC/edit", "retention/RET-DK-GENERAL/edit"]
    for form in forms:
        page.goto(f"{dk}/{form}?lang=en")
        expect(page.get_by_role("heading", level=1)).to_have_count(1)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to content")
        expect(skip).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.get_by_role("main")).to_be_focused()
        controls = page.locator("main form").locator(CONTROLS)
        assert controls.count() >= 4, form
        for i in range(controls.count()):
            expect(controls.nth(i)).to_have_accessible_name(re.compile(r"\S"))
        for group in page.locator("main fieldset").all():
            expect(group).to_have_accessible_name(re.compile(r"\S"))
        # The first field, reached by keyboard, shows the focus ring.
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        assert focused.evaluate("e => e.closest('main') !== null"), form
        outline = focused.evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline not in ("none", ""), f"{form}: no focus ring on {focused.evaluate('e => e.outerHTML')}"
