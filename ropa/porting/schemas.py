"""The ``ropa-register`` file format (docs/register-format.md): a whole register, nested by entity."""

from typing import Literal

from ropa.acceptances.schemas import AcceptanceData
from ropa.activities.schemas import ActivityData
from ropa.cookies.schemas import CookieData
from ropa.entities.schemas import EntityData
from ropa.processors.schemas import ProcessorData, RecipientData
from ropa.records.parts import Base
from ropa.retention.schemas import RetentionData
from ropa.transfers.schemas import TransferData
from ropa.vocabulary.schemas import TermData

FORMAT = "ropa-register"
FORMAT_VERSION = 1


class ProcessorIn(ProcessorData, kw_only=True):
    id: str | None = None
    retired: bool = False


class RecipientIn(RecipientData, kw_only=True):
    id: str | None = None
    retired: bool = False


class TransferIn(TransferData, kw_only=True):
    id: str | None = None
    retired: bool = False


class RetentionIn(RetentionData, kw_only=True):
    id: str | None = None
    retired: bool = False


class AcceptanceIn(AcceptanceData, kw_only=True):
    id: str | None = None
    retired: bool = False


class CookieIn(CookieData, kw_only=True):
    id: str | None = None
    retired: bool = False


class ActivityIn(ActivityData, kw_only=True):
    id: str | None = None


class EntityIn(EntityData, kw_only=True):
    """An entity with all its records. ``id`` and ``retired`` keep identities across engines."""

    id: str | None = None
    retired: bool = False
    processors: list[ProcessorIn] = []
    recipients: list[RecipientIn] = []
    transfers: list[TransferIn] = []
    retention_rules: list[RetentionIn] = []
    activities: list[ActivityIn] = []
    cookies: list[CookieIn] = []
    finding_acceptances: list[AcceptanceIn] = []


class RegisterFile(Base, kw_only=True):
    format: Literal["ropa-register"] = "ropa-register"
    format_version: Literal[1] = 1
    vocabularies: list[TermData] = []
    entities: list[EntityIn] = []
