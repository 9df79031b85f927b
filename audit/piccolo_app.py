"""Piccolo app of the audit log; its migrations live in migrations/audit/ (in a wheel: audit/migrations/)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from audit.tables import TABLES

# An installed wheel holds them in the package (setup.py); a checkout in the top-level migrations folder.
_HERE = Path(__file__).resolve().parent
MIGRATIONS = next(
    (p for p in (_HERE / "migrations", _HERE.parent / "migrations" / "audit") if p.is_dir()),
    _HERE.parent / "migrations" / "audit",
)

APP_CONFIG = AppConfig(
    app_name="audit",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=list(TABLES),
    migration_dependencies=[],
    commands=[],
)
