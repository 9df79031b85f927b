"""What lets a large register export in bounded memory gives the same bytes as the direct way."""

from __future__ import annotations

import msgspec
import pytest

from bench.common import cloned_register
from exports.document import register_pieces, register_sha256
from exports.xlsx import writer as xlsx
from ropa.porting.schemas import ActivityIn, EntityIn, RegisterFile
from ropa.porting.sharing import share_short_texts


def _whole(register: RegisterFile, entity: EntityIn) -> bytes:
    return msgspec.json.encode(RegisterFile(vocabularies=register.vocabularies, entities=[entity]))


def test_register_pieces_join_to_the_register_file(register: RegisterFile) -> None:
    for entity in register.entities:
        whole = _whole(register, entity)
        assert b"".join(register_pieces(register.vocabularies, entity)) == whole
        bare = msgspec.structs.replace(entity, activities=[], finding_acceptances=[])
        assert b"".join(register_pieces(register.vocabularies, bare)) == _whole(register, bare)
    clone = cloned_register(30)
    entity = clone.entities[0]
    assert b"".join(register_pieces(clone.vocabularies, entity)) == _whole(clone, entity)
    import hashlib

    assert register_sha256(clone.vocabularies, entity) == hashlib.sha256(_whole(clone, entity)).hexdigest()


@pytest.mark.parametrize("chunk", [7, 100, 32_000])
def test_register_sheet_cells_are_the_text_cut_every_chunk(
    register: RegisterFile, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(xlsx, "CHUNK", chunk)
    entity = register.entities[0]
    text = _whole(register, entity).decode()
    expected = [text[i : i + chunk] for i in range(0, len(text), chunk)]
    assert list(xlsx._register_rows(register_pieces(register.vocabularies, entity))) == expected
    exact = text[: chunk * 3]  # a text of whole chunks ends without an empty cell
    pieces = [exact[:5].encode(), exact[5:].encode()]
    assert list(xlsx._register_rows(pieces)) == [exact[i : i + chunk] for i in range(0, len(exact), chunk)]


def test_shared_short_texts_leave_records_as_they_were(register: RegisterFile) -> None:
    raw = [msgspec.json.encode(a) for e in register.entities for a in e.activities]
    first, second = (msgspec.json.decode(raw[0], type=ActivityIn) for _ in range(2))
    assert first.purposes[0].legal_bases[0] is not second.purposes[0].legal_bases[0]
    for record in (first, second):
        share_short_texts(record)
    assert first.purposes[0].legal_bases[0] is second.purposes[0].legal_bases[0]
    assert first.role is second.role
    for data in raw:
        record = msgspec.json.decode(data, type=ActivityIn)
        share_short_texts(record)
        assert msgspec.json.encode(record) == data
    entity = msgspec.json.decode(msgspec.json.encode(register.entities[0]), type=EntityIn)
    share_short_texts(entity)
    assert entity == register.entities[0]
