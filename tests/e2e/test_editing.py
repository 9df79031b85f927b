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


def _with_recipients(page, site) -> dict:
    for item in activities(page, "TECHEM-DK")[1:]:
        full = page.request.get(f"/api/activities/{item['id']}").json()
        if full["recipients"]:
            return full
    raise AssertionError("the demo register has an activity with recipients")


def test_two_officers_editing_one_activity_in_danish_are_merged_and_only_a_shared_field_conflicts(
    site, open_as
):
    first, second = open_as("officer"), open_as("officer2")
    activity = _with_recipients(first, site)
    url = _activity_url(site, activity)
    for page in (first, second):
        page.goto(f"{url}/edit?lang=da")
    version = int(first.locator("input[name=version]").input_value())
    assert int(second.locator("input[name=version]").input_value()) == version

    # Different fields: the first officer removes a recipient and rewrites the description, the second
    # adds a note. The second save is merged without asking.
    removed = activity["recipients"][0]
    theirs = f"Første medarbejders tekst {uuid.uuid4().hex[:6]}"
    first.get_by_label("Beskrivelse", exact=True).fill(theirs)
    first.locator(f"input[name=recipients][value='{removed}']").uncheck()
    first.get_by_role("button", name="Gem").click()
    expect(first.get_by_role("status")).to_have_text(f"Gemt som version {version + 1}.")
    note = f"Anden medarbejders bemærkning {uuid.uuid4().hex[:6]}"
    second.get_by_label("Bemærkninger", exact=True).fill(note)
    second.get_by_role("button", name="Gem").click()
    expect(second.get_by_role("status")).to_have_text(
        f"Gemt som version {version + 2}. "
        "En anden gemte andre felter i mellemtiden; deres ændringer er bevaret."
    )
    expect(second.get_by_text(theirs)).to_be_visible()
    expect(second.get_by_text(note)).to_be_visible()
    latest = second.request.get(f"/api/activities/{activity['id']}").json()
    assert removed not in latest["recipients"] and latest["notes"] == note

    # The same field: the conflict screen shows that field only, with the value both started from.
    for page in (first, second):
        page.goto(f"{url}/edit")
    first.get_by_label("Beskrivelse", exact=True).fill("Den første vandt")
    first.get_by_role("button", name="Gem").click()
    expect(first.get_by_role("status")).to_have_text(f"Gemt som version {version + 3}.")
    mine = f"Min beskrivelse {uuid.uuid4().hex[:6]}"
    second.get_by_label("Beskrivelse", exact=True).fill(mine)
    # (not "Godkendt": four eyes refuses an approval saved with one's own change of the content)
    status, status_label = (
        ("draft", "Udkast") if activity["status"] == "in_review" else ("in_review", "Under gennemgang")
    )
    second.get_by_label("Status", exact=True).select_option(label=status_label)
    second.get_by_role("button", name="Gem").click()
    expect(second.get_by_role("heading", name="En anden gemte først", level=1)).to_be_visible()
    table = second.get_by_role("table")
    expect(table.get_by_role("columnheader")).to_have_text(
        [
            "Felt",
            f"Da du åbnede den (version {version + 2})",
            f"Gemt nu (version {version + 3})",
            "Din ændring",
        ]
    )
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the description: not the status
    row = table.get_by_role("row", name=re.compile("^Beskrivelse"))
    expect(row.get_by_role("cell")).to_have_text([theirs, "Den første vandt", mine])

    second.get_by_role("button", name=f"Anvend mine ændringer oven på version {version + 3}").click()
    expect(second.locator("input[name=version]")).to_have_value(str(version + 3))
    expect(second.get_by_label("Beskrivelse", exact=True)).to_have_value(mine)
    expect(second.get_by_label("Status", exact=True)).to_have_value(status)
    expect(second.locator(f"input[name=recipients][value='{removed}']")).not_to_be_checked()
    second.get_by_role("button", name="Gem").click()
    expect(second.get_by_role("status")).to_have_text(f"Gemt som version {version + 4}.")
    latest = second.request.get(f"/api/activities/{activity['id']}").json()
    assert latest["description"] == mine and latest["status"] == status and latest["notes"] == note
    assert removed not in latest["recipients"]  # what the first officer removed is not re-added
