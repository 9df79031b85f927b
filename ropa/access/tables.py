"""Accounts and their credentials: API tokens for machines, sessions for people. Secrets stored hashed."""

from piccolo.columns import UUID, Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table


class AppUser(Table, tablename="app_user"):
    """A person or machine account. Passwords are argon2id hashes; entities a JSON list of ids."""

    id = UUID(primary_key=True)
    username = Varchar(length=64, unique=True)
    password_hash = Text(default="", help_text="argon2id; empty for an account that signs in only by token")
    role = Varchar(length=24)
    entities = Text(default="[]", help_text='JSON list of legal entity ids in scope; ["*"] for all')
    authority_country = Varchar(length=2, null=True, help_text="Regulators: the authority's country")
    disabled = Boolean(default=False)
    email = Varchar(length=254, default="", help_text="where reminders go; empty: none")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Credential(Table, tablename="credential"):
    """An API token or a session: only the SHA-256 of its random secret is kept."""

    id = UUID(primary_key=True)
    owner = ForeignKey(AppUser, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=16, help_text="api_token | session")
    name = Varchar(length=100)
    secret_hash = Varchar(length=64, unique=True)
    csrf = Varchar(length=64, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


TABLES = (AppUser, Credential)
