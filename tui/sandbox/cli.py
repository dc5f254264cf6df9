"""``mailsetup sandbox``: run the sandbox tenant in the foreground and say what to type where.

With ``--json`` exactly one JSON line goes to stdout (then the server runs until Ctrl+C), for the
wizard's demo mode and scripts. ``--write-config FILE`` also writes a complete settings file for
the scenario, so ``mailsetup check --config FILE`` works against it right away.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from tui.sandbox.state import ScenarioError, shipped_scenarios


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
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


def run(args: argparse.Namespace) -> int:
    from tui.sandbox.sandbox import Sandbox

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
    try:
        sandbox.start()
    except OSError as problem:
        print(
            f"mailsetup sandbox: cannot listen on 127.0.0.1:{args.port}: {problem}", file=sys.stderr
        )
        return 1
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        config = None
        if args.write_config:
            config = sandbox.write_config(Path(args.write_config).expanduser())
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
        signal.signal(signal.SIGTERM, previous)
        sandbox.stop()
    if not args.json:
        print("Sandbox tenant stopped.", file=sys.stderr)
    return 0
