"""One legal entity per registration number and country (spaces ignored), in the database too.

Written by hand: an expression index over the JSON record, which the auto-migration cannot
express. The expressions are those ropa.entities.lookup queries with, so lookups use the index.
A database that already holds two entities of one country with the same number cannot take the
index: the migration stops, naming their keys, before changing anything.
"""

import json

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder
from piccolo.table import Table

ID = "2026-12-06T02:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique registration number per country"

SQLITE = (
    "CREATE UNIQUE INDEX legal_entity_registration_uq ON legal_entity "
    "(replace(json_extract(data, '$.registration.number'), ' ', ''), json_extract(data, '$.country')) "
    "WHERE replace(json_extract(data, '$.registration.number'), ' ', '') <> ''"
)
POSTGRES = (
    "CREATE UNIQUE INDEX legal_entity_registration_uq ON legal_entity "
    "((replace((data::jsonb) -> 'registration' ->> 'number', ' ', '')), ((data::jsonb) ->> 'country')) "
    "WHERE replace((data::jsonb) -> 'registration' ->> 'number', ' ', '') <> ''"
)


class _Raw(Table):
    pass


def _duplicates(rows: list[dict]) -> list[str]:
    seen: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        data = json.loads(row["data"])
        number = ((data.get("registration") or {}).get("number") or "").replace(" ", "")
        if number:
            seen.setdefault((number, data.get("country") or ""), []).append(row["key"])
    return [f"{country}: {', '.join(sorted(keys))}" for (_, country), keys in seen.items() if len(keys) > 1]


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="ropa", description=DESCRIPTION)

    async def run() -> None:
        engine = engine_finder()
        assert engine is not None
        rows = await _Raw.raw('SELECT "key", data FROM legal_entity')
        if clashes := _duplicates(rows):
            raise RuntimeError(
                "legal entities share a registration number within a country; give each its own "
                f"number, then migrate again ({'; '.join(clashes)})"
            )
        await _Raw.raw(SQLITE if engine.engine_type == "sqlite" else POSTGRES)

    async def undo() -> None:
        await _Raw.raw("DROP INDEX legal_entity_registration_uq")

    manager.add_raw(run)
    manager.add_raw_backwards(undo)
    return manager
