"""What one check target is: the outgoing test values, or one incoming account, resolved.

A :class:`Target` gathers everything the steps need (effective Azure values, EWS endpoint, the
user and password to sign in with, the mailbox to open) from the settings tree, so the steps never
reach into the settings themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.settings.model import AuthFlow, Azure, Secret, Settings

OUTGOING = "outgoing"
INCOMING = "incoming"
INCOMING_PREFIX = "incoming:"


@dataclass(frozen=True)
class Target:
    name: str  # "outgoing" | "incoming:<email>"
    kind: str  # "outgoing" | "incoming"
    azure: Azure
    ews_url: str
    user_name: str
    password: str
    client_secret: str
    mailbox: str  # the address whose inbox is opened
    sender: str = ""
    recipient: str = ""
    account_index: int | None = None

    @property
    def app_only(self) -> bool:
        return self.azure.auth_flow is AuthFlow.CLIENT_SECRET


def outgoing_target(settings: Settings) -> Target:
    azure = settings.effective_azure("outgoing")
    test = settings.outgoing.test
    app_only = azure.auth_flow is AuthFlow.CLIENT_SECRET
    return Target(
        name=OUTGOING,
        kind=OUTGOING,
        azure=azure,
        ews_url=settings.outgoing.ews_url,
        user_name="" if app_only else test.user_name.strip(),
        password="" if app_only else test.password.resolve(),
        client_secret=azure.client_secret.resolve() if app_only else "",
        # User name/Password signs in as the user and sends from that mailbox (as the sender);
        # the Client secret flow acts as the sender's mailbox directly.
        mailbox=test.sender.strip()
        if app_only or not test.user_name.strip()
        else test.user_name.strip(),
        sender=test.sender.strip(),
        recipient=test.recipient.strip(),
    )


def incoming_target(settings: Settings, index: int) -> Target:
    azure = settings.effective_azure("incoming")
    account = settings.incoming.accounts[index]
    app_only = azure.auth_flow is AuthFlow.CLIENT_SECRET
    return Target(
        name=INCOMING_PREFIX + account.email.strip(),
        kind=INCOMING,
        azure=azure,
        ews_url=settings.incoming.ews_url,
        user_name="" if app_only else account.user_name.strip(),
        password="" if app_only else account.password.resolve(),
        client_secret=azure.client_secret.resolve() if app_only else "",
        mailbox=account.email.strip(),
        account_index=index,
    )


def account_index(settings: Settings, email: str) -> int | None:
    wanted = email.strip().lower()
    for i, account in enumerate(settings.incoming.accounts):
        if account.email.strip().lower() == wanted:
            return i
    return None


def expand(
    settings: Settings, requested: list[str] | tuple[str, ...]
) -> tuple[list[Target], list[str]]:
    """Targets for ``["outgoing", "incoming", "incoming:a@b", "a@b"]``; unknown names second.

    "incoming" means every account. A bare address selects the incoming account with it, or the
    outgoing check when it is the outgoing sender or user.
    """
    found: list[Target] = []
    unknown: list[str] = []
    names: set[str] = set()

    def add(target: Target) -> None:
        if target.name not in names:
            names.add(target.name)
            found.append(target)

    for item in requested:
        text = item.strip()
        if text == OUTGOING:
            add(outgoing_target(settings))
        elif text == INCOMING:
            if not settings.incoming.accounts:
                unknown.append(INCOMING)
            for i in range(len(settings.incoming.accounts)):
                add(incoming_target(settings, i))
        else:
            email = text[len(INCOMING_PREFIX) :] if text.startswith(INCOMING_PREFIX) else text
            index = account_index(settings, email)
            test = settings.outgoing.test
            if index is not None:
                add(incoming_target(settings, index))
            elif not text.startswith(INCOMING_PREFIX) and email.lower() in (
                test.sender.strip().lower(),
                test.user_name.strip().lower(),
            ):
                add(outgoing_target(settings))
            else:
                unknown.append(text)
    return found, unknown


def needed_secrets(settings: Settings, targets: list[str]) -> list[tuple[str, str, Secret]]:
    """(label, field, secret) for every secret the selected checks sign in with.

    The secrets are the settings' own objects, so a value typed in when asked is kept for the
    rest of the session (and saved only where the settings say secrets are stored)."""
    needed: list[tuple[str, str, Secret]] = []
    wants_outgoing = "outgoing" in targets or any(
        t.lower()
        in (settings.outgoing.test.sender.lower(), settings.outgoing.test.user_name.lower())
        for t in targets
        if t not in ("outgoing", "incoming")
    )
    if wants_outgoing:
        azure = settings.effective_azure("outgoing")
        if azure.auth_flow is AuthFlow.CLIENT_SECRET:
            needed.append(
                ("Client secret (outgoing)", "outgoing.azure.client_secret", azure.client_secret)
            )
        else:
            test = settings.outgoing.test
            needed.append(
                (
                    f"Password (Exchange) for {test.user_name}",
                    "outgoing.test.password",
                    test.password,
                )
            )
    indexes: list[int] = []
    if "incoming" in targets:
        indexes = list(range(len(settings.incoming.accounts)))
    for t in targets:
        index = account_index(settings, t.removeprefix("incoming:"))
        if index is not None and index not in indexes:
            indexes.append(index)
    if indexes:
        azure = settings.effective_azure("incoming")
        if azure.auth_flow is AuthFlow.CLIENT_SECRET:
            needed.append(
                ("Client secret (incoming)", "incoming.azure.client_secret", azure.client_secret)
            )
        else:
            for i in indexes:
                account = settings.incoming.accounts[i]
                needed.append(
                    (
                        f"Password for {account.email}",
                        f"incoming.accounts[{i}].password",
                        account.password,
                    )
                )
    return needed
