"""Plausibility limits for what is entered into the record.

These refuse impossible or mistyped values at entry; they are not dosing limits. Each PK model
checks its own, narrower validity range before it predicts anything.
"""

from __future__ import annotations

from decimal import Decimal

# KetaCare product decision (issue #2): weight drives mg/kg dosing; below 30 kg or above 300 kg
# is treated as a typing error in an adult addiction programme.
WEIGHT_KG_MIN = Decimal("30")
WEIGHT_KG_MAX = Decimal("300")

# Plausibility bounds for adult height, chosen to catch unit slips (inches, metres), not to
# judge a patient: 100 cm to 250 cm. A KetaCare product decision, not a clinical threshold.
HEIGHT_CM_MIN = Decimal("100")
HEIGHT_CM_MAX = Decimal("250")

# Oldest plausible date of birth relative to today, in years (a typing error beyond this).
MAX_AGE_YEARS = 120
