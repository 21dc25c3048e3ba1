"""Writing benchmark results into docs/performance.md: one section per component, newest runs first."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

DOC = Path(__file__).resolve().parents[1] / "docs" / "performance.md"
KEEP_RUNS = 5


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return f"{cpu}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}, load average {load}"


def write_section(heading: str, intro: str, run: str) -> None:
    """Put `run` first under `heading` (kept with its intro), keeping the last KEEP_RUNS runs."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    before, found, rest = text.partition(heading + "\n")
    section, _, after = rest.partition("\n## ")
    previous = ["### Run " + chunk.strip() + "\n" for chunk in section.split("### Run ")[1:]] if found else []
    body = "\n".join([heading, "", intro, "", run.strip() + "\n", *previous[: KEEP_RUNS - 1]])
    tail = "\n## " + after if after else ""
    DOC.write_text(before.rstrip("\n") + "\n\n" + body.rstrip("\n") + "\n" + tail)


def measure_requests(
    cases: Sequence[tuple[str, Callable[[], Any], float]], repeat: int
) -> tuple[list[str], bool]:
    """Time each (name, call, goal in ms) `repeat` times after one warm-up call, count its SQL queries
    once more, and return the markdown table rows (printed as they come) and whether all goals were met."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    table = ["| Request | Median | Queries | Goal | Met |", "|---|---|---|---|---|"]
    ok = True
    for name, call, goal_ms in cases:
        call()  # warm caches (and a token's last-used stamp)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = call()
            times.append(time.perf_counter() - started)
            assert getattr(response, "status_code", 0) < 400, (name, response)
        with CaptureQueriesContext(connection) as queries:
            call()
        median_ms = statistics.median(times) * 1000
        met = median_ms < goal_ms
        ok &= met
        table.append(
            f"| {name} | {median_ms:.1f} ms | {len(queries.captured_queries)} | < {goal_ms:g} ms | "
            f"{'yes' if met else 'NO'} |"
        )
        print(table[-1])
    return table, ok
