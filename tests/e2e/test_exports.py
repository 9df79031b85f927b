"""The export dialog: choose a format, follow the job, download the file, and open what came down."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect

from tests.e2e.support import activities

EXPORT_TIMEOUT_MS = 90_000  # WeasyPrint on a loaded 2-core machine


def _choose(page, name: str, option: str) -> None:
    """Pick an option of a choice that is a group of radio buttons or a select, as the page has it."""
    group = page.get_by_role("group", name=name, exact=True)
    if group.count():
        group.get_by_role("radio", name=option, exact=True).check()
    else:
        page.get_by_role("combobox", name=name, exact=True).select_option(label=option)


def _export(site, page, entity_key: str, entity_name: str, format_name: str) -> tuple[str, bytes]:
    """Through the dialog as a person would; the downloaded file's suggested name and bytes."""
    page.goto(f"/entities/{site.ids[entity_key]}")
    page.get_by_role("navigation", name="Register sections").get_by_role("link", name="Export").click()
    expect(page).to_have_url(f"{site.url}/entities/{site.ids[entity_key]}/export")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Export the register of {entity_name}")
    _choose(page, "Format", format_name)
    _choose(page, "Language", "English")
    _choose(page, "Layout", "Article 30 (canonical)")
    page.get_by_role("button", name="Export", exact=True).click()

    expect(page).to_have_url(re.compile(r"/exports/[0-9a-f-]+$"))
    link = page.get_by_role("link", name=re.compile(r"^Download "))
    expect(link).to_be_visible(timeout=EXPORT_TIMEOUT_MS)
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.failure() is None
    assert (link.text_content() or "").strip() == f"Download {download.suggested_filename}"
    with open(download.path(), "rb") as file:
        return download.suggested_filename, file.read()


def test_an_officer_downloads_the_pdf_from_the_export_dialog(site, open_as):
    from pypdf import PdfReader

    page = open_as("officer")
    filename, body = _export(site, page, "TECHEM-DK", "Techem Danmark A/S", "PDF")
    assert filename.endswith(".pdf")
    assert body.startswith(b"%PDF")
    text = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)
    # Kerning splits words in extracted text ("T echem"): compare without white space.
    assert "TechemDanmarkA/S" in "".join(text.split())


def test_a_regulator_downloads_the_excel_workbook_with_every_activity(site, open_as):
    from openpyxl import load_workbook

    page = open_as("regulator_no")
    names = {a["name"] for a in activities(page, "TECHEM-NO")}
    filename, body = _export(site, page, "TECHEM-NO", "Techem Norge AS", "Excel workbook (.xlsx)")
    assert filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = {str(v) for row in book["Activities"].iter_rows(values_only=True) for v in row if v}
    assert names and names <= cells
