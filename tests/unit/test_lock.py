"""requirements.lock, which `make` and CI install from, satisfies what pyproject.toml asks for."""

import pathlib
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _lines() -> list[str]:
    text = (ROOT / "requirements.lock").read_text()
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def _pins() -> dict[str, str]:
    return {canonicalize_name(line.split("==")[0]): line.split("==")[1] for line in _lines()}


def _asked() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    asked = project["project"]["dependencies"] + project["dependency-groups"]["dev"]
    return [Requirement(text) for text in asked]


def test_every_dependency_and_dev_tool_is_pinned_within_its_range():
    pins = _pins()
    wrong = []
    for requirement in _asked():
        version = pins.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement} (lock: {version or 'missing'})")
    assert not wrong, "requirements.lock is stale, run `make lock`: " + ", ".join(wrong)


def test_the_lock_pins_exact_versions_once_each():
    lines = _lines()
    names = [canonicalize_name(line.split("==")[0]) for line in lines]
    assert all(line.count("==") == 1 for line in lines)
    assert len(names) == len(set(names))
