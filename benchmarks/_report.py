"""Writing benchmark results into docs/performance.md: one section per component, newest runs first."""

from __future__ import annotations

import os
import platform
from pathlib import Path

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
