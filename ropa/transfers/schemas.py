"""Schema of a transfer to a third country or international organisation (Art. 30(1)(e), 44-49)."""

import datetime as dt
from typing import Literal

from ropa.constraints import Country, Key, LongText, Name, RecipientRef, ShortText, TransferMechanism, Url
from ropa.records.parts import Base, Sourced


class SccDetails(Base, kw_only=True):
    decision: ShortText | None = None
    module: Literal[1, 2, 3, 4] | None = None
    docking: bool | None = None


class TransferData(Sourced, kw_only=True):
    key: Key
    name: Name
    destination_country: Country | None = None
    international_organisation: ShortText | None = None
    recipient: RecipientRef | None = None
    mechanism: TransferMechanism
    scc: SccDetails | None = None
    derogation: ShortText | None = None
    safeguards_documentation: Url | None = None
    signed_on: dt.date | None = None
    tia_reference: ShortText | None = None
    supplementary_measures: list[LongText] = []
    conditional: bool = False
    copy_available_to_subject: bool | None = None
    description: LongText | None = None
