"""Building blocks the published models share: flows, losses, mammillary systems, depots."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..model import Covariates, FloatArray, PKSystem
from ..solver import Input

_ADULT_DEFAULT = (
    "study population range not retrieved; this adult range is an engineering default used only to warn, "
    "not a number from the paper"
)


def _flow(A: FloatArray, src: int, dst: int, k: FloatArray | float) -> None:
    """First-order transfer src -> dst with rate constant k (1/min)."""
    A[:, dst, src] += k
    A[:, src, src] -= k


def _loss(A: FloatArray, src: int, k: FloatArray | float) -> None:
    A[:, src, src] -= k


def _eta(eta: Mapping[str, FloatArray], name: str, n: int) -> FloatArray:
    return np.asarray(eta.get(name, np.zeros(n)), dtype=float)


def _iv_only(central: int) -> object:
    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route == "iv-bolus":
            return [Input(central, start, 0.0, amount)]
        if route == "iv-infusion":
            return [Input(central, start, duration, amount)]
        raise ValueError(f"route {route} not available")

    return route_inputs


def _mammillary(
    n: int,
    v1: FloatArray,
    k10: FloatArray,
    k12: FloatArray,
    k21: FloatArray,
    k13: FloatArray | None = None,
    k31: FloatArray | None = None,
) -> FloatArray:
    size = 3 if k13 is not None else 2
    A = np.zeros((n, size, size))
    _loss(A, 0, k10)
    _flow(A, 0, 1, k12)
    _flow(A, 1, 0, k21)
    if k13 is not None and k31 is not None:
        _flow(A, 0, 2, k13)
        _flow(A, 2, 0, k31)
    return A


LN2 = math.log(2.0)


def _with_depots(pk: PKSystem, depots: Mapping[str, tuple[FloatArray, FloatArray]]) -> PKSystem:
    """Add one first-order absorption depot per extravascular route to a disposition model.

    ``depots`` maps a route to (bioavailability, absorption rate constant in 1/min), one value per
    subject.  A dose by that route puts ``F x amount`` into the route's depot at once; IV routes are
    left to the disposition model.
    """
    n, s, _ = pk.A.shape
    routes = tuple(depots)
    A = np.zeros((n, s + len(routes), s + len(routes)))
    A[:, :s, :s] = pk.A
    for i, route in enumerate(routes):
        _flow(A, s + i, pk.central, depots[route][1])
    inner = pk.route_inputs

    def route_inputs(
        route: str, amount: FloatArray, start: float, duration: float, device: int
    ) -> list[Input]:
        if route in depots:
            return [Input(s + routes.index(route), start, 0.0, amount * depots[route][0])]
        return inner(route, amount, start, duration, device)

    states = pk.states + tuple(f"depot-{route}" for route in routes)
    return PKSystem(
        A, states, pk.central, pk.central_volume_l, pk.norketamine, pk.norketamine_volume_l, route_inputs
    )


def _build_two_compartment_per_kg(
    p: Mapping[str, float], cov: Covariates, eta: Mapping[str, FloatArray]
) -> PKSystem:
    """A 2-compartment IV model with V1 in L/kg and fixed micro-constants (Clements, Hijazi)."""
    n = cov.weight_kg.size
    v1 = p["v1"] * cov.weight_kg
    A = _mammillary(n, v1, np.full(n, p["k10"]), np.full(n, p["k12"]), np.full(n, p["k21"]))
    return PKSystem(A, ("central", "peripheral1"), 0, v1, None, None, _iv_only(0))  # type: ignore[arg-type]
