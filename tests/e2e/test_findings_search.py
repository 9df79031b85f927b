"""Where the work is, in Danish: an activity's own findings, the register filtered by severity,
a search by a Danish term label, and the audit log filtered by a user's name."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import ACCOUNTS
from tests.e2e.support import activities


def test_an_officer_works_from_the_findings_and_an_auditor_finds_the_change(site, open_as):
    page = open_as("officer")
    dk = site.ids["TECHEM-DK"]
    high = page.request.get(f"/api/findings?entity={dk}&severity=high&status=open").json()
    on_activity = [f["finding"] for f in high if f["finding"]["record_kind"] == "activity"]
    assert on_activity, "the demo register has activities with high findings"
    by_key = {a["key"]: a for a in activities(page, "TECHEM-DK")}
    finding = on_activity[0]
    activity = by_key[finding["record_key"]]

    # The activity's page shows its own findings, labelled in Danish, the rule on a small line.
    page.goto(f"/entities/{dk}/activities/{activity['id']}?lang=da")
    findings = page.locator("section.record-findings")
    expect(findings.get_by_role("heading", name="Fund")).to_be_visible()
    expect(findings).to_contain_text(finding["message"]["da"])
    expect(findings).to_contain_text("Høj")
    expect(findings.locator(".rule-line").first).to_contain_text("Regel")
    expect(findings).not_to_contain_text(finding["message"]["en"])

    # The register, filtered to activities with a high finding (htmx swaps the list in place).
    page.get_by_role("link", name=re.compile("^Aktiviteter$")).first.click()
    page.get_by_label("Med åbne fund").select_option("high")
    page.get_by_role("button", name="Filtrér").click()
    expect(page).to_have_url(re.compile(r"severity=high"))
    keys = {f["record_key"] for f in on_activity}
    rows = page.locator("#activities tbody tr")
    expect(rows).to_have_count(len(keys))
    expect(page.locator("#activities")).to_contain_text(activity["name"])

    # A search by a Danish vocabulary label ("Navigation og adfærd") finds the analytics activity.
    page.get_by_role("link", name="Søg").click()
    page.get_by_label("Søg i fortegnelserne").fill("adfærd")
    page.get_by_role("button", name="Søg", exact=True).click()
    analytics = page.get_by_role("row", name=re.compile("PA-DK-04"))
    expect(analytics).to_be_visible()
    expect(analytics).to_contain_text("Kategorier af personoplysninger")

    # The officer changes the activity's description (an audited change) …
    page.goto(f"/entities/{dk}/activities/{by_key['PA-DK-04']['id']}/edit?lang=en")
    page.get_by_label("Description", exact=True).fill("Statistics on how the portal is used.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved as version")

    # … and an auditor finds it by the officer's user name, newest first.
    audit = open_as("auditor")
    audit.goto("/audit?lang=da")
    audit.get_by_label("Bruger", exact=True).fill(ACCOUNTS["officer"][0])
    audit.get_by_role("button", name="Filtrér").click()
    expect(audit).to_have_url(re.compile(r"actor=e2e-officer-dk"))
    events = audit.locator("tr[id^=event-]")
    expect(events.first).to_contain_text(ACCOUNTS["officer"][0])
    expect(events.first).to_contain_text(by_key["PA-DK-04"]["name"])
    for n in range(events.count()):
        expect(events.nth(n)).to_contain_text(ACCOUNTS["officer"][0])
