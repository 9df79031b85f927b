"""The EU-U.S. Data Privacy Framework (Decision (EU) 2023/1795): an adequacy decision that covers only the
recipients certified on the DPF List, so a transfer relying on it needs evidence of the recipient's
certification, checked again at least once a year."""

from collections.abc import Iterator

from ropa.porting.schemas import EntityIn
from ropa.rules.model import Context, Hit, Term, hit, rule, texts
from ropa.rules.words import fields

# How long a check of the DPF List is taken as current evidence of certification.
DPF_RECHECK_DAYS = 365


def dpf_term(ctx: Context, mechanism: str) -> bool:
    """The mechanism is an adequacy decision that covers only listed (certified) recipients."""
    return any(t.attributes.get("mechanism") == mechanism for t in ctx.vocabulary("country_adequacy"))


# Art. 45, Decision (EU) 2023/1795: only DPF-listed recipients; medium: basis may exist, evidence missing.
@rule(
    "transfer.dpf_unverified",
    "medium",
    "Art. 45, 30(1)(e)",
    texts(
        "Transfer {transfer} relies on {mechanism} without evidence of "
        "the recipient's certification ({missing}).",
        "Overførslen {transfer} bygger på {mechanism} uden "
        "dokumentation for modtagerens certificering ({missing}).",
        "Overføringen {transfer} bygger på {mechanism} uten "
        "dokumentasjon av mottakerens sertifisering ({missing}).",
    ),
    texts(
        "Link the transfer to its recipient and record the DPF List check (certified, date, URL).",
        "Knyt overførslen til modtageren og registrér opslaget på DPF-listen (certificeret, dato, URL).",
        "Knytt overføringen til mottakeren og registrer oppslaget på DPF-listen (sertifisert, dato, URL).",
    ),
)
def dpf_unverified(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    recipients = {r.key: r for r in entity.recipients}
    processors = {p.key: p for p in entity.processors}
    for t in entity.transfers:
        if not dpf_term(ctx, t.mechanism):
            continue
        recipient = recipients.get(t.recipient) if t.recipient else None
        processor = processors.get(recipient.processor) if recipient and recipient.processor else None
        dpf = processor.dpf if processor else None
        missing = [
            name
            for name, absent in (
                ("recipient", recipient is None),
                ("certification", dpf is None or not dpf.certified),
                ("checked_on", dpf is None or dpf.checked_on is None),
            )
            if absent
        ]
        if missing:
            yield hit(
                "transfer",
                t.key,
                "recipient",
                transfer=t.key,
                mechanism=Term("transfer_mechanism", t.mechanism),
                missing=fields(missing),
            )


# Art. 45, 5(2): a DPF List check older than a year is no longer evidence; low: evidence to refresh.
@rule(
    "transfer.dpf_check_stale",
    "low",
    "Art. 45, 5(2)",
    texts(
        "The DPF certification of {processor} was last checked on {checked_on}.",
        "DPF-certificeringen for {processor} blev senest kontrolleret {checked_on}.",
        "DPF-sertifiseringen for {processor} ble sist kontrollert {checked_on}.",
    ),
    texts(
        "Check the recipient on the DPF List again and record the date.",
        "Kontrollér modtageren på DPF-listen igen og registrér datoen.",
        "Kontroller mottakeren på DPF-listen på nytt og registrer datoen.",
    ),
)
def dpf_check_stale(entity: EntityIn, ctx: Context) -> Iterator[Hit]:
    for p in entity.processors:
        checked = p.dpf.checked_on if p.dpf else None
        if checked is not None and (ctx.today - checked).days > DPF_RECHECK_DAYS:
            yield hit("processor", p.key, "dpf.checked_on", processor=p.key, checked_on=checked.isoformat())
