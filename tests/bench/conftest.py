"""Keeps pytest out of the benchmark: it measures time, and the test suite asserts no time."""

from __future__ import annotations

collect_ignore_glob = ["*.py"]
