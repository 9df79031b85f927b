"""API tokens and the credential rows behind tokens and sessions: random secrets, stored as SHA-256.

Making and revoking a token is an audit event in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from typing import Any

import msgspec

from audit import log as audit_log
from ropa.access import principals
from ropa.access.principals import digest, utc_moment, utc_now
from ropa.access.tables import Credential
from ropa.access.users import find_user
from ropa.db import write_transaction
from ropa.errors import Conflict, Invalid, NotFound

TOKEN_PREFIX = "ropa_"  # noqa: S105 - a marker, not a secret


class TokenOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    owner: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked: bool
    secret: str | None = None  # shown once, when the token is made


async def create_token(owner: str, name: str, days: int = 90) -> TokenOut:
    if not (1 <= days <= 366):
        raise Invalid.of([("days", "1 to 366")])
    if not (1 <= len(name) <= 100):
        raise Invalid.of([("name", "1 to 100 characters")])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        user = await find_user(owner)
        if user["disabled"]:
            raise Conflict("the account is disabled", [{"name": "owner", "reason": "disabled"}])
        row = await insert_credential(user["id"], "api_token", name, secret, dt.timedelta(days=days))
        await audit_log.record(
            "token.create",
            entity_type="credential",
            entity_id=str(row.id),
            details={"owner": str(user["id"]), "name": name, "expires_at": row.expires_at.isoformat()},
        )
    return TokenOut(
        id=str(row.id),
        name=name,
        owner=str(user["id"]),
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked=False,
        secret=secret,
    )


async def insert_credential(owner: Any, kind: str, name: str, secret: str, life: dt.timedelta) -> Credential:
    """A new token or session credential of ``owner``, valid for ``life``; the caller records it."""
    now = utc_now()
    row = Credential(
        id=uuid.uuid4(),
        owner=owner,
        kind=kind,
        name=name,
        secret_hash=digest(secret),
        csrf=secrets.token_urlsafe(24) if kind == "session" else "",
        created_at=now,
        expires_at=now + life,
        revoked_at=None,
    )
    await Credential.insert(row)
    return row


async def list_tokens(owner: str | None = None) -> list[TokenOut]:
    query = Credential.select().where(Credential.kind == "api_token")
    if owner:
        query = query.where(Credential.owner == (await find_user(owner))["id"])
    rows = await query.order_by(Credential.created_at)
    return [
        TokenOut(
            id=str(r["id"]),
            name=r["name"],
            owner=str(r["owner"]),
            created_at=utc_moment(r["created_at"]),
            expires_at=utc_moment(r["expires_at"]),
            revoked=r["revoked_at"] is not None,
        )
        for r in rows
    ]


async def revoke_token(token_id: str) -> None:
    try:
        ident = str(uuid.UUID(token_id))
    except ValueError:
        raise NotFound(f"no token '{token_id}'") from None
    async with write_transaction():
        row = (
            await Credential.select()
            .where((Credential.id == ident) & (Credential.kind == "api_token"))
            .first()
        )
        if row is None:
            raise NotFound(f"no token '{token_id}'")
        if row["revoked_at"] is None:
            await Credential.update({Credential.revoked_at: utc_now()}).where(Credential.id == ident)
            await audit_log.record("token.revoke", entity_type="credential", entity_id=ident, details={})
    principals.forget()
