"""The benchmark of issue 7: start-up, check overhead, scale, memory, sandbox throughput.

Run it with ``python -m tests.bench`` from the repository root (a few minutes on 2 cores). It is
not part of the test suite: no module here is named ``test_*`` and ``conftest.py`` tells pytest
to skip the folder, so timed numbers never become timed assertions.
"""
