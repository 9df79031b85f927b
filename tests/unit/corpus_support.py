"""The corpus of real notices (tests/corpus/) as the tests read it: its files, the findings the engine
raises on each register, and the importer's validation without a database."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from ropa.errors import DomainError
from ropa.porting.read import CHILDREN
from ropa.porting.schemas import EntityIn, RegisterFile
from ropa.porting.services import decode
from ropa.records import services
from ropa.records.catalog import ENTITY, VOCABULARY
from ropa.records.resolver import Resolver, _TermState
from ropa.rules.engine import RULES, evaluate
from ropa.rules.model import Context, Finding
from ropa.vocabulary.schemas import TermData
from tests.unit.rules.rules_support import builtin_terms

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
# The day the corpus was scored: document ages and review dates are measured from it.
TODAY = dt.date(2026, 12, 6)
SEVERITIES = ("high", "medium", "low", "info")
RULE_SEVERITY = {r.id: r.severity for r in RULES}

# ------------------------------------------------------------------------------------------
# The corpus files
# ------------------------------------------------------------------------------------------


class Entry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One line of expected.yaml. ``rule`` names an existing rule, ``proposed`` one not written yet."""

    rule: str | None = None
    proposed: str | None = None
    article: str | None = None
    severity: str | None = None
    record: str | None = None
    records: list[str] = []
    field: str | None = None
    why: str
    instead: str | None = None

    def keys(self) -> list[str | None]:
        return list(self.records) or [self.record]


class Expected(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    notice: str
    evaluated_on: dt.date
    expected: list[Entry] = []
    must_not: list[Entry] = []
    known_false_positives: list[Entry] = []


@dataclass(frozen=True)
class Item:
    """An expectation about one record: ``rule`` is the existing or proposed rule id."""

    rule: str
    existing: bool
    severity: str
    record: str | None
    field: str | None

    def matches(self, f: Finding) -> bool:
        return (
            f.rule_id == self.rule
            and (self.record is None or f.record_key == self.record)
            and (self.field is None or f.field == self.field)
        )


def slugs() -> list[str]:
    return sorted(p.name for p in CORPUS.iterdir() if (p / "register.yaml").is_file())


@cache
def register(slug: str) -> RegisterFile:
    return decode((CORPUS / slug / "register.yaml").read_bytes(), yaml=True)


@cache
def expected(slug: str) -> Expected:
    return msgspec.yaml.decode((CORPUS / slug / "expected.yaml").read_bytes(), type=Expected)


def items(entries: list[Entry]) -> list[Item]:
    out = []
    for e in entries:
        rule = e.rule or e.proposed or ""
        severity = e.severity or RULE_SEVERITY.get(rule, "")
        out += [Item(rule, e.rule is not None, severity, key, e.field) for key in e.keys()]
    return out


def terms(reg: RegisterFile) -> list[TermData]:
    """The vocabularies as the database holds them after the import: built-in ones, then the file's."""
    merged = {(t.vocabulary, t.key): t for t in builtin_terms()}
    merged.update({(t.vocabulary, t.key): t for t in reg.vocabularies})
    return list(merged.values())


@cache
def findings(slug: str) -> tuple[Finding, ...]:
    reg = register(slug)
    return tuple(evaluate(reg, Context.build(terms(reg), TODAY)))


# ------------------------------------------------------------------------------------------
# The importer's validation, without a database
# ------------------------------------------------------------------------------------------


class FileResolver(Resolver):
    """The importer's resolver, its caches filled from the file instead of the database."""

    def __init__(self, reg: RegisterFile) -> None:
        super().__init__(allow_deprecated=True)  # as an import
        self._terms = {(t.vocabulary, t.key): _TermState(t.deprecated, t.replaced_by) for t in terms(reg)}

    def entity(self, entity: EntityIn) -> str:
        entity_id = f"file:{entity.key}"
        for attr, kind in CHILDREN:
            self._keys[(entity_id, kind.name)] = {r.key for r in getattr(entity, attr)}
        self._keys[(entity_id, "document")] = {d.key for d in entity.documents}
        return entity_id


def import_errors(reg: RegisterFile) -> list[str]:
    """What ``import_register`` would refuse, with the same paths (vocabularies, references, formats)."""
    resolver = FileResolver(reg)
    errors: list[str] = []

    async def check(kind: Any, record: Any, entity_id: str | None, path: str) -> None:
        data = kind.data(**{f: getattr(record, f) for f in kind.data.__struct_fields__})
        try:
            await services._validate(kind, data, entity_id, resolver)
        except DomainError as exc:  # Invalid: one entry per offending field
            params = exc.invalid_params or [{"name": "", "reason": exc.detail}]
            errors.extend(f"{path}.{p['name']}: {p['reason']}" for p in params)

    async def run() -> None:
        for i, term in enumerate(reg.vocabularies):
            await check(VOCABULARY, term, None, f"vocabularies[{i}]")
        for i, entity in enumerate(reg.entities):
            await check(ENTITY, entity, None, f"entities[{i}]")
            entity_id = resolver.entity(entity)
            for attr, kind in CHILDREN:
                records = getattr(entity, attr)
                for name, count in Counter(r.key for r in records).items():
                    if count > 1:
                        errors.append(f"entities[{i}].{attr}: key '{name}' is used twice")
                for j, record in enumerate(records):
                    await check(kind, record, entity_id, f"entities[{i}].{attr}[{j}]")
        keys = Counter(e.key for e in reg.entities)
        errors.extend(f"entities: key '{k}' is used twice" for k, n in keys.items() if n > 1)

    asyncio.run(run())
    return errors
