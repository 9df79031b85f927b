"""The migrations make exactly the tables the code declares: Piccolo's auto-migration finds nothing to add.

A column added to ``ropa/tables.py`` or ``audit/tables.py`` without its migration would exist in the
code and not in any database: this fails first, naming what is missing."""

from __future__ import annotations

import asyncio
import dataclasses
import io
from contextlib import redirect_stdout

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager
from piccolo.columns import Varchar
from piccolo.conf.apps import AppConfig, Finder
from piccolo.table import Table


def _drift(app: AppConfig) -> list[str]:
    with redirect_stdout(io.StringIO()):  # Piccolo prints a summary table
        statements = asyncio.run(AutoMigrationManager(auto_input="n").get_alter_statements(app_config=app))
    return [s for group in statements for s in group.statements]


@pytest.mark.parametrize("app_name", ["ropa", "audit"])
def test_tables_match_their_migrations(app_name: str) -> None:
    drift = _drift(Finder().get_app_config(app_name))
    assert drift == [], f"tables differ from migrations/{app_name}: add a migration for\n" + "\n".join(drift)


def test_a_table_without_a_migration_is_found() -> None:
    class Unmigrated(Table, tablename="unmigrated_for_test"):
        name = Varchar()

    app = Finder().get_app_config("ropa")
    with_extra = dataclasses.replace(app, table_classes=[*app.table_classes, Unmigrated])
    assert any("unmigrated_for_test" in s or "Unmigrated" in s for s in _drift(with_extra))
