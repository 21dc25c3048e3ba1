"""Clinical rules as data: record limits, DSM-5 severity, eligibility (later), each cited."""
