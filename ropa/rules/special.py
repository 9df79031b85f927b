"""Special categories (Art. 9), criminal data (Art. 10) and legitimate-interest assessments."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.authorities import regime
from ropa.rules.model import Context, Hit, Term, hit, rule, texts
from ropa.rules.words import purpose

# The Art. 9(2) conditions that need a condition of DPA 2018 Sch. 1 under the UK GDPR (s. 10(1)-(3)).
UK_SCHEDULE1 = frozenset({"art9_2_b", "art9_2_g", "art9_2_h", "art9_2_i", "art9_2_j"})


# Art. 9(1)-(2): special-category data is prohibited without an Art. 9(2) condition; high: unlawful.
@rule(
    "special.no_art9_condition",
    "high",
    "Art. 9(2), 30(1)(c)",
    texts(
        "Activity {activity} processes special-category data ({categories}) without an Art. 9(2) condition.",
        "Aktiviteten {activity} behandler følsomme oplysninger "
        "({categories}) uden en betingelse i art. 9, stk. 2.",
        "Aktiviteten {activity} behandler særlige kategorier ({categories}) uten et vilkår i art. 9 nr. 2.",
    ),
    texts(
        "Record the Art. 9(2) condition for the purpose, or stop processing these data.",
        "Angiv betingelsen efter art. 9, stk. 2, for formålet, eller ophør med at behandle oplysningerne.",
        "Angi vilkåret etter art. 9 nr. 2 for formålet, eller stans behandlingen av opplysningene.",
    ),
)
def no_art9_condition(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        special = [
            Term("data_category", u.category)
            for u in a.data_categories
            if u.special or ctx.attrs("data_category", u.category).get("special")
        ]
        if special and not any(p.special_condition for p in a.purposes):
            yield hit("activity", a.key, "purposes", activity=a.key, categories=special)


# Art. 10: criminal-offence data only under official authority or legal authorisation; high: unlawful.
@rule(
    "special.no_art10_basis",
    "high",
    "Art. 10, 30(1)(c)",
    texts(
        "Activity {activity} processes criminal-offence data without a recorded Art. 10 authorisation.",
        "Aktiviteten {activity} behandler oplysninger om strafbare "
        "forhold uden registreret hjemmel (art. 10).",
        "Aktiviteten {activity} behandler opplysninger om straffbare "
        "forhold uten registrert hjemmel (art. 10).",
    ),
    texts(
        "Record the legal authorisation under Art. 10 (national law), or stop processing these data.",
        "Angiv hjemlen efter art. 10 (national ret), eller ophør med at behandle oplysningerne.",
        "Angi hjemmelen etter art. 10 (nasjonal rett), eller stans behandlingen av opplysningene.",
    ),
)
def no_art10_basis(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        criminal = any(
            u.criminal or ctx.attrs("data_category", u.category).get("art10") for u in a.data_categories
        )
        if criminal and not any(p.criminal_data_basis for p in a.purposes):
            yield hit("activity", a.key, "purposes", activity=a.key)


# UK GDPR Art. 9(2)(b), (g)-(j) with DPA 2018 s. 10: these conditions are met only with a condition of Sch. 1;
# medium: an Art. 9(2) condition is recorded, the element of UK law that completes it is missing.
@rule(
    "special.uk_schedule1_condition_unrecorded",
    "medium",
    "UK GDPR Art. 9(2); DPA 2018 s. 10(1)-(3), Sch. 1",
    texts(
        "Activity {activity} relies on {condition} under the UK GDPR without the DPA 2018 Schedule 1 "
        "condition it needs: {purpose}.",
        "Aktiviteten {activity} bygger på {condition} efter UK GDPR uden den betingelse i DPA 2018, bilag "
        "1, som den kræver: {purpose}.",
        "Aktiviteten {activity} bygger på {condition} etter UK GDPR uten vilkåret i DPA 2018, vedlegg 1, "
        "som det krever: {purpose}.",
    ),
    texts(
        "Record the Schedule 1 condition (Part 1 for employment, health, public health and archiving; "
        "Part 2 for substantial public interest) and keep the appropriate policy document where Sch. 1 asks "
        "for one.",
        "Angiv betingelsen i bilag 1 (del 1 for ansættelse, sundhed, folkesundhed og arkivering; del 2 for "
        "væsentlig samfundsinteresse), og hav det politikdokument, som bilag 1 kræver.",
        "Angi vilkåret i vedlegg 1 (del 1 for arbeidsforhold, helse, folkehelse og arkiv; del 2 for viktige "
        "allmenne interesser), og ha det policydokumentet vedlegg 1 krever.",
    ),
)
def uk_schedule1_condition_unrecorded(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    if regime(entity) != "uk_gdpr":
        return
    for a in entity.activities:
        for i, p in enumerate(a.purposes):
            c = p.special_condition
            if c in UK_SCHEDULE1 and not p.uk_schedule1_condition:
                condition = Term("special_condition", c)
                field = f"purposes[{i}].uk_schedule1_condition"
                yield hit("activity", a.key, field, activity=a.key, condition=condition, purpose=purpose(p))


# Art. 5(2), 6(1)(f): legitimate interest needs a documented balancing test; medium: basis stated, unproven.
@rule(
    "lia.missing",
    "medium",
    "Art. 5(2), 6(1)(f)",
    texts(
        "Activity {activity} relies on legitimate interest without a referenced assessment.",
        "Aktiviteten {activity} bygger på legitim interesse uden henvisning til en interesseafvejning.",
        "Aktiviteten {activity} bygger på berettiget interesse uten henvisning til en interesseavveining.",
    ),
    texts(
        "Carry out and reference the legitimate interests assessment (reference and date).",
        "Gennemfør interesseafvejningen og henvis til den (reference og dato).",
        "Gjennomfør interesseavveiningen og henvis til den (referanse og dato).",
    ),
)
def lia_missing(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        for i, p in enumerate(a.purposes):
            balancing = any(ctx.attrs("legal_basis", b).get("requires_balancing_test") for b in p.legal_bases)
            if balancing and not p.lia_reference:
                yield hit("activity", a.key, f"purposes[{i}].lia_reference", activity=a.key)
                break


RULES = [no_art9_condition, no_art10_basis, uk_schedule1_condition_unrecorded, lia_missing]
