"""Access tokens: JWTs signed with the sandbox's own key (HS256), made and verified here.

The claims mirror a real Entra v1 access token for Exchange Online (aud, iss, tid, appid, upn,
scp or roles, iat/nbf/exp …) so the wizard can decode and explain them. Only this process can
verify the signature; nothing outside the sandbox should trust these tokens.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

VERIFIED_CACHE_SIZE = 4096  # distinct valid tokens remembered; a classroom has far fewer
EXCHANGE_AUDIENCE = "https://outlook.office365.com"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
DEFAULT_LIFETIME = 3600


# Exchange's x-ms-diagnostics on a 401 is "<number>;reason=\"<text>\";error_category=\"<name>\"".
# The number is the error category (Microsoft.Exchange.Security.OAuth.OAuthErrorCategory in the
# decompiled Exchange Server, evilashz/exchange-server-27065: InvalidSignature = 2000000, then
# InvalidToken, TokenExpired, InvalidResource, InvalidTenant, InvalidUser, InvalidClient,
# InternalError, InvalidGrant = 2000008; names from MSDiagnosticsHeader.cs there). The reasons are
# Exchange Online's own words where a public sample shows them (see each constant).
INVALID_SIGNATURE = ("2000000", "invalid_signature")
INVALID_TOKEN = ("2000001", "invalid_token")
TOKEN_EXPIRED = ("2000002", "token_expired")
INVALID_RESOURCE = ("2000003", "invalid_resource")
INVALID_TENANT = ("2000004", "invalid_tenant")
INVALID_USER = ("2000005", "invalid_user")
INVALID_GRANT = ("2000008", "invalid_grant")
# Microsoft Information Protection SDK docs (quick app initialization), an Exchange-style 401.
UNPARSABLE = "OAuth token submitted with the request cannot be parsed."
# OAuthErrors.InvalidSignature's description (decompiled Exchange Server, as above); the same
# words in Microsoft's free/busy troubleshooting article.
BAD_SIGNATURE = "The token has an invalid signature."
# No public Exchange Online capture shows an expired token (clients refresh before sending). The
# decompiled Exchange Server's OAuthErrors.TokenExpired = 3001 has the description "The token has
# expired." and OAuthErrorsUtil.GetErrorCategory maps 3001 to TokenExpired = 2000002, named
# "token_expired": Exchange's own code for this case, so that is what the sandbox sends.
EXPIRED = "The token has expired."
# A 2017 Exchange Online capture and the free/busy article ('aud' literally, as captured).
BAD_AUDIENCE = "The audience claim value is invalid 'aud'."
# Microsoft support article on Skype for Business <-> Exchange integration.
UNKNOWN_TENANT = "The tenant for tenant guid '{}' does not exist."
# The free/busy article; OAuthErrors.NoUserFoundWithGivenClaims in the decompiled code.
UNKNOWN_USER = "The user specified by the user-context in the token does not exist."
# otris/ews-cpp issue 148 (Exchange Online, client credentials).
NO_PERMISSIONS = "The token contains no permissions, or permissions can not be understood."


class TokenError(Exception):
    """A bearer token the sandbox cannot accept; ``reason`` says why in Exchange's words.

    ``code`` None: no x-ms-diagnostics header at all (a request without a token never reaches
    Exchange's token validation, so only the challenge comes back)."""

    def __init__(self, kind: tuple[str, str] | None, reason: str = "") -> None:
        super().__init__(reason or "no token")
        self.code = kind[0] if kind else None
        self.category = kind[1] if kind else ""
        self.reason = reason

    @property
    def diagnostics(self) -> str | None:
        """The x-ms-diagnostics value, formatted as Exchange's MSDiagnosticsHeader does."""
        if self.code is None:
            return None
        reason = f'reason="{self.reason}";' if self.reason else ""
        return f'{self.code};{reason}error_category="{self.category}"'


def no_permissions() -> TokenError:
    return TokenError(INVALID_GRANT, NO_PERMISSIONS)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class TokenSigner:
    """Signs and verifies the sandbox's JWTs with one random key per sandbox run."""

    key: bytes
    key_id: str
    # Valid tokens by their exact string: a client sends the same one on every request until it
    # expires, and the base64 + JSON + HMAC work per request was a tenth of the server's time.
    # Only tokens that passed every check go in, and expiry is still checked on every use.
    _verified: dict[str, dict[str, Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def generate(cls) -> TokenSigner:
        return cls(key=secrets.token_bytes(32), key_id=secrets.token_hex(8))

    def make(self, claims: dict[str, Any]) -> str:
        header = {"typ": "JWT", "alg": "HS256", "kid": self.key_id}
        signing_input = (
            _b64(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + _b64(json.dumps(claims, separators=(",", ":")).encode())
        )
        signature = hmac.new(self.key, signing_input.encode("ascii"), hashlib.sha256).digest()
        return signing_input + "." + _b64(signature)

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any]:
        """The claims of a valid Exchange token, else :class:`TokenError` with EXO's reason.

        The claims are shared between calls with the same token: read them, do not change them.
        """
        current = time.time() if now is None else now
        known = self._verified.get(token)
        if known is not None:
            if known["exp"] <= current:
                raise TokenError(TOKEN_EXPIRED, EXPIRED)
            return known
        claims = self._check(token, current)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # rare; simpler than an LRU and costs one re-check per token
        self._verified[token] = claims  # dict operations are atomic: safe across threads
        return claims

    def _check(self, token: str, current: float) -> dict[str, Any]:
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenError(INVALID_TOKEN, UNPARSABLE)
        try:
            header = json.loads(_unb64(parts[0]))
            claims = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise TokenError(INVALID_TOKEN, UNPARSABLE) from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise TokenError(INVALID_TOKEN, UNPARSABLE)
        expected = hmac.new(
            self.key, (parts[0] + "." + parts[1]).encode("ascii"), hashlib.sha256
        ).digest()
        if header.get("alg") != "HS256" or not hmac.compare_digest(signature, expected):
            raise TokenError(INVALID_SIGNATURE, BAD_SIGNATURE)
        if claims.get("aud") not in (EXCHANGE_AUDIENCE, EXCHANGE_AUDIENCE + "/", EXCHANGE_APP_ID):
            raise TokenError(INVALID_RESOURCE, BAD_AUDIENCE)
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)):
            raise TokenError(INVALID_TOKEN, UNPARSABLE)
        if exp <= current:
            raise TokenError(TOKEN_EXPIRED, EXPIRED)
        return claims


def access_token_claims(
    *,
    tenant_id: str,
    client_id: str,
    app_name: str,
    user: dict[str, Any] | None,
    scopes: list[str] | None,
    roles: list[str] | None,
    lifetime: int = DEFAULT_LIFETIME,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims Entra puts into an Exchange Online access token (delegated or app-only)."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "aud": EXCHANGE_AUDIENCE,
        "iss": f"https://sts.windows.net/{tenant_id}/",
        "iat": issued,
        "nbf": issued,
        "exp": issued + lifetime,
        "app_displayname": app_name,
        "appid": client_id,
        "appidacr": "0" if user is not None else "1",
        "idtyp": "user" if user is not None else "app",
        "tid": tenant_id,
        "uti": _b64(uuid.uuid4().bytes)[:22],
        "ver": "1.0",
    }
    if user is not None:
        claims.update(
            {
                "amr": ["pwd"],
                "name": user.get("display_name", ""),
                "oid": user["object_id"],
                "sub": _b64(hashlib.sha256(f"{user['object_id']}{client_id}".encode()).digest())[
                    :43
                ],
                "unique_name": user["email"],
                "upn": user["email"],
                "scp": " ".join(scopes or []),
            }
        )
    else:
        claims.update(
            {
                "oid": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}")),
                "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sp:{client_id}")),
                "roles": list(roles or []),
            }
        )
    return claims
