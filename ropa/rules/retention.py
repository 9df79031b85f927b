"""Retention (Art. 30(1)(f), storage limitation under Art. 5(1)(e))."""

from collections.abc import Iterator

from ropa.porting.schemas import ActivityIn, EntityIn, RetentionIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts
from ropa.rules.words import FIELDS, RETENTION_KINDS, named


def coverage(entity: EntityIn, activity: ActivityIn) -> dict[str, list[RetentionIn]]:
    """For each data category of the activity, the linked rules that govern it (specific before general)."""
    rules = {r.key: r for r in entity.retention_rules}
    linked = [rules[k] for k in activity.retention if k in rules]
    general = [r for r in linked if not r.data_categories]
    out = {}
    for use in activity.data_categories:
        specific = [r for r in linked if use.category in r.data_categories]
        out[use.category] = specific or general
    return out


# Art. 30(1)(f): the time limits for erasure of each category, "where possible"; medium: element missing.
@rule(
    "retention.missing",
    "medium",
    "Art. 30(1)(f)",
    texts(
        "Activity {activity} has no retention rule for: {categories}.",
        "Aktiviteten {activity} har ingen opbevaringsregel for: {categories}.",
        "Aktiviteten {activity} har ingen lagringsregel for: {categories}.",
    ),
    texts(
        "Record a period or an erasure event for each category and link it to the activity.",
        "Angiv en periode eller en sletningshændelse for hver kategori og knyt den til aktiviteten.",
        "Angi en periode eller en slettehendelse for hver kategori og knytt den til aktiviteten.",
    ),
)
def missing(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        uncovered = [Term("data_category", c) for c, rules in coverage(entity, a).items() if not rules]
        if uncovered or (not a.retention and not a.data_categories):
            yield hit("activity", a.key, "retention", activity=a.key, categories=uncovered or ["-"])


# Art. 5(1)(e), 30(1)(f): "as long as necessary" is a criterion, not a time limit; medium: element incomplete.
@rule(
    "retention.criterion_only",
    "medium",
    "Art. 5(1)(e), 30(1)(f)",
    texts(
        "Activity {activity} keeps {categories} only under a general "
        "criterion, with no period or erasure event.",
        "Aktiviteten {activity} opbevarer {categories} alene efter et generelt kriterium uden periode "
        "eller sletningshændelse.",
        "Aktiviteten {activity} lagrer {categories} kun etter et generelt kriterium uten periode "
        "eller slettehendelse.",
    ),
    texts(
        "Turn the criterion into a concrete period or a trigger event for these categories.",
        "Omsæt kriteriet til en konkret periode eller en udløsende hændelse for disse kategorier.",
        "Gjør kriteriet om til en konkret periode eller en utløsende hendelse for disse kategoriene.",
    ),
)
def criterion_only(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        vague = [
            Term("data_category", c)
            for c, rules in coverage(entity, a).items()
            if rules and all(_criterion(r) for r in rules)
        ]
        if vague:
            yield hit("activity", a.key, "retention", activity=a.key, categories=vague)


def _criterion(r: RetentionIn) -> bool:
    """A rule that gives no time limit: a criterion, or a legal obligation recorded without its period or
    event ("as long as the law requires": the law's period is the time limit Art. 30(1)(f) asks for)."""
    return r.kind == "criterion" or (r.kind == "legal_hold" and not r.duration and not r.trigger_event)


# Art. 5(1)(e): a retention rule ends: a period, a trigger, a criterion or a law; medium: element incomplete.
@rule(
    "retention.open_ended",
    "medium",
    "Art. 5(1)(e), 30(1)(f)",
    texts(
        "Retention rule {rule} ({kind}) is open-ended: {missing} is not recorded.",
        "Opbevaringsreglen {rule} ({kind}) er tidsubegrænset: {missing} er ikke angivet.",
        "Lagringsregelen {rule} ({kind}) er tidsubegrenset: {missing} er ikke angitt.",
    ),
    texts(
        "Record the {missing} of the rule.",
        "Angiv reglens {missing}.",
        "Angi regelens {missing}.",
    ),
)
def open_ended(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    needs = {
        "fixed": "duration",
        "event": "trigger_event",
        "criterion": "criterion",
        "legal_hold": "legal_obligation",
    }
    for r in entity.retention_rules:
        field = needs[r.kind]
        if not getattr(r, field):
            yield hit(
                "retention_rule",
                r.key,
                field,
                rule=r.key,
                kind=named(RETENTION_KINDS, r.kind),
                missing=FIELDS[field],
            )


RULES = [missing, criterion_only, open_ended]
