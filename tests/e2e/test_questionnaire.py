"""The owner's questionnaire in the browser: an officer sends a link, the owner answers in Danish without an
account, and the officer applies the answer."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.e2e.support import activities


def test_an_owner_proposes_a_change_by_link_in_danish_and_the_officer_applies_it(site, open_as):
    officer = open_as("officer")
    activity = activities(officer, "TECHEM-DK")[-1]
    url = f"/entities/{site.ids['TECHEM-DK']}/activities/{activity['id']}"
    officer.goto(f"{url}?lang=en")
    officer.get_by_role("link", name="Questionnaire for the owner").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Owner questionnaires")
    officer.get_by_label("Sent to").fill("Lønafdelingen")
    officer.get_by_label("Valid for (days)").fill("7")
    officer.get_by_role("button", name="Create link").click()
    link = officer.get_by_label("Send this link to the owner. It is shown only now.").input_value()
    assert re.fullmatch(rf"{re.escape(site.url)}/q/[A-Za-z0-9_-]{{43}}", link), link

    # The owner: no account, a browser of their own; the page is in the entity's language.
    owner = open_as(None)
    owner.goto(link)
    expect(owner.get_by_role("heading", level=1)).to_have_text("Spørgeskema om en behandlingsaktivitet")
    expect(owner.get_by_role("heading", level=2)).to_have_text(activity["name"])
    owner.get_by_label("Dit navn").fill("Mette Lund")
    owner.get_by_label("Nej, jeg foreslår ændringerne nedenfor").check()
    purposes = owner.get_by_label("Formålene med behandlingen")
    added = f"Stikprøvekontrol af afregning {uuid.uuid4().hex[:6]}"
    purposes.fill(purposes.input_value() + "\n" + added)
    owner.get_by_role("button", name="Send svar").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Tak")
    owner.goto(link)  # spent; without its link the page is in the browser's language (here English)
    expect(owner.get_by_role("heading", level=1)).to_have_text("This link cannot be used")

    # Nothing changed yet; the officer reads the answer among those waiting and applies it.
    officer.goto(f"{url}?lang=en")
    expect(officer.get_by_text(added)).to_have_count(0)
    officer.goto("/reviews/questionnaires")
    officer.get_by_role("row", name=re.compile("Mette Lund")).get_by_role("link").click()
    expect(officer.get_by_role("heading", level=1)).to_contain_text("Owner's answer")
    expect(officer.locator("#changes")).to_contain_text(added)
    officer.get_by_role("button", name="Apply the changes").click()
    expect(officer).to_have_url(re.compile(rf"{re.escape(url)}\?saved=\d+"))
    expect(officer.get_by_text(added).first).to_be_visible()
    assert link.split("/q/")[1] not in site.log.read_text(errors="replace")  # the token is never logged
