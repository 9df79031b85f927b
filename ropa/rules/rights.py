"""The data subjects' rights as the record states them (Art. 7(3), 12-23)."""

import re
from collections.abc import Iterator

from ropa.activities.schemas import Purpose, RightStated
from ropa.i18n import LANGUAGES, entry
from ropa.i18n.citations import cite
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
            cited = r.restriction_cited or r.restriction_article  # a cited article: restriction_wrong_article
            if r.right != "objection" or cited or r.availability == "offered":
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


# The rights each article lets a controller limit: 11(2) Art. 15-20; 12(5) Art. 15-22; 23 and 85(2) the rights
# of Chapter III (not withdrawal, Art. 7(3), nor a complaint, Art. 77); 89(2) Art. 15, 16, 18, 21; 89(3) Art.
# 15, 16, 18-21; the others the right of their own article.
CHAPTER_III = frozenset(
    {"access", "rectification", "erasure", "restriction", "portability", "objection"}
    | {"not_subject_to_automated_decision"}
)
RESTRICTS: dict[str, frozenset[str]] = {
    "11(2)": frozenset({"access", "rectification", "erasure", "restriction", "portability"}),
    "12(5)": CHAPTER_III,
    "15(4)": frozenset({"access"}),
    **{f"17(3)({p})": frozenset({"erasure"}) for p in "abcde"},
    **{a: frozenset({"portability"}) for a in ("20(1)", "20(3)", "20(4)")},
    **{a: frozenset({"objection"}) for a in ("21(1)", "21(2)", "21(3)", "21(6)")},
    **{f"22(2)({p})": frozenset({"not_subject_to_automated_decision"}) for p in "abc"},
    "23": CHAPTER_III,
    "85": CHAPTER_III,
    "89(2)": frozenset({"access", "rectification", "restriction", "objection"}),
    "89(3)": frozenset({"access", "rectification", "restriction", "portability", "objection"}),
}
# A restriction these articles allow is made by Union or member-state law, which the record must name.
NEEDS_LAW = frozenset({"22(2)(b)", "23", "85", "89(2)", "89(3)"})
# What is left of a citation once the GDPR's own words are removed: nothing means no law is named.
_GDPR_WORDS = re.compile(
    r"gdpr|general data protection regulation|databeskyttelsesforordningen|personvernforordningen|"
    r"forordning(en)?|artikkel|artikel|article|art|stk|litra|nr|bokstav|\b(and|og|i|in|of|the|af|av)\b|"
    r"[\d()\s.,;:/-]",
    re.IGNORECASE,
)


def _names_law(cited: str | None) -> bool:
    return bool(cited and _GDPR_WORDS.sub("", cited))


def _bases(a: ActivityIn) -> set[str] | None:
    """The Art. 6(1) points the activity's purposes rely on (a law of unstated point counts as (c) and
    (e)), or None while a purpose has no basis at all: purpose.no_legal_basis asks for it first."""
    points: set[str] = set()
    for p in a.purposes:
        if not p.legal_bases and not p.national_bases:
            return None
        points.update(p.legal_bases)
        for n in p.national_bases:
            points.update([n.point] if n.point else ["art6_1_c", "art6_1_e"])
    return points


def _misapplied(entity: EntityIn, a: ActivityIn, r: RightStated, article: str) -> str | None:
    """Why ``article`` does not limit ``r`` on this activity, or None where it may."""
    if r.right not in RESTRICTS[article]:
        return "other_right"
    if article in NEEDS_LAW and not _names_law(r.restriction_cited):
        return "no_law"
    bases = _bases(a)
    if bases is None:
        return None
    objectionable = any(_objectionable(p) for p in a.purposes)
    holds = {e.key for e in entity.retention_rules if e.kind == "legal_hold"}
    conditions = {p.special_condition for p in a.purposes}
    if article in ("21(2)", "21(3)") and objectionable:
        return "objection_general"  # 21(2) adds a right on marketing; it takes nothing from 21(1)
    if article == "21(1)" and objectionable and r.availability == "not_offered":
        return "objection_case_by_case"
    if article == "17(3)(b)" and not bases & {"art6_1_c", "art6_1_e"} and not holds & set(a.retention):
        return "no_obligation_or_task"
    if article == "17(3)(c)" and not conditions & {"art9_2_h", "art9_2_i"}:
        return "no_public_health"
    if article == "20(1)" and (bases & {"art6_1_a", "art6_1_b"} or _on_consent(a)):
        return "portability_applies"
    if article == "20(3)" and "art6_1_e" not in bases:
        return "no_public_task"
    if article == "22(2)(a)" and "art6_1_b" not in bases:
        return "no_contract"
    if article == "22(2)(c)" and not _on_consent(a):
        return "no_consent"
    return None


# Art. 12(2), 23 and the article cited: a right is limited only on the conditions of the article that limits
# it; low: the notice misstates a right and its ground (as rights.objection_excluded), no refusal is shown.
@rule(
    "rights.restriction_wrong_article",
    "low",
    "Art. 12(2), 23",
    texts(
        "Activity {activity} limits {right} citing {article}, which {reason}.",
        "Aktiviteten {activity} begrænser {right} med henvisning til {article}, som {reason}.",
        "Aktiviteten {activity} begrenser {right} med henvisning til {article}, som {reason}.",
    ),
    texts(
        "Cite the provision that limits this right on the activity's basis, or state the right in full.",
        "Henvis til den bestemmelse, der begrænser denne ret på aktivitetens grundlag, eller angiv retten "
        "fuldt ud.",
        "Vis til bestemmelsen som begrenser denne retten på aktivitetens grunnlag, eller angi retten fullt "
        "ut.",
    ),
)
def restriction_wrong_article(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.role == "processor" and a.controllers_served:
            continue  # the controller informs about the rights
        for i, r in enumerate(a.rights):
            article = r.restriction_article
            if article is None or r.availability == "offered":
                continue
            reason = _misapplied(entity, a, r, article)
            if reason is not None:
                yield hit(
                    "activity",
                    a.key,
                    f"rights[{i}].restriction_article",
                    activity=a.key,
                    right=Words(r.right, dict(entry("rules", f"right.{r.right}"))),
                    article=Words(article, {lang: cite(article, lang) for lang in LANGUAGES}),
                    reason=WHY[reason],
                )


WHY: dict[str, Words] = {
    "other_right": words(
        "other_right", "does not limit that right", "ikke begrænser den ret", "ikke begrenser den retten"
    ),
    "no_law": words(
        "no_law",
        "allows a limit only by a provision of law, and none is named",
        "kun tillader en begrænsning ved en lovbestemmelse, og ingen er nævnt",
        "bare tillater en begrensning ved en lovbestemmelse, og ingen er nevnt",
    ),
    "objection_general": words(
        "objection_general",
        "adds the objection to direct marketing; on a public task or legitimate interest Art. 21(1) gives "
        "the right to object in general",
        "tilføjer indsigelsen mod direkte markedsføring; ved en opgave i samfundets interesse eller legitim "
        "interesse giver art. 21, stk. 1, en almindelig ret til indsigelse",
        "legger til protesten mot direkte markedsføring; ved en oppgave i allmennhetens interesse eller "
        "berettiget interesse gir art. 21 nr. 1 en alminnelig rett til å protestere",
    ),
    "objection_case_by_case": words(
        "objection_case_by_case",
        "gives the right on this basis: compelling grounds are weighed for each objection, not used to "
        "exclude it in advance",
        "giver retten på dette grundlag: vægtige legitime grunde afvejes for hver indsigelse og udelukker "
        "den ikke på forhånd",
        "gir retten på dette grunnlaget: tungtveiende berettigede grunner vurderes for hver protest og "
        "utelukker den ikke på forhånd",
    ),
    "no_obligation_or_task": words(
        "no_obligation_or_task",
        "needs a legal obligation or a public task, and the activity records neither",
        "kræver en retlig forpligtelse eller en opgave i samfundets interesse, og aktiviteten angiver ingen "
        "af dem",
        "krever en rettslig forpliktelse eller en oppgave i allmennhetens interesse, og aktiviteten angir "
        "ingen av dem",
    ),
    "no_public_health": words(
        "no_public_health",
        "concerns health and public health data (Art. 9(2)(h) or (i)), which the activity does not rely on",
        "angår helbreds- og folkesundhedsoplysninger (art. 9, stk. 2, litra h eller i), som aktiviteten "
        "ikke bygger på",
        "gjelder helse- og folkehelseopplysninger (art. 9 nr. 2 bokstav h eller i), som aktiviteten ikke "
        "bygger på",
    ),
    "portability_applies": words(
        "portability_applies",
        "gives the right where the processing rests on consent or a contract, as here",
        "giver retten, når behandlingen bygger på samtykke eller en kontrakt, som her",
        "gir retten når behandlingen bygger på samtykke eller en avtale, som her",
    ),
    "no_public_task": words(
        "no_public_task",
        "concerns a public task, which the activity does not rely on",
        "angår en opgave i samfundets interesse, som aktiviteten ikke bygger på",
        "gjelder en oppgave i allmennhetens interesse, som aktiviteten ikke bygger på",
    ),
    "no_contract": words(
        "no_contract",
        "concerns a decision a contract needs, and no purpose relies on a contract",
        "angår en afgørelse, som en kontrakt kræver, og intet formål bygger på en kontrakt",
        "gjelder en avgjørelse som en avtale krever, og ingen formål bygger på en avtale",
    ),
    "no_consent": words(
        "no_consent",
        "needs explicit consent, and the activity records none",
        "kræver udtrykkeligt samtykke, og aktiviteten angiver intet",
        "krever uttrykkelig samtykke, og aktiviteten angir ikke noe",
    ),
}


RULES = [objection_excluded, withdrawal_without_consent, restriction_wrong_article]
