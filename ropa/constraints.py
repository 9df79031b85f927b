"""Constrained field types of the register, each tagged with the check that validates it.

msgspec enforces shape, length and pattern while decoding. What it cannot know (is ``ZZ`` an
ISO 3166 country? is ``P14M`` a valid ISO 8601 duration? does vocabulary key ``x`` exist?) is
marked in ``Meta.extra`` and checked afterwards by :mod:`ropa.records.validation`, which
reports each failure with the field's path.
"""

import datetime as dt
from typing import Annotated

from msgspec import Meta

KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"

Key = Annotated[str, Meta(pattern=KEY_PATTERN, description="Human key, unique within its entity")]
ShortText = Annotated[str, Meta(min_length=1, max_length=300)]
LongText = Annotated[str, Meta(max_length=20_000)]
Name = Annotated[str, Meta(min_length=1, max_length=300)]
Country = Annotated[
    str,
    Meta(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code", extra={"check": "country"}),
]
Email = Annotated[str, Meta(max_length=254, description="E-mail address", extra={"check": "email"})]
Phone = Annotated[str, Meta(pattern=r"^\+[1-9][0-9]{6,14}$", description="E.164 telephone number")]
Url = Annotated[
    str, Meta(max_length=2000, pattern=r"^https?://\S+$", description="http(s) URL", extra={"check": "url"})
]
Duration = Annotated[
    str,
    Meta(
        pattern=r"^P",
        max_length=40,
        description="ISO 8601 duration, e.g. P14M",
        extra={"check": "duration"},
    ),
]
Language = Annotated[str, Meta(pattern=r"^(en|da|nb)$", description="en, da or nb")]
SourceLanguage = Annotated[str, Meta(pattern=r"^[a-z]{2,3}$", description="ISO 639 language code")]
Date = dt.date


def _vocab(vocabulary: str) -> Meta:
    return Meta(
        pattern=KEY_PATTERN, description=f"Key of vocabulary '{vocabulary}'", extra={"vocab": vocabulary}
    )


def _ref(kind: str) -> Meta:
    return Meta(pattern=KEY_PATTERN, description=f"Key of a {kind} of the same entity", extra={"ref": kind})


# Keys of controlled vocabularies: they must exist and must not be deprecated.
LegalBasis = Annotated[str, _vocab("legal_basis")]
SpecialCondition = Annotated[str, _vocab("special_condition")]
DataSubjectCategory = Annotated[str, _vocab("data_subject_category")]
DataCategory = Annotated[str, _vocab("data_category")]
RecipientKind = Annotated[str, _vocab("recipient_kind")]
TransferMechanism = Annotated[str, _vocab("transfer_mechanism")]
SecurityMeasure = Annotated[str, _vocab("security_measure")]
ServiceKind = Annotated[str, _vocab("service_kind")]

# Keys of other records of the same legal entity.
ProcessorRef = Annotated[str, _ref("processor")]
RecipientRef = Annotated[str, _ref("recipient")]
TransferRef = Annotated[str, _ref("transfer")]
RetentionRef = Annotated[str, _ref("retention_rule")]
DocumentRef = Annotated[str, _ref("document")]
