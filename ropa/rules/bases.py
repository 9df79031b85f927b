"""Purposes bundled in one activity that the law does not let share a legal basis (Art. 6(1), 7)."""

from collections.abc import Iterator

from ropa.activities.schemas import Purpose
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.cookies import tracking
from ropa.rules.model import Context, Hit, Term, hit, rule, texts
from ropa.rules.words import joined, purpose

CONSENT = "art6_1_a"
CONTRACT = "art6_1_b"
LEGITIMATE_INTEREST = "art6_1_f"
EXPLICIT_CONSENT = "art9_2_a"


def _on_consent(p: Purpose) -> bool:
    return CONSENT in p.legal_bases or p.special_condition == EXPLICIT_CONSENT


def _alternatives(p: Purpose) -> list[Term]:
    """The bases a purpose names beside consent, as alternatives to it (a law by the point it serves)."""
    if CONSENT not in p.legal_bases:
        return []
    points = [b for b in p.legal_bases if b != CONSENT]
    points += [n.point or "" for n in p.national_bases if n.point != CONSENT]
    return [Term("legal_basis", b) for b in dict.fromkeys(points) if b]


# Art. 6(1), 7(3), 13(1)(c) (EDPB Guidelines 05/2020, section 6): a controller decides before collecting which
# basis each processing rests on; consent beside another basis leaves undecided what stops when consent is
# withdrawn; medium: a basis is stated but not decided (as cookies.ambiguous_basis, which covers cookies on
# consent or legitimate interest).
@rule(
    "purpose.consent_with_other_basis",
    "medium",
    "Art. 6(1), 7(3), 13(1)(c)",
    texts(
        "Activity {activity} gives consent and {others} as bases of the same purposes ({purposes}): "
        "what stops when consent is withdrawn is not decided.",
        "Aktiviteten {activity} angiver samtykke og {others} som grundlag for de samme formål ({purposes}): "
        "det er ikke afgjort, hvad der ophører, når samtykket trækkes tilbage.",
        "Aktiviteten {activity} angir samtykke og {others} som grunnlag for de samme formålene ({purposes}): "
        "det er ikke avgjort hva som opphører når samtykket trekkes tilbake.",
    ),
    texts(
        "Split the purposes so that each relies on one basis: those on consent stop when it is withdrawn, "
        "the others are not offered as a choice.",
        "Del formålene op, så hvert bygger på ét grundlag: dem, der bygger på samtykke, ophører, når det "
        "trækkes tilbage, de øvrige tilbydes ikke som et valg.",
        "Del opp formålene slik at hvert bygger på ett grunnlag: de som bygger på samtykke, opphører når det "
        "trekkes tilbake, de øvrige tilbys ikke som et valg.",
    ),
)
def consent_with_other_basis(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        cookie_choice = _cookie_choice(entity, a, ctx)
        mixed = []
        for p in a.purposes:
            alternatives = _alternatives(p)
            if cookie_choice and {CONSENT, LEGITIMATE_INTEREST} <= set(p.legal_bases):
                # consent or legitimate interest for tracking: cookies.ambiguous_basis reports that pair
                alternatives = [b for b in alternatives if b.key != LEGITIMATE_INTEREST]
            if alternatives:
                mixed.append((p, alternatives))
        if not mixed:
            continue
        others = list(dict.fromkeys(t for _, ts in mixed for t in ts))
        yield hit(
            "activity",
            a.key,
            "purposes",
            activity=a.key,
            others=others,
            purposes=joined([purpose(p) for p, _ in mixed]),
        )


def _cookie_choice(entity: EntityIn, a: ActivityIn, ctx: Context) -> bool:
    """Consent or legitimate interest for cookie-based processing, which cookies.ambiguous_basis reports."""
    return any({CONSENT, LEGITIMATE_INTEREST} <= set(p.legal_bases) for p in a.purposes) and bool(
        tracking(entity, a, ctx)
    )


# Art. 7(2), 7(4), recitals 32 and 43 (EDPB Guidelines 05/2020, section 3.1.3): consent to several purposes is
# asked for each; one consent for a bundle is presumed not freely given; medium: the record holds one consent
# for the purposes and cannot show whether it was asked per purpose, a decision the officer records.
@rule(
    "purpose.consent_bundled",
    "medium",
    "Art. 7(2), 7(4); recitals 32, 43",
    texts(
        "Activity {activity} records one consent for {count} purposes: {purposes}.",
        "Aktiviteten {activity} registrerer ét samtykke til {count} formål: {purposes}.",
        "Aktiviteten {activity} registrerer ett samtykke til {count} formål: {purposes}.",
    ),
    texts(
        "Ask consent for each purpose separately, and make no service depend on consent to a purpose it "
        "does not need; record each consent as an activity of its own.",
        "Bed om samtykke til hvert formål for sig, og gør ikke en tjeneste afhængig af samtykke til et "
        "formål, den ikke kræver; registrér hvert samtykke som en aktivitet for sig.",
        "Be om samtykke til hvert formål for seg, og gjør ikke en tjeneste avhengig av samtykke til et "
        "formål den ikke krever; registrer hvert samtykke som en egen aktivitet.",
    ),
)
def consent_bundled(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        on_consent = [p for p in a.purposes if _on_consent(p)]
        if a.consent is not None and len(on_consent) > 1:
            shown = joined([purpose(p) for p in on_consent])
            yield hit("activity", a.key, "consent", activity=a.key, count=len(on_consent), purposes=shown)


def marketing(entity: EntityIn, a: ActivityIn, ctx: Context) -> list[Term | str]:
    """Evidence of marketing in the activity: data categories and services whose term says
    ``marketing: true`` (advertising interaction data, an advertising service)."""
    evidence: list[Term | str] = [
        Term("data_category", u.category)
        for u in a.data_categories
        if ctx.attrs("data_category", u.category).get("marketing")
    ]
    recipients = {r.key: r for r in entity.recipients}
    processors = {p.key: p for p in entity.processors}
    for key in a.recipients:
        r = recipients.get(key)
        p = processors.get(r.processor) if r and r.processor else None
        if r and p and any(ctx.attrs("service_kind", k).get("marketing") for k in p.service_kinds):
            evidence.append(r.name)
    return evidence


# Art. 6(1)(b) (EDPB Guidelines 2/2019; CJEU C-252/21 Meta Platforms): advertising is not necessary for the
# performance of a contract; where every purpose rests on the contract alone, the marketing has no basis as
# recorded; high: processing without a lawful ground, as purpose.no_legal_basis.
@rule(
    "purpose.marketing_on_contract",
    "high",
    "Art. 6(1)(b)",
    texts(
        "Activity {activity} processes data for marketing ({evidence}) on a contract alone, which marketing "
        "is not necessary for.",
        "Aktiviteten {activity} behandler oplysninger til markedsføring ({evidence}) alene på grundlag af en "
        "kontrakt, som markedsføringen ikke er nødvendig for.",
        "Aktiviteten {activity} behandler opplysninger til markedsføring ({evidence}) bare på grunnlag av en "
        "avtale, som markedsføringen ikke er nødvendig for.",
    ),
    texts(
        "Record marketing as a purpose of its own with its own basis (consent, or legitimate interest "
        "with its assessment), or stop it.",
        "Angiv markedsføringen som et selvstændigt formål med sit eget grundlag (samtykke eller legitim "
        "interesse med interesseafvejning), eller ophør med den.",
        "Angi markedsføringen som et eget formål med eget grunnlag (samtykke eller berettiget interesse med "
        "interesseavveining), eller stans den.",
    ),
)
def marketing_on_contract(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        contract_only = bool(a.purposes) and all(
            p.legal_bases == [CONTRACT] and not p.national_bases for p in a.purposes
        )
        evidence = marketing(entity, a, ctx) if contract_only else []
        if evidence:
            yield hit("activity", a.key, "purposes", activity=a.key, evidence=evidence)


RULES = [consent_with_other_basis, consent_bundled, marketing_on_contract]
