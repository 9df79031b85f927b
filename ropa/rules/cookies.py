"""Cookies and similar technologies: the ePrivacy consent layer on top of the Art. 6 basis."""

from collections.abc import Iterator

from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.model import Context, Hit, Term, Words, hit, rule, texts, words

CONSENT = "art6_1_a"
NO_RECORD = words(None, "none is recorded", "intet er registreret", "ingen er registrert")
LEGITIMATE_INTEREST = "art6_1_f"
TRACKING_SERVICES = frozenset({"web_analytics", "session_recording", "advertising"})


def non_essential(ctx: Context, category: str) -> bool:
    """Data read or stored on the user's device that is not strictly necessary for the service asked for.

    ePrivacy Art. 5(3), second sentence, exempts storage strictly necessary to provide the service the user
    requested (a session, a load balancer, the consent choice itself); a data category term says so with
    ``strictly_necessary: true``.
    """
    attrs = ctx.attrs("data_category", category)
    # storage of unstated purpose is not taken as tracking: cookies.purpose_unstated asks for the purpose
    exempt = attrs.get("strictly_necessary") or attrs.get("purpose_unstated")
    return attrs.get("class") == "internet_cookies" and not exempt


def purpose_unstated(ctx: Context, category: str) -> bool:
    """Device storage whose purpose the record does not give (a term with ``purpose_unstated: true``)."""
    return bool(ctx.attrs("data_category", category).get("purpose_unstated"))


# Forms of "consent" that are not an unambiguous, affirmative indication of the data subject's wishes.
NOT_CONSENT: dict[str, Words] = {
    "continued_use": words(
        "continued_use",
        "continued use of the site is not consent",
        "fortsat brug af webstedet er ikke samtykke",
        "fortsatt bruk av nettstedet er ikke samtykke",
    ),
    "browser_settings": words(
        "browser_settings",
        "browser settings are not consent",
        "browserindstillinger er ikke samtykke",
        "nettleserinnstillinger er ikke samtykke",
    ),
    "pre_ticked": words(
        "pre_ticked",
        "a pre-ticked box is not consent",
        "et forudafkrydset felt er ikke samtykke",
        "en forhåndsavkrysset boks er ikke samtykke",
    ),
    "implied": words(
        "implied",
        "implied consent is not consent",
        "stiltiende samtykke er ikke samtykke",
        "underforstått samtykke er ikke samtykke",
    ),
}


def consented(activity: ActivityIn) -> bool:
    """The activity records consent in a form the GDPR accepts (or does not say which form)."""
    c = activity.consent
    return c is not None and c.form not in NOT_CONSENT


def tracking(entity: EntityIn, activity: ActivityIn, ctx: Context) -> list[Term | str]:
    """Evidence that the activity reads or stores non-essential information on the user's device."""
    evidence: list[Term | str] = [
        Term("data_category", u.category) for u in activity.data_categories if non_essential(ctx, u.category)
    ]
    recipients = {r.key: r for r in entity.recipients}
    processors = {p.key: p for p in entity.processors}
    for key in activity.recipients:
        r = recipients.get(key)
        p = processors.get(r.processor) if r and r.processor else None
        if r and p and TRACKING_SERVICES.intersection(p.service_kinds):
            evidence.append(r.name)
    return evidence


# ePrivacy Art. 5(3) (DK: BEK nr. 1148/2011; NO: ekomloven § 3-15): prior consent; high: storage is unlawful.
@rule(
    "cookies.analytics_without_consent",
    "high",
    "ePrivacy Art. 5(3); GDPR Art. 4(11), 7",
    texts(
        "Activity {activity} uses analytics or advertising cookies ({evidence}) without consent: {reason}.",
        "Aktiviteten {activity} bruger statistik- eller "
        "markedsføringscookies ({evidence}) uden samtykke: {reason}.",
        "Aktiviteten {activity} bruker statistikk- eller "
        "markedsføringscookies ({evidence}) uten samtykke: {reason}.",
    ),
    texts(
        "Obtain prior, specific consent before setting non-essential cookies and record the consent "
        "mechanism (how consent is asked, recorded and withdrawn).",
        "Indhent forudgående, specifikt samtykke, før ikke-nødvendige cookies sættes, og registrér "
        "samtykkeløsningen (hvordan samtykke indhentes, registreres og trækkes tilbage).",
        "Innhent forutgående, spesifikt samtykke før ikke-nødvendige cookies settes, og registrer "
        "samtykkeløsningen (hvordan samtykke innhentes, registreres og trekkes tilbake).",
    ),
)
def analytics_without_consent(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        evidence = tracking(entity, a, ctx)
        # The consent to the storage is the activity's consent record; the Art. 6 basis of the processing
        # that follows is a separate question (cookies.ambiguous_basis, lia.missing).
        if evidence and not consented(a):
            form = a.consent.form if a.consent else None
            reason = NOT_CONSENT[form] if form in NOT_CONSENT else NO_RECORD
            yield hit("activity", a.key, "consent", activity=a.key, evidence=evidence, reason=reason)


# Art. 6(1), 5(1)(a): consent or legitimate interest as alternatives; medium: a basis is there, not decided.
@rule(
    "cookies.ambiguous_basis",
    "medium",
    "Art. 6(1)(a), 6(1)(f); ePrivacy Art. 5(3)",
    texts(
        "Activity {activity} names consent or legitimate interest as "
        "alternatives for cookie-based processing.",
        "Aktiviteten {activity} angiver samtykke eller legitim interesse "
        "som alternativer for behandling via cookies.",
        "Aktiviteten {activity} angir samtykke eller berettiget "
        "interesse som alternativer for behandling via cookies.",
    ),
    texts(
        "Map each cookie and purpose to one basis; non-essential cookies need consent.",
        "Knyt hver cookie og hvert formål til ét grundlag; ikke-nødvendige cookies kræver samtykke.",
        "Knytt hver cookie og hvert formål til ett grunnlag; ikke-nødvendige cookies krever samtykke.",
    ),
)
def ambiguous_basis(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        both = any({CONSENT, LEGITIMATE_INTEREST} <= set(p.legal_bases) for p in a.purposes)
        if both and tracking(entity, a, ctx):
            yield hit("activity", a.key, "purposes", activity=a.key)


# ePrivacy Art. 5(3): whether storage needs consent or is exempt depends on its purpose; medium: the element
# that decides it is missing, no tracking is shown.
@rule(
    "cookies.purpose_unstated",
    "medium",
    "ePrivacy Art. 5(3); GDPR Art. 30(1)(b)",
    texts(
        "Activity {activity} stores information on the user's device ({evidence}) "
        "for a purpose it does not state.",
        "Aktiviteten {activity} gemmer oplysninger på brugerens udstyr ({evidence}) til et formål, "
        "den ikke angiver.",
        "Aktiviteten {activity} lagrer opplysninger på brukerens utstyr ({evidence}) for et formål "
        "den ikke angir.",
    ),
    texts(
        "Record what the cookie is for; if it is not strictly necessary for the service the user asked for, "
        "obtain and record consent before setting it.",
        "Angiv, hvad cookien bruges til; er den ikke strengt nødvendig for den tjeneste, brugeren har bedt "
        "om, skal samtykke indhentes og registreres, før den sættes.",
        "Angi hva informasjonskapselen brukes til; er den ikke strengt nødvendig for tjenesten brukeren har "
        "bedt om, må samtykke innhentes og registreres før den settes.",
    ),
)
def cookie_purpose_unstated(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for a in entity.activities:
        unstated = [
            Term("data_category", u.category) for u in a.data_categories if purpose_unstated(ctx, u.category)
        ]
        if unstated and not consented(a):
            yield hit("activity", a.key, "data_categories", activity=a.key, evidence=unstated)


RULES = [analytics_without_consent, ambiguous_basis, cookie_purpose_unstated]
