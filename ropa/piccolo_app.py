"""Piccolo app of the register; its migrations live in migrations/ropa/ (in a wheel: ropa/migrations/)."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from ropa.access.tables import TABLES as ACCESS_TABLES
from ropa.records.questionnaire_tables import TABLES as QUESTIONNAIRE_TABLES
from ropa.reminders.tables import TABLES as REMINDER_TABLES
from ropa.tables import TABLES

# An installed wheel holds them in the package (setup.py); a checkout in the top-level migrations folder.
_HERE = Path(__file__).resolve().parent
MIGRATIONS = next(
    (p for p in (_HERE / "migrations", _HERE.parent / "migrations" / "ropa") if p.is_dir()),
    _HERE.parent / "migrations" / "ropa",
)

APP_CONFIG = AppConfig(
    app_name="ropa",
    migrations_folder_path=str(MIGRATIONS),
    table_classes=[*TABLES, *ACCESS_TABLES, *QUESTIONNAIRE_TABLES, *REMINDER_TABLES],
    migration_dependencies=[],
    commands=[],
)
