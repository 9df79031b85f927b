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
from ropa.records.parts import Base, Contact, Sourced

ActivityRole = Literal["controller", "joint_controller", "processor"]
ActivityStatus = Literal["draft", "in_review", "approved", "retired"]


class NationalBasis(Base, kw_only=True):
    """A legal basis stated as a law (Art. 6(3)): the act as the document cites it ("utlendingsloven § 83 a",
    "offentlighedsloven"), and the Art. 6(1) point it serves when the document names one (usually (c) or
    (e))."""

    act: ShortText
    point: LegalBasis | None = None


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


class DataSource(Sourced, kw_only=True):
    kind: Literal["data_subject", "third_party", "observed", "public", "derived"]
    description: LongText


class Security(Base, kw_only=True):
    """Technical and organisational measures (Art. 30(1)(g), 30(2)(d), Art. 32(1))."""

    description: LongText | None = None
    measures: list[SecurityMeasure] = []


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


class RightStated(Sourced, kw_only=True):
    """A data subject's right as the document states it (Art. 12-22): offered, offered with a limit, or
    said not to apply. ``limited_to`` names a limit the rules read (objection to direct marketing only);
    ``limit`` is the limit in the document's words; ``restriction_cited`` the provision the document gives
    for the limit (an Art. 23 measure of national law, Art. 17(3), 21(1) ...)."""

    right: Right
    availability: Literal["offered", "limited", "not_offered"] = "offered"
    limited_to: Literal["direct_marketing"] | None = None
    limit: LongText | None = None
    restriction_cited: ShortText | None = None


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
