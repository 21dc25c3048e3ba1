"""DSM-5 severity, held to the manual: 2-3 mild, 4-5 moderate, 6+ severe of 11 criteria (APA 2013)."""

import pytest

from ketacare.rules import dsm5


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [(2, "mild"), (3, "mild"), (4, "moderate"), (5, "moderate"), (6, "severe"), (11, "severe")],
)
def test_severity_follows_the_dsm5_bands(criteria: int, expected: str) -> None:
    assert dsm5.severity(criteria) == expected


@pytest.mark.parametrize("criteria", [-1, 0, 1, 12])
def test_fewer_than_two_or_more_than_eleven_criteria_is_refused(criteria: int) -> None:
    with pytest.raises(ValueError, match="criteria"):
        dsm5.severity(criteria)


def test_dsm5_lists_eleven_criteria() -> None:
    assert dsm5.CRITERIA_COUNT == 11
