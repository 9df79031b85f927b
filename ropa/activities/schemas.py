"""Schema of a processing activity: every element of Art. 30(1) and 30(2), plus template extras."""

import datetime as dt
from typing import Annotated, Literal

import msgspec

from ropa.constraints import (
    DataCategory,
    DataSubjectCategory,
    Key,
    LegalBasis,
    LongText,
    Name,
    RecipientRef,
    RetentionRef,
    SecurityMeasure,
    ShortText,
    SpecialCondition,
    TransferRef,
    Url,
)
from ropa.records.parts import Base, Contact, Sourced, Text, Translations

ActivityRole = Literal["controller", "joint_controller", "processor"]
ActivityStatus = Literal["draft", "in_review", "approved", "retired"]


class NationalBasis(Base, kw_only=True):
    """A legal basis stated as a law (Art. 6(3)): the act as the document cites it ("utlendingsloven § 83 a",
    "offentlighedsloven"), and the Art. 6(1) point it serves when the document names one (usually (c) or
    (e))."""

    act: ShortText
    point: LegalBasis | None = None


class PurposeText(Text, kw_only=True):
    description: LongText | None = None
    legitimate_interest: LongText | None = None
    legal_basis_note: LongText | None = None


class PurposeTranslations(Translations, kw_only=True):
    en: PurposeText | None = None
    da: PurposeText | None = None
    nb: PurposeText | None = None
    fr: PurposeText | None = None


class Purpose(Sourced, kw_only=True):
    """A purpose (Art. 30(1)(b)) with its legal basis (Art. 6(1)); several when stated as alternatives.

    ``legal_bases`` are the Art. 6(1) points; ``national_bases`` the acts of Union or member-state law the
    document cites as the basis (Art. 6(3)), with or without the point they serve.
    """

    description: LongText
    original: LongText | None = None
    language: str | None = None
    legal_bases: list[LegalBasis] = []
    national_bases: list[NationalBasis] = []
    legal_basis_note: LongText | None = None
    special_condition: SpecialCondition | None = None
    criminal_data_basis: LongText | None = None
    legitimate_interest: LongText | None = None
    lia_reference: ShortText | None = None
    lia_date: dt.date | None = None
    # Under the UK GDPR, Art. 9(2)(b), (g), (h), (i) and (j) need a condition of DPA 2018 Sch. 1 (s. 10), as
    # the document cites it ("Sch. 1 Part 2 para. 6").
    uk_schedule1_condition: ShortText | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: PurposeTranslations | msgspec.UnsetType = msgspec.UNSET


class DataCategoryUse(Base, kw_only=True):
    """A category of personal data processed in the activity (Art. 30(1)(c))."""

    category: DataCategory
    special: bool = False
    criminal: bool = False
    mandatory: bool | None = None
    description: LongText | None = None
    # The provision of national law that permits processing this category, where national law asks for one
    # (Art. 87: DK databeskyttelsesloven § 11 for CPR numbers, NO personopplysningsloven § 12 for
    # fødselsnummer), as the document cites it.
    national_basis: ShortText | None = None


class DescriptionText(Text, kw_only=True):
    description: LongText | None = None


class DescriptionTranslations(Translations, kw_only=True):
    en: DescriptionText | None = None
    da: DescriptionText | None = None
    nb: DescriptionText | None = None
    fr: DescriptionText | None = None


class DataSource(Sourced, kw_only=True):
    kind: Literal["data_subject", "third_party", "observed", "public", "derived"]
    description: LongText
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: DescriptionTranslations | msgspec.UnsetType = msgspec.UNSET


class Security(Base, kw_only=True):
    """Technical and organisational measures (Art. 30(1)(g), 30(2)(d), Art. 32(1))."""

    description: LongText | None = None
    measures: list[SecurityMeasure] = []
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: DescriptionTranslations | msgspec.UnsetType = msgspec.UNSET


class Dpia(Base, kw_only=True):
    required: bool | None = None
    status: Literal["not_started", "in_progress", "completed", "not_required"] | None = None
    link: Url | None = None
    date: dt.date | None = None


class AutomatedDecision(Base, kw_only=True):
    exists: bool
    description: LongText | None = None


# How consent is given, where the document says: an affirmative act (opt_in), or a form the GDPR does not
# accept as consent (Art. 4(11), recital 32; CJEU C-673/17 Planet49).
ConsentForm = Literal["opt_in", "continued_use", "browser_settings", "pre_ticked", "implied"]


class Consent(Base, kw_only=True):
    """Consent (Art. 6(1)(a), 7; for device storage ePrivacy Art. 5(3)): how it is asked, in the document's
    words (``mechanism``), and the form it takes (``form``), when the document says."""

    mechanism: LongText
    form: ConsentForm | None = None
    record_link: Url | None = None
    withdraw_method: LongText | None = None


Right = Literal[
    "access",
    "rectification",
    "erasure",
    "restriction",
    "portability",
    "objection",
    "withdraw_consent",
    "complaint_to_supervisory_authority",
    "not_subject_to_automated_decision",
]


# The GDPR provisions a document may give for limiting a data subject's right, as cited ("17(3)(b)"): those
# that restrict a right of Art. 15-22 (11(2), 12(5), 15(4), 17(3), 20, 21, 22(2), 23, 85, 89), and 21(2)
# and 21(3), which notices cite, wrongly, to confine objection to direct marketing.
RestrictionArticle = Literal[
    "11(2)", "12(5)", "15(4)", "17(3)(a)", "17(3)(b)", "17(3)(c)", "17(3)(d)", "17(3)(e)", "20(1)", "20(3)",
    "20(4)", "21(1)", "21(2)", "21(3)", "21(6)", "22(2)(a)", "22(2)(b)", "22(2)(c)", "23", "85", "89(2)",
    "89(3)",
]  # fmt: skip


class RightStated(Sourced, kw_only=True):
    """A data subject's right as the document states it (Art. 12-22): offered, offered with a limit, or
    said not to apply. ``limited_to`` names a limit the rules read (objection to direct marketing only);
    ``limit`` is the limit in the document's words; ``restriction_cited`` the provision the document gives
    for the limit as it cites it (an Art. 23 measure of national law, "forvaltningsloven § 19" ...);
    ``restriction_article`` the GDPR article that provision rests on, which the rules compare with the right
    and the activity's bases."""

    right: Right
    availability: Literal["offered", "limited", "not_offered"] = "offered"
    limited_to: Literal["direct_marketing"] | None = None
    limit: LongText | None = None
    restriction_cited: ShortText | None = None
    restriction_article: RestrictionArticle | None = None


class StatedExclusion(Sourced, kw_only=True):
    """What the document says is not processed ("we do not collect data about children")."""

    what: Literal["children", "special_categories", "criminal_offences", "other"]
    description: LongText | None = None


class ControllerServed(Base, kw_only=True):
    """A controller on whose behalf a processor acts (Art. 30(2)(a)) and what it does (30(2)(b))."""

    controller: Contact
    categories_of_processing: list[LongText] = []


class JointControl(Base, kw_only=True):
    controller: Contact
    arrangement_ref: ShortText | None = None


class PersonalDataBreach(Base, kw_only=True):
    """Whether a personal data breach (Art. 4(12)) has occurred in the activity, and where its record is
    (Art. 33(5) asks the controller to document every breach): the ICO template's breach columns."""

    occurred: bool
    record_link: Url | None = None


class PolicyAdherence(Base, kw_only=True):
    """Whether the data are retained and erased as the policy document says and, if not, why: the record
    DPA 2018 Sch. 1 para. 41(c) asks for where a Schedule 1 condition needs an appropriate policy document."""

    follows_policy: bool
    reasons: LongText | None = None


class RecipientDisclosure(Base, kw_only=True):
    """Which categories of data about which data subjects go to one of the activity's recipients: the
    Danish Datatilsynet asks the record to state it per recipient (Art. 30(1)(c)-(d))."""

    recipient: RecipientRef
    data_categories: list[DataCategory] = []
    data_subjects: list[DataSubjectCategory] = []


class ActivityText(Text, kw_only=True):
    name: Name | None = None
    description: LongText | None = None
    notes: LongText | None = None


class ActivityTranslations(Translations, kw_only=True):
    en: ActivityText | None = None
    da: ActivityText | None = None
    nb: ActivityText | None = None
    fr: ActivityText | None = None


class ActivityData(Sourced, kw_only=True):
    key: Key
    name: Name
    description: LongText | None = None
    business_function: ShortText | None = None
    system: ShortText | None = None
    role: ActivityRole = "controller"
    status: ActivityStatus = "draft"
    purposes: list[Purpose] = []
    data_subjects: list[DataSubjectCategory] = []
    data_categories: list[DataCategoryUse] = []
    data_sources: list[DataSource] = []
    recipients: list[RecipientRef] = []
    transfers: list[TransferRef] = []
    retention: list[RetentionRef] = []
    security: Security | None = None
    joint_controllers: list[JointControl] = []
    controllers_served: list[ControllerServed] = []
    consent: Consent | None = None
    dpia: Dpia | None = None
    automated_decision: AutomatedDecision | None = None
    rights_available: list[ShortText] = []
    rights: list[RightStated] = []
    exclusions: list[StatedExclusion] = []
    # The document calls the data anonymous or aggregated (Recital 26, Art. 4(1): data that still single out a
    # person by an identifier are personal data).
    anonymity_claim: Literal["anonymous", "aggregated"] | None = None
    # The list of data categories is given as examples ("such as", "for example"), not in full.
    data_categories_non_exhaustive: bool = False
    occasional: bool | None = None
    last_reviewed_at: dt.date | None = None
    reviewed_by: ShortText | None = None
    next_review_due: dt.date | None = None
    # Who answers for the activity (a person or a business unit, free text), and how many months
    # may pass between reviews: a saved review without a next date is given last review + interval.
    owner: ShortText | None = None
    review_interval_months: Annotated[int, msgspec.Meta(ge=1, le=120)] | None = None
    # Four eyes: who moved the activity to approved (an actor id, user:<id>) and when; set by the
    # service, never by the caller (see ActivityHooks in ropa/records/hooks.py).
    approved_by: ShortText | None = None
    approved_at: dt.datetime | None = None
    # Per recipient, the categories of data and of data subjects disclosed to it (a subset of the
    # activity's own; the recipient one of its ``recipients``); a recipient without one: not recorded.
    recipient_disclosures: list[RecipientDisclosure] = []
    # The ICO template's columns beyond Art. 30: breaches, the Schedule 1 appropriate policy document
    # (DPA 2018 Sch. 1 Part 4) and adherence to the retention and erasure policy (para. 41(c)).
    personal_data_breach: PersonalDataBreach | None = None
    appropriate_policy_link: Url | None = None
    retention_adherence: PolicyAdherence | None = None
    # Translations of the free text, per export language (docs/register-format.md); unset: none.
    translations: ActivityTranslations | msgspec.UnsetType = msgspec.UNSET
