"""The reminder outbox: one row per due notice, queued once (its dedupe key) and delivered by mail.

Recipients are resolved when a notice is sent, not when it is queued: the officers in scope and
their addresses are read from the accounts at that moment, so a notice follows a changed scope or
a newly added address, and no e-mail address is copied into this table (``recipients`` keeps the
accounts' ids a notice went to).
"""

from piccolo.columns import UUID, Date, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class Reminder(Table, tablename="reminder"):
    """A due notice for the compliance officers of one legal entity."""

    id = UUID(primary_key=True)
    entity = UUID(index=True, help_text="the legal entity the notice is about")
    reason = Varchar(length=24, help_text="overdue | waiting | answers | high | expiring | dpf")
    record_kind = Varchar(length=32, help_text="activity, questionnaire, acceptance, or a finding's kind")
    record_key = Varchar(length=64, default="", help_text="the record's key (or id), as the register has it")
    record_name = Varchar(
        length=300, default="", help_text="the record's name when queued; findings: the rule id"
    )
    href = Varchar(length=400, help_text="the path of the record's page in the web interface")
    due_on = Date(help_text="when it fell or falls due")
    dedupe_key = Varchar(length=64, unique=True, help_text="SHA-256 of what makes the notice one notice")
    status = Varchar(length=12, index=True, default="queued", help_text="queued | sent | failed | cancelled")
    attempts = Integer(default=0, help_text="delivery attempts so far")
    last_error = Varchar(length=64, default="", help_text="the last failure's class name; never its message")
    recipients = Text(default="[]", help_text="JSON list of the account ids it was sent to")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


TABLES = (Reminder,)
