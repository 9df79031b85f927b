"""The data subjects' rights as the record states them (Art. 7(3), 12-23)."""

from collections.abc import Iterator

from ropa.activities.schemas import Purpose
from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.model import Context, Hit, Words, hit, rule, texts, words

CONSENT_BASES = frozenset({"art6_1_a"})
CONSENT_CONDITIONS = frozenset({"art9_2_a"})
# Art. 21(1): the right to object applies to processing on Art. 6(1)(e) or (f).
OBJECTION_BASES = frozenset({"art6_1_e", "art6_1_f"})


def _objectionable(p: Purpose) -> bool:
    """Processing to which Art. 21(1) applies, or may: (e) or (f), or a basis in law whose point is not
    stated (a law serves (c), where there is no right to object, or (e), where there is)."""
    if OBJECTION_BASES.intersection(p.legal_bases):
        return True
    points = [n.point for n in p.national_bases]
    return not p.legal_bases and any(pt is None or pt in OBJECTION_BASES for pt in points)


def _on_consent(a: ActivityIn) -> bool:
    consent = (
        CONSENT_BASES.intersection(p.legal_bases) or p.special_condition in CONSENT_CONDITIONS
        for p in a.purposes
    )
    return a.consent is not None or any(consent)


# Art. 21(1), 23: on Art. 6(1)(e) or (f) the data subject may object on grounds of their situation, unless a
# restriction under Art. 23 applies; low: the notice misstates a right, the processing is not shown unlawful.
@rule(
    "rights.objection_excluded",
    "low",
    "Art. 21(1), 23",
    texts(
        "Activity {activity} says the right to object {how}, though it relies on a public task, legitimate "
        "interest or a law, and cites no restriction.",
        "Aktiviteten {activity} angiver, at retten til indsigelse {how}, skønt den bygger på en opgave i "
        "samfundets interesse, legitim interesse eller lov, og henviser ikke til nogen begrænsning.",
        "Aktiviteten {activity} angir at retten til å protestere {how}, selv om den bygger på en oppgave i "
        "allmennhetens interesse, berettiget interesse eller lov, og viser ikke til noen begrensning.",
    ),
    texts(
        "State the right to object as Art. 21(1) gives it, or cite the provision of law (Art. 23) that "
        "restricts it.",
        "Angiv retten til indsigelse, som art. 21, stk. 1, giver den, eller henvis til den lovbestemmelse "
        "(art. 23), der begrænser den.",
        "Angi retten til å protestere slik art. 21 nr. 1 gir den, eller vis til lovbestemmelsen (art. 23) "
        "som begrenser den.",
    ),
)
def objection_excluded(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.role == "processor" and a.controllers_served:
            continue  # the controller informs about the rights
        if not any(_objectionable(p) for p in a.purposes):
            continue
        for i, r in enumerate(a.rights):
            if r.right != "objection" or r.restriction_cited or r.availability == "offered":
                continue
            if r.availability == "not_offered":
                how = HOW["not_offered"]
            elif r.limited_to == "direct_marketing":
                how = HOW["direct_marketing"]
            else:
                continue  # a limit in other words: whether it narrows Art. 21(1) is for a reader
            yield hit("activity", a.key, f"rights[{i}]", activity=a.key, how=how)


HOW: dict[str, Words] = {
    "not_offered": words("not_offered", "does not apply", "ikke gælder", "ikke gjelder"),
    "direct_marketing": words(
        "direct_marketing",
        "applies to direct marketing only",
        "kun gælder direkte markedsføring",
        "bare gjelder direkte markedsføring",
    ),
}


# Art. 7(3): withdrawal is the counterpart of consent; offered where no purpose rests on consent, the notice
# suggests a basis the record does not hold; low: wording, the recorded bases stand.
@rule(
    "rights.withdrawal_without_consent",
    "low",
    "Art. 7(3), 13(2)(c)",
    texts(
        "Activity {activity} offers withdrawal of consent, but no purpose relies on consent.",
        "Aktiviteten {activity} tilbyder tilbagekaldelse af samtykke, men intet formål bygger på samtykke.",
        "Aktiviteten {activity} tilbyr tilbaketrekking av samtykke, men ingen formål bygger på samtykke.",
    ),
    texts(
        "Remove the offer, or record consent as the basis where it is one (Art. 6(1)(a) or 9(2)(a)).",
        "Fjern tilbuddet, eller angiv samtykke som grundlag, hvor det er et (art. 6, stk. 1, litra a, eller "
        "art. 9, stk. 2, litra a).",
        "Fjern tilbudet, eller angi samtykke som grunnlag der det er det (art. 6 nr. 1 bokstav a eller "
        "art. 9 nr. 2 bokstav a).",
    ),
)
def withdrawal_without_consent(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        # a purpose of unknown basis may rest on consent: purpose.no_legal_basis asks for it first
        unknown = any(not p.legal_bases and not p.national_bases for p in a.purposes)
        if not a.purposes or unknown or _on_consent(a):
            continue
        for i, r in enumerate(a.rights):
            if r.right == "withdraw_consent" and r.availability != "not_offered":
                yield hit("activity", a.key, f"rights[{i}]", activity=a.key)


RULES = [objection_excluded, withdrawal_without_consent]
