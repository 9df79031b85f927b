"""Schema of a risk acceptance: an officer's audited decision to live with a finding for a while."""

import datetime as dt

from ropa.constraints import Key, LongText, ShortText
from ropa.records.parts import Sourced


class AcceptanceData(Sourced, kw_only=True):
    """Accepting the risk of one finding (rule, and record if any) until ``expires_on``."""

    key: Key
    name: ShortText
    rule_id: ShortText
    record_key: ShortText | None = None
    reason: LongText
    accepted_by: ShortText
    expires_on: dt.date
