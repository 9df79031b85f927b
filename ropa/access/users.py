"""Accounts: create, list, change, disable; argon2id passwords; the demo's accounts.

Every change to an account is an audit event in the same transaction as the change; events name
accounts by id, never by username.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import email_validator
import msgspec
from argon2 import PasswordHasher
from piccolo.columns import Column

from audit import log as audit_log
from ropa.access import principals
from ropa.access.model import ROLES, Role
from ropa.access.principals import utc_now
from ropa.access.tables import AppUser, Credential
from ropa.db import write_transaction
from ropa.errors import Conflict, Invalid, NotFound
from ropa.tables import LegalEntity

HASHER = PasswordHasher()  # argon2id with the library's defaults (RFC 9106 second recommendation)


class UserOut(msgspec.Struct, kw_only=True):
    id: str
    username: str
    role: str
    entities: list[str]
    authority_country: str | None
    disabled: bool
    email: str = ""  # where the reminder outbox sends a compliance officer's notices


def _user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=str(row["id"]),
        username=row["username"],
        role=row["role"],
        entities=msgspec.json.decode(row["entities"]),
        authority_country=row["authority_country"] or None,
        disabled=bool(row["disabled"]),
        email=row.get("email") or "",
    )


def _check_email(email: str) -> str:
    """The address as given (trimmed), or empty; one valid address, no display name, no list."""
    email = email.strip()
    if not email:
        return ""
    try:
        email_validator.validate_email(email, check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise Invalid.of([("email", "one e-mail address, like name@example.org")]) from None
    return email


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
    email: str | None = None,
) -> UserOut:
    username = username.strip()
    address = _check_email(email or "")
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
        email=address,
        created_at=utc_now(),
        updated_at=utc_now(),
    )
    async with write_transaction():
        if await AppUser.exists().where(AppUser.username == username):
            raise Conflict(f"user '{username}' exists", [{"name": "username", "reason": "taken"}])
        await AppUser.insert(row)
        await audit_log.record(
            "user.create",
            entity_type="user",
            entity_id=str(row.id),
            # whether an address is set, never the address: the log holds no personal data
            details={
                "role": role,
                "entities": scope,
                "authority_country": row.authority_country,
                "email_set": bool(address),
            },
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


async def find_user(ref: str) -> dict[str, Any]:
    """The account's row, by id or username; NotFound otherwise."""
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
    email: str | None = None,
) -> UserOut:
    address = _check_email(email) if email is not None else None
    async with write_transaction():
        row = await find_user(ref)
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
        if address is not None and address != row["email"]:
            changes["email"] = address
        if password is not None:
            if len(password) < 12:
                raise Invalid.of([("password", "at least 12 characters")])
            changes["password_hash"] = HASHER.hash(password)
        if not changes:
            return _user_out(row)
        changes["updated_at"] = utc_now()
        await AppUser.update(changes).where(AppUser.id == row["id"])
        if disabled:  # a disabled account's sessions and tokens end now
            await Credential.update({Credential.revoked_at: utc_now()}).where(
                (Credential.owner == row["id"]) & Credential.revoked_at.is_null()
            )
        details = {str(k): v for k, v in changes.items() if k not in ("password_hash", "updated_at", "email")}
        if "email" in changes:
            details["email_set"] = bool(address)
        if password is not None:
            details["password_changed"] = True
        await audit_log.record(
            "user.disable" if disabled else "user.update",
            entity_type="user",
            entity_id=str(row["id"]),
            details=msgspec.to_builtins(details),
        )
    principals.forget()
    return _user_out(await find_user(str(row["id"])))


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
