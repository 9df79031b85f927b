"""Hostile register files: YAML aliases (a "billion laughs"), deep nesting, bad UTF-8, all refused whole."""

import os
import resource
import subprocess
import sys

import pytest

from ropa.errors import Invalid
from ropa.porting.services import decode
from tests.conftest import ENGINE, ROOT, _pg_url, run
from tests.integration.register.register_support import state


def _laughs(levels: int) -> bytes:
    """A vocabulary term whose attributes name each level nine times: 9**levels 'lol's once expanded."""
    lines = [
        "format: ropa-register",
        "vocabularies:",
        "- vocabulary: service_kind",
        "  key: lol",
        "  labels: {en: lol, da: lol, nb: lol}",
        "  attributes:",
        "    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
    ]
    for level in range(1, levels + 1):
        lines.append(f"    l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines).encode() + b"\n"


def _env(database):
    if ENGINE == "postgres":
        return {"ROPA_DATABASE_URL": _pg_url(database)}
    return {"ROPA_SQLITE_PATH": database, "ROPA_DATABASE_URL": ""}


def _import(database, path):
    """``ropa import`` in a process that may not grow past 2 GiB: a regression fails, not the machine."""

    def cap_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "ropa", "import", str(path)],
        cwd=ROOT,
        env={**os.environ, **_env(database)},
        capture_output=True,
        check=False,
        timeout=120,
        preexec_fn=cap_memory,
    )


def test_a_billion_laughs_is_refused_naming_the_line_and_changes_nothing(database, tmp_path):
    bomb = tmp_path / "laughs.yaml"
    bomb.write_bytes(_laughs(9))  # under 1 KB of YAML, 387 million strings once expanded
    before = run(state())
    done = _import(database, bomb)
    assert done.returncode == 1, done.stderr
    assert b"line 7" in done.stderr
    assert b"anchors or aliases" in done.stderr
    assert b"Traceback" not in done.stderr
    assert run(state()) == before


def test_a_small_alias_expansion_is_refused_too(database, tmp_path):
    """Even an expansion the machine could afford: the format has no use for aliases."""
    small = tmp_path / "small.yaml"
    small.write_bytes(_laughs(3))
    before = run(state())
    done = _import(database, small)
    assert done.returncode == 1, done.stderr
    assert b"anchors or aliases" in done.stderr
    assert run(state()) == before


def test_yaml_nested_past_the_limit_is_refused_naming_the_line(database, tmp_path):
    deep = tmp_path / "deep.yaml"
    deep.write_bytes(b"format: ropa-register\nvocabularies:\n" + b"- " * 40 + b"x\n")
    before = run(state())
    done = _import(database, deep)
    assert done.returncode == 1, done.stderr
    assert b"line 3: nested more than 32 levels deep" in done.stderr
    assert run(state()) == before


def _term_with_attributes(value: bytes) -> bytes:
    """A register file whose one vocabulary term holds ``value`` (raw JSON) as a free-form attribute."""
    return (
        b'{"format": "ropa-register", "vocabularies": [{"vocabulary": "service_kind", "key": "x", '
        b'"labels": {"en": "x", "da": "x", "nb": "x"}, "attributes": {"a": ' + value + b"}}]}"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nested too deeply"),
        (b'"\xff\xfe"', "not valid UTF-8"),
    ],
    ids=["deep-array", "deep-object", "bad-utf8"],
)
def test_a_json_file_deep_or_not_utf8_is_an_invalid_file_not_a_crash(value, reason):
    with pytest.raises(Invalid) as refused:
        decode(_term_with_attributes(value), yaml=False)
    assert refused.value.status == 422
    assert refused.value.invalid_params == [{"name": "file", "reason": reason}]


def test_a_file_over_the_size_cap_is_refused_before_parsing(monkeypatch):
    from ropa.porting import bounds

    monkeypatch.setattr(bounds, "MAX_FILE_BYTES", 1024)
    for yaml in (True, False):
        with pytest.raises(Invalid) as refused:
            decode(b" " * 2048, yaml=yaml)
        assert "at most 1,024" in refused.value.invalid_params[0]["reason"]


@pytest.mark.parametrize("suffix", [".yaml", ".xlsx"])
def test_ropa_import_refuses_a_huge_file_without_reading_it_whole(database, tmp_path, suffix):
    """A 10 GB file (sparse: it takes no disk) is refused after reading at most the cap, under 2 GiB."""
    huge = tmp_path / f"huge{suffix}"
    with huge.open("wb") as handle:
        handle.truncate(10 * 1024**3)
    before = run(state())
    done = _import(database, huge)
    assert done.returncode == 1, done.stderr
    assert b"file: is larger than" in done.stderr and b"Traceback" not in done.stderr
    assert run(state()) == before
