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

# Vital signs in a dosing session. ENGINEERING input sanity limits, chosen to refuse impossible or
# mistyped values (a digit too many, a value in the wrong box): they are NOT clinical thresholds
# and judge no patient. Alerts come only from thresholds each clinic sets
# (rules.session_alerts; shared/references/clinical.md §2.2: literature values are UNCONFIRMED).
SYSTOLIC_MMHG_MIN = 40
SYSTOLIC_MMHG_MAX = 300
DIASTOLIC_MMHG_MIN = 20
DIASTOLIC_MMHG_MAX = 200
HEART_RATE_PER_MIN_MIN = 20
HEART_RATE_PER_MIN_MAX = 250
SPO2_PERCENT_MIN = 50
SPO2_PERCENT_MAX = 100
RESPIRATORY_RATE_PER_MIN_MIN = 2
RESPIRATORY_RATE_PER_MIN_MAX = 80

# A session's dose in mg of ketamine base: the pharmacology engine's typo catcher (docs/dosing.md,
# "2000 mg"), not a clinical limit.
SESSION_DOSE_MG_MAX = Decimal("2000")

# Minutes of observation a clinic may require before a session ends: up to 24 h (a typing limit).
OBSERVATION_MIN_MAX = 24 * 60
