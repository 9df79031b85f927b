"""The ``ropa-register`` file format (docs/register-format.md): a whole register, nested by entity."""

from typing import Literal

from ropa.activities.schemas import ActivityData
from ropa.entities.schemas import EntityData
from ropa.processors.schemas import ProcessorData, RecipientData
from ropa.records.parts import Base, extend
from ropa.retention.schemas import RetentionData
from ropa.transfers.schemas import TransferData
from ropa.vocabulary.schemas import TermData

FORMAT = "ropa-register"
FORMAT_VERSION = 1


# Optional identity of an imported record, kept so URLs survive a move between engines.
_ID = ("id", str | None, None)
_RETIRED = ("retired", bool, False)

ProcessorIn = extend(ProcessorData, "ProcessorIn", _ID, _RETIRED)
RecipientIn = extend(RecipientData, "RecipientIn", _ID, _RETIRED)
TransferIn = extend(TransferData, "TransferIn", _ID, _RETIRED)
RetentionIn = extend(RetentionData, "RetentionIn", _ID, _RETIRED)
ActivityIn = extend(ActivityData, "ActivityIn", _ID)
EntityIn = extend(
    EntityData,
    "EntityIn",
    _ID,
    _RETIRED,
    ("processors", list[ProcessorIn], []),
    ("recipients", list[RecipientIn], []),
    ("transfers", list[TransferIn], []),
    ("retention_rules", list[RetentionIn], []),
    ("activities", list[ActivityIn], []),
)


class RegisterFile(Base, kw_only=True):
    format: Literal["ropa-register"] = FORMAT
    format_version: Literal[1] = FORMAT_VERSION
    vocabularies: list[TermData] = []
    entities: list[EntityIn] = []
