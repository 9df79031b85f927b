"""Divergences between the records of entities of one group for the same system, vendor or data."""

from collections import defaultdict
from collections.abc import Iterator

from ropa.porting.schemas import EntityIn, RetentionIn
from ropa.rules.model import Context, Hit, group_rule, hit, texts


def _name(value: str) -> str:
    return " ".join(value.casefold().split())


def _by_entity(values: dict[str, set[str]]) -> list[str]:
    return [f"{key}: {', '.join(sorted(v)) or '-'}" for key, v in sorted(values.items())]


# Art. 26, 28, 30(1)(a), 30(2): one system run as controller by one entity and as processor by another
# needs a documented reason (a group operator may be processor or joint controller for both).
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
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for e in entities:
        for a in e.activities:
            if a.system:
                roles[_name(a.system)][e.key].add(a.role)
    for system, per_entity in sorted(roles.items()):
        if len(per_entity) > 1 and len({frozenset(v) for v in per_entity.values()}) > 1:
            for key in sorted(per_entity):
                yield key, hit("entity", key, "role", system=system, roles=_by_entity(per_entity))


def _signature(r: RetentionIn) -> str:
    return f"{r.kind}:{r.duration or r.trigger_event or r.criterion or r.legal_obligation or '-'}"


# Art. 5(1)(e), 30(1)(f): the same data held by the same service should have one retention period in a group.
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
    seen: dict[tuple[str, str], dict[str, list[RetentionIn]]] = defaultdict(lambda: defaultdict(list))
    for e in entities:
        names = {r.key: _name(r.name) for r in e.recipients}
        for r in e.retention_rules:
            if r.kind in ("fixed", "event"):
                service = names.get(r.recipient, "") if r.recipient else ""
                for category in r.data_categories:
                    seen[(service, category)][e.key].append(r)
    for (service, category), per_entity in sorted(seen.items()):
        signatures = {key: {_signature(r) for r in rules} for key, rules in per_entity.items()}
        if len(per_entity) < 2 or len({frozenset(v) for v in signatures.values()}) < 2:
            continue
        periods = _by_entity(signatures)
        for key, rules in sorted(per_entity.items()):
            for r in rules:
                yield key, hit(
                    "retention_rule", r.key, "duration",
                    category=category, service=service or "-", periods=periods,
                )  # fmt: skip


# Art. 5(1)(b), 30(1)(d): the same vendor should receive the data for the same purposes across the group.
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
    seen: dict[str, dict[str, tuple[str, set[str]]]] = defaultdict(dict)
    for e in entities:
        for r in e.recipients:
            seen[_name(r.name)][e.key] = (r.key, {f"[{r.kind}]"} | {_name(p) for p in r.purposes})
    for name, per_entity in sorted(seen.items()):
        if len(per_entity) < 2 or len({frozenset(v[1]) for v in per_entity.values()}) < 2:
            continue
        purposes = _by_entity({key: v[1] for key, v in per_entity.items()})
        for key, (record, _) in sorted(per_entity.items()):
            yield key, hit("recipient", record, "purposes", recipient=name, purposes=purposes)


# Art. 30(1)(c): an activity of the same system and name records fewer data categories than its counterpart.
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
    if len({e.key for e in entities}) < 2:
        return  # a comparison between entities: one alone (an export's register) has none to make
    seen: dict[tuple[str, str], dict[str, tuple[str, set[str]]]] = defaultdict(dict)
    for e in entities:
        for a in e.activities:
            if a.system:
                categories = {u.category for u in a.data_categories}
                seen[(_name(a.system), _name(a.name))][e.key] = (a.key, categories)
    for _, per_entity in sorted(seen.items()):
        for key, (activity, mine) in sorted(per_entity.items()):
            for other_key, (other, theirs) in sorted(per_entity.items()):
                lacking = sorted(theirs - mine)
                if other_key != key and lacking:
                    yield key, hit("activity", activity, "data_categories", activity=activity,
                                   categories=lacking, other=other)  # fmt: skip


RULES = [role_divergence, retention_divergence, recipient_divergence, missing_data_category]
