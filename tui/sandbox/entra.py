"""Entra ID's side of the sandbox: OpenID discovery, the v2.0 token endpoint, user realm.

Every answer is (HTTP status, JSON dict), errors in Entra's shape. This module holds the metadata
answers (discovery, user realm); the token endpoint's grants are in
:mod:`tui.sandbox.entra_token` and the error answers in :mod:`tui.sandbox.entra_errors`. The
routes and the device-code flow reach all of them through this module.
"""

from __future__ import annotations

from typing import Any

from tui.sandbox import state as tenant_state
from tui.sandbox.entra_errors import ERRORS, PASSWORD_CHANGE_URL, Answer, error
from tui.sandbox.entra_token import (
    EXCHANGE_APP_ROLES,
    EXCHANGE_DELEGATED,
    EXCHANGE_RESOURCES,
    GRAPH_AUDIENCE,
    GRAPH_DELEGATED,
    GRAPH_RESOURCES,
    OIDC_SCOPES,
    split_scopes,
    token,
    token_body,
)

MULTI_TENANT = ("organizations", "common")

# The device-code flow parses scopes and shapes its token answer as the token endpoint does,
# and reaches both under their names from before the token endpoint had its own module.
_split_scopes = split_scopes
_token_body = token_body

__all__ = [
    "ERRORS",
    "EXCHANGE_APP_ROLES",
    "EXCHANGE_DELEGATED",
    "EXCHANGE_RESOURCES",
    "GRAPH_AUDIENCE",
    "GRAPH_DELEGATED",
    "GRAPH_RESOURCES",
    "MULTI_TENANT",
    "OIDC_SCOPES",
    "PASSWORD_CHANGE_URL",
    "Answer",
    "discovery",
    "error",
    "split_scopes",
    "token",
    "token_body",
    "user_realm",
]


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
