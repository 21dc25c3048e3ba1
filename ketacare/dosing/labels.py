"""How routes are named on the pages (shared by the forms and the session model)."""

ROUTE_LABELS = {
    "iv-infusion": "IV infusion",
    "iv-bolus": "IV bolus",
    "im": "Intramuscular (IM)",
    "intranasal": "Intranasal",
    "oral": "Oral",
    "sublingual": "Sublingual",
}
