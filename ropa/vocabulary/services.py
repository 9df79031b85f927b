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


async def ensure_terms(
    terms: list[TermData], resolver: Resolver | None = None, *, update: bool = False
) -> int:
    """Create the terms that do not exist yet; with ``update``, also bring differing ones in line.

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
    for term in sorted(terms, key=lambda t: t.replaced_by is not None):
        fields = {f: getattr(term, f) for f in TermData.__struct_fields__}
        row = have.get((term.vocabulary, term.key))
        if row is None:
            await services.create(VOCABULARY, VOCABULARY.create(**fields), resolver)
        elif update and msgspec.json.decode(row["data"], type=TermData) != term:
            await services.update(
                VOCABULARY, str(row["id"]), VOCABULARY.update(**fields, version=row["version"])
            )
            resolver.term_added(term.vocabulary, term.key, term.deprecated, term.replaced_by)
        else:
            continue
        changed += 1
    return changed
