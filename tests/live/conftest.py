"""Live-test fixtures: one started sandbox tenant per test module.

``sandbox`` is a running ``Sandbox("ready")`` on 127.0.0.1; tests switch it with
``sandbox.load_scenario(...)`` / ``sandbox.patch(...)`` instead of starting another one. After the
module, exchangelib's cached connections are closed so the next module starts clean.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tui.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox("ready").start()
    try:
        yield sb
    finally:
        try:
            from exchangelib import close_connections

            close_connections()
        finally:
            sb.stop()
