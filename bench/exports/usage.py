"""This process's processor time and memory, as the export benchmark's children measure them."""

from __future__ import annotations

import resource


def _cpu_s() -> float:
    """This process's processor time so far (user and system), in seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    """This process's peak resident set so far (ru_maxrss is in KiB on Linux), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def _current_mb() -> float:
    """This process's resident set now (not the high-water mark), in MB."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    return _rss_mb()
