"""Schema of a processing activity: every element of Art. 30(1) and 30(2), plus template extras."""

import datetime as dt
from typing import Literal

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


class Purpose(Sourced, kw_only=True):
    """A purpose (Art. 30(1)(b)) with its legal basis (Art. 6(1)); several when stated as alternatives."""

    description: LongText
    original: LongText | None = None
    language: str | None = None
    legal_bases: list[LegalBasis] = []
    legal_basis_note: LongText | None = None
    special_condition: SpecialCondition | None = None
    criminal_data_basis: LongText | None = None
    legitimate_interest: LongText | None = None
    lia_reference: ShortText | None = None
    lia_date: dt.date | None = None


class DataCategoryUse(Base, kw_only=True):
    """A category of personal data processed in the activity (Art. 30(1)(c))."""

    category: DataCategory
    special: bool = False
    criminal: bool = False
    mandatory: bool | None = None
    description: LongText | None = None


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


class Consent(Base, kw_only=True):
    mechanism: LongText
    record_link: Url | None = None
    withdraw_method: LongText | None = None


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
    occasional: bool | None = None
    last_reviewed_at: dt.date | None = None
    reviewed_by: ShortText | None = None
    next_review_due: dt.date | None = None
