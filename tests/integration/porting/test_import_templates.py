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
from ropa.tables import LegalEntity, ProcessingActivity
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.register.register_support import state

FIXTURES = ROOT / "tests" / "fixtures" / "templates"
BREACH = "Has a personal data breach occurred?"
BREACH_LINK = "Link to record of personal data breach"
APPROPRIATE = "Link to Schedule 1 appropriate policy document"  # ropa's own column in its ICO export
ADHERES = "Is personal data retained and erased in accordance with the policy document?"
REASONS = "Reasons for not adhering to policy document (if applicable)"

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


def _ico_with(tmp_path, rows: dict[int, dict[str, str]], swap: tuple[tuple[str, str], ...] = ()):
    """The ICO fixture (headings on row 9, its activities on rows 10 and 11) with ``rows`` filled in, a
    column of ropa's appropriate policy link added, and the columns of each pair in ``swap`` swapped."""
    wb = load_workbook(FIXTURES / "ico-controller.xlsx")
    ws = wb["Template"]
    ws.cell(9, ws.max_column + 1, APPROPRIATE)
    columns = {c.value: c.column for c in ws[9] if c.value}
    for one, other in swap:
        columns[one], columns[other] = columns[other], columns[one]
        ws.cell(9, columns[one], one)
        ws.cell(9, columns[other], other)
    for number, cells in rows.items():
        for heading, value in cells.items():
            ws.cell(number, columns[heading], value)
    path = tmp_path / "ico.xlsx"
    wb.save(path)
    return path, {h: ws.cell(9, c).column_letter for h, c in columns.items()}


def test_the_ico_breach_policy_and_adherence_columns_become_the_activitys_fields(database, tmp_path):
    # The fixture's rows answer none of these columns: each row gets its answers here.
    path, letters = _ico_with(
        tmp_path,
        {
            10: {
                BREACH: "Yes",
                BREACH_LINK: "https://intranet.example.uk/breaches/2026-03",
                APPROPRIATE: "https://intranet.example.uk/policies/appropriate-policy.pdf",
                ADHERES: "No",
                REASONS: "Backups are kept 90 days past erasure",
            },
            11: {
                BREACH: "No",
                BREACH_LINK: "https://intranet.example.uk/breaches/none",  # a record of no breach
                ADHERES: "Partly",  # neither yes nor no
                REASONS: "N/A",  # no reasons: nothing to keep
            },
        },
    )
    done = ropa(database, "import", str(path))
    assert done.returncode == 0, done.stderr
    reported = set(_reported(done.stdout)) - set(EXPECTED["ico-controller.xlsx"][1])
    assert reported == {f"Template!{letters[BREACH_LINK]}11", f"Template!{letters[ADHERES]}11"}
    applied = ropa(database, "import", str(path), "--apply")
    assert applied.returncode == 0, applied.stderr
    rows = ProcessingActivity.select(ProcessingActivity.key, ProcessingActivity.data).output(load_json=False)
    stored = {r["key"]: json.loads(r["data"]) for r in rows.run_sync()}
    first, second = stored["PA-01"], stored["PA-02"]
    assert first["personal_data_breach"] == {
        "occurred": True,
        "record_link": "https://intranet.example.uk/breaches/2026-03",
    }
    assert first["appropriate_policy_link"] == "https://intranet.example.uk/policies/appropriate-policy.pdf"
    assert first["retention_adherence"] == {
        "follows_policy": False,
        "reasons": "Backups are kept 90 days past erasure",
    }
    assert "breach" not in (first.get("notes") or "") and "adhering" not in (first.get("notes") or "")
    assert second["personal_data_breach"] == {"occurred": False, "record_link": None}
    assert second.get("retention_adherence") is None and second.get("appropriate_policy_link") is None
    assert f"{BREACH_LINK}: https://intranet.example.uk/breaches/none" in second["notes"]
    assert f"{ADHERES}: Partly" in second["notes"]
    assert "N/A" not in second["notes"]


def test_the_adherence_and_breach_answers_are_read_in_whichever_order_their_columns_come(tmp_path):
    path, _ = _ico_with(
        tmp_path,
        {
            10: {
                BREACH: "Yes",
                BREACH_LINK: "https://intranet.example.uk/b/1",
                ADHERES: "No",
                REASONS: "Legal hold",
            },
            11: {BREACH: "Unknown", BREACH_LINK: "https://intranet.example.uk/b/2", ADHERES: "No"},
        },
        swap=((ADHERES, REASONS), (BREACH, BREACH_LINK)),  # the reasons and the link before their answers
    )
    first, second = read_template(path.read_bytes()).register.entities[0].activities
    assert first.personal_data_breach is not None and first.personal_data_breach.occurred is True
    assert first.personal_data_breach.record_link == "https://intranet.example.uk/b/1"
    assert first.retention_adherence is not None
    assert (first.retention_adherence.follows_policy, first.retention_adherence.reasons) == (
        False,
        "Legal hold",
    )
    assert "Legal hold" not in (first.notes or "")
    # No answer to the breach question, and "No" without its reasons: both kept as text, nothing guessed.
    assert second.personal_data_breach is None and second.retention_adherence is None
    assert f"{BREACH}: Unknown" in (second.notes or "")
    assert f"{BREACH_LINK}: https://intranet.example.uk/b/2" in (second.notes or "")
    assert f"{ADHERES}: No" in (second.notes or "")
