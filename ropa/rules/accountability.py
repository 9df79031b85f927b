"""Accountability: the DPO decision, reviews of the record and the age of its source documents."""

import datetime as dt
from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.authorities import dpo_named
from ropa.rules.dates import latest_date
from ropa.rules.model import Context, Hit, hit, rule, texts
from ropa.rules.words import first

# A record or document older than this is due for review (Art. 5(2), Art. 24(1) "reviewed and updated").
REVIEW_DAYS = 365


# Art. 37(1), 30(1)(a), 30(2)(a): name the DPO or record that none is required; medium: element missing.
@rule(
    "dpo.undecided",
    "medium",
    "Art. 37(1), 30(1)(a), 30(2)(a)",
    texts(
        "{name} records neither a data protection officer nor a decision that none is required.",
        "{name} angiver hverken en databeskyttelsesrådgiver eller en beslutning om, at der ikke kræves en.",
        "{name} angir verken et personvernombud eller en beslutning om at det ikke kreves.",
    ),
    texts(
        "Record the Art. 37 decision: the DPO's name and contact, or why none is required.",
        "Registrér beslutningen efter art. 37: rådgiverens navn og "
        "kontakt, eller hvorfor der ikke kræves en.",
        "Registrer beslutningen etter art. 37: ombudets navn og kontakt, eller hvorfor det ikke kreves.",
    ),
)
def dpo_undecided(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    # a public authority without a DPO is dpo.public_authority_none (high)
    if not dpo_named(entity) and entity.dpo_decision is None and not entity.public_authority:
        yield hit("entity", entity.key, "dpo", name=entity.legal_name)


# Art. 37(7), 30(1)(a): a controller that must have a DPO publishes the DPO's contact details and the record
# names them; medium: the decision is recorded, the Art. 30(1)(a) element it calls for is missing.
@rule(
    "dpo.required_not_named",
    "medium",
    "Art. 30(1)(a), 37(1), 37(7)",
    texts(
        "{name} records that a data protection officer is required, but no contact details of one.",
        "{name} angiver, at en databeskyttelsesrådgiver er påkrævet, men ingen kontaktoplysninger på en.",
        "{name} angir at et personvernombud kreves, men ingen kontaktopplysninger til et.",
    ),
    texts(
        "Record the DPO's contact details (e-mail or telephone; a name is optional) as published.",
        "Angiv rådgiverens kontaktoplysninger (e-mail eller telefon; navn er valgfrit), "
        "som de er offentliggjort.",
        "Angi ombudets kontaktopplysninger (e-post eller telefon; navn er valgfritt) "
        "slik de er offentliggjort.",
    ),
)
def dpo_required_not_named(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    required = entity.dpo_decision is not None and entity.dpo_decision.required
    if not dpo_named(entity) and required and not entity.public_authority:
        yield hit("entity", entity.key, "dpo", name=entity.legal_name)


def _review_due(last: dt.date | None, due: dt.date | None) -> dt.date | None:
    if due is not None:
        return due
    return last + dt.timedelta(days=REVIEW_DAYS) if last is not None else None


# Art. 5(2), 24(1): the record is reviewed and updated; low: a review date passed, no breach shown.
@rule(
    "review.overdue",
    "low",
    "Art. 5(2), 24(1)",
    texts(
        "The review of activity {activity} was due on {due}.",
        "Gennemgangen af aktiviteten {activity} skulle have været foretaget senest {due}.",
        "Gjennomgangen av aktiviteten {activity} skulle vært gjort senest {due}.",
    ),
    texts(
        "Review the activity, then record the date, the reviewer and the next due date.",
        "Gennemgå aktiviteten og registrér dato, ansvarlig og næste frist.",
        "Gjennomgå aktiviteten og registrer dato, ansvarlig og neste frist.",
    ),
)
def review_overdue(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        due = _review_due(a.last_reviewed_at, a.next_review_due)
        if due is not None and due < ctx.today:
            yield hit("activity", a.key, "next_review_due", activity=a.key, due=due.isoformat())


# Art. 5(2), 24(1): no review cycle set for the record; low and once per entity: hygiene, not a breach.
@rule(
    "review.missing",
    "low",
    "Art. 5(2), 24(1)",
    texts(
        "{name}: no review cycle is set for these activities ({count}): {activities}.",
        "{name}: der er ikke fastlagt en gennemgang af disse aktiviteter ({count}): {activities}.",
        "{name}: det er ikke fastsatt en gjennomgang av disse aktivitetene ({count}): {activities}.",
    ),
    texts(
        "Set a review cycle: record each activity's last review (date, reviewer) or its next review date.",
        "Fastlæg en gennemgang: angiv for hver aktivitet seneste gennemgang (dato, ansvarlig) eller "
        "næste frist.",
        "Fastsett en gjennomgang: angi for hver aktivitet siste gjennomgang (dato, ansvarlig) eller "
        "neste frist.",
    ),
)
def review_missing(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    unset = [a.key for a in entity.activities if a.last_reviewed_at is None and a.next_review_due is None]
    if unset:
        yield hit(
            "entity",
            entity.key,
            "activities",
            name=entity.legal_name,
            count=len(unset),
            activities=first(unset),
        )


# Art. 5(2): an undated source cannot be checked for currency; low: a missing date, not a breach.
@rule(
    "document.undated",
    "low",
    "Art. 5(2)",
    texts(
        "Source document {document} has no version or date.",
        "Kildedokumentet {document} har ingen version eller dato.",
        "Kildedokumentet {document} har ingen versjon eller dato.",
    ),
    texts(
        "Record the document's version date; if it is unknown, review the document against current law.",
        "Angiv dokumentets versionsdato; er den ukendt, så gennemgå dokumentet mod gældende ret.",
        "Angi dokumentets versjonsdato; er den ukjent, gjennomgå dokumentet mot gjeldende rett.",
    ),
)
def document_undated(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for d in entity.documents:
        if d.version is None or version_date(d.version) is None:
            yield hit("document", d.key, "version", document=d.key)


def version_date(version: str) -> dt.date | None:
    """The latest day a free-text version can mean: a written-out or ISO date, a month or a year."""
    return latest_date(version)


# Art. 5(2), 12(1): a source document over a year old may no longer match; low: to review, no breach shown.
@rule(
    "document.stale",
    "low",
    "Art. 5(2), 12(1)",
    texts(
        "Source document {document} ({version}) is more than a year old.",
        "Kildedokumentet {document} ({version}) er mere end et år gammelt.",
        "Kildedokumentet {document} ({version}) er mer enn ett år gammelt.",
    ),
    texts(
        "Review the document against the current processing and law, then update its version.",
        "Gennemgå dokumentet mod den aktuelle behandling og gældende ret, og opdatér versionen.",
        "Gjennomgå dokumentet mot dagens behandling og gjeldende rett, og oppdater versjonen.",
    ),
)
def document_stale(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for d in entity.documents:
        when = version_date(d.version) if d.version else None
        if when is not None and (ctx.today - when).days > REVIEW_DAYS:
            yield hit("document", d.key, "version", document=d.key, version=d.version)


RULES = [
    dpo_undecided,
    dpo_required_not_named,
    review_overdue,
    review_missing,
    document_undated,
    document_stale,
]
