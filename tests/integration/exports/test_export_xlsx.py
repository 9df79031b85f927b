"""Excel exports: the register cell by cell, safe text, streamed sheets, and a round trip back in."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from audit.integrator import Integrator
from exports.read_xlsx import read_workbook
from exports.service import ExportRequest, export
from ropa.auditing.keys import get_signer
from ropa.errors import Invalid
from ropa.porting.services import dump_register, import_register
from ropa.settings import get_settings
from tests.conftest import _point_engine_at, run
from tests.integration.exports.export_support import (
    change_activity,
    entity,
    first_activity,
    vocabulary_labels,
)
from tests.integration.exports.export_support import export as http_export

SHEETS = {
    "en": ["Entity", "Activities", "Purposes and legal bases", "Data categories", "Retention",
           "Recipients and processors", "Transfers", "Security measures", "Source documents and quotes",
           "Changes", "Completeness"],
}  # fmt: skip


def _book(content: bytes):
    return load_workbook(io.BytesIO(content))


def _rows(ws):
    rows = list(ws.iter_rows(values_only=True))
    return rows[0], rows[1:]


def test_workbook_matches_the_register_cell_by_cell(demo_client):
    response = http_export(demo_client, "TECHEM-DK", "xlsx", lang="en")
    wb = _book(response.content)
    assert wb.sheetnames[:11] == SHEETS["en"]
    assert wb["ropa-register"].sheet_state == "hidden" and wb["ropa-lists"].sheet_state == "hidden"
    e = entity("TECHEM-DK")
    labels = vocabulary_labels("en")
    live = sorted((a for a in e.activities if a.status != "retired"), key=lambda a: a.key)

    header, rows = _rows(wb["Activities"])
    col = {h: i for i, h in enumerate(header)}
    assert [r[col["Reference"]] for r in rows] == [a.key for a in live]
    for a, row in zip(live, rows, strict=True):
        assert row[col["Processing activity"]] == a.name
        shown = (row[col["Categories of personal data"]] or "").split("\n")
        assert shown == list(dict.fromkeys(labels[("data_category", d.category)] for d in a.data_categories))
        bases = {labels[("legal_basis", b)] for p in a.purposes for b in p.legal_bases}
        assert set((row[col["Legal basis (Art. 6)"]] or "").split("\n")) - {""} == bases
        subjects = [labels[("data_subject_category", s)] for s in a.data_subjects]
        assert (row[col["Categories of data subjects"]] or "").split("\n") == subjects

    header, rows = _rows(wb["Data categories"])
    expected = [(a.key, labels[("data_category", d.category)]) for a in live for d in a.data_categories]
    assert [(r[0], r[2]) for r in rows] == expected

    header, rows = _rows(wb["Purposes and legal bases"])
    assert [(r[0], r[2]) for r in rows] == [(a.key, p.description) for a in live for p in a.purposes]

    header, rows = _rows(wb["Retention"])
    rules = sorted((r for r in e.retention_rules if not r.retired), key=lambda r: r.key)
    assert [(r[0], r[1], r[4]) for r in rows] == [(r.key, r.name, r.duration) for r in rules]

    header, rows = _rows(wb["Transfers"])
    transfers = sorted((x for x in e.transfers if not x.retired), key=lambda x: x.key)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        (x.key, x.name, labels[("transfer_mechanism", x.mechanism)]) for x in transfers
    ]
    shield = next(r for r in rows if "Privacy Shield" in r[4])
    assert shield[7] == dt.datetime(2016, 7, 12) and shield[8] == dt.datetime(2020, 7, 16)  # real dates

    header, rows = _rows(wb["Recipients and processors"])
    names = {r[2] for r in rows}
    assert {p.name for p in e.processors if not p.retired} <= names
    assert {r.name for r in e.recipients if not r.retired} <= names


def test_every_sheet_is_frozen_filtered_sized_and_vocabulary_columns_validated(demo_client):
    wb = _book(http_export(demo_client, "TECHEM-NO", "xlsx").content)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), ws.title
        assert ws.column_dimensions["A"].width > 8, ws.title
    categories = wb["Opplysningskategorier"]
    (validation,) = categories.data_validations.dataValidation
    assert validation.type == "list" and "'ropa-lists'!$A$1" in validation.formula1
    assert str(validation.sqref).startswith("C2:")
    assert wb.properties.identifier and wb.properties.language == "nb"


def test_formula_like_text_stays_text(demo_client):
    activity = first_activity(demo_client, "TECHEM-DK", limit=1)
    body = {"name": '=HYPERLINK("http://evil.example","click")', "description": "=1+1"}
    change_activity(demo_client, activity, **body)
    # A custom term's label is register text too: it reaches the hidden sheet of the validation lists.
    label = '=WEBSERVICE("http://evil.example")'
    term = {
        "vocabulary": "data_category",
        "key": "meter_id",
        "labels": {"en": label, "da": label, "nb": label},
    }
    assert demo_client.post("/api/vocabularies", json=term).status_code == 201
    content = http_export(demo_client, "TECHEM-DK", "xlsx", lang="en").content
    wb = _book(content)
    header, _ = _rows(wb["Activities"])
    ws = wb["Activities"]
    name = ws.cell(row=2, column=header.index("Processing activity") + 1)
    description = ws.cell(row=2, column=header.index("Description") + 1)
    assert name.data_type == "s" and name.value == body["name"]
    assert description.data_type == "s" and description.value == "=1+1"
    listed = [c for row in wb["ropa-lists"].iter_rows() for c in row if c.value == label]
    assert listed and all(c.data_type == "s" for c in listed)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        assert all("<f>" not in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_text_like_an_error_value_a_tab_or_several_lines_is_the_register_text(demo_client):
    """Excel would show "#N/A" written as an error value as an error, not as what the officer wrote;
    a tab or a no-break space is text as it is; several lines wrap in their cell, a browser's "\\r\\n"
    as one line break; a text of control characters alone is an empty cell. The untouched workbook
    reads back."""
    activity = first_activity(demo_client, "TECHEM-DK", limit=1)
    body = {"name": "#N/A", "business_function": "#REF!\uffff", "system": "IT\tdrift\u00a0X"}
    body |= {"description": "Linje et\r\nLinje to", "reviewed_by": "\x01\x02"}
    change_activity(demo_client, activity, **body)
    content = http_export(demo_client, "TECHEM-DK", "xlsx", layout="canonical", lang="en").content
    ws = _book(content)["Activities"]
    header, _ = _rows(ws)

    def cell(heading: str) -> Any:
        return ws.cell(row=2, column=header.index(heading) + 1)

    for heading, expected in (
        ("Processing activity", "#N/A"),
        ("Business function", "#REF!"),  # and U+FFFF left out
        ("System or application", "IT\tdrift\u00a0X"),
    ):
        assert (cell(heading).data_type, cell(heading).value) == ("s", expected), heading
        assert not cell(heading).alignment.wrap_text, heading
    categories = cell("Categories of personal data")
    assert "\n" in categories.value and categories.alignment.wrap_text
    description = cell("Description")
    assert description.value == "Linje et\nLinje to" and description.alignment.wrap_text
    # U+FFFF, which XML cannot carry, is left out of the cell; the register the workbook carries
    # keeps it (a JSON escape in its hidden sheet), so the import restores the text as it was.
    carried = read_workbook(content).entities[0]
    (changed,) = [a for a in carried.activities if a.id == activity["id"]]
    assert (changed.business_function, changed.description) == ("#REF!\uffff", "Linje et\r\nLinje to")


def test_a_text_longer_than_a_cell_holds_is_cut_with_a_note_and_still_reads_back(demo_client):
    """Three purposes of 18,700 characters make one cell of some 56,000: Excel holds 32,767 (UTF-16
    units: an emoji takes two). The cell
    says, in the export's language, how much it does not show; the untouched workbook imports."""
    activity = first_activity(demo_client, "TECHEM-DK", limit=1)
    purpose = demo_client.get(f"/api/activities/{activity['id']}").json()["purposes"][0]
    descriptions = [f"Formål {n}: " + "måledata 📈 " * 1700 for n in range(3)]  # 📈: two UTF-16 units
    purposes = [dict(purpose, description=d, original=None) for d in descriptions]
    change_activity(demo_client, activity, purposes=purposes)
    content = http_export(demo_client, "TECHEM-DK", "xlsx", layout="dk-datatilsynet", lang="da").content
    ws = _book(content)["Aktiviteter"]
    header, _ = _rows(ws)
    shown = ws.cell(row=2, column=header.index("Formålene med behandlingen") + 1).value
    whole = "\n".join(descriptions)
    assert len(whole) > 32_767 and len(shown.encode("utf-16-le")) // 2 <= 32_767
    kept, note = shown.split(" … [yderligere ")
    assert whole.startswith(kept)
    assert note.endswith("tegn vises ikke: en Excel-celle rummer højst 32.767 tegn]")
    assert int(note.split()[0]) == len(whole) - len(kept)
    assert read_workbook(content).entities[0].key == "TECHEM-DK"


def test_same_state_same_bytes(demo_client):
    first = http_export(demo_client, "TECHEM-DK", "xlsx", layout="dk-datatilsynet")
    again = http_export(demo_client, "TECHEM-DK", "xlsx", layout="dk-datatilsynet")
    assert first.content == again.content


def test_cnil_layout_gives_one_sheet_per_activity(demo_client):
    wb = _book(http_export(demo_client, "TECHEM-DK", "xlsx", layout="cnil", lang="en").content)
    keys = [a.key for a in entity("TECHEM-DK").activities if a.status != "retired"]
    for key in keys:
        assert key in wb.sheetnames
        rows = {r[0]: r[1] for r in wb[key].iter_rows(min_row=2, values_only=True)}
        assert rows["Reference number"] == key


def _integrator() -> Integrator:
    settings = get_settings()
    return Integrator(get_signer(settings, create=False), settings.audit_origin)


def test_round_trip_into_an_empty_database_reproduces_the_register(demo_database, templates):
    # A regulator's workbook carries the register without analysts' notes or accepted risks ...
    regulator = run(export(ExportRequest(entity="TECHEM-NO", format="xlsx", lang="en"), _integrator()))
    carried = read_workbook(regulator.content).entities[0]
    assert carried.notes is None and all(a.notes is None for a in carried.activities)
    assert all(p.legal_basis_note is None for a in carried.activities for p in a.purposes)
    # ... the internal-audit workbook the whole register, which an import restores as it was.
    req = ExportRequest(entity="TECHEM-NO", format="xlsx", lang="en", layout="internal-audit")
    result = run(export(req, _integrator()))
    original = entity("TECHEM-NO")
    assert original.notes, "the demo entity has analysts' notes"
    _point_engine_at(templates.fresh("empty", demo=False))
    run(import_register(read_workbook(result.content), source="test"))
    restored = run(dump_register())
    assert [e.key for e in restored.entities] == ["TECHEM-NO"]
    assert restored.entities[0] == original


def test_an_edited_workbook_is_refused_with_the_cell_named(demo_database):
    content = run(export(ExportRequest(entity="TECHEM-DK", format="xlsx", lang="en"), _integrator())).content
    wb = load_workbook(io.BytesIO(content))
    wb["Activities"]["B2"] = "Edited in Excel"
    edited = io.BytesIO()
    wb.save(edited)
    with pytest.raises(Invalid) as refused:
        read_workbook(edited.getvalue())
    assert refused.value.invalid_params[0]["name"] == "Activities!B2"

    wb = load_workbook(io.BytesIO(content))  # the cookie inventory is the register's too
    cookies = wb["Cookies"]
    row = next(r for r in range(2, cookies.max_row + 1) if cookies.cell(r, 1).value == "C-DK-GA")
    cookies.cell(row, 2).value = "_ga"
    edited = io.BytesIO()
    wb.save(edited)
    with pytest.raises(Invalid) as refused:
        read_workbook(edited.getvalue())
    assert refused.value.invalid_params[0]["name"] == f"Cookies!B{row}"

    wb = load_workbook(io.BytesIO(content))
    cell = next(c for (c,) in wb["ropa-register"].iter_rows() if "TECHEM-DK" in c.value)
    cell.value = cell.value.replace("TECHEM-DK", "TECHEM-XX", 1)
    tampered = io.BytesIO()
    wb.save(tampered)
    with pytest.raises(Invalid) as refused:
        read_workbook(tampered.getvalue())
    assert refused.value.invalid_params[0]["name"] == "ropa-register"

    with pytest.raises(Invalid) as refused:
        read_workbook(b"not a workbook")
    assert refused.value.invalid_params[0]["name"] == "file"


def test_a_workbook_from_before_the_cookie_sheet_is_still_read_back(demo_database):
    """Workbooks exported before the inventory had no Cookies sheet: one whose register has no cookies
    reads back without it; one whose register has cookies must show them."""
    from ropa.records import services as records
    from ropa.records.catalog import COOKIE
    from ropa.tables import Cookie, LegalEntity

    dk = LegalEntity.select(LegalEntity.id).where(LegalEntity.key == "TECHEM-DK").first().run_sync()["id"]
    with_cookies = run(
        export(ExportRequest(entity="TECHEM-DK", format="xlsx", lang="en"), _integrator())
    ).content
    for row in Cookie.select(Cookie.id, Cookie.version).where(Cookie.entity == dk).run_sync():
        run(records.retire(COOKIE, str(row["id"]), row["version"], "not used any more"))
    without = run(export(ExportRequest(entity="TECHEM-DK", format="xlsx", lang="en"), _integrator())).content
    for content, refused in ((without, False), (with_cookies, True)):
        wb = load_workbook(io.BytesIO(content))
        del wb["Cookies"]
        older = io.BytesIO()
        wb.save(older)
        if refused:
            with pytest.raises(Invalid) as missing:
                read_workbook(older.getvalue())
            assert missing.value.invalid_params[0]["name"] == "Cookies"
        else:
            assert [e.key for e in read_workbook(older.getvalue()).entities] == ["TECHEM-DK"]
