"""Piccolo app of the audit log; its migrations live in migrations/audit/."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from audit.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations" / "audit"),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
