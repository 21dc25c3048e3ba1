"""What KetaCare fixes about 42 CFR Part 2 (2024 final rule), and only what is VERIFIED in
shared/references/clinical-verified.md §6.  Everything else is clinic-set (ClinicPrivacySettings):
the full notice of §2.32 and the HIPAA redisclosure statement of §2.31(a)(4)(iii) were not read in
full, so the clinic pastes them from the regulation itself.  The 2018 short notice is superseded and
must not be used (clinical-verified.md, correction 14); tests/test_part2_texts.py holds this.
"""

from __future__ import annotations

import datetime as dt

# 89 FR 12472: "This final rule is effective on April 16, 2024 … must comply … by February 16, 2026."
COMPLIANCE_DATE = dt.date(2026, 2, 16)

# §2.31(a)(4)(i), VERIFIED: the single consent for treatment, payment and health care operations may
# describe its recipients as this class ("or a similar statement").
TPO_RECIPIENT_WORDING = (
    "my treating providers, health plans, third-party payers, and people helping to operate this program"
)

# §2.32 (2024) Statement 1, VERIFIED first half only (the rest was not readable). Shown to the clinic
# as what its pasted notice must begin with; never sent alone as if it were the whole notice.
NOTICE_VERIFIED_OPENING = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony"
)
NOTICE_STATUS = (
    "VERIFIED: the opening of Statement 1 above (clinical-verified.md §6). NOT FOUND: the rest of "
    "Statement 1, Statement 2 and the copy-of-consent paragraph of the 2024 text: paste them from "
    "42 CFR §2.32 itself."
)

# §2.31(a)(4)(iii), VERIFIED in substance (the quote is cut off): a TPO consent to a HIPAA covered
# entity or business associate must state that the record may be redisclosed under HIPAA, except for
# uses and disclosures for civil, criminal, administrative and legislative proceedings against the
# patient. The exact wording is pasted by the clinic.
HIPAA_STATEMENT_STATUS = (
    "Clinic-set: paste the statement of 42 CFR §2.31(a)(4)(iii) (that the record may be redisclosed "
    "as the HIPAA regulations permit, except for proceedings against the patient)."
)

# §2.25, VERIFIED: on request, all disclosures made with consent in the 3 years before the request.
ACCOUNTING_YEARS = 3

# The right to revoke in writing is an element of the consent (SECONDARY summary of §2.31; §2.33(a)(2),
# VERIFIED, speaks of a consent "until such time as the patient revokes such consent in writing").
# KetaCare's own plain wording of that right, not a quotation of the regulation:
REVOCATION_STATEMENT = "You may revoke this consent in writing at any time."
