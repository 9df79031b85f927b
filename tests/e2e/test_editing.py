"""The activity editor in the browser: a save, its audit event, and two officers saving the same version."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.support import activities


def _activity_url(site, activity: dict) -> str:
    return f"/entities/{site.ids['TECHEM-DK']}/activities/{activity['id']}"


def test_an_officer_edits_an_activity_and_the_change_is_in_its_history_and_the_audit_log(site, open_as):
    page = open_as("officer")
    activity = activities(page, "TECHEM-DK")[0]
    url = _activity_url(site, activity)
    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(activity["name"])
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page).to_have_url(f"{site.url}{url}/edit")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit {activity['name']}")

    version = int(page.locator("input[name=version]").input_value())
    name = f"Heat cost billing, revised {uuid.uuid4().hex[:6]}"
    description = f"Checked by the e2e test {uuid.uuid4().hex[:6]}."
    expect(page.get_by_label("Processing activity", exact=True)).to_have_value(activity["name"])
    page.get_by_label("Processing activity", exact=True).fill(name)
    page.get_by_label("Description", exact=True).fill(description)
    page.get_by_label("Status", exact=True).select_option(label="In review")
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(f"{site.url}{url}?saved={version + 1}")
    expect(page.get_by_role("status")).to_have_text(f"Saved as version {version + 1}.")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(name)
    expect(heading).to_contain_text("In review")
    expect(page.get_by_text(description)).to_be_visible()
    expect(page.get_by_text(re.compile(rf"^Version {version + 1} · Updated"))).to_be_visible()

    # The register lists the new name; the activity's history shows the change.
    page.goto(f"/entities/{site.ids['TECHEM-DK']}")
    expect(page.get_by_role("link", name=name)).to_be_visible()
    page.goto(url)
    page.get_by_role("link", name="History of this activity").click()
    expect(page).to_have_url(re.compile(rf"{re.escape(url)}/history"))
    expect(page.get_by_text(description).first).to_be_visible()
    expect(page.get_by_text(name).first).to_be_visible()

    # The audit log names the officer: an auditor's session cookie works on the API.
    auditor = open_as("auditor")
    response = auditor.request.get(f"/api/audit/events?record_id={activity['id']}")
    assert response.ok, response.text()
    updates = [e for e in response.json()["items"] if e["action"] == "activity.update"]
    assert updates and updates[-1]["actor_id"] == f"user:{site.users['officer']}"


def test_the_second_of_two_concurrent_saves_gets_the_conflict_screen_and_can_reapply(site, open_as):
    first, second = open_as("officer"), open_as("officer2")
    activity = activities(first, "TECHEM-DK")[1]
    url = _activity_url(site, activity)
    for page in (first, second):
        page.goto(f"{url}/edit")
    version = int(first.locator("input[name=version]").input_value())
    assert int(second.locator("input[name=version]").input_value()) == version

    theirs = f"First officer's text {uuid.uuid4().hex[:6]}"
    mine = f"Second officer's text {uuid.uuid4().hex[:6]}"
    first.get_by_label("Description", exact=True).fill(theirs)
    first.get_by_role("button", name="Save").click()
    expect(first.get_by_role("status")).to_have_text(f"Saved as version {version + 1}.")

    second.get_by_label("Description", exact=True).fill(mine)
    second.get_by_label("Status", exact=True).select_option(label="Approved")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("heading", name="Someone else saved first", level=1)).to_be_visible()
    expect(second.get_by_role("alert")).to_contain_text(
        re.compile(rf"You edited version {version}, but .+ saved version {version + 1} at .+ not saved")
    )
    table = second.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Field", f"Saved now (version {version + 1})", "Your change"]
    )
    row = table.get_by_role("row", name=re.compile("^Description"))
    expect(row.get_by_role("cell")).to_have_text([theirs, mine])
    expect(table.get_by_role("row", name=re.compile("^Status")).get_by_role("cell")).to_have_text(
        [re.compile(".+"), "Approved"]
    )
    expect(second.get_by_role("link", name="Discard my changes and open the latest version")).to_be_visible()

    second.get_by_role("button", name=f"Apply my changes on top of version {version + 1}").click()
    expect(second.get_by_role("heading", level=1)).to_have_text(f"Edit {activity['name']}")
    expect(second.locator("input[name=version]")).to_have_value(str(version + 1))
    expect(second.get_by_label("Description", exact=True)).to_have_value(mine)
    expect(second.get_by_label("Status", exact=True)).to_have_value("approved")
    second.get_by_role("button", name="Save").click()
    expect(second.get_by_role("status")).to_have_text(f"Saved as version {version + 2}.")
    expect(second.get_by_text(mine)).to_be_visible()
    expect(second.get_by_role("heading", level=1)).to_contain_text("Approved")
