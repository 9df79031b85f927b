"""Divergences between the records of related entities (one group) for the same system, vendor or data.

The register format has no group declaration, so entities count as related only where the register
links them: activities on the same named system, or one entity naming another as its joint controller,
as a controller it processes for, or as its processor. Entities nothing links are never compared.
"""

from collections import defaultdict
from collections.abc import Iterator
from typing import TypeVar

import msgspec

from ropa.i18n import LANGUAGES
from ropa.porting.schemas import EntityIn, RetentionIn
from ropa.rules.model import Context, Hit, Term, Words, group_rule, hit, texts, words
from ropa.rules.words import ROLES, joined, named


class _Contact(msgspec.Struct):
    name: str


class _Party(msgspec.Struct):
    controller: _Contact


class _EntityParty(msgspec.Struct):
    contact: _Contact


class ActivityLinks(msgspec.Struct, kw_only=True):
    id: str | None = None
    key: str
    status: str = "draft"
    system: str | None = None
    joint_controllers: list[_Party] = []
    controllers_served: list[_Party] = []


class ProcessorLinks(msgspec.Struct, kw_only=True):
    id: str | None = None
    key: str
    retired: bool = False
    legal_name: str | None = None


class EntityLinks(msgspec.Struct, kw_only=True):
    """The fields of an entity and its records that link it to others (the module's docstring), and
    nothing else: decoded alone from the stored records, they tell which entities the group rules
    compare with one entity without reading the whole register."""

    id: str | None = None
    key: str
    retired: bool = False
    legal_name: str
    joint_controllers: list[_EntityParty] = []
    processors: list[ProcessorLinks] = []
    activities: list[ActivityLinks] = []


E = TypeVar("E", EntityIn, EntityLinks)


def _name(value: str) -> str:
    return " ".join(value.casefold().split())


def _systems(e: EntityIn | EntityLinks) -> set[str]:
    return {_name(a.system) for a in e.activities if a.system}


def _partners(e: EntityIn | EntityLinks) -> set[str]:
    """Organisations the entity's record names in an Art. 26 or Art. 28 relation with it."""
    names = {j.contact.name for j in e.joint_controllers}
    names |= {p.legal_name for p in e.processors if p.legal_name}
    for a in e.activities:
        names |= {j.controller.name for j in a.joint_controllers}
        names |= {c.controller.name for c in a.controllers_served}
    return {_name(n) for n in names}


def related(entities: list[E]) -> list[list[E]]:
    """The groups of entities the register links (see the module's docstring); lone entities are left out."""
    parent = list(range(len(entities)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_name = {_name(e.legal_name): i for i, e in enumerate(entities)}
    by_system: dict[str, int] = {}
    for i, e in enumerate(entities):
        for system in sorted(_systems(e)):
            parent[root(i)] = root(by_system.setdefault(system, i))
        for partner in sorted(_partners(e)):
            if partner in by_name:
                parent[root(i)] = root(by_name[partner])
    groups: dict[int, list[E]] = defaultdict(list)
    for i, e in enumerate(entities):
        groups[root(i)].append(e)
    return [g for g in groups.values() if len({e.key for e in g}) > 1]


def linked(entity_id: str, entities: list[EntityLinks]) -> list[str]:
    """The ids of the entities in ``entity_id``'s group, itself included; none when it is alone.

    ``entities`` is the register (in its order) whose findings are made; as ``evaluate`` does, the
    retired entities and retired records link nothing (``ropa.rules.engine.live``). The group rules
    find over this group exactly what they find for the entity over the whole register, since the
    groups are the register's connected parts: no link reaches outside one.
    """
    live = [
        msgspec.structs.replace(
            e,
            processors=[p for p in e.processors if not p.retired],
            activities=[a for a in e.activities if a.status != "retired"],
        )
        for e in entities
        if not e.retired
    ]
    for group in related(live):
        if any(e.id == entity_id for e in group):
            return [e.id for e in group if e.id is not None]
    return []


def catch_all(ctx: Context, category: str) -> bool:
    """A residual category ("other personal data"): what it holds differs by entity, so it never compares."""
    return category == "other" or bool(ctx.attrs("data_category", category).get("catch_all"))


def _per_entity(values: dict[str, Words]) -> Words:
    """One worded value per entity key, as "KEY: value; KEY: value" (the details keep a list)."""
    parts = sorted(values.items())
    return Words(
        [f"{k}: {v.raw}" for k, v in parts],
        {lang: "; ".join(f"{k}: {v.texts[lang]}" for k, v in parts) for lang in LANGUAGES},
    )


# Art. 26, 28, 30(1)(a), 30(2): one system, different roles in the group; medium: needs a decision.
@group_rule(
    "group.role_divergence",
    "medium",
    "Art. 26, 28, 30(1)(a), 30(2)(a)",
    texts(
        "The group records different roles for system '{system}': {roles}.",
        "Koncernen angiver forskellige roller for systemet '{system}': {roles}.",
        "Konsernet angir ulike roller for systemet '{system}': {roles}.",
    ),
    texts(
        "Harmonise the roles across the entities, or document why they "
        "differ (e.g. a joint-controller arrangement).",
        "Harmonisér rollerne på tværs af enhederne, eller dokumentér hvorfor de er forskellige.",
        "Harmoniser rollene på tvers av enhetene, eller dokumenter hvorfor de er ulike.",
    ),
)
def role_divergence(entities: list[EntityIn], ctx: Context) -> Iterator[tuple[str, Hit]]:
    for group in related(entities):
        roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        spelled: dict[str, set[str]] = defaultdict(set)
        for e in group:
            for a in e.activities:
                if a.system:
                    roles[_name(a.system)][e.key].add(a.role)
                    spelled[_name(a.system)].add(a.system)
        for system, per_entity in sorted(roles.items()):
            if len(per_entity) > 1 and len({frozenset(v) for v in per_entity.values()}) > 1:
                shown = _per_entity(
                    {k: joined([named(ROLES, r) for r in sorted(v)], ", ") for k, v in per_entity.items()}
                )
                for key in sorted(per_entity):
                    yield key, hit("entity", key, "role", system=min(spelled[system]), roles=shown)


def _signature(r: RetentionIn) -> tuple[str, str, str]:
    return (r.kind, r.duration or "", r.trigger_event or "")


def _period(r: RetentionIn) -> Words:
    raw = f"{r.kind}:{r.duration or r.trigger_event or '-'}"
    if r.kind != "event" or not r.trigger_event:
        period = r.duration or "-"
        return words(raw, period, period, period)
    event = r.trigger_event
    if r.duration:
        return words(
            raw, f"{r.duration} after {event}", f"{r.duration} efter {event}", f"{r.duration} etter {event}"
        )
    return words(raw, f"at {event}", f"ved {event}", f"ved {event}")


def _periods(rules: list[RetentionIn]) -> Words:
    distinct = {str(w.raw): w for w in map(_period, rules)}
    return joined([distinct[raw] for raw in sorted(distinct)], ", ")


# Art. 5(1)(e), 30(1)(f): one service, one category, different periods in the group; medium: needs a decision.
@group_rule(
    "group.retention_divergence",
    "medium",
    "Art. 5(1)(e), 30(1)(f)",
    texts(
        "Retention of {category} ({service}) differs between entities: {periods}.",
        "Opbevaringen af {category} ({service}) er forskellig mellem enhederne: {periods}.",
        "Lagringen av {category} ({service}) er ulik mellom enhetene: {periods}.",
    ),
    texts(
        "Align the period with the service's actual configuration, or document why the entities differ.",
        "Afstem perioden med tjenestens faktiske opsætning, eller "
        "dokumentér hvorfor enhederne er forskellige.",
        "Avstem perioden med tjenestens faktiske oppsett, eller dokumenter hvorfor enhetene er ulike.",
    ),
)
def retention_divergence(entities: list[EntityIn], ctx: Context) -> Iterator[tuple[str, Hit]]:
    for group in related(entities):
        seen: dict[tuple[str, str], dict[str, list[RetentionIn]]] = defaultdict(lambda: defaultdict(list))
        spelled: dict[str, set[str]] = defaultdict(set)
        for e in group:
            names = {r.key: r.name for r in e.recipients}
            for r in e.retention_rules:
                if r.kind not in ("fixed", "event"):
                    continue
                service = names.get(r.recipient, "") if r.recipient else ""
                spelled[_name(service)].add(service)
                for category in r.data_categories:
                    if not catch_all(ctx, category):
                        seen[(_name(service), category)][e.key].append(r)
        for (service, category), per_entity in sorted(seen.items()):
            signatures = {key: {_signature(r) for r in rules} for key, rules in per_entity.items()}
            if len(per_entity) < 2 or len({frozenset(v) for v in signatures.values()}) < 2:
                continue
            periods = _per_entity({key: _periods(rules) for key, rules in per_entity.items()})
            for key, rules in sorted(per_entity.items()):
                for r in rules:
                    yield key, hit(
                        "retention_rule", r.key, "duration", category=Term("data_category", category),
                        service=min(spelled[service]) or "-", periods=periods,
                    )  # fmt: skip


def _use(ctx: Context, kind: str, purposes: list[str]) -> Words:
    """A recipient's kind (as its label) and purposes (as recorded: free text has no other language)."""
    listed = ", ".join(purposes) or "-"
    return Words(
        f"[{kind}] {listed}",
        {lang: f"{ctx.label('recipient_kind', kind, lang).lower()} ({listed})" for lang in LANGUAGES},
    )


# Art. 5(1)(b), 30(1)(d): one vendor, different purposes or kinds in the group; medium: needs a decision.
@group_rule(
    "group.recipient_divergence",
    "medium",
    "Art. 5(1)(b), 30(1)(b), 30(1)(d)",
    texts(
        "Recipient '{recipient}' is recorded with different purposes or kinds across entities: {purposes}.",
        "Modtageren '{recipient}' er registreret med forskellige formål eller typer i enhederne: {purposes}.",
        "Mottakeren '{recipient}' er registrert med ulike formål eller typer i enhetene: {purposes}.",
    ),
    texts(
        "Verify what the vendor actually does and harmonise the records, or document the difference.",
        "Kontrollér, hvad leverandøren faktisk gør, og harmonisér "
        "fortegnelserne, eller dokumentér forskellen.",
        "Kontroller hva leverandøren faktisk gjør, og harmoniser protokollene, eller dokumenter forskjellen.",
    ),
)
def recipient_divergence(entities: list[EntityIn], ctx: Context) -> Iterator[tuple[str, Hit]]:
    for group in related(entities):
        seen: dict[str, dict[str, tuple[str, str, list[str]]]] = defaultdict(dict)
        spelled: dict[str, set[str]] = defaultdict(set)
        for e in group:
            for r in e.recipients:
                seen[_name(r.name)][e.key] = (r.key, r.kind, sorted(set(r.purposes), key=_name))
                spelled[_name(r.name)].add(r.name)
        for name, per_entity in sorted(seen.items()):
            compared = {
                (kind, frozenset(_name(p) for p in purposes)) for _, kind, purposes in per_entity.values()
            }
            if len(per_entity) < 2 or len(compared) < 2:
                continue
            shown = _per_entity(
                {key: _use(ctx, kind, purposes) for key, (_, kind, purposes) in per_entity.items()}
            )
            for key, (record, _, _) in sorted(per_entity.items()):
                yield key, hit("recipient", record, "purposes", recipient=min(spelled[name]), purposes=shown)


# Art. 30(1)(c): a category the counterpart activity records is missing; low: a likely gap to confirm.
@group_rule(
    "group.missing_data_category",
    "low",
    "Art. 30(1)(c), 30(1)(f)",
    texts(
        "Activity {activity} does not record {categories}, which {other} records for the same purpose.",
        "Aktiviteten {activity} angiver ikke {categories}, som {other} angiver for samme formål.",
        "Aktiviteten {activity} angir ikke {categories}, som {other} angir for samme formål.",
    ),
    texts(
        "Add the data categories (and their retention) the purpose needs, or confirm they are not processed.",
        "Tilføj de kategorier (og deres opbevaring), formålet kræver, eller bekræft at de ikke behandles.",
        "Legg til kategoriene (og lagringen av dem) formålet krever, eller bekreft at de ikke behandles.",
    ),
)
def missing_data_category(entities: list[EntityIn], ctx: Context) -> Iterator[tuple[str, Hit]]:
    for group in related(entities):
        seen: dict[tuple[str, str], dict[str, tuple[str, set[str]]]] = defaultdict(dict)
        for e in group:
            for a in e.activities:
                if a.system:
                    categories = {u.category for u in a.data_categories if not catch_all(ctx, u.category)}
                    seen[(_name(a.system), _name(a.name))][e.key] = (a.key, categories)
        for _, per_entity in sorted(seen.items()):
            for key, (activity, mine) in sorted(per_entity.items()):
                for other_key, (other, theirs) in sorted(per_entity.items()):
                    lacking = [Term("data_category", c) for c in sorted(theirs - mine)]
                    if other_key != key and lacking:
                        yield key, hit("activity", activity, "data_categories", activity=activity,
                                       categories=lacking, other=other)  # fmt: skip


RULES = [role_divergence, retention_divergence, recipient_divergence, missing_data_category]
