"""A workbook to import is checked before openpyxl opens it: zip bombs, lying sizes, bad or DTD-laden XML."""

from __future__ import annotations

import io
import struct
import zipfile

import pytest
from openpyxl import Workbook

from exports import read_xlsx
from exports.read_xlsx import read_workbook
from ropa.errors import Invalid

BOMB_PART = "xl/media/image1.bin"


def _workbook() -> bytes:
    """A plain workbook with a 'ropa-register' sheet (not a ropa export: it carries no register)."""
    wb = Workbook()
    wb.active.title = "ropa-register"
    wb.active["A1"] = "{}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _with_parts(base: bytes, parts: dict[str, bytes | int]) -> bytes:
    """``base`` with parts replaced or added: bytes as they are, an int as that many zero bytes (streamed)."""
    src = zipfile.ZipFile(io.BytesIO(base))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in src.infolist():
            if info.filename not in parts:
                package.writestr(info.filename, src.read(info.filename))
        for name, content in parts.items():
            if isinstance(content, int):
                with package.open(name, "w", force_zip64=True) as stream:
                    for _ in range(content // (1 << 20)):
                        stream.write(bytes(1 << 20))
            else:
                package.writestr(name, content)
    return out.getvalue()


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """The package with ``name``'s uncompressed size rewritten to ``size`` in both of its headers."""
    raw = bytearray(data)
    encoded = name.encode()
    at = raw.find(b"PK\x01\x02")  # central directory entries
    while at != -1:
        name_length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_length] == encoded:
            struct.pack_into("<I", raw, at + 24, size)
            local = struct.unpack_from("<I", raw, at + 42)[0]
            struct.pack_into("<I", raw, local + 22, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def _refusal(data: bytes) -> dict[str, str]:
    with pytest.raises(Invalid) as refused:
        read_workbook(data)
    assert refused.value.status == 422
    return refused.value.invalid_params[0]


def test_a_zip_bomb_part_is_refused_by_name_before_it_is_inflated():
    bomb = _with_parts(_workbook(), {BOMB_PART: 80 << 20})  # 80 MB of zeros in about 80 KB
    assert len(bomb) < 1 << 20
    refused = _refusal(bomb)
    assert refused["name"] == BOMB_PART
    assert "declares 83,886,080 bytes" in refused["reason"]


def test_a_part_that_expands_far_more_than_excel_xml_is_refused():
    refused = _refusal(_with_parts(_workbook(), {BOMB_PART: 4 << 20}))
    assert refused["name"] == BOMB_PART
    assert "expands" in refused["reason"]


def test_the_total_and_the_number_of_parts_are_capped(monkeypatch):
    workbook = _workbook()
    monkeypatch.setattr(read_xlsx, "MAX_TOTAL_BYTES", 2_000)
    refused = _refusal(workbook)
    assert refused["name"] == "file" and "in all" in refused["reason"]
    monkeypatch.undo()
    monkeypatch.setattr(read_xlsx, "MAX_PARTS", 3)
    refused = _refusal(workbook)
    assert refused["name"] == "file" and "parts" in refused["reason"]


def test_a_part_holding_more_than_it_declares_is_refused_by_name():
    """Declared sizes are the attacker's: reading stops at the declared size and the CRC fails there."""
    lying = _declare_size(_with_parts(_workbook(), {BOMB_PART: 8 << 20}), BOMB_PART, 1000)
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo(BOMB_PART).file_size == 1000
    refused = _refusal(lying)
    assert refused["name"] == BOMB_PART
    assert "does not hold what it declares" in refused["reason"]


@pytest.mark.parametrize(
    ("part", "content", "reason"),
    [
        ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row>", "not well-formed XML (line 1"),
        ("xl/workbook.xml", b"\x00\x01 not xml", "not well-formed XML"),
        (
            "xl/worksheets/sheet1.xml",
            b'<!DOCTYPE w [<!ENTITY lol "lol">]><worksheet>&lol;</worksheet>',
            "DTD or an entity",
        ),
        ("docProps/app.xml", b'<!DOCTYPE p SYSTEM "file:///etc/passwd"><Properties/>', "DTD"),
    ],
    ids=["truncated-sheet", "binary-workbook", "entity", "external-dtd"],
)
def test_broken_or_dtd_laden_xml_is_refused_naming_the_part(part, content, reason):
    refused = _refusal(_with_parts(_workbook(), {part: content}))
    assert refused["name"] == part
    assert reason in refused["reason"]


def test_a_missing_part_or_a_foreign_file_is_a_clear_refusal():
    src = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for info in src.infolist():
            if info.filename != "xl/workbook.xml":
                package.writestr(info.filename, src.read(info.filename))
    refused = _refusal(out.getvalue())
    assert refused["name"] == "file" and "xl/workbook.xml" in refused["reason"]
    assert _refusal(b"PK\x03\x04 truncated")["name"] == "file"
    assert _refusal(b"")["name"] == "file"


def test_a_sheet_whose_cells_are_nonsense_is_a_refusal_not_a_crash():
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="x"><c r="!!"><v>1</v></c></row></sheetData></worksheet>'
    )
    refused = _refusal(_with_parts(_workbook(), {"xl/worksheets/sheet1.xml": sheet}))
    assert refused["name"] == "file" and "not a readable Excel workbook" in refused["reason"]
