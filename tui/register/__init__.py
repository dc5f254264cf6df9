"""``mailsetup register``: stage A done over Microsoft Graph after one device-code sign-in.

Headless (no Textual): :mod:`~tui.register.signin` (the admin's device code sign-in),
:mod:`~tui.register.graph` (the Graph v1.0 calls, on plain requests), :mod:`~tui.register.plan`
(what the guide asks for versus what the tenant has; the tenant as seen in
:mod:`~tui.register.observed`, the ``--check`` doctor in :mod:`~tui.register.doctor`),
:mod:`~tui.register.apply` (reading the tenant and carrying out the plan),
:mod:`~tui.register.refusals` (every refusal explained), :mod:`~tui.register.run` (one run,
shared by the CLI and the wizard) and :mod:`~tui.register.cli`. msal is imported only when a sign-in
starts.
"""
