"""What one kind of record does beyond the generic services: each kind's hooks, in one place.

The generic create/update/retire of ``ropa.records.services`` call these at fixed points; a kind
that needs nothing more uses ``KindHooks`` as it is. Legal entities (the scope of every other
record, with registration numbers and their own documents) and vocabulary terms (keys unique
within a vocabulary, replacements) are the two kinds that need more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from ropa.entities import lookup
from ropa.errors import Conflict, Invalid
from ropa.records import approval

if TYPE_CHECKING:
    from ropa.records.resolver import Resolver


class KindHooks:
    """The generic behaviour: a record scoped by its ``entity`` column, or by nothing."""

    # The record is itself a scope (a legal entity): its own id is the entity its events concern.
    is_scope = False
    # A column besides the entity within which keys are unique (and which never changes).
    partition: str | None = None

    def local_documents(self, data: Any) -> set[str] | None:
        """Source documents the record itself defines (citable before it is saved)."""
        return None

    async def extra_errors(self, data: Any, resolver: Resolver) -> list[tuple[str, str]]:
        return []

    async def before_create(self, data: Any) -> None:
        """Checks that need the database, after validation and before the insert."""

    async def before_update(self, data: Any, row: dict[str, Any]) -> None:
        """Checks that compare the new data with the stored row, before the update."""

    def unique_conflict(self, data: Any, exc: Exception) -> Conflict | None:
        """The conflict a unique-index violation means for this kind, if not the key's."""
        return None

    def created(self, resolver: Resolver, record_id: str, data: Any) -> None:
        """Tell an import's resolver about the new record, so later records may name it."""


class EntityHooks(KindHooks):
    is_scope = True

    def local_documents(self, data: Any) -> set[str] | None:
        return {d.key for d in data.documents}

    async def before_create(self, data: Any) -> None:
        await lookup.check_registration_free(data, None)

    async def before_update(self, data: Any, row: dict[str, Any]) -> None:
        from ropa.records.references import documents_in_use  # it reads every kind of the catalog

        await lookup.check_registration_free(data, str(row["id"]))
        before_docs = {d["key"] for d in msgspec.json.decode(row["data"])["documents"]}
        dropped = before_docs - {d.key for d in data.documents}
        if cited := await documents_in_use(str(row["id"]), dropped):
            problems = [("documents", f"document '{key}' is still cited by {who}") for key, who in cited]
            raise Invalid.of(problems)

    def unique_conflict(self, data: Any, exc: Exception) -> Conflict | None:
        if data.registration and lookup.is_registration_violation(exc):
            return lookup.registration_conflict(data.registration.number, data.country)
        return None

    def created(self, resolver: Resolver, record_id: str, data: Any) -> None:
        resolver.entity_created(record_id, data.key)


class TermHooks(KindHooks):
    partition = "vocabulary"

    async def extra_errors(self, data: Any, resolver: Resolver) -> list[tuple[str, str]]:
        if data.replaced_by and (
            data.replaced_by == data.key or not await resolver.term_exists(data.vocabulary, data.replaced_by)
        ):
            return [("replaced_by", f"no other term '{data.replaced_by}' in '{data.vocabulary}'")]
        return []

    def created(self, resolver: Resolver, record_id: str, data: Any) -> None:
        resolver.term_added(data.vocabulary, data.key, data.deprecated, data.replaced_by)


class ActivityHooks(KindHooks):
    """Activities: the review cycle and the four-eyes approval (``ropa.records.approval``)."""

    async def extra_errors(self, data: Any, resolver: Resolver) -> list[tuple[str, str]]:
        return disclosure_errors(data) + ico_errors(data)

    async def before_create(self, data: Any) -> None:
        await approval.before_create(data)

    async def before_update(self, data: Any, row: dict[str, Any]) -> None:
        await approval.before_update(data, row)


def disclosure_errors(data: Any) -> list[tuple[str, str]]:
    """A disclosure (``recipient_disclosures``) states what of the activity goes to one of its recipients:
    its recipient, categories and data subjects must be the activity's own, once each (Art. 30(1)(c)-(d))."""
    errors: list[tuple[str, str]] = []
    seen: set[str] = set()
    own = {u.category for u in data.data_categories}
    for i, d in enumerate(data.recipient_disclosures):
        path = f"recipient_disclosures[{i}]"
        if d.recipient not in data.recipients:
            errors.append((f"{path}.recipient", f"'{d.recipient}' is not one of the activity's recipients"))
        elif d.recipient in seen:
            errors.append((f"{path}.recipient", f"'{d.recipient}' has a disclosure already"))
        seen.add(d.recipient)
        for j, category in enumerate(d.data_categories):
            if category not in own:
                errors.append(
                    (f"{path}.data_categories[{j}]", f"'{category}' is not a data category of the activity")
                )
        for j, subject in enumerate(d.data_subjects):
            if subject not in data.data_subjects:
                errors.append(
                    (f"{path}.data_subjects[{j}]", f"'{subject}' is not a data subject of the activity")
                )
    return errors


def ico_errors(data: Any) -> list[tuple[str, str]]:
    """The ICO template's breach and policy-adherence answers must agree with what comes with them: the
    reasons are those for not adhering to the policy document (DPA 2018 Sch. 1 para. 41(c)), and a breach
    record is the record of a breach that occurred (Art. 33(5)). Blank reasons are no reasons."""
    errors: list[tuple[str, str]] = []
    adherence = data.retention_adherence
    reasons = bool(adherence and (adherence.reasons or "").strip())
    if adherence and adherence.follows_policy and reasons:
        errors.append(
            (
                "retention_adherence.reasons",
                "reasons are for not adhering to the policy document, but follows_policy is true",
            )
        )
    elif adherence and not adherence.follows_policy and not reasons:
        errors.append(
            (
                "retention_adherence.reasons",
                "the reasons for not adhering to the policy document are missing (follows_policy is false)",
            )
        )
    breach = data.personal_data_breach
    if breach and not breach.occurred and breach.record_link:
        errors.append(
            ("personal_data_breach.record_link", "a breach record is linked, but occurred is false")
        )
    return errors
