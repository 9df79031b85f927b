"""Cookies as every other record: one key per entity, and their list in key order from an index."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-07T02:50:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "cookie key indexes"

STATEMENTS = [
    'CREATE UNIQUE INDEX cookie_entity_key_uq ON cookie (entity, "key")',
    'CREATE INDEX cookie_key_id ON cookie ("key", "id")',
]
BACKWARDS = ["DROP INDEX cookie_key_id", "DROP INDEX cookie_entity_key_uq"]


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
