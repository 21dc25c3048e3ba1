"""Ketamine dosing: planning a dose for this patient (what to expect, from the pharmacology engine).

Monitored sessions, vitals, side effects, discharge, signing and the ledger will live here too
(shared/DESIGN.md, "dosing").
"""
