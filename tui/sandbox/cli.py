"""``mailsetup sandbox``: run the sandbox tenant in the foreground and say what to type where.

With ``--json`` exactly one JSON line goes to stdout (then the server runs until Ctrl+C), for the
wizard's demo mode and scripts. ``--write-config FILE`` also writes a complete settings file for
the scenario, so ``mailsetup check --config FILE`` works against it right away.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from tui.sandbox.state import ScenarioError, shipped_scenarios
from tui.settings.options import port_number


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=port_number,
        default=0,
        metavar="N",
        help="port on 127.0.0.1 to listen on (default: any free port)",
    )
    parser.add_argument(
        "--scenario",
        default="ready",
        metavar="NAME|FILE",
        help="tenant state to start with: a shipped scenario name or a TOML file "
        f"(shipped: {', '.join(shipped_scenarios())}; default: ready)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON line with the connection details, then serve",
    )
    parser.add_argument(
        "--approve-sign-ins",
        action="store_true",
        help="approve every device code sign-in as the tenant's admin at once "
        "(for scripts and tests of mailsetup register)",
    )
    parser.add_argument(
        "--write-config",
        metavar="FILE",
        help="also write a complete mailsetup settings file for this tenant",
    )


def _human(info: dict[str, Any], config: Path | None) -> str:
    lines = [
        f"Sandbox tenant running: scenario {info['scenario']!r} (Ctrl+C stops it)",
        "",
        "Type into the wizard:",
        f"  Directory (tenant) ID      {info['tenant_id']}  (or {info['tenant_domain']})",
        f"  Application (client) ID    {info['client_id']}",
    ]
    if info["client_secret"]:
        lines.append(f"  Client secret              {info['client_secret']}")
    lines += [
        f"  Authority host             {info['authority_host']}",
        f"  Server address / port      127.0.0.1 / {info['authority_host'].rpartition(':')[2]}",
        f"  EWS URL                    {info['ews_url']}",
        f"  CA file to trust           {info['ca_file']}",
        "",
        "Users (e-mail / password):",
        *(f"  {u['email']}  {u['password']}" for u in info["users"]),
        "",
        "Admins for mailsetup register (e-mail / password / roles):",
        *(
            f"  {a['email']}  {a['password']}  {', '.join(a['roles']) or 'no role'}"
            for a in info.get("admins", [])
        ),
        "",
        f"Graph host (register)        {info['graph_host']}",
        "Approve admin sign-ins       portal (F2), or POST <control API>/sign-ins/approve",
        f"Control API                  {info['control_url']}/state",
        f"Control token                {info['control_token']}",
    ]
    if config:
        lines.append(f"Settings file written        {config}")
    return "\n".join(lines)


def _config_target(given: str | None) -> Path | str | None:
    """Where ``--write-config`` writes, or the reason it cannot (checked before the sandbox
    starts, so a typo costs nothing). A missing folder is not created: it is usually a typo."""
    if given is None:
        return None
    if not given.strip():
        return "--write-config: the file name is empty"
    path = Path(given).expanduser()
    if not path.parent.is_dir():
        return f"--write-config: the folder {path.parent} does not exist"
    if path.is_dir():
        return f"--write-config: {path} is a folder; name a file in it"
    return path


# A dropped SSH session sends SIGHUP, a service manager SIGTERM: both must unwind through
# ``finally`` so the sandbox stops and its folder (with the private key) is removed.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def run(args: argparse.Namespace) -> int:
    from tui.sandbox.sandbox import Sandbox

    target = _config_target(args.write_config)
    if isinstance(target, str):
        print(f"mailsetup sandbox: {target}", file=sys.stderr)
        return 2
    scenario: str | Path = args.scenario
    if scenario.endswith(".toml") or "/" in scenario:
        scenario = Path(scenario).expanduser()
    try:
        sandbox = Sandbox(
            scenario, port=args.port, approve_sign_ins=getattr(args, "approve_sign_ins", False)
        )
    except ScenarioError as problem:
        print(f"mailsetup sandbox: {problem}", file=sys.stderr)
        return 2
    stop = threading.Event()
    previous = {signum: signal.signal(signum, lambda *_: stop.set()) for signum in STOP_SIGNALS}
    try:
        return _serve(sandbox, args, target, stop)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _serve(
    sandbox: Any, args: argparse.Namespace, target: Path | None, stop: threading.Event
) -> int:
    from tui.settings.store import SettingsFileError

    try:
        try:
            sandbox.start()
        except OSError as problem:
            print(
                f"mailsetup sandbox: cannot listen on 127.0.0.1:{args.port}: {problem}",
                file=sys.stderr,
            )
            return 1
        config = None
        if target is not None:
            try:
                config = sandbox.write_config(target)
            except (SettingsFileError, OSError) as problem:
                why = getattr(problem, "message", None) or getattr(problem, "strerror", None)
                why = why or problem
                print(f"mailsetup sandbox: cannot write {target}: {why}", file=sys.stderr)
                return 2
        info = sandbox.info
        if args.json:
            line = dict(info)
            if config:
                line["config_file"] = str(config)
            print(json.dumps(line), flush=True)
        else:
            print(_human(info, config), flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    if not args.json:
        with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
            print("Sandbox tenant stopped.", file=sys.stderr)
    return 0
