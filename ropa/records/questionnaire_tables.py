"""The owner's questionnaire link and its one answer: a single-purpose, expiring, revocable token.

Only the SHA-256 of the link's random secret is kept. A link is bound to one activity, or (without
an activity) to drafting a new activity of its entity; it is usable until it is submitted once.
The answer waits for an officer, who accepts or applies it through the register's own audited
update, or rejects it; the approved record never changes by the owner's hand.
"""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table


class QuestionnaireLink(Table, tablename="questionnaire_link"):
    """One link sent to an activity's owner, and what they answered through it."""

    id = UUID(primary_key=True)
    entity = UUID(index=True, help_text="the legal entity whose register the link is for")
    activity = UUID(null=True, default=None, help_text="the activity; none: draft a new activity")
    token_hash = Varchar(length=64, unique=True, help_text="SHA-256 of the secret in the link")
    recipient = Varchar(length=200, default="", help_text="whom the officer sent it to, as they wrote it")
    issued_by = Varchar(length=64, help_text="the officer's audit actor id")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    kind = Varchar(length=16, default="", help_text="attest | changes | draft, once submitted")
    owner_name = Varchar(length=200, default="", help_text="the name the owner typed")
    answer = Text(default="{}", help_text="JSON: the owner's plain fields")
    based_on_version = Integer(null=True, default=None, help_text="the activity's version the owner saw")
    decision = Varchar(length=16, default="", help_text="'' pending | accepted | applied | rejected")
    decided_by = Varchar(length=64, default="")
    decided_at = Timestamptz(null=True, default=None)


TABLES = (QuestionnaireLink,)
