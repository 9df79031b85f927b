"""Sign-in and sign-out, the caller's identity, and the administration of users and API tokens."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from audit.context import current_actor
from ropa.access import credentials, users
from ropa.access import sign_in as signing
from ropa.access.credentials import TokenOut
from ropa.access.denials import DENIALS
from ropa.access.guard import SESSION_COOKIE
from ropa.access.model import PUBLIC, SIGNED_IN, current_principal
from ropa.access.origin import check_sign_in_origin
from ropa.access.sign_in import SESSION_HOURS
from ropa.access.users import UserOut
from ropa.errors import CrossOriginSignIn, Invalid, Unauthorized
from ropa.records.parts import Base

ADMIN = {"perm": "users.manage"}


class SignIn(Base, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class NewUser(Base, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=2, max_length=64)]
    role: str
    password: Annotated[str, msgspec.Meta(min_length=12, max_length=1024)] | None = None
    entities: list[Annotated[str, msgspec.Meta(max_length=64)]] = []
    authority_country: Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{2}$")] | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None


class UserChange(Base, kw_only=True):
    disabled: bool | None = None
    role: str | None = None
    password: Annotated[str, msgspec.Meta(min_length=12, max_length=1024)] | None = None
    entities: list[Annotated[str, msgspec.Meta(max_length=64)]] | None = None
    authority_country: Annotated[str, msgspec.Meta(pattern="^[A-Za-z]{2}$")] | None = None
    email: Annotated[str, msgspec.Meta(max_length=254)] | None = None  # "" clears it


class NewToken(Base, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    days: Annotated[int, msgspec.Meta(ge=1, le=366)] = 90


class Me(msgspec.Struct, kw_only=True):
    """The signed-in principal: who, what role, which entities (null: all), by what credential."""

    user_id: str
    username: str
    role: str
    entities: list[str] | None
    via: str  # session | token
    csrf_token: str | None  # send as X-CSRF-Token on writes with the session cookie


class SignedIn(msgspec.Struct, kw_only=True):
    user_id: str
    role: str
    csrf_token: str


class Status(msgspec.Struct, kw_only=True):
    status: str


def session_cookie(secret: str, secure: bool) -> Cookie:
    """The session cookie: HTTP-only, same-site strict; an empty secret expires it."""
    return Cookie(
        key=SESSION_COOKIE,
        value=secret,
        httponly=True,
        secure=secure and bool(secret),
        samesite="strict",
        path="/",
        max_age=SESSION_HOURS * 3600 if secret else 0,
    )


def _me() -> Me:
    p = current_principal()
    if p is None:
        raise Unauthorized("authentication is switched off on this server")
    return Me(
        user_id=p.user_id,
        username=p.username,
        role=p.role,
        entities=None if p.entities is None else sorted(p.entities),
        via=p.via,
        csrf_token=p.csrf or None,
    )


@post(
    "/sign-in",
    operation_id="signIn",
    summary="Sign in with a password; sets the session cookie",
    opt={"perm": PUBLIC},
    status_code=200,
)
async def sign_in(request: Request[Any, Any, Any], data: JSONBody[SignIn]) -> Response[SignedIn]:
    try:  # a browser posting from another site (login CSRF); scripts send no Origin
        check_sign_in_origin(request, allow_missing=True)
    except CrossOriginSignIn:
        DENIALS.note(current_actor().source_ref, "cross_origin_sign_in")
        raise
    client = request.scope.get("client") or ("", 0)  # the peer, or what a trusted proxy forwarded
    secret, principal = await signing.sign_in(data.username, data.password, client[0])
    cookie = session_cookie(secret, request.app.state["settings"].cookie_secure)
    body = SignedIn(user_id=principal.user_id, role=principal.role, csrf_token=principal.csrf)
    return Response(body, status_code=200, cookies=[cookie])


@post(
    "/sign-out", operation_id="signOut", summary="End this session", status_code=200, opt={"perm": SIGNED_IN}
)
async def sign_out() -> Response[Status]:
    principal = current_principal()
    if principal is None or principal.via != "session":
        raise Invalid.of([("session", "only a session signs out; revoke a token instead")])
    await signing.sign_out(principal)
    return Response(Status(status="signed out"), cookies=[session_cookie("", secure=False)])


@get("/me", operation_id="whoAmI", summary="The signed-in principal and its scope", opt={"perm": SIGNED_IN})
async def me() -> Me:
    return _me()


@get("/", operation_id="listUsers", summary="Accounts", opt=ADMIN)
async def list_users() -> list[UserOut]:
    return await users.list_users()


@post("/", operation_id="createUser", summary="Create an account", opt=ADMIN)
async def create_user(data: JSONBody[NewUser]) -> UserOut:
    return await users.add_user(
        data.username, data.role, data.password, data.entities, data.authority_country, data.email
    )


@patch("/{user:str}", operation_id="updateUser", summary="Disable, re-scope or re-role an account", opt=ADMIN)
async def update_user(user: FromPath[str], data: JSONBody[UserChange]) -> UserOut:
    return await users.update_user(
        user,
        disabled=data.disabled,
        role=data.role,
        entities=data.entities,
        authority_country=data.authority_country,
        password=data.password,
        email=data.email,
    )


@post(
    "/{user:str}/tokens",
    operation_id="createToken",
    summary="A new API token (its secret shown once)",
    opt=ADMIN,
)
async def create_token(user: FromPath[str], data: JSONBody[NewToken]) -> TokenOut:
    return await credentials.create_token(user, data.name, data.days)


@get("/", operation_id="listTokens", summary="API tokens (never their secrets)", opt=ADMIN)
async def list_tokens(
    owner: FromQuery[Annotated[str | None, QueryParameter(max_length=64)]] = None,
) -> list[TokenOut]:
    return await credentials.list_tokens(owner)


@delete(
    "/{token_id:str}", operation_id="revokeToken", summary="Revoke an API token", opt=ADMIN, status_code=200
)
async def revoke_token(token_id: FromPath[str]) -> Status:
    await credentials.revoke_token(token_id)
    return Status(status="revoked")


ACCESS_ROUTES = [
    Router(path="/api/auth", route_handlers=[sign_in, sign_out, me], tags=["Access"]),
    Router(
        path="/api/users",
        route_handlers=[list_users, create_user, update_user, create_token],
        tags=["Access"],
    ),
    Router(path="/api/tokens", route_handlers=[list_tokens, revoke_token], tags=["Access"]),
]
