"""The verified DEA record-keeping facts hold (shared/references/clinical-verified.md §5)."""

import datetime as dt

from ketacare.rules import controlled_substances as cs


def test_the_biennial_inventory_is_due_within_two_years_of_the_previous_one() -> None:
    assert cs.BIENNIAL_INVENTORY_YEARS == 2
    assert cs.biennial_inventory_due(dt.date(2026, 3, 1)) == dt.date(2028, 3, 1)
    assert cs.biennial_inventory_due(dt.date(2024, 2, 29)) == dt.date(2026, 2, 28)


def test_theft_or_loss_notice_is_due_one_business_day_after_discovery() -> None:
    assert cs.THEFT_LOSS_NOTICE_BUSINESS_DAYS == 1
    assert cs.theft_loss_notice_due(dt.date(2026, 12, 1)) == dt.date(2026, 12, 2)  # Tuesday -> Wednesday
    assert cs.theft_loss_notice_due(dt.date(2026, 12, 4)) == dt.date(2026, 12, 7)  # Friday -> Monday
    assert cs.theft_loss_notice_due(dt.date(2026, 12, 5)) == dt.date(2026, 12, 7)  # Saturday -> Monday
