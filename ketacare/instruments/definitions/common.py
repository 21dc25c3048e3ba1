"""Response scales shared by several instruments (PHQ family, yes/no)."""

from __future__ import annotations

from ..model import Option

# PHQ-9 and GAD-7 share the same four frequency options over the last two weeks.
PHQ_FREQUENCY: tuple[Option, ...] = (
    Option("Not at all", 0),
    Option("Several days", 1),
    Option("More than half the days", 2),
    Option("Nearly every day", 3),
)

NO_YES: tuple[Option, ...] = (Option("No", 0), Option("Yes", 1))


def scored_options(*labels: str, start: int = 0) -> tuple[Option, ...]:
    """Options scored start, start+1, ... in display order."""
    return tuple(Option(label, start + i) for i, label in enumerate(labels))
