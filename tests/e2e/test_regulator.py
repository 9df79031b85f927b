"""A supervisory authority sees the entities of its own country, read-only, and nothing else exists for it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.support import activities


def test_norways_regulator_sees_techem_norge_only_and_danmark_is_not_found(site, open_as):
    page = open_as("regulator_no")
    page.goto("/")
    expect(page.get_by_text("Signed in as e2e-regulator-no (supervisory authority)")).to_be_visible()
    expect(page.get_by_role("link", name="Techem Norge AS")).to_be_visible()
    expect(page.get_by_text("Techem Danmark A/S")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log")).to_have_count(0)

    # Techem Danmark's pages by id, as if the URL had been passed on: they do not exist for Norway.
    dk = site.ids["TECHEM-DK"]
    for path in (f"/entities/{dk}", f"/entities/{dk}/export", f"/entities/{dk}/processors"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_contain_text("Not found")
        expect(page.get_by_text("Techem Danmark A/S")).to_have_count(0)
    response = page.goto(f"/api/entities/{dk}/export.pdf")
    assert response is not None and response.status == 404

    # Its own register is read-only: no editor, no history, no audit log.
    page.goto("/")
    page.get_by_role("link", name="Techem Norge AS").click()
    expect(page.get_by_role("heading", name="Register of Techem Norge AS")).to_be_visible()
    expect(page.get_by_text("Read-only view")).to_be_visible()
    tabs = page.get_by_role("navigation", name="Register sections")
    expect(tabs.get_by_role("link", name="Export")).to_be_visible()
    expect(tabs.get_by_role("link", name="History")).to_have_count(0)
    first = activities(page, "TECHEM-NO")[0]
    page.get_by_role("link", name=first["name"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["name"])
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="History of this activity")).to_have_count(0)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"/entities/{site.ids['TECHEM-NO']}/activities/{first['id']}/edit")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("You may not do this")


def test_denmarks_regulator_reads_techem_danmark_without_edit_or_audit_links(site, open_as):
    page = open_as("regulator_dk")
    page.goto("/")
    expect(page.get_by_role("link", name="Techem Danmark A/S")).to_be_visible()
    expect(page.get_by_text("Techem Norge AS")).to_have_count(0)
    first = activities(page, "TECHEM-DK")[0]
    page.goto(f"/entities/{site.ids['TECHEM-DK']}/activities/{first['id']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first["name"])
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Audit log")).to_have_count(0)
    response = page.goto(f"/entities/{site.ids['TECHEM-NO']}")
    assert response is not None and response.status == 404
