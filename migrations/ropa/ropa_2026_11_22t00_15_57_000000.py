"""Unique keys the auto-migration cannot express: one key per entity, per vocabulary."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-22T00:15:57:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique keys and list indexes"

# Index name -> table and columns.
INDEXES = {
    "legal_entity_key_uq": 'legal_entity ("key")',
    "vocabulary_term_key_uq": 'vocabulary_term (vocabulary, "key")',
    **{
        f"{t}_entity_key_uq": f'{t} (entity, "key")'
        for t in ("processing_activity", "processor", "recipient", "transfer", "retention_rule")
    },
}
STATEMENTS = [f"CREATE UNIQUE INDEX {name} ON {target}" for name, target in INDEXES.items()]
BACKWARDS = [f"DROP INDEX {name}" for name in INDEXES]


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
