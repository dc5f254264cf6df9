"""EWS's SOAP envelope: namespaces, parsing a request, writing responses and faults.

Names are matched as qualified names (``{namespace}Local``), never by prefix. Faults carry the
ResponseCode and Message in the errors namespace and, for throttling and schema errors, the
``MessageXml`` details exchangelib reads (BackOffMilliseconds, line and position).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
E = "http://schemas.microsoft.com/exchange/services/2006/errors"

# Exchange Online declares the namespaces again on the version header and on the response
# element; here they are declared once, on the Envelope (the same document to any namespace-aware
# parser). That is a third less to send, and exchangelib reads answers a byte at a time (requests'
# iter_content()), about 0.4 µs per byte: the largest client cost that depends on the answer.
SERVER_VERSION = (
    '<t:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="8722" '
    'MinorBuildNumber="24" Version="V2018_01_08"/>'
)
ENVELOPE_START = (
    f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}" xmlns:m="{M}" '
    f'xmlns:t="{T}"><s:Header>{SERVER_VERSION}</s:Header><s:Body>'
)

MESSAGES = {
    "ErrorAccessDenied": "Access is denied. Check credentials and try again.",
    "ErrorNonExistentMailbox": "The SMTP address has no mailbox associated with it.",
    "ErrorNameResolutionNoResults": "No results were found.",
    "ErrorNameResolutionMultipleResults": "Multiple results were found.",
    "ErrorSendAsDenied": "The user account which was used to submit this request does not have "
    "the right to send mail on behalf of the specified sending account., Cannot submit message.",
    "ErrorInvalidIdMalformed": "Id is malformed.",
    "ErrorItemNotFound": "The specified object was not found in the store., The process failed "
    "to get the correct properties.",
    "ErrorFolderNotFound": "The specified folder could not be found in the store.",
    "ErrorInvalidRecipients": "At least one recipient isn't valid., A message can't be sent "
    "because it contains no recipients.",
    "ErrorServerBusy": "The server cannot service this request right now. Try again later.",
    "ErrorSchemaValidation": "The request failed schema validation.",
    "ErrorInvalidRequest": "The request is invalid.",
    "ErrorInvalidExchangeImpersonationHeaderData": "ExchangeImpersonation SOAP header must be "
    "present for this type of OAuth token.",
    "ErrorImpersonateUserDenied": "The account does not have permission to impersonate the "
    "requested user.",
}


class Fault(Exception):
    """An EWS SOAP fault (HTTP 500)."""

    def __init__(self, code: str, message: str | None = None, extra_xml: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message or MESSAGES.get(code, code)
        self.extra_xml = extra_xml


def fault_body(error: Fault) -> bytes:
    text = (
        f'<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault>'
        f'<faultcode xmlns:a="{T}">a:{error.code}</faultcode>'
        f'<faultstring xml:lang="en-US">{escape(error.message)}</faultstring><detail>'
        f'<e:ResponseCode xmlns:e="{E}">{error.code}</e:ResponseCode>'
        f'<e:Message xmlns:e="{E}">{escape(error.message)}</e:Message>{error.extra_xml}'
        f"</detail></s:Fault></s:Body></s:Envelope>"
    )
    return text.encode("utf-8")


def server_busy(back_off_ms: int) -> Fault:
    return Fault(
        "ErrorServerBusy",
        extra_xml=(
            f'<t:MessageXml xmlns:t="{T}"><t:Value Name="BackOffMilliseconds">{int(back_off_ms)}'
            f"</t:Value></t:MessageXml>"
        ),
    )


def schema_fault(violation: str, line: int = 0, column: int = 0) -> Fault:
    return Fault(
        "ErrorSchemaValidation",
        f"The request failed schema validation: {violation}",
        extra_xml=(
            f'<t:MessageXml xmlns:t="{T}"><t:LineNumber>{line}</t:LineNumber>'
            f"<t:LinePosition>{column}</t:LinePosition><t:Violation>{escape(violation)}"
            f"</t:Violation></t:MessageXml>"
        ),
    )


def envelope(operation: str, messages: list[str]) -> bytes:
    text = (
        f"{ENVELOPE_START}<m:{operation}Response><m:ResponseMessages>"
        + "".join(messages)
        + f"</m:ResponseMessages></m:{operation}Response></s:Body></s:Envelope>"
    )
    return text.encode("utf-8")


def success_message(operation: str, inner: str) -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="Success"><m:ResponseCode>NoError'
        f"</m:ResponseCode>{inner}</m:{operation}ResponseMessage>"
    )


def failure_message(operation: str, code: str, empty: str = "", cls: str = "Error") -> str:
    return (
        f'<m:{operation}ResponseMessage ResponseClass="{cls}"><m:MessageText>'
        f"{escape(MESSAGES.get(code, code))}</m:MessageText><m:ResponseCode>{code}"
        f"</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>{empty}"
        f"</m:{operation}ResponseMessage>"
    )


def parse(body: bytes) -> tuple[ET.Element | None, ET.Element]:
    """(SOAP header, the operation element) of a request, or a schema-validation Fault."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as error:
        line, column = error.position
        raise schema_fault(f"The XML is not well formed: {error}", line, column) from None
    if root.tag not in (f"{{{SOAP}}}Envelope", f"{{{SOAP12}}}Envelope"):
        raise schema_fault(f"The root element must be a SOAP Envelope, not {root.tag!r}.")
    ns = root.tag[1:].split("}")[0]
    body_element = root.find(f"{{{ns}}}Body")
    if body_element is None or len(body_element) == 0:
        raise schema_fault("The SOAP Envelope has no Body with an operation.")
    return root.find(f"{{{ns}}}Header"), body_element[0]
