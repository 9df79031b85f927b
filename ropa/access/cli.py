"""``ropa user add|list|disable|email`` and ``ropa token create|revoke|list``: accounts from the shell."""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from ropa.access.model import ROLES


def _password(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The password to set: from stdin, prompted, or generated (then printed once)."""
    if args.no_password:
        return None, False
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    if sys.stdin.isatty() and not args.generate:
        return getpass.getpass("password (12+ characters): "), False
    return secrets.token_urlsafe(18), True


async def _user_add(args: argparse.Namespace) -> int:
    from ropa.access.users import add_user

    password, generated = _password(args)
    user = await add_user(
        args.username, args.role, password, args.entity or [], args.authority_country, args.email
    )
    print(f"user {user.username} ({user.role}) id {user.id}")
    if generated:
        print(f"password: {password}  (shown once)")
    return 0


async def _user_list(args: argparse.Namespace) -> int:
    from ropa.access.users import list_users

    for u in await list_users():
        scope = u.authority_country if u.role == "regulator" else ",".join(u.entities) or "-"
        print(f"{u.username:24} {u.role:20} {'disabled' if u.disabled else 'active':8} {scope}  {u.id}")
    return 0


async def _user_disable(args: argparse.Namespace) -> int:
    from ropa.access.users import update_user

    user = await update_user(args.username, disabled=True)
    print(f"user {user.username} disabled; its sessions and tokens are revoked")
    return 0


async def _user_email(args: argparse.Namespace) -> int:
    from ropa.access.users import update_user

    user = await update_user(args.username, email=args.address)
    print(f"user {user.username}: {'e-mail address set' if user.email else 'no e-mail address'}")
    return 0


async def _token_create(args: argparse.Namespace) -> int:
    from ropa.access.credentials import create_token

    token = await create_token(args.username, args.name, args.days)
    print(f"token {token.id} '{token.name}' for {args.username}, expires {token.expires_at:%Y-%m-%d}")
    print(f"secret: {token.secret}  (shown once; send it as 'Authorization: Bearer <secret>')")
    return 0


async def _token_revoke(args: argparse.Namespace) -> int:
    from ropa.access.credentials import revoke_token

    await revoke_token(args.token_id)
    print(f"token {args.token_id} revoked")
    return 0


async def _token_list(args: argparse.Namespace) -> int:
    from ropa.access.credentials import list_tokens

    for t in await list_tokens(args.username):
        state = "revoked" if t.revoked else f"expires {t.expires_at:%Y-%m-%d}"
        print(f"{t.id}  {t.name:24} owner {t.owner}  {state}")
    return 0


def add_access_commands(sub: Any) -> None:
    user = sub.add_parser("user", help="accounts: add, list, disable, e-mail address")
    users = user.add_subparsers(dest="user_command", required=True)
    add = users.add_parser("add", help="add an account (the first admin: ropa user add NAME --role admin)")
    add.add_argument("username")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--entity", action="append", help="entity id or key in scope (repeat; * for all)")
    add.add_argument("--authority-country", help="regulators: the authority's country, e.g. NO")
    add.add_argument("--email", help="where reminders go (compliance officers)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--generate", action="store_true", help="generate a password and print it once")
    add.add_argument("--no-password", action="store_true", help="a machine account: API tokens only")
    add.set_defaults(handler=_user_add)
    users.add_parser("list", help="list accounts").set_defaults(handler=_user_list)
    disable = users.add_parser("disable", help="disable an account and revoke its credentials")
    disable.add_argument("username")
    disable.set_defaults(handler=_user_disable)
    email = users.add_parser("email", help="set (or, with '', clear) an account's e-mail address")
    email.add_argument("username")
    email.add_argument("address")
    email.set_defaults(handler=_user_email)

    token = sub.add_parser("token", help="API tokens: create, list, revoke")
    tokens = token.add_subparsers(dest="token_command", required=True)
    create = tokens.add_parser("create", help="a new token for an account; its secret is shown once")
    create.add_argument("username")
    create.add_argument("--name", required=True)
    create.add_argument("--days", type=int, default=90)
    create.set_defaults(handler=_token_create)
    revoke = tokens.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=_token_revoke)
    listing = tokens.add_parser("list", help="list tokens (never their secrets)")
    listing.add_argument("--username")
    listing.set_defaults(handler=_token_list)
