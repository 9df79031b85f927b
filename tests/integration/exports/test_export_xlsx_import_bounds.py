"""A real export made hostile before `ropa import` reads it back: refused by part, nothing imported."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile

import pytest

from audit.integrator import Integrator
from exports.read_xlsx import read_workbook
from exports.service import ExportRequest, export
from ropa.auditing.keys import get_signer
from ropa.errors import Invalid
from ropa.settings import get_settings
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.register.register_support import fresh_empty_database, state


def _exported(key: str) -> bytes:
    settings = get_settings()
    integrator = Integrator(get_signer(settings, create=False), settings.audit_origin)
    return run(export(ExportRequest(entity=key, format="xlsx", lang="en"), integrator)).content


def _rewritten(content: bytes, parts: dict[str, bytes | int]) -> bytes:
    """The workbook with parts replaced or added; an int is that many zero bytes, streamed in."""
    src = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in src.infolist():
            if info.filename not in parts:
                package.writestr(info.filename, src.read(info.filename))
        for name, part in parts.items():
            if isinstance(part, int):
                with package.open(name, "w", force_zip64=True) as stream:
                    for _ in range(part // (1 << 20)):
                        stream.write(bytes(1 << 20))
            else:
                package.writestr(name, part)
    return out.getvalue()


def _env(database):
    if ENGINE == "postgres":
        return {"ROPA_DATABASE_URL": _pg_url(database)}
    return {"ROPA_SQLITE_PATH": database, "ROPA_DATABASE_URL": ""}


def test_cli_import_of_an_export_carrying_a_zip_bomb_names_the_part_and_imports_nothing(
    demo_database, templates, tmp_path
):
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(_rewritten(_exported("TECHEM-DK"), {"xl/media/image1.png": 100 << 20}))
    assert bomb.stat().st_size < 1 << 20
    empty = fresh_empty_database(templates)
    before = run(state())
    done = subprocess.run(
        [sys.executable, "-m", "ropa", "import", str(bomb)],
        cwd=ROOT,
        env={**os.environ, **_env(empty)},
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 1, done.stdout
    assert b"xl/media/image1.png: declares 104,857,600 bytes" in done.stderr
    assert b"Traceback" not in done.stderr
    assert run(state()) == before


def test_an_export_whose_xml_gained_a_dtd_is_refused_by_part(demo_database):
    content = _exported("TECHEM-NO")
    assert read_workbook(content).entities[0].key == "TECHEM-NO"  # intact, it reads back
    custom = zipfile.ZipFile(io.BytesIO(content)).read("docProps/custom.xml")
    with_dtd = _rewritten(content, {"docProps/custom.xml": b"<!DOCTYPE Properties>" + custom})
    with pytest.raises(Invalid) as refused:
        read_workbook(with_dtd)
    assert refused.value.invalid_params[0]["name"] == "docProps/custom.xml"
    assert "DTD" in refused.value.invalid_params[0]["reason"]
