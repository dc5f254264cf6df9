"""Live checks: msal gets a token, exchangelib opens mailboxes and sends; failures are diagnosed.

Headless (no Textual). msal and exchangelib are imported only inside the functions that run a
check, so importing this package stays cheap.
"""
