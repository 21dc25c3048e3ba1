"""DSM-5 substance use disorder severity from the number of criteria met.

Source: American Psychiatric Association. Diagnostic and Statistical Manual of Mental Disorders,
5th ed. (DSM-5), 2013, "Substance-Related and Addictive Disorders": 11 criteria within a 12-month
period; 2-3 criteria mild, 4-5 moderate, 6 or more severe. doi:10.1176/appi.books.9780890425596
"""

from __future__ import annotations

from enum import StrEnum

CRITERIA_COUNT = 11
# (lowest count, severity): the band of a count is the last whose lowest count it reaches.
SEVERITY_BANDS: tuple[tuple[int, str], ...] = ((2, "mild"), (4, "moderate"), (6, "severe"))


class Severity(StrEnum):
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


def severity(criteria_met: int) -> Severity:
    """Severity for 2 to 11 criteria met; fewer than 2 is not a substance use disorder."""
    if not 0 <= criteria_met <= CRITERIA_COUNT:
        raise ValueError(f"DSM-5 lists {CRITERIA_COUNT} criteria; {criteria_met} cannot be met.")
    if criteria_met < SEVERITY_BANDS[0][0]:
        raise ValueError("At least 2 of the 11 DSM-5 criteria must be met for a substance use disorder.")
    band = SEVERITY_BANDS[0][1]
    for lowest, name in SEVERITY_BANDS:
        if criteria_met >= lowest:
            band = name
    return Severity(band)
