"""Cookies and similar technologies: the ePrivacy consent layer on top of the Art. 6 basis."""

from collections.abc import Iterator

from ropa.porting.schemas import ActivityIn, EntityIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts

CONSENT = "art6_1_a"
LEGITIMATE_INTEREST = "art6_1_f"
TRACKING_SERVICES = frozenset({"web_analytics", "session_recording", "advertising"})


def non_essential(ctx: Context, category: str) -> bool:
    """Data read or stored on the user's device that is not strictly necessary for the service asked for.

    ePrivacy Art. 5(3), second sentence, exempts storage strictly necessary to provide the service the user
    requested (a session, a load balancer, the consent choice itself); a data category term says so with
    ``strictly_necessary: true``.
    """
    attrs = ctx.attrs("data_category", category)
    return attrs.get("class") == "internet_cookies" and not attrs.get("strictly_necessary")


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
        "Activity {activity} uses analytics or advertising cookies ({evidence}) without recorded consent.",
        "Aktiviteten {activity} bruger statistik- eller "
        "markedsføringscookies ({evidence}) uden registreret samtykke.",
        "Aktiviteten {activity} bruker statistikk- eller "
        "markedsføringscookies ({evidence}) uten registrert samtykke.",
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
        if evidence and a.consent is None:
            yield hit("activity", a.key, "consent", activity=a.key, evidence=evidence)


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


RULES = [analytics_without_consent, ambiguous_basis]
