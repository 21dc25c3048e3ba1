"""outcomes keeps its shape: views name no instrument, read nothing themselves, and the services are
split by subject."""

from __future__ import annotations

import ast
from pathlib import Path

from ketacare import instruments

VIEWS = Path(__file__).resolve().parents[1] / "views"


def _constants_and_queries(path: Path) -> tuple[set[str], list[str]]:
    tree = ast.parse(path.read_text())
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    queries = [
        f"{path.name}:{n.lineno}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute)
        and n.attr in {"objects", "filter", "exclude", "order_by", "select_related"}
        and not (isinstance(n.value, ast.Name) and n.value.id in {"request", "ERROR_KINDS"})
    ]
    return strings, queries


def test_no_view_hard_codes_an_instrument_id() -> None:
    ids = {i.id for i in instruments.list_instruments()}
    for path in VIEWS.glob("*.py"):
        strings, _ = _constants_and_queries(path)
        assert not strings & ids, path.name


def test_views_run_no_queries_of_their_own() -> None:
    for path in VIEWS.glob("*.py"):
        _, queries = _constants_and_queries(path)
        assert queries == [], queries
