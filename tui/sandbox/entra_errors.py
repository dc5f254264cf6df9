"""Entra ID's error answers, as the sandbox's token and device-code endpoints send them.

Every answer is (HTTP status, JSON dict). Errors carry the fields Entra sends (``error``,
``error_description`` with the AADSTS text and trace/correlation/timestamp lines, ``error_codes``,
``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``, ``suberror`` where Entra adds one),
with fresh ids each time. The descriptions are Microsoft's documented AADSTS texts.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

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
