"""Piccolo app of the register; its migrations live in migrations/ropa/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from ropa.access.tables import TABLES as ACCESS_TABLES
from ropa.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="ropa",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "ropa"),
    table_classes=[*TABLES, *ACCESS_TABLES],
    migration_dependencies=[],
    commands=[],
)
