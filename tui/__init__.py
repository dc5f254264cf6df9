"""mailsetup: a terminal wizard for e-mail over Microsoft Exchange Online with OAuth.

The package is layered: ``settings``, ``checks`` and ``sandbox`` are headless and never import
Textual; ``app``, ``screens`` and ``widgets`` build the UI on top of them. ``guide`` holds the
vendor guide's steps as data for every layer.
"""

from __future__ import annotations

__version__ = "0.1.0"
