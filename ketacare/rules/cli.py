"""`ketacare dose-check`: the order's dose checks from the command line (the same code as the order
form and POST /api/v1/orders, ketacare.rules.dose_checks), without a database.

Exit status: 0 the dose passes, 1 it needs a confirmation with a reason, 2 a hard stop or bad input.
"""

from __future__ import annotations

import argparse
from decimal import Decimal, InvalidOperation

from ketacare.pharmacology.units import DoseError
from ketacare.rules import dose_checks, protocols


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ketacare dose-check", description=__doc__)
    parser.add_argument("--protocol", required=True, choices=sorted(protocols.LIBRARY))
    parser.add_argument("--dose", required=True, help='"0.71mg/kg" or "50mg"')
    parser.add_argument("--salt", choices=["base", "hcl"], default="base")
    parser.add_argument("--weight-kg", type=_decimal, required=True)
    parser.add_argument("--clinic-max-mg-per-kg", type=_decimal)
    parser.add_argument("--route-total-mg", type=_decimal, help="the clinic's maximum mg for the route")
    parser.add_argument("--previous-mg-per-kg", type=_decimal)
    parser.add_argument("--factor", type=_decimal, help="the clinic's factor above the previous dose")
    args = parser.parse_args(argv)
    protocol = protocols.get(args.protocol)
    try:
        dose = dose_checks.parse(args.dose, args.salt)
    except DoseError as exc:
        print(f"error: {exc}")
        return 2
    limits = dose_checks.Limits(
        protocol_max_mg_per_kg=protocol.dose_max if protocol.per_kg else None,
        protocol_max_mg=None if protocol.per_kg else protocol.dose_max,
        protocol_name=protocol.id,
        clinic_max_mg_per_kg=args.clinic_max_mg_per_kg,
        clinic_max_total_mg=args.route_total_mg,
        previous_mg_per_kg=args.previous_mg_per_kg,
        increase_factor_max=args.factor,
    )
    checked = dose_checks.check_dose(dose, args.weight_kg, protocol.route, limits)
    print(f"{dose.text()} for {args.weight_kg} kg = {checked.base_mg} mg base ({checked.mg_per_kg} mg/kg)")
    for finding in checked.findings:
        kind = "STOP" if finding.hard else "CONFIRM"
        print(f"{kind} {finding.code}: {finding.message} [{finding.source}]")
    if checked.hard_stops:
        return 2
    return 1 if checked.to_confirm else 0
