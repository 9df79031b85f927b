"""Import and dump a whole register through the same services the API uses, in one transaction."""

from __future__ import annotations

import graphlib
from typing import Any

import msgspec

from audit import log as audit_log
from ropa.db import write_transaction
from ropa.errors import Conflict, DomainError, Invalid
from ropa.porting.bounds import check_size, check_yaml
from ropa.porting.read import CHILDREN, load_register
from ropa.porting.schemas import RegisterFile
from ropa.records import services
from ropa.records.catalog import ENTITY, PROCESSOR
from ropa.records.kinds import Kind
from ropa.records.resolver import Resolver
from ropa.vocabulary.services import ensure_terms


def _fields(kind: Kind, record: Any, **extra: Any) -> Any:
    values = {f: getattr(record, f) for f in kind.data.__struct_fields__}
    return kind.create(**values, **extra)


def _processor_order(processors: list[Any]) -> list[Any]:
    """Sub-processors before the processors that name them."""
    by_key = {p.key: p for p in processors}
    seen: set[str] = set()
    for index, processor in enumerate(processors):
        if processor.key in seen:
            name = f"processors[{index}].key"
            raise Conflict(f"key '{processor.key}' is used twice", [{"name": name, "reason": "used twice"}])
        seen.add(processor.key)
    graph = {p.key: [s for s in p.sub_processors if s in by_key] for p in processors}
    try:
        return [by_key[key] for key in graphlib.TopologicalSorter(graph).static_order()]
    except graphlib.CycleError:
        raise Invalid.of([("processors", "sub-processors refer to each other in a cycle")]) from None


async def _import_entity(entity: Any, resolver: Resolver) -> dict[str, int]:
    created = await services.create(ENTITY, _fields(ENTITY, entity, id=entity.id), resolver)
    counts = {"entities": 1}
    retire: list[tuple[Kind, str]] = []
    for attr, kind in CHILDREN:
        records = getattr(entity, attr)
        if kind is PROCESSOR:
            records = _processor_order(records)
        for index, record in enumerate(records):
            try:
                out = await services.create(
                    kind, _fields(kind, record, id=record.id, entity=created.id), resolver
                )
            except DomainError as exc:
                position = getattr(entity, attr).index(record)
                raise _prefixed(exc, f"{attr}[{position}]") from None
            if getattr(record, "retired", False):
                retire.append((kind, out.id))
            del index
        counts[attr] = len(records)
    for kind, record_id in reversed(retire):
        await services.retire(kind, record_id, None, reason="imported as retired")
    if entity.retired:
        await services.retire(ENTITY, created.id, None, reason="imported as retired")
    return counts


def _prefixed(exc: DomainError, prefix: str) -> DomainError:
    """The same error, its field paths placed inside the file (``entities[1].activities[3]...``)."""
    params = [{**p, "name": f"{prefix}.{p['name']}" if p["name"] else prefix} for p in exc.invalid_params]
    return type(exc)(exc.detail, params or [{"name": prefix, "reason": exc.detail}])


async def import_register(register: RegisterFile, source: str = "import") -> dict[str, int]:
    """Load a register file: all of it or, on any error, nothing."""
    # A restore must reproduce records that use terms deprecated after they were saved.
    resolver = Resolver(allow_deprecated=True)
    totals: dict[str, int] = {}
    async with write_transaction():
        await ensure_terms(list(register.vocabularies), resolver, update=True)
        for index, entity in enumerate(register.entities):
            try:
                counts = await _import_entity(entity, resolver)
            except DomainError as exc:
                raise _prefixed(exc, f"entities[{index}]") from None
            for name, count in counts.items():
                totals[name] = totals.get(name, 0) + count
        await audit_log.record(
            "register.import",
            entity_type="register",
            entity_id="",
            details={"source": source, "counts": totals},
        )
    return totals


class _DryRun(Exception):
    """Raised inside a trial import to roll it back, carrying what it would have created."""

    def __init__(self, totals: dict[str, int]) -> None:
        self.totals = totals


async def try_register(register: RegisterFile, source: str = "import") -> dict[str, int]:
    """What ``import_register`` would create, checked against the database in full (keys taken,
    vocabulary terms, references) and then rolled back: nothing is written, nor audited."""
    try:
        async with write_transaction():
            raise _DryRun(await import_register(register, source=source))
    except _DryRun as done:
        return done.totals


def decode(raw: bytes, yaml: bool) -> RegisterFile:
    """Parse a register file within bounds (bounds.py); a schema error names the offending field."""
    try:
        if yaml:
            check_yaml(raw)
            return msgspec.yaml.decode(raw, type=RegisterFile)
        check_size(raw)
        return msgspec.json.decode(raw, type=RegisterFile)
    except msgspec.ValidationError as exc:
        text = str(exc)
        path = text.split(" - at `$", 1)[1].rstrip("`").lstrip(".") if " - at `$" in text else "file"
        raise Invalid.of([(path, text.split(" - at ")[0])]) from None
    except msgspec.DecodeError as exc:
        raise Invalid.of([("file", f"not valid {'YAML' if yaml else 'JSON'}: {exc}")]) from None
    except UnicodeDecodeError:  # msgspec's answer to a JSON string that is not UTF-8
        raise Invalid.of([("file", "not valid UTF-8")]) from None
    except RecursionError:  # msgspec's answer to JSON nested past its limit
        raise Invalid.of([("file", "nested too deeply")]) from None


async def snapshot_register() -> RegisterFile:
    """The whole register from one consistent read, in key order, with ids; no write waits for it."""
    return await load_register()


async def dump_register() -> RegisterFile:
    """The whole register, for a file: import of it into an empty database is exact. Audited.

    The event commits before the dump is handed out, in a write of its own: the read takes no lock.
    """
    register = await snapshot_register()
    await audit_log.append("register.dump", entity_type="register", entity_id="", details={})
    return register
