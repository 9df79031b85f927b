"""`ropa import` of the authorities' spreadsheet templates: a dry run that reports each unmapped cell
and writes nothing, then `--apply`, all or nothing, audited; hostile workbooks refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile

import pytest
from openpyxl import load_workbook

from audit.tables import AuditEvent
from ropa.errors import Invalid
from ropa.porting.templates import workbook
from ropa.porting.templates.parse import read_template
from ropa.tables import LegalEntity
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.register.register_support import state

FIXTURES = ROOT / "tests" / "fixtures" / "templates"

# Each template's fixture: what a dry run would create, and exactly the cells it reports.
EXPECTED = {
    "ico-controller.xlsx": (
        "activities 2, recipients 2, transfers 1, retention_rules 2",
        ["Template!F10", "Template!AE10", "Template!E11", "Template!I11", "Template!W11"],
    ),
    "ico-processor.xlsx": ("entities 1, activities 1", ["Template!D7"]),
    "no-behandlingsansvarlig.xlsx": (
        "activities 2, recipients 4, processors 3, transfers 1, retention_rules 2",
        ["Protokoll!E9", "Protokoll!R10"],
    ),
    "no-databehandler.xlsx": ("activities 1, recipients 1, processors 1", ["Protokoll!I7"]),
    "dk-fortegnelse.xlsx": ("activities 2, recipients 1, transfers 1, retention_rules 2", ["Fortegnelse!D8"]),
    "cnil-registre.xlsx": (
        "activities 2, recipients 3, processors 1, transfers 1, retention_rules 2",
        ["Fiche 1!B8", "Fiche 1!B20"],
    ),
}


def _env(database: str) -> dict[str, str]:
    if ENGINE == "postgres":
        return {"ROPA_DATABASE_URL": _pg_url(database)}
    return {"ROPA_SQLITE_PATH": database, "ROPA_DATABASE_URL": ""}


def ropa(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env={**os.environ, **_env(database)},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def _made(stdout: str, verb: str = "would create") -> set[str]:
    line = next(line for line in stdout.splitlines() if line.startswith(f"{verb}: "))
    return set(line.removeprefix(f"{verb}: ").split(", "))


def _reported(stdout: str) -> list[str]:
    return [
        line.strip().split(" [")[0] for line in stdout.splitlines() if line.startswith("  ") and "!" in line
    ]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_dry_run_reports_the_summary_and_each_unmapped_cell_and_writes_nothing(database, name):
    before = run(state())
    done = ropa(database, "import", str(FIXTURES / name))
    assert done.returncode == 0, done.stderr
    made, cells = EXPECTED[name]
    assert set(made.split(", ")) <= _made(done.stdout)
    assert sorted(_reported(done.stdout)) == sorted(cells)
    assert "dry run: nothing was written" in done.stdout
    assert run(state()) == before


def test_apply_creates_the_records_audited_and_a_second_apply_is_refused(database):
    before = run(state())
    done = ropa(database, "import", str(FIXTURES / "no-behandlingsansvarlig.xlsx"), "--apply")
    assert done.returncode == 0, done.stderr
    assert {"entities 1", "activities 2", "processors 3"} <= _made(done.stdout, "created")
    after = run(state())
    assert after["legal_entity"] == before["legal_entity"] + 1
    assert after["processing_activity"] == before["processing_activity"] + 2
    entity = LegalEntity.select(LegalEntity.key, LegalEntity.data).first().output(load_json=False).run_sync()
    assert entity["key"] == "TECHEM-NORGE-AS"
    assert json.loads(entity["data"])["registration"] == {
        "scheme": "Organisasjonsnummer",
        "number": "992 327 669",
    }
    events = AuditEvent.select(AuditEvent.action, AuditEvent.body).where(
        AuditEvent.action == "register.import"
    )
    imports = events.output(load_json=True).run_sync()
    assert len(imports) == 1 and "no-behandlingsansvarlig" in str(imports[0]["body"])
    # The same file again: its organisation exists, so nothing is created twice.
    again = ropa(database, "import", str(FIXTURES / "no-behandlingsansvarlig.xlsx"), "--apply")
    assert again.returncode == 1
    assert "already used" in again.stderr
    assert run(state()) == after


def test_a_file_with_one_invalid_row_imports_nothing_and_names_the_row(database, tmp_path):
    wb = load_workbook(FIXTURES / "dk-fortegnelse.xlsx")
    ws = wb["Fortegnelse"]
    ws["A9"] = None  # the second activity loses its name and its purpose ...
    ws["B9"] = None  # ... but keeps its categories
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    before = run(state())
    for args in ((), ("--apply",)):
        done = ropa(database, "import", str(bad), *args)
        assert done.returncode == 1
        assert "Fortegnelse!9" in done.stderr
        assert "Traceback" not in done.stderr
    assert run(state()) == before


def test_an_activity_the_database_refuses_is_named_by_its_sheet_and_row(database, tmp_path):
    wb = load_workbook(FIXTURES / "no-behandlingsansvarlig.xlsx")
    wb["Protokoll"]["J10"] = "x" * 20_001  # past the bound of a security description
    bad = tmp_path / "long.xlsx"
    wb.save(bad)
    before = run(state())
    done = ropa(database, "import", str(bad), "--apply")
    assert done.returncode == 1
    assert "Protokoll!10" in done.stderr
    assert run(state()) == before


def _bomb() -> bytes:
    src = zipfile.ZipFile(FIXTURES / "ico-controller.xlsx")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in src.infolist():
            package.writestr(info.filename, src.read(info.filename))
        with package.open("xl/media/image1.png", "w", force_zip64=True) as stream:
            for _ in range(100):
                stream.write(bytes(1 << 20))
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bomb.xlsx", _bomb, "a part may hold"),
        ("letter.xlsx", lambda: b"%PDF-1.7 not a workbook", "not an Excel workbook"),
        ("register.ods", lambda: b"PK\x03\x04", "save the workbook as .xlsx"),
    ],
)
def test_hostile_or_foreign_files_are_refused_with_a_clear_message(
    database, tmp_path, name, content, message
):
    path = tmp_path / name
    path.write_bytes(content())
    before = run(state())
    done = ropa(database, "import", str(path), "--apply")
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert run(state()) == before


def test_a_workbook_past_the_row_cap_is_refused_naming_the_sheet(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 8)
    with pytest.raises(Invalid) as refused:
        read_template((FIXTURES / "ico-controller.xlsx").read_bytes())
    assert refused.value.invalid_params[0]["name"] == "Template"
    assert "more than 8 rows" in refused.value.invalid_params[0]["reason"]


def test_a_formula_is_kept_out_and_no_cached_result_is_trusted(tmp_path):
    parsed = read_template((FIXTURES / "ico-controller.xlsx").read_bytes())
    texts = repr(parsed.register)
    assert "HYPERLINK" not in texts and "evil.example" not in texts
    second = parsed.register.entities[0].activities[1]
    assert second.dpia is None


def test_terms_match_labels_in_the_template_language_and_never_guess_an_instrument():
    parsed = read_template((FIXTURES / "dk-fortegnelse.xlsx").read_bytes())
    entity = parsed.register.entities[0]
    first, second = entity.activities
    assert first.data_subjects == ["portal_user", "invited_employee"]
    assert [p.legal_bases for p in first.purposes] == [
        ["art6_1_f"]
    ]  # "Legitim interesse (art. 6, stk. 1, litra f)"
    assert [p.legal_bases for p in second.purposes] == [["art6_1_a"]]  # "Samtykke"
    assert entity.transfers[0].mechanism == "scc_unspecified"
    assert entity.transfers[0].destination_country == "US"
    assert "Yndlingsret" in (first.notes or "")
    ico = read_template((FIXTURES / "ico-controller.xlsx").read_bytes()).register.entities[0]
    # "Standard contractual clauses" names two terms (the 2021 set, the set not stated): none is chosen.
    assert ico.transfers[0].mechanism == "unspecified"
    assert ico.transfers[0].mechanism_claimed == "Standard contractual clauses"


def test_every_field_a_template_names_has_a_reader():
    from ropa.porting.templates.detect import TEMPLATES
    from ropa.porting.templates.fields import Row

    for template in TEMPLATES:
        for heading, name in template.columns.items():
            assert hasattr(Row, f"_{name.partition(':')[0]}"), (template.id, heading, name)
