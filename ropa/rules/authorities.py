"""The controller's legal regime and public-authority status: the duties and limits they bring."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, hit, rule, texts
from ropa.rules.words import purpose

LEGITIMATE_INTEREST = "art6_1_f"


def regime(entity: EntityIn) -> str:
    """The data protection law the entity is under: as recorded, else the UK GDPR for a UK entity and the
    EU GDPR for every other."""
    if entity.regime is not None:
        return entity.regime
    return "uk_gdpr" if entity.country == "GB" else "eu_gdpr"


def dpo_named(entity: EntityIn) -> bool:
    """The record gives a way to reach the DPO (Art. 37(7): the contact details, a name is optional)."""
    return entity.dpo is not None and bool(entity.dpo.email or entity.dpo.phone)


# Art. 37(1)(a): a public authority (courts in their judicial capacity aside) must designate a DPO; high: a
# duty the law imposes without exception is unmet as recorded, the authority would act.
@rule(
    "dpo.public_authority_none",
    "high",
    "Art. 37(1)(a), 37(7), 30(1)(a)",
    texts(
        "{name} is a public authority but records no data protection officer's contact details.",
        "{name} er en offentlig myndighed, men angiver ingen kontaktoplysninger på en "
        "databeskyttelsesrådgiver.",
        "{name} er en offentlig myndighet, men angir ingen kontaktopplysninger til et personvernombud.",
    ),
    texts(
        "Designate a data protection officer (Art. 37(1)(a)) and record the contact details as published; a "
        "court acting in its judicial capacity records instead the decision that none is required.",
        "Udpeg en databeskyttelsesrådgiver (art. 37, stk. 1, litra a), og angiv kontaktoplysningerne, som de "
        "er offentliggjort; en domstol, der handler som domstol, registrerer i stedet beslutningen om, at "
        "der ikke kræves en.",
        "Utpek et personvernombud (art. 37 nr. 1 bokstav a) og angi kontaktopplysningene slik de er "
        "offentliggjort; en domstol som handler i sin dømmende funksjon registrerer i stedet beslutningen om "
        "at det ikke kreves.",
    ),
)
def public_authority_without_dpo(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    exempt = entity.dpo_decision is not None and not entity.dpo_decision.required  # a court, as decided
    if entity.public_authority and not dpo_named(entity) and not exempt:
        yield hit("entity", entity.key, "dpo", name=entity.legal_name)


# Art. 6(1) second subparagraph: legitimate interest is not available to a public authority for the
# performance of its tasks; medium: whether the purpose is one of its tasks is a decision the record lacks.
@rule(
    "basis.public_authority_legitimate_interest",
    "medium",
    "Art. 6(1)(f), 6(1) second subparagraph",
    texts(
        "Activity {activity} of a public authority relies on legitimate interest, which does not apply to "
        "processing in the performance of its tasks: {purpose}.",
        "Aktiviteten {activity} hos en offentlig myndighed bygger på legitim interesse, som ikke gælder for "
        "behandling, der sker som led i myndighedens opgaver: {purpose}.",
        "Aktiviteten {activity} hos en offentlig myndighet bygger på berettiget interesse, som ikke gjelder "
        "for behandling som ledd i myndighetens oppgaver: {purpose}.",
    ),
    texts(
        "If the purpose is part of the authority's tasks, record the basis in law (Art. 6(1)(c) or (e) with "
        "the act); keep legitimate interest only for processing outside its tasks, and say so.",
        "Er formålet en del af myndighedens opgaver, angives grundlaget i lovgivningen (art. 6, stk. 1, "
        "litra c eller e, med loven); brug kun legitim interesse for behandling uden for opgaverne, og "
        "angiv det.",
        "Er formålet en del av myndighetens oppgaver, angis grunnlaget i lov (art. 6 nr. 1 bokstav c eller "
        "e, med loven); bruk berettiget interesse bare for behandling utenfor oppgavene, og angi det.",
    ),
)
def public_authority_legitimate_interest(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    if not entity.public_authority:
        return
    for a in entity.activities:
        if a.role == "processor" and a.controllers_served:
            continue  # the basis is the controller's
        for i, p in enumerate(a.purposes):
            if LEGITIMATE_INTEREST in p.legal_bases:
                field = f"purposes[{i}].legal_bases"
                yield hit("activity", a.key, field, activity=a.key, purpose=purpose(p))


RULES = [public_authority_without_dpo, public_authority_legitimate_interest]
