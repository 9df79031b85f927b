"""A register is read in pages of records by id: any page size gives the same register and times."""

from __future__ import annotations

import uuid

import pytest

from ropa.porting import read
from ropa.tables import LegalEntity
from tests.conftest import ENGINE, run
from tests.integration.audit.support import sql


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


@pytest.mark.parametrize("kind", [kind for _, kind in read.CHILDREN], ids=lambda kind: kind.name)
def test_a_page_of_an_entitys_records_reads_its_own_rows_in_order(database, kind):
    """Each page of a large entity comes from the (entity, id) index in id order: no page reads and
    sorts all the entity's remaining records (a 10,000-activity export read 100,000 rows for 10,000)."""
    table = kind.table
    columns = [table.id, table.status, table.data]
    entity, after = uuid.uuid4(), uuid.uuid4()
    query = str(read.page_query(table, columns, table.entity == entity, after))
    if ENGINE == "postgres":
        plan = "\n".join(r["QUERY PLAN"] for r in run(_explain_without_seqscan(query)))
    else:
        plan = "\n".join(str(r["detail"]) for r in sql(f"EXPLAIN QUERY PLAN {query}"))
    assert f"{table._meta.tablename}_entity_id" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


async def _explain_without_seqscan(query: str) -> list[dict[str, str]]:
    """PostgreSQL's plan for ``query`` where it may not scan a table whole: on a near-empty table it
    would, whatever the indexes, so the plan would not say which index it takes."""
    from ropa.db import get_engine

    async with get_engine().transaction():
        await LegalEntity.raw("SET LOCAL enable_seqscan = off")
        return list(await LegalEntity.raw(f"EXPLAIN {query}"))
