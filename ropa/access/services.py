"""Accounts, API tokens and sessions: argon2id passwords, random secrets stored only as SHA-256.

Every change to an account or credential, every sign-in (and failed one) and sign-out is an audit
event in the same transaction as the change. Audit events name accounts by id, never by username.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets
import time
import uuid
from typing import Any

import msgspec
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from piccolo.columns import Column

from audit import log as audit_log
from audit.context import current_actor
from ropa.access.denials import DENIALS
from ropa.access.limiter import LIMITER, TooManyAttempts
from ropa.access.model import ROLES, Principal, Role
from ropa.access.tables import AppUser, Credential
from ropa.db import write_transaction
from ropa.errors import Conflict, DomainError, Invalid, NotFound
from ropa.tables import LegalEntity

HASHER = PasswordHasher()  # argon2id with the library's defaults (RFC 9106 second recommendation)
_DUMMY_HASH = HASHER.hash(secrets.token_urlsafe(16))  # unknown users cost the same as known ones
TOKEN_PREFIX = "ropa_"  # noqa: S105 - a marker, not a secret
SESSION_HOURS = 8
CACHE_SECONDS = 2.0  # a revoked credential stops working in this process at once, elsewhere within this


class SignInFailed(DomainError):
    status = 401
    title = "Sign-in failed"


class UserOut(msgspec.Struct, kw_only=True):
    id: str
    username: str
    role: str
    entities: list[str]
    authority_country: str | None
    disabled: bool


class TokenOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    owner: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked: bool
    secret: str | None = None  # shown once, when the token is made


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _moment(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=str(row["id"]),
        username=row["username"],
        role=row["role"],
        entities=msgspec.json.decode(row["entities"]),
        authority_country=row["authority_country"] or None,
        disabled=bool(row["disabled"]),
    )


async def _entity_ids(refs: list[str]) -> list[str]:
    if refs == ["*"]:
        return ["*"]
    rows = await LegalEntity.select(LegalEntity.id, LegalEntity.key)
    by_ref = {str(r["id"]): str(r["id"]) for r in rows} | {r["key"]: str(r["id"]) for r in rows}
    missing = [r for r in refs if r not in by_ref]
    if missing:
        raise Invalid.of([("entities", f"no legal entity '{missing[0]}'")])
    return sorted({by_ref[r] for r in refs})


def _check_role(role: str, entities: list[str], authority_country: str | None) -> None:
    if role not in ROLES:
        raise Invalid.of([("role", f"one of {', '.join(ROLES)}")])
    if role == "regulator" and not authority_country:
        raise Invalid.of([("authority_country", "a regulator is scoped by its authority's country")])
    if role in ("compliance_officer", "auditor") and not entities:
        raise Invalid.of([("entities", "name the entities in scope, or * for all")])


async def add_user(
    username: str,
    role: str,
    password: str | None,
    entities: list[str] | None = None,
    authority_country: str | None = None,
) -> UserOut:
    username = username.strip()
    if not (2 <= len(username) <= 64) or any(c.isspace() for c in username):
        raise Invalid.of([("username", "2 to 64 characters, no spaces")])
    if password is not None and len(password) < 12:
        raise Invalid.of([("password", "at least 12 characters")])
    scope = await _entity_ids(entities or [])
    _check_role(role, scope, authority_country)
    row = AppUser(
        id=uuid.uuid4(),
        username=username,
        password_hash=HASHER.hash(password) if password else "",
        role=role,
        entities=msgspec.json.encode(scope).decode(),
        authority_country=(authority_country or "").upper() or None,
        disabled=False,
        created_at=_now(),
        updated_at=_now(),
    )
    async with write_transaction():
        if await AppUser.exists().where(AppUser.username == username):
            raise Conflict(f"user '{username}' exists", [{"name": "username", "reason": "taken"}])
        await AppUser.insert(row)
        await audit_log.record(
            "user.create",
            entity_type="user",
            entity_id=str(row.id),
            details={"role": role, "entities": scope, "authority_country": row.authority_country},
        )
    return _user_out(row.to_dict())


async def actor_names(actor_ids: list[str]) -> dict[str, str]:
    """``user:<id>`` actors by their usernames, for people reading the log; others as they are."""
    ids = {a.removeprefix("user:") for a in actor_ids if a.startswith("user:")}
    valid = []
    for value in ids:
        try:
            valid.append(str(uuid.UUID(value)))
        except ValueError:
            continue
    rows = await AppUser.select(AppUser.id, AppUser.username).where(AppUser.id.is_in(valid)) if valid else []
    names = {f"user:{r['id']}": r["username"] for r in rows}
    return {a: names.get(a, a) for a in actor_ids}


async def list_users() -> list[UserOut]:
    rows = await AppUser.select().order_by(AppUser.username)
    return [_user_out(r) for r in rows]


async def _user(ref: str) -> dict[str, Any]:
    try:
        where = AppUser.id == str(uuid.UUID(ref))
    except ValueError:
        where = AppUser.username == ref
    row = await AppUser.select().where(where).first()
    if row is None:
        raise NotFound(f"no user '{ref}'")
    return row


async def update_user(
    ref: str,
    *,
    disabled: bool | None = None,
    role: str | None = None,
    entities: list[str] | None = None,
    authority_country: str | None = None,
    password: str | None = None,
) -> UserOut:
    async with write_transaction():
        row = await _user(ref)
        changes: dict[Column | str, Any] = {}
        if role is not None or entities is not None or authority_country is not None:
            scope = (
                await _entity_ids(entities) if entities is not None else msgspec.json.decode(row["entities"])
            )
            new_role = role or row["role"]
            country = authority_country if authority_country is not None else row["authority_country"]
            _check_role(new_role, scope, country)
            changes |= {
                "role": new_role,
                "entities": msgspec.json.encode(scope).decode(),
                "authority_country": (country or "").upper() or None,
            }
        if disabled is not None:
            changes["disabled"] = disabled
        if password is not None:
            if len(password) < 12:
                raise Invalid.of([("password", "at least 12 characters")])
            changes["password_hash"] = HASHER.hash(password)
        if not changes:
            return _user_out(row)
        changes["updated_at"] = _now()
        await AppUser.update(changes).where(AppUser.id == row["id"])
        if disabled:  # a disabled account's sessions and tokens end now
            await Credential.update({Credential.revoked_at: _now()}).where(
                (Credential.owner == row["id"]) & Credential.revoked_at.is_null()
            )
        details = {str(k): v for k, v in changes.items() if k not in ("password_hash", "updated_at")}
        if password is not None:
            details["password_changed"] = True
        await audit_log.record(
            "user.disable" if disabled else "user.update",
            entity_type="user",
            entity_id=str(row["id"]),
            details=msgspec.to_builtins(details),
        )
    CACHE.clear()
    return _user_out(await _user(str(row["id"])))


async def create_token(owner: str, name: str, days: int = 90) -> TokenOut:
    if not (1 <= days <= 366):
        raise Invalid.of([("days", "1 to 366")])
    if not (1 <= len(name) <= 100):
        raise Invalid.of([("name", "1 to 100 characters")])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with write_transaction():
        user = await _user(owner)
        if user["disabled"]:
            raise Conflict("the account is disabled", [{"name": "owner", "reason": "disabled"}])
        row = await _insert_credential(user["id"], "api_token", name, secret, dt.timedelta(days=days))
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


async def _insert_credential(owner: Any, kind: str, name: str, secret: str, life: dt.timedelta) -> Credential:
    now = _now()
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
        query = query.where(Credential.owner == (await _user(owner))["id"])
    rows = await query.order_by(Credential.created_at)
    return [
        TokenOut(
            id=str(r["id"]),
            name=r["name"],
            owner=str(r["owner"]),
            created_at=_moment(r["created_at"]),
            expires_at=_moment(r["expires_at"]),
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
            await Credential.update({Credential.revoked_at: _now()}).where(Credential.id == ident)
            await audit_log.record("token.revoke", entity_type="credential", entity_id=ident, details={})
    CACHE.clear()


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
        credential = await _insert_credential(
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
    async with write_transaction():
        await audit_log.record(
            "auth.sign_in",
            entity_type="user",
            entity_id=user_id or "unknown",
            outcome=outcome,
            reason=reason,
            details={"via": "password"},
        )


async def sign_out(principal: Principal) -> None:
    async with write_transaction():
        await Credential.update({Credential.revoked_at: _now()}).where(
            (Credential.id == principal.credential_id) & Credential.revoked_at.is_null()
        )
        await audit_log.record(
            "auth.sign_out", entity_type="user", entity_id=principal.user_id, details={"via": principal.via}
        )
    CACHE.clear()


# By credential kind and secret: a token's secret sent as the session cookie is not a session.
CACHE: dict[tuple[str, str], tuple[float, Principal | None]] = {}


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
    if credential is not None and _moment(credential["expires_at"]) > _now():
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


DEMO_ACCOUNTS: tuple[tuple[str, Role, list[str], str | None], ...] = (
    ("admin", "admin", [], None),
    ("officer", "compliance_officer", ["TECHEM-DK", "TECHEM-NO"], None),
    ("auditor", "auditor", ["TECHEM-DK", "TECHEM-NO"], None),
    ("datatilsynet-dk", "regulator", [], "DK"),
    ("datatilsynet-no", "regulator", [], "NO"),
)


async def demo_accounts() -> list[tuple[str, str, str]]:
    """One account per role for the demo, with random passwords (returned once); none if any exist."""
    if await AppUser.count():
        return []
    made: list[tuple[str, str, str]] = []
    for username, role, entities, country in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        await add_user(username, role, password, entities, country)
        made.append((username, role, password))
    return made
