"""One entity's records in id order from an index: (entity, "id") on every table of an entity's records.

``ropa.porting.read.read_records`` reads an entity's records a page at a time, by id (WHERE entity
= ? AND id > ? ORDER BY id LIMIT n). With the index on entity alone, every page read and sorted
all the entity's remaining rows: a register of 10,000 activities read some 100,000 rows, their
JSON included, to give 10,000 (SQLite's plan: SEARCH USING INDEX ..._entity, USE TEMP B-TREE FOR
ORDER BY). With this index each page reads its own rows, in order.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T23:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "entity records in id order"

TABLES = (
    "processor",
    "recipient",
    "transfer",
    "retention_rule",
    "processing_activity",
    "cookie",
    "finding_acceptance",
)
STATEMENTS = [f'CREATE INDEX {t}_entity_id ON {t} (entity, "id")' for t in TABLES]
BACKWARDS = [f"DROP INDEX {t}_entity_id" for t in TABLES]


class _Raw(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await _Raw.raw(statement)

    async def undo() -> None:
        for statement in BACKWARDS:
            await _Raw.raw(statement)

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
