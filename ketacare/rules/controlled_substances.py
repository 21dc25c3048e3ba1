"""Federal (US DEA) record-keeping facts for a Schedule III controlled substance, and only those that
were VERIFIED against the regulation (shared/references/clinical-verified.md §5). Pure Python.

What is NOT here, because it is not verified or not federal, is clinic policy in the ledger app:
a witness for waste (on by default), the count frequency (shift or daily), and record retention
(2 years, §1304.04, SECONDARY: shown as a reminder, never used to delete anything).
"""

from __future__ import annotations

import datetime as dt

# 21 CFR 1304.11(c), VERIFIED (DEA publication): "new physical inventory ... at least once every two
# years ... may be conducted on any date within two years of the previous biennial inventory date."
BIENNIAL_INVENTORY_YEARS = 2

# 21 CFR 1301.76(b), VERIFIED (88 FR 40707, effective 24 July 2023): written notice of theft or
# significant loss to the DEA Field Division "within one business day of discovering such loss or
# theft"; DEA Form 106 is filed electronically.
THEFT_LOSS_NOTICE_BUSINESS_DAYS = 1


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def biennial_inventory_due(previous_inventory_on: dt.date) -> dt.date:
    """The last day on which the next biennial inventory may be taken (1304.11(c))."""
    return add_years(previous_inventory_on, BIENNIAL_INVENTORY_YEARS)


def theft_loss_notice_due(discovered_on: dt.date) -> dt.date:
    """The last day for the written notice of a theft or significant loss (1301.76(b)).

    Business days skip Saturdays and Sundays; public holidays are not known to KetaCare, so the date
    shown is never later than the real deadline (it may be earlier around a holiday)."""
    day = discovered_on
    remaining = THEFT_LOSS_NOTICE_BUSINESS_DAYS
    while remaining:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            remaining -= 1
    return day
