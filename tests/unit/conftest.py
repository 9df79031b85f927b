"""Fixtures of the unit tests: the built-in vocabularies and the demo register, loaded once."""

from typing import Any

import msgspec
import pytest

from ropa.porting.schemas import RegisterFile
from ropa.vocabulary.schemas import TermData
from tests.unit.demo_support import BUILTIN, DEMO


@pytest.fixture(scope="session")
def terms() -> list[TermData]:
    return msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData])


@pytest.fixture(scope="session")
def register() -> RegisterFile:
    return msgspec.yaml.decode(DEMO.read_bytes(), type=RegisterFile)


@pytest.fixture(scope="session")
def entities(register: RegisterFile) -> dict[str, Any]:
    return {e.key: e for e in register.entities}
