"""Schemas of processors (vendors, Art. 28) and of recipients (Art. 30(1)(d))."""

import datetime as dt

import msgspec

from ropa.constraints import (
    Country,
    DataCategory,
    Key,
    LongText,
    Name,
    ProcessorRef,
    RecipientKind,
    ServiceKind,
    ShortText,
    Url,
)
from ropa.records.parts import Base, Sourced, Text, Translations


class Contract(Base, kw_only=True):
    """The Art. 28(3) contract (data processing agreement)."""

    reference: ShortText | None = None
    link: Url | None = None
    signed_on: dt.date | None = None


class DpfCertification(Base, kw_only=True):
    """EU-US Data Privacy Framework certification, as last checked on the DPF List."""

    certified: bool
    checked_on: dt.date | None = None
    list_url: Url | None = None


class ProcessorText(Text, kw_only=True):
    name: Name | None = None
    description: LongText | None = None
    notes: LongText | None = None


class ProcessorTranslations(Translations, kw_only=True):
    en: ProcessorText | None = None
    da: ProcessorText | None = None
    nb: ProcessorText | None = None
    fr: ProcessorText | None = None


class RecipientText(Text, kw_only=True):
    name: Name | None = None
    notes: LongText | None = None


class RecipientTranslations(Translations, kw_only=True):
    en: RecipientText | None = None
    da: RecipientText | None = None
    nb: RecipientText | None = None
    fr: RecipientText | None = None


class ProcessorData(Sourced, kw_only=True):
    key: Key
    name: Name
    legal_name: Name | None = None
    service_kinds: list[ServiceKind] = []
    country: Country | None = None
    data_locations: list[Country] = []
    contract: Contract | None = None
    sub_processors: list[ProcessorRef] = []
    dpf: DpfCertification | None = None
    description: LongText | None = None
    # A processor the document says will be used ("we plan to", "from 2027"): recorded, not yet processing,
    # so the rules on current processors pass it by.
    planned: bool = False
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: ProcessorTranslations | msgspec.UnsetType = msgspec.UNSET


class RecipientData(Sourced, kw_only=True):
    key: Key
    name: Name
    kind: RecipientKind
    processor: ProcessorRef | None = None
    country: Country | None = None
    in_third_country: bool | None = None
    purposes: list[LongText] = []
    data_categories: list[DataCategory] = []
    non_exhaustive: bool = False
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: RecipientTranslations | msgspec.UnsetType = msgspec.UNSET
