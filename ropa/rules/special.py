"""Special categories (Art. 9), criminal data (Art. 10) and legitimate-interest assessments."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts


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


RULES = [no_art9_condition, no_art10_basis, lia_missing]
