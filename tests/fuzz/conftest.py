"""Hypothesis settings of the fuzz tests.

The ``fuzz`` profile, loaded here whatever the environment (Hypothesis would otherwise take its own ``ci`` profile
where ``CI`` is set), keeps the fuzzers in the normal suite (``make test``): a few dozen new examples per test
and run, no deadline, no example database (failing examples are not saved). For a longer hunt, set
``REVIEWKIT_FUZZ_EXAMPLES`` to the number of examples per test::

    REVIEWKIT_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest -q -p no:cacheprovider tests/fuzz

A failure prints the falsifying example and a ``@reproduce_failure`` blob to replay it.
"""
from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = os.environ.get("REVIEWKIT_FUZZ_EXAMPLES")

settings.register_profile(
    "fuzz",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
    database=None,
    print_blob=True,
)
settings.register_profile("long", settings.get_profile("fuzz"), max_examples=int(EXAMPLES or 0) or 40)
settings.load_profile("long" if EXAMPLES else "fuzz")
