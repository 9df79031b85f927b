"""The categories of personal data (Art. 30(1)(c)): national identity numbers, claims of anonymity, lists
given as examples."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, Term, Words, hit, rule, texts, words

# National laws that permit processing a national identity number only on a ground of their own (Art. 87),
# by the country whose law applies.
NATIONAL_ID_LAW: dict[str, Words] = {
    "DK": words("DK", *["databeskyttelsesloven § 11"] * 3),
    "NO": words("NO", *["personopplysningsloven § 12"] * 3),
}


def national_law(entity: EntityIn) -> str | None:
    """The country whose national data protection law supplements the GDPR for the entity: as recorded, else
    the entity's country under the EU GDPR."""
    if entity.regime == "uk_gdpr":
        return None
    return entity.national_law or (entity.country if entity.country != "GB" else None)


# Art. 87 with DK databeskyttelsesloven § 11 / NO personopplysningsloven § 12: a national identity number is
# processed only on the ground the national law sets; medium: the element that shows the ground is missing.
@rule(
    "data.national_id_unjustified",
    "medium",
    "Art. 87; databeskyttelsesloven § 11; personopplysningsloven § 12",
    texts(
        "Activity {activity} processes {category} without the ground {law} requires for it.",
        "Aktiviteten {activity} behandler {category} uden det grundlag, {law} kræver.",
        "Aktiviteten {activity} behandler {category} uten grunnlaget {law} krever.",
    ),
    texts(
        "Record the provision of {law} (or the other law) that permits the processing, or stop processing "
        "the number.",
        "Angiv den bestemmelse i {law} (eller anden lov), der tillader behandlingen, eller ophør med at "
        "behandle nummeret.",
        "Angi bestemmelsen i {law} (eller annen lov) som tillater behandlingen, eller stans behandlingen av "
        "nummeret.",
    ),
)
def national_id_unjustified(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    law = NATIONAL_ID_LAW.get(national_law(entity) or "")
    if law is None:
        return
    for a in entity.activities:
        if a.role == "processor" and a.controllers_served:
            continue  # the ground is the controller's
        for i, u in enumerate(a.data_categories):
            if ctx.attrs("data_category", u.category).get("national_id") and not u.national_basis:
                category = Term("data_category", u.category)
                field = f"data_categories[{i}].national_basis"
                yield hit("activity", a.key, field, activity=a.key, category=category, law=law)


# Recital 26, Art. 4(1): data holding an identifier that singles a person out are personal data, whatever
# the notice calls them; low: the notice's wording misstates what is processed, the record shows the data.
@rule(
    "data.anonymity_claim_with_identifiers",
    "low",
    "Art. 4(1), 12(1); recital 26",
    texts(
        "Activity {activity} calls the data {claim}, but records identifiers ({categories}): they are "
        "personal data.",
        "Aktiviteten {activity} kalder oplysningerne {claim}, men registrerer identifikatorer "
        "({categories}): de er personoplysninger.",
        "Aktiviteten {activity} kaller opplysningene {claim}, men registrerer identifikatorer "
        "({categories}): de er personopplysninger.",
    ),
    texts(
        "Correct the notice: say which personal data are processed and on which basis, or record how the "
        "identifiers are removed before the data are used.",
        "Ret meddelelsen: angiv, hvilke personoplysninger der behandles og på hvilket grundlag, eller angiv, "
        "hvordan identifikatorerne fjernes, før oplysningerne bruges.",
        "Rett erklæringen: angi hvilke personopplysninger som behandles og på hvilket grunnlag, eller angi "
        "hvordan identifikatorene fjernes før opplysningene brukes.",
    ),
)
def anonymity_claim_with_identifiers(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.anonymity_claim is None:
            continue
        identifying = [
            Term("data_category", u.category)
            for u in a.data_categories
            if ctx.attrs("data_category", u.category).get("identifier")  # recital 26: singles a person out
        ]
        if identifying:
            claim = CLAIMS[a.anonymity_claim]
            field = "anonymity_claim"
            yield hit("activity", a.key, field, activity=a.key, claim=claim, categories=identifying)


CLAIMS: dict[str, Words] = {
    "anonymous": words("anonymous", "anonymous", "anonyme", "anonyme"),
    "aggregated": words("aggregated", "aggregated", "aggregerede", "aggregerte"),
}


# Art. 30(1)(c): the categories of personal data are stated, not given as examples; low: a wording defect.
@rule(
    "data.categories_non_exhaustive",
    "low",
    "Art. 30(1)(c)",
    texts(
        "Activity {activity} gives its data categories as examples ('such as'): the list is open-ended.",
        "Aktiviteten {activity} angiver sine kategorier af oplysninger som eksempler ('f.eks.'): listen er "
        "ikke udtømmende.",
        "Aktiviteten {activity} angir sine kategorier av opplysninger som eksempler ('f.eks.'): listen er "
        "ikke uttømmende.",
    ),
    texts(
        "Record every category of personal data the activity processes.",
        "Angiv alle de kategorier af personoplysninger, aktiviteten behandler.",
        "Angi alle kategoriene av personopplysninger aktiviteten behandler.",
    ),
)
def categories_non_exhaustive(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        if a.data_categories_non_exhaustive:
            yield hit("activity", a.key, "data_categories", activity=a.key)


# Art. 5(1)(a), 12(1), 30(1)(c): the record says a kind of data is not processed and records it; medium: the
# records disagree and need a decision (the exclusion is wrong, or the data should not be there).
@rule(
    "data.exclusion_contradicted",
    "medium",
    "Art. 5(1)(a), 12(1), 30(1)(c)",
    texts(
        "Activity {activity} states that it excludes {what}, but records {evidence}.",
        "Aktiviteten {activity} angiver, at den udelukker {what}, men registrerer {evidence}.",
        "Aktiviteten {activity} angir at den utelukker {what}, men registrerer {evidence}.",
    ),
    texts(
        "Decide which is true: correct the exclusion in the notice, or stop processing the data and remove "
        "them from the record.",
        "Afgør, hvad der er rigtigt: ret undtagelsen i meddelelsen, eller ophør med at behandle "
        "oplysningerne, og fjern dem fra fortegnelsen.",
        "Avgjør hva som er riktig: rett unntaket i erklæringen, eller stans behandlingen av opplysningene og "
        "fjern dem fra protokollen.",
    ),
)
def exclusion_contradicted(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        for i, x in enumerate(a.exclusions):
            evidence: list[Term] = []
            if x.what == "children":
                evidence = [Term("data_subject_category", s) for s in a.data_subjects if s == CHILD]
            elif x.what == "special_categories":
                evidence = [
                    Term("data_category", u.category)
                    for u in a.data_categories
                    if u.special or ctx.attrs("data_category", u.category).get("special")
                ]
            elif x.what == "criminal_offences":
                evidence = [
                    Term("data_category", u.category)
                    for u in a.data_categories
                    if u.criminal or ctx.attrs("data_category", u.category).get("art10")
                ]
            if evidence:
                what = EXCLUDED[x.what]
                yield hit("activity", a.key, f"exclusions[{i}]", activity=a.key, what=what, evidence=evidence)


CHILD = "child"
EXCLUDED: dict[str, Words] = {
    "children": words("children", "data about children", "oplysninger om børn", "opplysninger om barn"),
    "special_categories": words(
        "special_categories",
        "special categories of data",
        "følsomme oplysninger",
        "særlige kategorier av personopplysninger",
    ),
    "criminal_offences": words(
        "criminal_offences",
        "data about criminal offences",
        "oplysninger om strafbare forhold",
        "opplysninger om straffbare forhold",
    ),
}


RULES = [
    national_id_unjustified,
    anonymity_claim_with_identifiers,
    categories_non_exhaustive,
    exclusion_contradicted,
]
