"""The few session numbers KetaCare fixes by default, each VERIFIED in
shared/references/clinical-verified.md with its source. Everything else is clinic-set.

One place in the code, held by a test (ketacare/dosing/tests/test_alerts.py).
"""

from __future__ import annotations

# Spravato (esketamine) PI boxed warning, §5.1/5.2 (2019 PI, mirror) and the FDA REMS page:
# "patients must be monitored for at least 2 hours at each treatment session" and "until resolution
# of sedation, dissociation and respiratory depression" (clinical-verified.md §1b, §1c).
ESKETAMINE_MINIMUM_OBSERVATION_MIN = 120

# Spravato REMS Patient Monitoring Form (11/2021, mirror): blood pressure "Prior to administration",
# "40 mins post-administration", "Prior to treatment session completion" (clinical-verified.md §1c).
ESKETAMINE_BP_CHECK_AFTER_START_MIN = 40

# The REMS form: "Submit completed patient monitoring forms within 7 days" (clinical-verified.md §1c;
# "calendar days" is only a vendor reading, so KetaCare counts calendar days and says so).
REMS_FORM_DUE_DAYS = 7

# Chung 1995, J Clin Anesth 7:500-506 (PMID 8534468): repeated "until patients obtained a
# Post-Anesthetic Discharge Score of at least 9"; reassessed every 30 minutes (clinical-verified.md §4).
PADSS_DISCHARGE_MINIMUM = 9
PADSS_REASSESS_MIN = 30

# Spravato PI §17 (2019, mirror): no driving "until the next day after a restful sleep"; the Ketalar
# label Special Note: released only after complete recovery, "accompanied by a responsible adult".
NO_DRIVING_ADVICE = "No driving or operating machinery until the next day after a restful sleep."
