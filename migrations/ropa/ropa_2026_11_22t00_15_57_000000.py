"""Unique keys the auto-migration cannot express: one key per entity, per vocabulary."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T00:15:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys and list indexes"

STATEMENTS = [
    'CREATE UNIQUE INDEX legal_entity_key_uq ON legal_entity ("key")',
    'CREATE UNIQUE INDEX vocabulary_term_key_uq ON vocabulary_term (vocabulary, "key")',
    *(
        f'CREATE UNIQUE INDEX {t}_entity_key_uq ON {t} (entity, "key")'
        for t in ("processing_activity", "processor", "recipient", "transfer", "retention_rule")
    ),
]


class _Raw(Table):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def run() -> None:
        for statement in STATEMENTS:
            await _Raw.raw(statement)

    manager.add_raw(run)
    return manager
