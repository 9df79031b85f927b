"""Built-in vocabularies: loaded on migrate, audited like any other change, never overwritten."""

from __future__ import annotations

import graphlib
from pathlib import Path

import msgspec

from ropa.errors import Invalid
from ropa.records import services
from ropa.records.catalog import VOCABULARY
from ropa.records.resolver import Resolver
from ropa.tables import VocabularyTerm
from ropa.vocabulary.schemas import Labels, TermData

BUILTIN = Path(__file__).with_name("builtin.yaml")


def builtin_terms() -> list[TermData]:
    return msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData])


def _replacements_first(terms: list[TermData]) -> list[TermData]:
    """Each term after the term that replaces it, so a replaced_by always names an existing term."""
    by_key = {(t.vocabulary, t.key): t for t in terms}
    graph = {
        key: [(t.vocabulary, t.replaced_by)]
        if t.replaced_by and (t.vocabulary, t.replaced_by) in by_key
        else []
        for key, t in by_key.items()
    }
    try:
        return [by_key[key] for key in graphlib.TopologicalSorter(graph).static_order()]
    except graphlib.CycleError:
        raise Invalid.of([("vocabularies", "terms replace each other in a cycle")]) from None


def _labels_completed(stored: str | bytes, term: TermData) -> TermData | None:
    """The stored term with the labels it lacks taken from ``term`` (its edited labels kept); None
    when it lacks none that ``term`` has."""
    have = msgspec.json.decode(stored, type=TermData)
    missing = {
        lang: getattr(term.labels, lang)
        for lang in Labels.__struct_fields__
        if getattr(have.labels, lang) is None and getattr(term.labels, lang) is not None
    }
    if not missing:
        return None
    return msgspec.structs.replace(have, labels=msgspec.structs.replace(have.labels, **missing))


async def ensure_terms(
    terms: list[TermData], resolver: Resolver | None = None, *, update: bool = False
) -> int:
    """Create the terms that do not exist yet and fill in the labels an existing one lacks (a language
    added since); with ``update``, also bring differing ones in line.

    Terms that name a replacement come after the terms they name. Migrations never overwrite a
    term (a user may have edited its labels); an import of a register file does, so that a
    dump and its restore agree.
    """
    resolver = resolver or Resolver()
    rows = await VocabularyTerm.select(
        VocabularyTerm.id,
        VocabularyTerm.vocabulary,
        VocabularyTerm.key,
        VocabularyTerm.version,
        VocabularyTerm.data,
    ).output(load_json=False)
    have = {(r["vocabulary"], r["key"]): r for r in rows}
    changed = 0
    for term in _replacements_first(terms):
        fields = {f: getattr(term, f) for f in TermData.__struct_fields__}
        row = have.get((term.vocabulary, term.key))
        if row is None:
            await services.create(VOCABULARY, VOCABULARY.create(**fields), resolver)
        elif update and msgspec.json.decode(row["data"], type=TermData) != term:
            await services.update(
                VOCABULARY, str(row["id"]), VOCABULARY.update(**fields, version=row["version"])
            )
            resolver.term_added(term.vocabulary, term.key, term.deprecated, term.replaced_by)
        elif not update and (completed := _labels_completed(row["data"], term)) is not None:
            # A label of a language added since (French, for the exports): filled in, the rest as stored.
            stored = {f: getattr(completed, f) for f in TermData.__struct_fields__}
            await services.update(
                VOCABULARY, str(row["id"]), VOCABULARY.update(**stored, version=row["version"])
            )
        else:
            continue
        changed += 1
    return changed
