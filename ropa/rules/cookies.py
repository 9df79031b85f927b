"""Cookies and similar technologies: the ePrivacy consent layer on top of the Art. 6 basis."""

from collections.abc import Iterator

from ropa.porting.schemas import ActivityIn, CookieIn, EntityIn
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


# ePrivacy Art. 5(3) (DK: BEK nr. 1148/2011; NO: ekomloven § 3-15): only strictly necessary storage is exempt
# from prior consent; high, as cookies.analytics_without_consent: the storage is unlawful.
@rule(
    "cookies.inventory_without_consent",
    "high",
    "ePrivacy Art. 5(3); GDPR Art. 4(11), 7",
    texts(
        "Cookie {cookie} ({category}) is set for activity {activity} without consent: {reason}.",
        "Cookien {cookie} ({category}) sættes for aktiviteten {activity} uden samtykke: {reason}.",
        "Informasjonskapselen {cookie} ({category}) settes for aktiviteten {activity} "
        "uten samtykke: {reason}.",
    ),
    texts(
        "Ask for consent before the cookie is set and record on the activity how it is asked and in "
        "what form; if the cookie is strictly necessary for the service the user asked for, record it as "
        "necessary.",
        "Indhent samtykke, før cookien sættes, og registrér på aktiviteten, hvordan det indhentes og i "
        "hvilken form; er cookien strengt nødvendig for den tjeneste, brugeren har bedt om, så registrér "
        "den som nødvendig.",
        "Innhent samtykke før informasjonskapselen settes, og registrer på aktiviteten hvordan det "
        "innhentes og i hvilken form; er den strengt nødvendig for tjenesten brukeren har bedt om, så "
        "registrer den som nødvendig.",
    ),
)
def inventory_without_consent(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    activities = {a.key: a for a in entity.activities if a.status != "retired"}
    for c in entity.cookies:
        if c.retired or c.consent_category == "necessary":
            continue
        for key in c.activities:
            a = activities.get(key)
            # An activity whose data categories or processors already show the tracking is reported once, by
            # cookies.analytics_without_consent; this rule covers what only the inventory shows.
            if a is None or consented(a) or tracking(entity, a, ctx):
                continue
            form = a.consent.form if a.consent else None
            reason = NOT_CONSENT[form] if form in NOT_CONSENT else NO_RECORD
            category = CATEGORY[c.consent_category]
            yield hit(
                "cookie", c.key, "activities", cookie=c.name, category=category, activity=a.key, reason=reason
            )


# Purposes that are never strictly necessary for the service the user asked for (WP194, sections 3 and 4):
# analytics, session recording, advertising and social-media tracking of visitors. Preferences are left
# out: a user-interface choice the user made is exempt (WP194, section 3.6), and the record does not show
# who made it.
NOT_NECESSARY: dict[str, Words] = {
    "analytics": words(
        "analytics", "statistics and analytics", "statistik og analyse", "statistikk og analyse"
    ),
    "session_recording": words(
        "session_recording", "recording of sessions", "optagelse af sessioner", "opptak av økter"
    ),
    "advertising": words("advertising", "advertising", "annoncering", "annonsering"),
    "social_media": words("social_media", "social media", "sociale medier", "sosiale medier"),
}
# A purpose the register states as one of these is taken as it is, whatever else its provider sells.
EXEMPT_PURPOSES = frozenset({"authentication", "security", "load_balancing", "consent_choice", "preferences"})


def cookie_provider_services(entity: EntityIn, cookie: CookieIn) -> list[Term | str]:
    """The tracking services of the processor that sets or reads the cookie (named, or its recipient's)."""
    processors = {p.key: p for p in entity.processors}
    recipients = {r.key: r for r in entity.recipients}
    key = cookie.processor
    if key is None and cookie.recipient in recipients:
        key = recipients[cookie.recipient].processor
    p = processors.get(key) if key else None
    return [Term("service_kind", k) for k in p.service_kinds if k in TRACKING_SERVICES] if p else []


def not_necessary(entity: EntityIn, cookie: CookieIn) -> list[Term | Words | str]:
    """What shows that a cookie is not strictly necessary: its purpose class, else its provider's services."""
    if cookie.purpose_class in NOT_NECESSARY:
        return [NOT_NECESSARY[cookie.purpose_class]]
    if cookie.purpose_class in EXEMPT_PURPOSES:
        return []
    return list(cookie_provider_services(entity, cookie))


def reported_as_tracking(entity: EntityIn, activity: ActivityIn, ctx: Context) -> bool:
    """cookies.analytics_without_consent reports this activity: its storage lacks consent already."""
    return bool(tracking(entity, activity, ctx)) and not consented(activity)


# ePrivacy Art. 5(3), second sentence; WP29 Opinion 04/2012 (WP194); EDPB Guidelines 2/2023: the exemption is
# for storage strictly necessary for the service the user asked for. High: a cookie recorded as necessary is
# set before any choice, so the consent the law requires is never asked, whatever the activities record.
@rule(
    "cookies.necessary_misclassified",
    "high",
    "ePrivacy Art. 5(3); WP29 Opinion 04/2012 (WP194); EDPB Guidelines 2/2023",
    texts(
        "Cookie {cookie} is recorded as necessary, so it is set without consent, but it is used for "
        "{evidence}, purposes not strictly necessary for the service the user asked for.",
        "Cookien {cookie} er registreret som nødvendig og sættes derfor uden samtykke, men den bruges til "
        "{evidence}, formål der ikke er strengt nødvendige for den tjeneste, brugeren har bedt om.",
        "Informasjonskapselen {cookie} er registrert som nødvendig og settes derfor uten samtykke, men den "
        "brukes til {evidence}, formål som ikke er strengt nødvendige for tjenesten brukeren har bedt om.",
    ),
    texts(
        "Record the cookie in the consent category its purpose gives (statistics or marketing), set it only "
        "after consent and record the consent on the activities it serves; if it is in fact strictly "
        "necessary, correct its purpose and provider.",
        "Registrér cookien i den samtykkekategori, dens formål giver (statistik eller markedsføring), "
        "sæt den først efter samtykke, og registrér samtykket på de aktiviteter, den tjener; er den "
        "faktisk strengt nødvendig, så ret dens formål og udbyder.",
        "Registrer informasjonskapselen i samtykkekategorien formålet tilsier (statistikk eller "
        "markedsføring), sett den først etter samtykke, og registrer samtykket på aktivitetene den "
        "tjener; er den faktisk strengt nødvendig, så rett formålet og leverandøren.",
    ),
)
def necessary_misclassified(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    activities = {a.key: a for a in entity.activities if a.status != "retired"}
    for c in entity.cookies:
        if c.retired or c.consent_category != "necessary":
            continue
        evidence = not_necessary(entity, c)
        served = [activities[k] for k in c.activities if k in activities]
        # Where every activity the cookie serves is reported by cookies.analytics_without_consent, the
        # storage without consent is reported already; an activity that asks consent is no answer, as a
        # cookie recorded as necessary is set before the choice.
        if evidence and not (served and all(reported_as_tracking(entity, a, ctx) for a in served)):
            yield hit("cookie", c.key, "consent_category", cookie=c.name, evidence=evidence)


# Art. 30(1)(b), 5(2): every processing is in the record with its purposes. Medium, as completeness.activity:
# a processing outside the record, whose consent (read from the activities) no rule can check.
@rule(
    "cookies.no_activity",
    "medium",
    "GDPR Art. 30(1)(b), 5(2); ePrivacy Art. 5(3)",
    texts(
        "Cookie {cookie} serves no current activity: the processing it is set for is not in the record of "
        "processing activities.",
        "Cookien {cookie} tjener ingen aktuel aktivitet: den behandling, den sættes til, er ikke med i "
        "fortegnelsen over behandlingsaktiviteter.",
        "Informasjonskapselen {cookie} tjener ingen aktuell aktivitet: behandlingen den settes for, er ikke "
        "med i protokollen over behandlingsaktiviteter.",
    ),
    texts(
        "Link the cookie to the activities it serves (their purposes, legal bases and consent), record the "
        "activity if the register lacks it, or retire the cookie if it is no longer set.",
        "Knyt cookien til de aktiviteter, den tjener (deres formål, retsgrundlag og samtykke), registrér "
        "aktiviteten, hvis fortegnelsen mangler den, eller markér cookien som udgået, hvis den ikke længere "
        "sættes.",
        "Knytt informasjonskapselen til aktivitetene den tjener (formål, behandlingsgrunnlag og samtykke), "
        "registrer aktiviteten om protokollen mangler den, eller merk informasjonskapselen som utgått om den "
        "ikke lenger settes.",
    ),
)
def no_activity(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    current = {a.key for a in entity.activities if a.status != "retired"}
    for c in entity.cookies:
        if not c.retired and not current.intersection(c.activities):
            yield hit("cookie", c.key, "activities", cookie=c.name)


CATEGORY: dict[str, Words] = {
    "preferences": words("preferences", "preferences", "præferencer", "preferanser"),
    "statistics": words("statistics", "statistics", "statistik", "statistikk"),
    "marketing": words("marketing", "marketing", "markedsføring", "markedsføring"),
}

RULES = [
    analytics_without_consent,
    ambiguous_basis,
    cookie_purpose_unstated,
    inventory_without_consent,
    necessary_misclassified,
    no_activity,
]
