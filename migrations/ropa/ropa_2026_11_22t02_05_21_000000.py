"""One key per entity for finding acceptances, as for every other record."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T02:05:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "finding acceptance key index"


class _Raw(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def run() -> None:
        await _Raw.raw(
            'CREATE UNIQUE INDEX finding_acceptance_entity_key_uq ON finding_acceptance (entity, "key")'
        )

    async def undo() -> None:
        await _Raw.raw("DROP INDEX finding_acceptance_entity_key_uq")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
