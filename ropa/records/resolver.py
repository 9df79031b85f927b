"""Resolves vocabulary keys and record references against the database, with a per-call cache."""

from __future__ import annotations

import msgspec

from ropa.records import validation
from ropa.records.kinds import REGISTRY
from ropa.tables import LegalEntity, VocabularyTerm


class _TermState(msgspec.Struct):
    deprecated: bool = False
    replaced_by: str | None = None


class Resolver:
    """One resolver serves one request, or one whole import, so lookups are made once."""

    def __init__(self, allow_deprecated: bool = False) -> None:
        self.allow_deprecated = allow_deprecated
        self._terms: dict[tuple[str, str], _TermState] | None = None
        self._keys: dict[tuple[str, str], set[str]] = {}
        # Entities created through this resolver (an import): every record they hold came
        # through it too, so their key sets here are complete and need no query.
        self.created_entities: dict[str, str] = {}

    async def _load_terms(self) -> dict[tuple[str, str], _TermState]:
        if self._terms is None:
            rows = await VocabularyTerm.select(
                VocabularyTerm.vocabulary, VocabularyTerm.key, VocabularyTerm.data
            ).output(load_json=False)
            self._terms = {
                (r["vocabulary"], r["key"]): msgspec.json.decode(r["data"], type=_TermState) for r in rows
            }
        return self._terms

    async def keys(self, entity_id: str, kind: str) -> set[str]:
        """Keys of the entity's records of ``kind`` that are not retired."""
        cache_key = (entity_id, kind)
        if cache_key not in self._keys:
            if kind == "document":
                row = await LegalEntity.select(LegalEntity.data).where(LegalEntity.id == entity_id).first()
                docs = msgspec.json.decode(row["data"])["documents"] if row else []
                self._keys[cache_key] = {d["key"] for d in docs}
            else:
                table = REGISTRY[kind].table
                rows = await table.select(table.key, table.status).where(table.entity == entity_id)
                retired = REGISTRY[kind].retired_status
                self._keys[cache_key] = {r["key"] for r in rows if r["status"] != retired}
        return self._keys[cache_key]

    def entity_created(self, entity_id: str, key: str) -> None:
        self.created_entities[entity_id] = entity_id
        self.created_entities[key] = entity_id

    def knows_all_keys(self, entity_id: str | None) -> bool:
        return entity_id is not None and entity_id in self.created_entities

    def added(self, entity_id: str, kind: str, key: str) -> None:
        if (entity_id, kind) in self._keys:
            self._keys[(entity_id, kind)].add(key)

    def term_added(self, vocabulary: str, key: str, deprecated: bool, replaced_by: str | None) -> None:
        if self._terms is not None:
            self._terms[(vocabulary, key)] = _TermState(deprecated, replaced_by)

    async def errors(
        self, found: validation.Findings, entity_id: str | None, own_documents: set[str] | None = None
    ) -> list[tuple[str, str]]:
        errors = list(found.errors)
        if found.vocab:
            terms = await self._load_terms()
            for path, vocabulary, key in found.vocab:
                state = terms.get((vocabulary, key))
                if state is None:
                    errors.append((path, f"'{key}' is not a term of vocabulary '{vocabulary}'"))
                elif state.deprecated and not self.allow_deprecated:
                    hint = f"; use '{state.replaced_by}'" if state.replaced_by else ""
                    errors.append((path, f"'{key}' of vocabulary '{vocabulary}' is deprecated{hint}"))
        for path, kind, key in found.refs:
            if kind == "document" and own_documents is not None:
                known: set[str] = own_documents
            elif entity_id is None:
                errors.append((path, f"a {kind} reference needs an entity"))
                continue
            else:
                known = await self.keys(entity_id, kind)
            if key not in known:
                errors.append((path, f"no {kind.replace('_', ' ')} '{key}' in this entity"))
        return errors

    async def term_exists(self, vocabulary: str, key: str) -> bool:
        return (vocabulary, key) in await self._load_terms()
