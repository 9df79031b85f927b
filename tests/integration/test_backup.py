"""`ropa backup` / `ropa restore`: a copy taken from a live database restores to the same register,
its log verifies, and a restore never overwrites a database that holds something."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ENGINE, RUN, Templates, _pg_admin
from tests.integration.audit.support import ropa_cli as ropa


@pytest.fixture
def empty_target(templates: Templates, tmp_path: Path) -> str:
    """A database name or file that does not hold anything yet."""
    if ENGINE == "postgres":
        # Unique per run: another run on the same server (or one killed before its clean-up) may
        # have left a database of the same test name behind.
        name = f"ropa_restore_{RUN}_{tmp_path.name[-12:].replace('-', '_')}".lower()
        _pg_admin(f'CREATE DATABASE "{name}"')
        templates.copies.append(name)  # dropped with the run's other databases
        return name
    return str(tmp_path / "restored.sqlite")


def test_a_backup_restores_to_the_same_register_and_its_log_verifies(
    templates: Templates, empty_target: str, tmp_path: Path
) -> None:
    source = templates.fresh("demo", demo=True)
    backup = tmp_path / "ropa.backup"
    made = ropa(source, "backup", str(backup))
    assert made.returncode == 0, made.stderr
    assert backup.stat().st_size > 0

    restored = ropa(empty_target, "restore", str(backup))
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "OK" in restored.stdout or "ok" in restored.stdout.lower()

    before, after = ropa(source, "dump"), ropa(empty_target, "dump")
    assert before.returncode == after.returncode == 0
    assert "TECHEM-DK" in after.stdout
    assert after.stdout == before.stdout
    verified = ropa(empty_target, "audit", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The backup recorded itself: the restored log holds the event, as the source's does.
    query = ropa(empty_target, "audit", "query", "--action", "database.backup")
    assert query.returncode == 0, query.stderr
    assert "database.backup" in query.stdout


def test_a_restore_never_overwrites_a_database_that_holds_a_register(
    templates: Templates, tmp_path: Path
) -> None:
    source = templates.fresh("demo", demo=True)
    other = templates.fresh("empty", demo=False)
    backup = tmp_path / "ropa.backup"
    assert ropa(source, "backup", str(backup)).returncode == 0
    before = ropa(other, "dump").stdout

    refused = ropa(other, "restore", str(backup))
    assert refused.returncode == 1
    assert "restore into a new" in refused.stderr
    assert ropa(other, "dump").stdout == before


def test_a_backup_never_overwrites_a_file(templates: Templates, tmp_path: Path) -> None:
    source = templates.fresh("empty", demo=False)
    existing = tmp_path / "keep.me"
    existing.write_text("precious")
    refused = ropa(source, "backup", str(existing))
    assert refused.returncode == 1
    assert "never overwrites" in refused.stderr
    assert existing.read_text() == "precious"


def test_a_file_that_is_no_backup_is_refused(empty_target: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.backup"
    junk.write_bytes(b"not a database at all" * 100)
    refused = ropa(empty_target, "restore", str(junk))
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: ")
    if ENGINE == "sqlite":
        assert "not a SQLite database" in refused.stderr
        assert not Path(empty_target).exists()
