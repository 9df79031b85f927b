"""Resolves vocabulary keys and record references against the database, with a per-call cache."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from ropa.records import validation
from ropa.records.kinds import REGISTRY
from ropa.tables import LegalEntity, VocabularyTerm


class _TermState(msgspec.Struct):
    deprecated: bool = False
    replaced_by: str | None = None


class _Document(msgspec.Struct):
    key: str


class _Documents(msgspec.Struct):
    """The entity's documents, their keys alone: decoding skips the rest of the entity's JSON."""

    documents: list[_Document] = msgspec.field(default_factory=list)


_DOCUMENTS = msgspec.json.Decoder(_Documents)
_FEW_READS = 8  # lookups of single terms and keys before a resolver reads whole vocabularies and kinds
_TERM_STATE = msgspec.json.Decoder(_TermState)


def _marks(values: list[str]) -> str:
    """One Piccolo placeholder per value, for ``IN (...)``."""
    return ", ".join("{}" for _ in values)


class Resolver:
    """One resolver serves one request, or one whole import, so lookups are made once."""

    def __init__(self, allow_deprecated: bool = False) -> None:
        self.allow_deprecated = allow_deprecated
        self._terms: dict[tuple[str, str], _TermState] | None = None  # every term, once read
        # The terms and keys looked up one by one so far (None: there is none); see ``_FEW_READS``.
        self._some_terms: dict[tuple[str, str], _TermState | None] = {}
        self._some_keys: dict[tuple[str, str, str], bool] = {}
        self._reads = 0
        self._keys: dict[tuple[str, str], set[str]] = {}
        # Entities created through this resolver (an import): every record they hold came
        # through it too, so their key sets here are complete and need no query.
        self.created_entities: dict[str, str] = {}

    async def _load_terms(self) -> dict[tuple[str, str], _TermState]:
        if self._terms is None:
            rows = await VocabularyTerm.select(
                VocabularyTerm.vocabulary, VocabularyTerm.key, VocabularyTerm.data
            ).output(load_json=False)
            self._terms = {(r["vocabulary"], r["key"]): _TERM_STATE.decode(r["data"]) for r in rows}
        return self._terms

    async def _term_states(self, wanted: set[tuple[str, str]]) -> Mapping[tuple[str, str], _TermState | None]:
        """The state of each wanted term (None: no such term): read for those alone while the
        resolver has served few records (a request), every term at once after that (an import)."""
        if self._terms is not None:
            return self._terms
        missing = sorted(pair for pair in wanted if pair not in self._some_terms)
        if missing:
            self._reads += 1
            if self._reads > _FEW_READS:
                return await self._load_terms()
            keys = sorted({key for _, key in missing})
            rows = await VocabularyTerm.raw(
                f"SELECT vocabulary, key, data FROM vocabulary_term WHERE key IN ({_marks(keys)})", *keys
            )
            for r in rows:
                self._some_terms[(r["vocabulary"], r["key"])] = _TERM_STATE.decode(r["data"])
            for pair in missing:
                self._some_terms.setdefault(pair, None)
        return self._some_terms

    async def _known_keys(self, entity_id: str, kind: str, wanted: set[str]) -> set[str]:
        """Which of the ``wanted`` keys name a record of ``kind`` of the entity that is not retired:
        read for those alone while the resolver has served few records, all of the kind after that."""
        if (entity_id, kind) in self._keys or kind == "document" or self.knows_all_keys(entity_id):
            return wanted & await self.keys(entity_id, kind)
        missing = sorted(key for key in wanted if (entity_id, kind, key) not in self._some_keys)
        if missing:
            self._reads += 1
            if self._reads > _FEW_READS:
                return wanted & await self.keys(entity_id, kind)
            table = REGISTRY[kind].table
            rows = await table.raw(
                f"SELECT key FROM {table._meta.tablename} WHERE entity = {{}} AND status != {{}} "
                f"AND key IN ({_marks(missing)})",
                entity_id,
                REGISTRY[kind].retired_status,
                *missing,
            )
            found = {r["key"] for r in rows}
            for key in missing:
                self._some_keys[(entity_id, kind, key)] = key in found
        return {key for key in wanted if self._some_keys[(entity_id, kind, key)]}

    async def keys(self, entity_id: str, kind: str) -> set[str]:
        """Keys of the entity's records of ``kind`` that are not retired."""
        cache_key = (entity_id, kind)
        if cache_key not in self._keys:
            if kind == "document":
                row = await LegalEntity.select(LegalEntity.data).where(LegalEntity.id == entity_id).first()
                docs = _DOCUMENTS.decode(row["data"]).documents if row else []
                self._keys[cache_key] = {d.key for d in docs}
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
        self._some_keys[(entity_id, kind, key)] = True

    def term_added(self, vocabulary: str, key: str, deprecated: bool, replaced_by: str | None) -> None:
        if self._terms is not None:
            self._terms[(vocabulary, key)] = _TermState(deprecated, replaced_by)
        self._some_terms[(vocabulary, key)] = _TermState(deprecated, replaced_by)

    async def errors(
        self, found: validation.Findings, entity_id: str | None, own_documents: set[str] | None = None
    ) -> list[tuple[str, str]]:
        errors = list(found.errors)
        if found.vocab:
            terms = await self._term_states({(vocabulary, key) for _, vocabulary, key in found.vocab})
            for path, vocabulary, key in found.vocab:
                state = terms.get((vocabulary, key))
                if state is None:
                    errors.append((path, f"'{key}' is not a term of vocabulary '{vocabulary}'"))
                elif state.deprecated and not self.allow_deprecated:
                    hint = f"; use '{state.replaced_by}'" if state.replaced_by else ""
                    errors.append((path, f"'{key}' of vocabulary '{vocabulary}' is deprecated{hint}"))
        wanted: dict[str, set[str]] = {}
        for _, kind, key in found.refs:
            wanted.setdefault(kind, set()).add(key)
        known_of: dict[str, set[str]] = {}
        for path, kind, key in found.refs:
            if kind == "document" and own_documents is not None:
                known: set[str] = own_documents
            elif entity_id is None:
                errors.append((path, f"a {kind} reference needs an entity"))
                continue
            else:
                if kind not in known_of:
                    known_of[kind] = await self._known_keys(entity_id, kind, wanted[kind])
                known = known_of[kind]
            if key not in known:
                errors.append((path, f"no {kind.replace('_', ' ')} '{key}' in this entity"))
        return errors

    async def term_exists(self, vocabulary: str, key: str) -> bool:
        return (await self._term_states({(vocabulary, key)})).get((vocabulary, key)) is not None
