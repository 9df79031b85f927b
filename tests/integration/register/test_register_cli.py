"""The command line: dump, import and seed as separate processes on the test database."""

import json
import os
import subprocess
import sys

import msgspec

from ropa.porting.services import dump_register
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.register.register_support import fresh_empty_database, items, put_body, state


def _env(database):
    if ENGINE == "postgres":
        return {"ROPA_DATABASE_URL": _pg_url(database)}
    return {"ROPA_SQLITE_PATH": database, "ROPA_DATABASE_URL": ""}


def ropa(database, *args):
    return subprocess.run(
        [sys.executable, "-m", "ropa", *args],
        cwd=ROOT,
        env={**os.environ, **_env(database)},
        capture_output=True,
        check=False,
        timeout=120,
    )


def test_cli_dump_import_dump_is_byte_identical(demo_database, templates, tmp_path):
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    done = ropa(demo_database, "dump", "-o", str(first))
    assert done.returncode == 0, done.stderr
    dumped = json.loads(first.read_bytes())
    assert [e["key"] for e in dumped["entities"]] == ["TECHEM-DK", "TECHEM-NO"]
    empty = fresh_empty_database(templates)
    done = ropa(empty, "import", str(first))
    assert done.returncode == 0, done.stderr
    assert b"'activities': 11" in done.stdout
    done = ropa(empty, "dump", "-o", str(second))
    assert done.returncode == 0, done.stderr
    assert second.read_bytes() == first.read_bytes()


def test_cli_yaml_dump_on_stdout_matches_the_service(demo_database):
    done = ropa(demo_database, "dump")
    assert done.returncode == 0, done.stderr
    assert done.stdout == msgspec.yaml.encode(run(dump_register()))
    assert "Trindsøvej 7 B".encode() in done.stdout


def test_cli_import_of_a_bad_file_fails_naming_the_path_and_writes_nothing(database, tmp_path):
    raw = msgspec.yaml.decode((ROOT / "ropa" / "demo" / "techem.yaml").read_bytes())
    raw["entities"][0]["activities"][4]["data_subjects"][0] = "martian"
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(msgspec.yaml.encode(raw))
    before = run(state())
    done = ropa(database, "import", str(bad))
    assert done.returncode == 1
    assert b"entities[0].activities[4].data_subjects[0]" in done.stderr
    assert b"martian" in done.stderr
    assert b"Traceback" not in done.stderr
    assert run(state()) == before


def test_cli_import_of_a_file_that_is_not_a_register(database, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something-else", "entities": []}')
    before = run(state())
    done = ropa(database, "import", str(bad))
    assert done.returncode == 1
    assert b"format" in done.stderr
    assert run(state()) == before


def test_cli_seed_demo_twice_adds_nothing_the_second_time(database):
    empty = run(state())
    assert empty["legal_entity"] == 0
    done = ropa(database, "seed", "--demo")
    assert done.returncode == 0, done.stderr
    seeded = run(state())
    assert seeded["legal_entity"] == 2
    assert seeded["processing_activity"] == 11
    assert seeded["audit_event"] > empty["audit_event"]
    done = ropa(database, "seed", "--demo")
    assert done.returncode == 0, done.stderr
    assert b"already loaded" in done.stdout
    assert run(state()) == seeded
    done = ropa(database, "seed", "--if-empty")
    assert done.returncode == 0, done.stderr
    assert run(state()) == seeded


def test_migrate_gives_built_in_terms_of_an_older_database_their_new_labels_and_keeps_edits(client, database):
    """A database made before French: its built-in terms have no French label, and an officer may
    have edited a label. ``ropa migrate`` fills in the French one (audited), keeps the edit, and a
    second run changes nothing."""
    term = items(client, "vocabularies", vocabulary="legal_basis", q="consent")[0]
    assert term["labels"]["fr"]
    older = {k: v for k, v in term["labels"].items() if k != "fr"} | {"en": "Consent (ours)"}
    edited = client.put(f"/api/vocabularies/{term['id']}", json=put_body(term, labels=older))
    assert edited.status_code == 200, edited.text
    assert "fr" not in edited.json()["labels"]
    events = run(state())["audit_event"]
    done = ropa(database, "migrate")
    assert done.returncode == 0, done.stderr
    assert b"1 built-in vocabulary terms added or completed" in done.stdout
    after = client.get(f"/api/vocabularies/{term['id']}").json()
    assert after["labels"] == older | {"fr": term["labels"]["fr"]}
    assert run(state())["audit_event"] == events + 1
    again = ropa(database, "migrate")
    assert b"0 built-in vocabulary terms added or completed" in again.stdout
