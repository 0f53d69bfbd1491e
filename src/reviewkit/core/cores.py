"""How many processors this process may run on: the parallel readers and the embedding model size their pools by it."""
from __future__ import annotations

import os


def usable_cores() -> int:
    """The processors this process may run on (its CPU affinity where the platform tells, else every processor)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
