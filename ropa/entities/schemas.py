"""Schemas of a legal entity: identity, contacts, DPO, representative, authority, documents."""

import datetime as dt
from typing import Literal

import msgspec

from ropa.constraints import Country, Email, Key, Language, LongText, Name, Phone, ShortText, Url
from ropa.records.parts import Address, Base, Contact, Sourced, Text, Translations

EntityRole = Literal["controller", "processor", "joint_controller", "mixed"]


class Registration(Base, kw_only=True):
    scheme: ShortText
    number: ShortText


class Dpo(Base, kw_only=True):
    """The data protection officer (Art. 37-39)."""

    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    kind: Literal["internal", "external"] | None = None


class ReasonText(Text, kw_only=True):
    reason: LongText | None = None


class ReasonTranslations(Translations, kw_only=True):
    en: ReasonText | None = None
    da: ReasonText | None = None
    nb: ReasonText | None = None
    fr: ReasonText | None = None


class DpoDecision(Base, kw_only=True):
    """A recorded decision on whether a DPO is required (Art. 37(1))."""

    required: bool
    reason: LongText
    decided_on: dt.date | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: ReasonTranslations | msgspec.UnsetType = msgspec.UNSET


class JointController(Base, kw_only=True):
    contact: Contact
    arrangement_ref: ShortText | None = None


class RemitText(Text, kw_only=True):
    remit: LongText | None = None


class RemitTranslations(Translations, kw_only=True):
    en: RemitText | None = None
    da: RemitText | None = None
    nb: RemitText | None = None
    fr: RemitText | None = None


class Authority(Base, kw_only=True):
    """A supervisory authority, and any other authority with a remit (e.g. cookies), with the contact details
    a notice gives for it (Art. 13(2)(d), 14(2)(e))."""

    name: Name
    country: Country
    complaint_url: Url | None = None
    remit: LongText | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Address | None = None
    url: Url | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: RemitTranslations | msgspec.UnsetType = msgspec.UNSET


# The data protection law the entity is subject to: the EU GDPR (with the national law of ``national_law``,
# e.g. DK's databeskyttelsesloven, NO's personopplysningsloven) or the UK GDPR with the DPA 2018.
Regime = Literal["eu_gdpr", "uk_gdpr"]


class SourceDocument(Base, kw_only=True):
    """A document facts are traced to, such as a privacy notice."""

    key: Key
    title: ShortText
    language: str | None = None
    version: ShortText | None = None
    url: Url | None = None
    file: ShortText | None = None


class EntityText(Text, kw_only=True):
    """The entity's own free text an export shows (its notes are internal and never shown)."""

    security_statement: LongText | None = None


class EntityTranslations(Translations, kw_only=True):
    en: EntityText | None = None
    da: EntityText | None = None
    nb: EntityText | None = None
    fr: EntityText | None = None


class EntityData(Sourced, kw_only=True):
    key: Key
    legal_name: Name
    registration: Registration | None = None
    address: Address | None = None
    country: Country
    email: Email | None = None
    phone: Phone | None = None
    role: EntityRole = "controller"
    regime: Regime | None = None
    national_law: Country | None = None
    public_authority: bool | None = None
    responsible: Contact | None = None
    dpo: Dpo | None = None
    dpo_decision: DpoDecision | None = None
    representative: Contact | None = None
    joint_controllers: list[JointController] = []
    supervisory_authority: Authority | None = None
    other_authorities: list[Authority] = []
    default_language: Language = "en"
    headcount_band: Literal["lt250", "250_to_749", "gte750"] | None = None
    security_statement: LongText | None = None
    documents: list[SourceDocument] = []
    # Translations of the entity's own free text, per export language (docs/register-format.md); those
    # of its DPO decision and authorities are theirs. Unset: none.
    translations: EntityTranslations | msgspec.UnsetType = msgspec.UNSET
