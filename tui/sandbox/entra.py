"""Entra ID's side of the sandbox: OpenID discovery, the v2.0 token endpoint, user realm.

Every answer is (HTTP status, JSON dict). Errors carry the fields Entra sends (``error``,
``error_description`` with the AADSTS text and trace/correlation/timestamp lines, ``error_codes``,
``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``, ``suberror`` where Entra adds one),
with fresh ids each time. The checks in ROPC follow Entra's order: tenant, client, public client
flows, user, password, account state, MFA, consent.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import uuid
from typing import Any

from tui.sandbox import state as tenant_state
from tui.sandbox.tokens import EXCHANGE_AUDIENCE, TokenSigner, access_token_claims

GRAPH_AUDIENCE = "https://graph.microsoft.com"
EXCHANGE_RESOURCES = (EXCHANGE_AUDIENCE, "https://outlook.office.com")
GRAPH_RESOURCES = (GRAPH_AUDIENCE, "https://graph.microsoft.com/")
OIDC_SCOPES = {"openid", "profile", "offline_access", "email"}
EXCHANGE_DELEGATED = {"EWS.AccessAsUser.All", "SMTP.Send", "IMAP.AccessAsUser.All"}
GRAPH_DELEGATED = {"User.Read"}
EXCHANGE_APP_ROLES = {"full_access_as_app"}
MULTI_TENANT = ("organizations", "common")
PASSWORD_CHANGE_URL = "https://portal.microsoftonline.com/ChangePassword.aspx"

# code -> (HTTP status, error, description template, suberror)
ERRORS: dict[int, tuple[int, str, str, str | None]] = {
    90002: (
        400,
        "invalid_tenant",
        "Tenant '{tenant}' not found. Check to make sure you have the "
        "correct tenant ID and are signing into the correct cloud. Check with your subscription "
        "administrator, this may happen if there are no active subscriptions for the tenant.",
        None,
    ),
    700016: (
        400,
        "unauthorized_client",
        "Application with identifier '{client_id}' was not found "
        "in the directory '{tenant_name}'. This can happen if the application has not been "
        "installed by the administrator of the tenant or consented to by any user in the "
        "tenant. You may have sent your authentication request to the wrong tenant.",
        None,
    ),
    7000218: (
        401,
        "invalid_client",
        "The request body must contain the following parameter: "
        "'client_assertion' or 'client_secret'.",
        None,
    ),
    700025: (
        401,
        "invalid_client",
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
        None,
    ),
    7000215: (
        401,
        "invalid_client",
        "Invalid client secret provided. Ensure the secret being sent "
        "in the request is the client secret value, not the client secret ID, for a secret "
        "added to app '{client_id}'.",
        None,
    ),
    7000222: (
        401,
        "invalid_client",
        "The provided client secret keys for app '{client_id}' are "
        "expired. Visit the Azure portal to create new keys for your app: "
        "https://aka.ms/NewClientSecret, or consider using certificate credentials for added "
        "security: https://aka.ms/certCreds.",
        None,
    ),
    50034: (
        400,
        "invalid_grant",
        "The user account {{EUII Hidden}} does not exist in the "
        "{tenant_id} directory. To sign into this application, the account must be added to "
        "the directory.",
        None,
    ),
    50126: (
        400,
        "invalid_grant",
        "Error validating credentials due to invalid username or password.",
        None,
    ),
    50053: (
        400,
        "invalid_grant",
        "The account is locked, you've tried to sign in too many times "
        "with an incorrect user ID or password.",
        None,
    ),
    50057: (400, "invalid_grant", "The user account is disabled.", None),
    50055: (400, "invalid_grant", "The password is expired.", "user_password_expired"),
    50076: (
        400,
        "invalid_grant",
        "Due to a configuration change made by your administrator, or "
        "because you moved to a new location, you must use multi-factor authentication to "
        "access '{resource_id}'.",
        "basic_action",
    ),
    65001: (
        400,
        "invalid_grant",
        "The user or administrator has not consented to use the "
        "application with ID '{client_id}' named '{app_name}'. Send an interactive "
        "authorization request for this user and resource.",
        "consent_required",
    ),
    500011: (
        400,
        "invalid_resource",
        "The resource principal named {resource} was not found in "
        "the tenant named {tenant_name}. This can happen if the application has not been "
        "installed by the administrator of the tenant or consented to by any user in the "
        "tenant. You might have sent your authentication request to the wrong tenant.",
        None,
    ),
    28000: (
        400,
        "invalid_scope",
        "Provided value for the input parameter scope is not valid "
        "because it contains more than one resource. Scope {scope} is not valid.",
        None,
    ),
    70011: (
        400,
        "invalid_scope",
        "The provided value for the input parameter 'scope' is not "
        "valid. The scope {scope} is not valid.",
        None,
    ),
    1002012: (
        400,
        "invalid_scope",
        "The provided value for scope {scope} is not valid. Client "
        "credential flows must have a scope value with /.default suffixed to the resource "
        "identifier (application ID URI).",
        None,
    ),
    900144: (
        400,
        "invalid_request",
        "The request body must contain the following parameter: '{parameter}'.",
        None,
    ),
    70003: (
        400,
        "unsupported_grant_type",
        "The app requested an unsupported grant type '{grant_type}'.",
        None,
    ),
}

Answer = tuple[int, dict[str, Any]]


def error(code: int, **values: str) -> Answer:
    """Entra's error JSON for an AADSTS code, with fresh trace and correlation ids."""
    status, name, template, suberror = ERRORS[code]
    trace_id = str(uuid.uuid4())
    correlation_id = str(uuid.uuid4())
    timestamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    description = (
        f"AADSTS{code}: {template.format(**values)}\r\nTrace ID: {trace_id}\r\n"
        f"Correlation ID: {correlation_id}\r\nTimestamp: {timestamp}"
    )
    body: dict[str, Any] = {
        "error": name,
        "error_description": description,
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }
    if suberror:
        body["suberror"] = suberror
    if code == 50055:
        body["password_change_url"] = PASSWORD_CHANGE_URL
    if code == 50076:
        body["claims"] = json.dumps(
            {"access_token": {"capolids": {"essential": True, "values": [str(uuid.uuid4())]}}}
        )
    return status, body


def discovery(state: dict[str, Any], tenant: str, base_url: str) -> Answer:
    """The v2.0 OpenID configuration, or 90002 for a tenant that does not exist."""
    if tenant.lower() in MULTI_TENANT:  # work accounts of any tenant (the admin's device code)
        tid = tenant.lower()
    elif not tenant_state.find_tenant(state, tenant):
        return error(90002, tenant=tenant)
    else:
        tid = state["tenant"]["id"]
    root = f"{base_url}/{tid}"
    return 200, {
        "token_endpoint": f"{root}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": [
            "client_secret_post",
            "private_key_jwt",
            "client_secret_basic",
        ],
        "jwks_uri": f"{root}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["HS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base_url}/{'{tenantid}' if tid in MULTI_TENANT else tid}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base_url}/oidc/userinfo",
        "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{root}/oauth2/v2.0/logout",
        "claims_supported": [
            "sub",
            "iss",
            "aud",
            "exp",
            "iat",
            "nonce",
            "name",
            "tid",
            "ver",
            "preferred_username",
            "oid",
        ],
        "tenant_region_scope": "EU",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def user_realm(state: dict[str, Any], user: str) -> Answer:
    """``/common/userrealm/<user>``: Managed for the tenant's domain, Unknown otherwise."""
    domain = user.rpartition("@")[2].lower()
    if domain == state["tenant"]["domain"]:
        return 200, {
            "ver": "1.0",
            "account_type": "Managed",
            "domain_name": domain,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_audience_urn": "urn:federation:MicrosoftOnline",
        }
    return 200, {
        "ver": "1.0",
        "account_type": "Unknown",
        "cloud_instance_name": "microsoftonline.com",
    }


def _split_scopes(scope: str) -> tuple[str | None, list[str], list[str]]:
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
    resource, names, sent = _split_scopes(scope)
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
    return 200, _token_body(signer, claims, scope, form, person, client_id, tenant_info["id"])


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
    resource, names, sent = _split_scopes(scope)
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


def _token_body(
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
