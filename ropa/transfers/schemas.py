"""Schema of a transfer to a third country or international organisation (Art. 30(1)(e), 44-49)."""

import datetime as dt
from typing import Literal

import msgspec

from ropa.constraints import Country, Key, LongText, Name, RecipientRef, ShortText, TransferMechanism, Url
from ropa.records.parts import Base, Sourced, Text, Translations


class SccDetails(Base, kw_only=True):
    decision: ShortText | None = None
    module: Literal[1, 2, 3, 4] | None = None
    docking: bool | None = None


# Where a document names a region instead of a country: outside the EU/EEA, or anywhere in the world.
DestinationRegion = Literal["outside_eea", "worldwide"]


class TransferText(Text, kw_only=True):
    name: Name | None = None
    description: LongText | None = None
    mechanism_claimed: LongText | None = None
    notes: LongText | None = None


class TransferTranslations(Translations, kw_only=True):
    en: TransferText | None = None
    da: TransferText | None = None
    nb: TransferText | None = None
    fr: TransferText | None = None


class TransferData(Sourced, kw_only=True):
    """A transfer. ``mechanism`` is the basis as ropa determines it (a ``transfer_mechanism`` term;
    ``unspecified`` where the document names none); ``mechanism_claimed`` the basis as the document
    words it."""

    key: Key
    name: Name
    destination_country: Country | None = None
    destination_region: DestinationRegion | None = None
    international_organisation: ShortText | None = None
    recipient: RecipientRef | None = None
    mechanism: TransferMechanism
    mechanism_claimed: LongText | None = None
    scc: SccDetails | None = None
    derogation: ShortText | None = None
    safeguards_documentation: Url | None = None
    signed_on: dt.date | None = None
    tia_reference: ShortText | None = None
    supplementary_measures: list[LongText] = []
    conditional: bool = False
    copy_available_to_subject: bool | None = None
    description: LongText | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: TransferTranslations | msgspec.UnsetType = msgspec.UNSET
