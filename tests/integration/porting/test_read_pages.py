"""A register is read in pages of records by id: any page size gives the same register and times."""

from __future__ import annotations

import pytest

from ropa.porting import read
from ropa.tables import LegalEntity
from tests.conftest import run


def _load(key: str, only: str | None = None) -> read.Loaded:
    row = LegalEntity.select(LegalEntity.id).where(LegalEntity.key == key).first().run_sync()
    assert row is not None
    entity_id = str(row["id"])
    return run(read.load_entity(entity_id, only=only))


@pytest.mark.parametrize("size", [1, 2, 3])
def test_every_page_size_reads_the_same_register(demo_database, monkeypatch, size):
    whole = {key: _load(key) for key in ("TECHEM-DK", "TECHEM-NO")}
    assert all(len(loaded.entity.activities) > size for loaded in whole.values())  # several pages
    monkeypatch.setattr(read, "READ_BATCH", size)
    for key, loaded in whole.items():
        paged = _load(key)
        assert paged.entity == loaded.entity
        assert paged.times == loaded.times
        first = loaded.entity.activities[0]
        for only in (first.key, first.id):
            assert _load(key, only=only).entity.activities == [first]
        assert _load(key, only="NO-SUCH-ACTIVITY").entity.activities == []
