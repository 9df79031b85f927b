"""Who a session or API token secret stands for: the credential found by the secret's digest.

Secrets are stored only as SHA-256 (``digest``). A lookup is cached for ``CACHE_SECONDS``; a
change to an account or credential in this process calls ``forget()``, so a revoked credential
stops working here at once and in other processes within that time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import msgspec

from ropa.access.model import Principal, Role
from ropa.access.tables import AppUser, Credential
from ropa.tables import LegalEntity

CACHE_SECONDS = 2.0  # a revoked credential stops working in this process at once, elsewhere within this

# By credential kind and secret: a token's secret sent as the session cookie is not a session.
CACHE: dict[tuple[str, str], tuple[float, Principal | None]] = {}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc_moment(value: Any) -> dt.datetime:
    """A timestamp as the database returns it (SQLite: text, maybe naive) as an aware datetime."""
    moment: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def forget() -> None:
    """Drop every cached lookup: an account or credential changed."""
    CACHE.clear()


async def _regulated(country: str) -> frozenset[str]:
    rows = await LegalEntity.select(LegalEntity.id, LegalEntity.data)
    found = set()
    for row in rows:
        authority = msgspec.json.decode(row["data"]).get("supervisory_authority") or {}
        if str(authority.get("country") or "").upper() == country.upper():
            found.add(str(row["id"]))
    return frozenset(found)


async def principal_for(secret: str, via: str) -> Principal | None:
    """The principal a session or token secret stands for, if it is valid now."""
    kind = "session" if via == "session" else "api_token"
    key = (kind, digest(secret))
    cached = CACHE.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    credential = (
        await Credential.select()
        .where(
            (Credential.secret_hash == key[1]) & (Credential.kind == kind) & Credential.revoked_at.is_null()
        )
        .first()
    )
    principal = None
    if credential is not None and utc_moment(credential["expires_at"]) > utc_now():
        user = await AppUser.select().where(AppUser.id == credential["owner"]).first()
        if user is not None and not user["disabled"]:
            principal = await _principal(user, credential, via)
    if len(CACHE) > 10_000:
        CACHE.clear()
    CACHE[key] = (time.monotonic() + CACHE_SECONDS, principal)
    return principal


async def _principal(user: dict[str, Any], credential: dict[str, Any], via: str) -> Principal:
    role: Role = user["role"]
    scope = msgspec.json.decode(user["entities"])
    entities: frozenset[str] | None
    if role == "admin" or scope == ["*"]:
        entities = None
    elif role == "regulator":
        entities = await _regulated(user["authority_country"] or "")
    else:
        entities = frozenset(scope)
    return Principal(
        user_id=str(user["id"]),
        username=user["username"],
        role=role,
        entities=entities,
        via="session" if via == "session" else "token",
        credential_id=str(credential["id"]),
        csrf=credential["csrf"],
    )
