"""Register lists in key order from an index: ("key", "id") on every table listed across entities.

A page of a list (ropa.records.queries: ORDER BY "key", "id" LIMIT n, the cursor a (key, id)
pair) had to read and sort the whole table when no entity narrows it; with this index it reads
the page's rows alone. Legal entities need none: their keys are unique (legal_entity_key_uq), and
a list of one entity's records uses its (entity, "key") index.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T03:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "list indexes in key order"

TABLES = (
    "processing_activity",
    "processor",
    "recipient",
    "transfer",
    "retention_rule",
    "vocabulary_term",
    "finding_acceptance",
)
STATEMENTS = [f'CREATE INDEX {t}_key_id ON {t} ("key", "id")' for t in TABLES]
BACKWARDS = [f"DROP INDEX {t}_key_id" for t in TABLES]


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
