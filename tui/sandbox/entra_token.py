"""Entra ID's v2.0 token endpoint in the sandbox: ROPC (``password``) and ``client_credentials``.

The checks follow Entra's order: tenant, client, public client flows, user, password, account
state, MFA, consent. A refusal is one of Entra's error answers (:mod:`tui.sandbox.entra_errors`);
a token is signed by the sandbox's :class:`~tui.sandbox.tokens.TokenSigner` with the claims
Entra puts in. The device-code flow (:mod:`tui.sandbox.devicecode`) shares the scope parser and
the token answer's shape (:func:`split_scopes`, :func:`token_body`).
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any

from tui.sandbox import state as tenant_state
from tui.sandbox.entra_errors import Answer, error
from tui.sandbox.tokens import EXCHANGE_AUDIENCE, TokenSigner, access_token_claims

GRAPH_AUDIENCE = "https://graph.microsoft.com"
EXCHANGE_RESOURCES = (EXCHANGE_AUDIENCE, "https://outlook.office.com")
GRAPH_RESOURCES = (GRAPH_AUDIENCE, "https://graph.microsoft.com/")
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
EXCHANGE_DELEGATED = {"EWS.AccessAsUser.All", "SMTP.Send", "IMAP.AccessAsUser.All"}
GRAPH_DELEGATED = {"User.Read"}
EXCHANGE_APP_ROLES = {"full_access_as_app"}


def split_scopes(scope: str) -> tuple[str | None, list[str], list[str]]:
    """(resource or None, permission names, the resource-bound scopes as sent).

    The resource is ``None`` for no resource scope at all; ``"*many*"`` for two resources.
    """
    resources: set[str] = set()
    names: list[str] = []
    sent: list[str] = []
    for item in scope.split():
        if item in OIDC_SCOPES:
            continue
        sent.append(item)
        if item.startswith("https://") and "/" in item[len("https://") :]:
            resource, _, name = item.rpartition("/")
        else:  # a bare name is a Microsoft Graph scope, as in Entra
            resource, name = GRAPH_AUDIENCE, item
        resource = resource.rstrip("/")
        if resource in EXCHANGE_RESOURCES:
            resource = EXCHANGE_AUDIENCE
        resources.add(resource)
        names.append(name)
    if not resources:
        return None, [], sent
    if len(resources) > 1:
        return "*many*", names, sent
    return resources.pop(), names, sent


def _check_secret(app: dict[str, Any], client_id: str, given: str) -> Answer | None:
    """None when the secret is one of the app's valid secret values, else Entra's error."""
    if not app["secrets"] and app["public_client_flows"]:
        return error(700025)
    for secret in app["secrets"]:
        if secrets.compare_digest(secret["value"], given):
            if tenant_state.secret_expired(secret):
                return error(7000222, client_id=client_id)
            return None
    return error(7000215, client_id=client_id)


def token(state: dict[str, Any], tenant: str, form: dict[str, str], signer: TokenSigner) -> Answer:
    """The token endpoint: ROPC (``password``) and ``client_credentials``."""
    if not tenant_state.find_tenant(state, tenant):
        return error(90002, tenant=tenant)
    tenant_info = state["tenant"]
    grant_type = form.get("grant_type", "")
    if not grant_type:
        return error(900144, parameter="grant_type")
    client_id = form.get("client_id", "").lower()
    if not client_id:
        return error(900144, parameter="client_id")
    app = state["apps"].get(client_id)
    if app is None:
        return error(700016, client_id=client_id, tenant_name=tenant_info["id"])
    if grant_type == "password":
        return _password_grant(state, app, client_id, form, signer)
    if grant_type == "client_credentials":
        return _client_credentials(state, app, client_id, form, signer)
    return error(70003, grant_type=grant_type)


def _scope_problem(resource: str | None, scope: str, state: dict[str, Any]) -> Answer | None:
    if resource is None:
        return error(70011, scope=scope or "''")
    if resource == "*many*":
        return error(28000, scope=scope)
    no_exchange = resource == EXCHANGE_AUDIENCE and not state["tenant"]["exchange_online"]
    if resource not in (EXCHANGE_AUDIENCE, GRAPH_AUDIENCE) or no_exchange:
        return error(500011, resource=resource, tenant_name=state["tenant"]["id"])
    return None


def _password_grant(
    state: dict[str, Any],
    app: dict[str, Any],
    client_id: str,
    form: dict[str, str],
    signer: TokenSigner,
) -> Answer:
    tenant_info = state["tenant"]
    if "client_secret" in form:
        problem = _check_secret(app, client_id, form["client_secret"])
        if problem:
            return problem
    elif not app["public_client_flows"]:
        return error(7000218)
    for parameter in ("username", "password"):
        if not form.get(parameter):
            return error(900144, parameter=parameter)
    scope = form.get("scope", "")
    resource, names, sent = split_scopes(scope)
    problem = _scope_problem(resource, scope, state)
    if problem:
        return problem
    email = form["username"].strip().lower()
    user = state["users"].get(email)
    if user is None:
        return error(50034, tenant_id=tenant_info["id"])
    if not secrets.compare_digest(user["password"].encode(), form["password"].encode()):
        return error(50126)
    if user["locked"]:
        return error(50053)
    if user["disabled"]:
        return error(50057)
    if user["password_expired"]:
        return error(50055)
    resource_id = (
        "00000002-0000-0ff1-ce00-000000000000"
        if resource == EXCHANGE_AUDIENCE
        else "00000003-0000-0000-c000-000000000000"
    )
    if user["mfa_required"]:
        return error(50076, resource_id=resource_id)
    available = EXCHANGE_DELEGATED if resource == EXCHANGE_AUDIENCE else GRAPH_DELEGATED
    consented = {p for p in app["permissions"] if p in available} if app["admin_consent"] else set()
    wanted = consented if names == [".default"] else set(names)
    if not wanted or not wanted <= consented:
        return error(65001, client_id=client_id, app_name=app["display_name"])
    person = {**user, "email": email, "object_id": tenant_state.user_object_id(email)}
    claims = access_token_claims(
        tenant_id=tenant_info["id"],
        client_id=client_id,
        app_name=app["display_name"],
        user=person,
        scopes=sorted(wanted),
        roles=None,
        lifetime=int(tenant_info["token_lifetime_seconds"]),
    )
    claims["aud"] = resource
    return 200, token_body(signer, claims, scope, form, person, client_id, tenant_info["id"])


def _client_credentials(
    state: dict[str, Any],
    app: dict[str, Any],
    client_id: str,
    form: dict[str, str],
    signer: TokenSigner,
) -> Answer:
    tenant_info = state["tenant"]
    if "client_secret" not in form and "client_assertion" not in form:
        return error(7000218)
    problem = _check_secret(app, client_id, form.get("client_secret", ""))
    if problem:
        return problem
    scope = form.get("scope", "")
    resource, names, sent = split_scopes(scope)
    problem = _scope_problem(resource, scope, state)
    if problem:
        return problem
    if names != [".default"]:
        return error(1002012, scope=scope)
    # Entra issues an app-only token even without application permissions; it just carries no
    # roles, and Exchange then refuses it. That is what the admin sees when A14 was skipped.
    roles = []
    if resource == EXCHANGE_AUDIENCE and app["admin_consent"]:
        roles = sorted(p for p in app["permissions"] if p in EXCHANGE_APP_ROLES)
    claims = access_token_claims(
        tenant_id=tenant_info["id"],
        client_id=client_id,
        app_name=app["display_name"],
        user=None,
        scopes=None,
        roles=roles,
        lifetime=int(tenant_info["token_lifetime_seconds"]),
    )
    claims["aud"] = resource
    return 200, {
        "token_type": "Bearer",
        "expires_in": claims["exp"] - claims["iat"],
        "ext_expires_in": claims["exp"] - claims["iat"],
        "scope": " ".join(sent),
        "access_token": signer.make(claims),
    }


def token_body(
    signer: TokenSigner,
    claims: dict[str, Any],
    scope: str,
    form: dict[str, str],
    person: dict[str, Any],
    client_id: str,
    tenant_id: str,
) -> dict[str, Any]:
    lifetime = claims["exp"] - claims["iat"]
    body: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": scope,
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": signer.make(claims),
    }
    requested = set(scope.split())
    if "offline_access" in requested:
        body["refresh_token"] = "0.sandbox." + secrets.token_urlsafe(48)
    if "openid" in requested:
        body["id_token"] = signer.make(
            {
                "aud": client_id,
                "iss": claims["iss"].replace("sts.windows.net", "login.microsoftonline.com")
                + "v2.0",
                "iat": claims["iat"],
                "nbf": claims["nbf"],
                "exp": claims["exp"],
                "name": person["display_name"],
                "oid": person["object_id"],
                "preferred_username": person["email"],
                "sub": claims["sub"],
                "tid": tenant_id,
                "ver": "2.0",
            }
        )
    if form.get("client_info") == "1":
        info = json.dumps({"uid": person["object_id"], "utid": tenant_id}).encode()
        body["client_info"] = base64.urlsafe_b64encode(info).rstrip(b"=").decode()
    return body
