"""The layers hold: apps never import the project's wiring (ketacare.api, ketacare.urls, ketacare.demo)
and the pure core never imports Django or an app. Read from the source with ast, so a lazy import
inside a function counts too."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

KETACARE = Path(__file__).resolve().parents[2]
APPS = ("accounts", "audit", "patients", "outcomes", "dosing", "interop")
WIRING = ("ketacare.api", "ketacare.urls", "ketacare.demo")
PURE_CORE = ("pharmacology", "instruments", "rules", "analytics")


def imports_of(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def modules_of(package: str) -> Iterator[Path]:
    root = KETACARE / package
    if root.is_dir():
        yield from root.rglob("*.py")


def offenders(packages: tuple[str, ...], forbidden: tuple[str, ...], *, tests: bool = True) -> list[str]:
    found = []
    for package in packages:
        for path in modules_of(package):
            if not tests and "tests" in path.parts:
                continue  # tests may build the whole project (a session to start the relapse clock)
            for line, name in imports_of(path):
                if any(name == f or name.startswith(f + ".") for f in forbidden):
                    found.append(f"{path.relative_to(KETACARE)}:{line} imports {name}")
    return found


def test_no_app_imports_the_api_the_urls_or_the_demo() -> None:
    assert offenders(APPS, WIRING) == []


def test_the_pure_core_imports_neither_django_nor_an_app() -> None:
    apps = tuple(f"ketacare.{app}" for app in APPS)
    assert offenders(PURE_CORE, ("django", *apps, *WIRING)) == []


def test_outcomes_is_below_dosing_and_never_reads_it() -> None:
    """Decisions #25: dosing builds on outcomes; outcomes learns of sessions through its treatment
    providers, never by importing dosing or following patient.dosing_sessions."""
    assert offenders(("outcomes",), ("ketacare.dosing",), tests=False) == []
    readers = [
        str(path.relative_to(KETACARE))
        for path in modules_of("outcomes")
        if "dosing_sessions" in path.read_text() and "tests" not in path.parts
    ]
    assert readers == []
