"""Sign-in and sign-out by password: the session credential behind the cookie.

Every sign-in, failed one and sign-out is an audit event. An unknown username costs the same
argon2id check as a known one, and the attempt is counted before the password is checked
(``ropa.access.limiter``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import secrets

from argon2.exceptions import InvalidHashError, VerificationError

from audit import log as audit_log
from audit.context import current_actor
from ropa.access import principals
from ropa.access.credentials import insert_credential
from ropa.access.denials import DENIALS
from ropa.access.limiter import LIMITER
from ropa.access.model import Principal
from ropa.access.principals import principal_for, utc_now
from ropa.access.tables import AppUser, Credential
from ropa.access.users import HASHER
from ropa.db import write_transaction
from ropa.errors import SignInFailed, TooManyAttempts

_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))  # unknown users cost the same as known ones
SESSION_HOURS = 8


async def sign_in(username: str, password: str, source: str) -> tuple[str, Principal]:
    """Check a password; a session secret (for the cookie) and the principal on success.

    The attempt is counted before the password is checked (see ``ropa.access.limiter``); a refusal
    by the limit is counted with the other anonymous refusals (``ropa.access.denials``).
    """
    try:
        attempt = LIMITER.acquire(username, source)
    except TooManyAttempts:
        DENIALS.note(current_actor().source_ref, "rate_limited")
        raise
    row = await AppUser.select().where(AppUser.username == username).first()
    stored = row["password_hash"] if row and row["password_hash"] else _DUMMY_HASH
    ok: bool
    try:
        ok = await asyncio.to_thread(HASHER.verify, stored, password)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or not row["password_hash"] or row["disabled"]:
        reason = "disabled" if row is not None and row["disabled"] and ok else "bad credentials"
        await _sign_in_event(str(row["id"]) if row else None, "failure", reason)
        raise SignInFailed("wrong username or password")
    LIMITER.succeeded(attempt)
    secret = secrets.token_urlsafe(32)
    async with write_transaction():
        credential = await insert_credential(
            row["id"], "session", "session", secret, dt.timedelta(hours=SESSION_HOURS)
        )
        await audit_log.record(
            "auth.sign_in",
            entity_type="user",
            entity_id=str(row["id"]),
            details={"credential": str(credential.id), "via": "password"},
        )
    principal = await principal_for(secret, "session")
    assert principal is not None
    return secret, principal


async def _sign_in_event(user_id: str | None, outcome: str, reason: str) -> None:
    await audit_log.append(
        "auth.sign_in",
        entity_type="user",
        entity_id=user_id or "unknown",
        outcome=outcome,
        reason=reason,
        details={"via": "password"},
    )


async def sign_out(principal: Principal) -> None:
    async with write_transaction():
        await Credential.update({Credential.revoked_at: utc_now()}).where(
            (Credential.id == principal.credential_id) & Credential.revoked_at.is_null()
        )
        await audit_log.record(
            "auth.sign_out", entity_type="user", entity_id=principal.user_id, details={"via": principal.via}
        )
    principals.forget()
