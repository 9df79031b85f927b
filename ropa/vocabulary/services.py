"""Built-in vocabularies: loaded on migrate, audited like any other change, never overwritten."""

from __future__ import annotations

from pathlib import Path

import msgspec

from ropa.records import services
from ropa.records.catalog import VOCABULARY
from ropa.records.resolver import Resolver
from ropa.tables import VocabularyTerm
from ropa.vocabulary.schemas import TermData

BUILTIN = Path(__file__).with_name("builtin.yaml")


def builtin_terms() -> list[TermData]:
    return msgspec.yaml.decode(BUILTIN.read_bytes(), type=list[TermData])


async def ensure_terms(terms: list[TermData], resolver: Resolver | None = None) -> int:
    """Create the terms that do not exist yet (replacements after the terms they replace)."""
    resolver = resolver or Resolver()
    rows = await VocabularyTerm.select(VocabularyTerm.vocabulary, VocabularyTerm.key)
    have = {(r["vocabulary"], r["key"]) for r in rows}
    created = 0
    for term in sorted(terms, key=lambda t: t.replaced_by is not None):
        if (term.vocabulary, term.key) not in have:
            fields = {f: getattr(term, f) for f in TermData.__struct_fields__}
            await services.create(VOCABULARY, VOCABULARY.create(**fields), resolver)
            created += 1
    return created
