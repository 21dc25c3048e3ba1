"""The exact solver against a tight ODE solution, against itself, and against conservation of mass."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from ketacare.pharmacology import MODELS, DoseEvent, Patient, Regimen
from ketacare.pharmacology.effects import EFFECT_SITES
from ketacare.pharmacology.model import Covariates
from ketacare.pharmacology.simulate import _inputs, _system, sample_etas
from ketacare.pharmacology.solver import Input, solve


def _ode_reference(A: np.ndarray, inputs: list[Input], times: np.ndarray) -> np.ndarray:
    """Tight LSODA solution (rtol 1e-10) integrated piecewise between input breakpoints; states (T, n)."""
    n = A.shape[0]
    cuts = sorted(
        {
            0.0,
            *(float(i.start_min) for i in inputs),
            *(float(i.start_min + i.duration_min) for i in inputs),
            float(times[-1]),
        }
    )
    x = np.zeros(n)
    out = np.zeros((times.size, n))
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        for item in inputs:
            if item.duration_min == 0 and item.start_min == a:
                x[item.compartment] += float(np.ravel(item.amount_mg)[0])
        rate = np.zeros(n)
        for item in inputs:
            if item.duration_min > 0 and item.start_min <= a < item.start_min + item.duration_min:
                rate[item.compartment] += float(np.ravel(item.amount_mg)[0]) / item.duration_min
        mask = (times >= a) & (times < b) if b < cuts[-1] else (times >= a) & (times <= b)
        sol = solve_ivp(
            lambda t, y: A @ y + rate, (a, b), x, method="LSODA", rtol=1e-10, atol=1e-14, dense_output=True
        )
        if mask.any():
            out[mask] = sol.sol(times[mask]).T
        x = sol.y[:, -1].copy()
    return out


def _built(model_id: str, regimen: Regimen, n: int = 1, seed: int | None = None):
    model = MODELS[model_id]
    etas = sample_etas(model, n, seed) if seed is not None else {}
    A, C, route_inputs, _ = _system(
        model, Covariates.from_patient(Patient(70, 40), n), etas, EFFECT_SITES[model.default_effect_site]
    )
    return A, C, _inputs(model, regimen, route_inputs, n)


CASES = [
    ("domino-1984", Regimen.loading_then_infusion(7.7, 2.0, 42.0, 50.0)),
    ("otto-2021", Regimen.repeated("iv-bolus", 20.0, 3, 90.0)),
    ("perez-ruixo-2020", Regimen.intranasal_devices(84.0, 28.0, 5.0)),
    ("perez-ruixo-2020", Regimen.single("oral", 84.0)),
    ("herd-2007", Regimen.single("iv-infusion", 30.0, 1.0)),
    ("hornik-2018", Regimen((DoseEvent("im", 140.0, 0.0), DoseEvent("iv-bolus", 20.0, 30.0)))),
    ("brunette-2011", Regimen((DoseEvent("oral", 50.0, 0.0), DoseEvent("sublingual", 25.0, 120.0)))),
    (
        "simons-2022",
        Regimen((DoseEvent("sublingual", 50.0, 0.0), DoseEvent("iv-infusion", 20.0, 360.0, 20.0))),
    ),
]


@pytest.mark.parametrize(("model_id", "regimen"), CASES)
@pytest.mark.parametrize("method", ["vectorised", "stepping", "propagator"])
def test_exact_solution_matches_tight_ode_within_1e_6(model_id: str, regimen: Regimen, method: str) -> None:
    A, C, inputs = _built(model_id, regimen)
    times = np.concatenate([np.arange(0.0, 240.0, 0.5), np.arange(240.0, 1441.0, 7.0)])
    exact = solve(A, C, inputs, times, method=method)[0]
    reference = C[0] @ _ode_reference(A[0], inputs, times).T
    modelled = np.abs(reference).max(axis=1) > 0  # models without norketamine have an all-zero row
    scale = np.abs(reference[modelled]).max(axis=1, keepdims=True)
    # Relative to each output's peak: pointwise relative error is meaningless where the value is ~0.
    assert np.max(np.abs(exact[modelled] - reference[modelled]) / scale) < 1e-6
    assert np.all(exact[~modelled] == 0.0)


def test_modal_and_propagator_agree_for_a_population_to_1e_9() -> None:
    A, C, inputs = _built("perez-ruixo-2020", Regimen.intranasal_devices(56.0, 28.0, 5.0), n=200, seed=4)
    times = np.arange(0.0, 1441.0, 1.0)
    stepping = solve(A, C, inputs, times, method="stepping")
    propagator = solve(A, C, inputs, times, method="propagator")
    scale = np.abs(propagator).max(axis=2, keepdims=True) + 1e-300
    assert np.max(np.abs(stepping - propagator) / scale) < 1e-9


def test_mass_balance_dose_equals_body_plus_eliminated() -> None:
    """Add an accumulator for everything that leaves the body; total mass must equal the dose given."""
    model = MODELS["perez-ruixo-2020"]
    pk = model.build(model.typical(), Covariates.from_patient(Patient(70, 40), 1), {})
    n = pk.A.shape[1]
    A = np.zeros((1, n + 1, n + 1))
    A[:, :n, :n] = pk.A
    # Column sums of a mass-conserving system are zero; what is missing is elimination.
    A[:, n, :n] = -pk.A.sum(axis=1)
    # Noresketamine is formed from esketamine mass (kmet), so the metabolite's elimination closes the balance.
    regimen = Regimen.intranasal_devices(84.0, 28.0, 5.0)
    inputs = pk.route_inputs("intranasal", np.array([28.0]), 0.0, 0.0, 0)
    inputs += pk.route_inputs("intranasal", np.array([28.0]), 5.0, 0.0, 1)
    inputs += pk.route_inputs("intranasal", np.array([28.0]), 10.0, 0.0, 2)
    C = np.eye(n + 1)[None, :, :]
    times = np.arange(0.0, 1441.0, 1.0)
    states = solve(A, C, inputs, times, method="stepping")[0]
    given = np.zeros_like(times)
    for item in inputs:
        frac = (
            np.clip((times - item.start_min) / item.duration_min, 0, 1)
            if item.duration_min
            else (times >= item.start_min).astype(float)
        )
        given += float(item.amount_mg[0]) * frac
    assert regimen.total_mg == pytest.approx(84.0)
    assert np.max(np.abs(states.sum(axis=0) - given)) < 1e-9 * given.max()


def test_repeated_eigenvalues_fall_back_to_the_propagator_and_stay_exact() -> None:
    # Absorption rate equal to the elimination rate: the modal form is singular, the propagator is not.
    k = 0.05
    A = np.array([[[-k, 0.0], [k, -k]]])
    C = np.array([[[0.0, 1.0]]])
    times = np.linspace(0, 200, 41)
    out = solve(A, C, [Input(0, 0.0, 0.0, np.array([1.0]))], times)[0, 0]
    assert np.allclose(out, k * times * np.exp(-k * times), rtol=1e-9, atol=1e-15)


rates = st.floats(min_value=1e-3, max_value=2.0)


@settings(max_examples=40, deadline=None)
@given(
    k10=rates,
    k12=rates,
    k21=rates,
    a=st.floats(0.1, 100.0),
    b=st.floats(0.1, 100.0),
    start=st.floats(0.0, 60.0),
    duration=st.floats(0.5, 120.0),
)
def test_superposition_and_non_negativity_hold_for_any_two_compartment_model(
    k10: float, k12: float, k21: float, a: float, b: float, start: float, duration: float
) -> None:
    A = np.array([[[-(k10 + k12), k21], [k12, -k21]]])
    C = np.eye(2)[None]
    times = np.linspace(0.0, 300.0, 61)
    bolus = [Input(0, 0.0, 0.0, np.array([a]))]
    infusion = [Input(0, start, duration, np.array([b]))]
    both = solve(A, C, bolus + infusion, times)
    apart = solve(A, C, bolus, times) + solve(A, C, infusion, times)
    assert np.allclose(both, apart, rtol=1e-9, atol=1e-9 * (a + b))
    assert np.all(both >= -1e-9 * (a + b))
    assert np.all(both.sum(axis=1) <= a + b + 1e-9 * (a + b))


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(0.01, 100.0))
def test_concentrations_scale_linearly_with_dose(scale: float) -> None:
    A, C, inputs = _built("otto-2021", Regimen.single("iv-infusion", 35.0, 40.0))
    scaled = [Input(i.compartment, i.start_min, i.duration_min, i.amount_mg * scale) for i in inputs]
    times = np.arange(0.0, 600.0, 10.0)
    assert np.allclose(solve(A, C, scaled, times), scale * solve(A, C, inputs, times), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("model_id", sorted(MODELS))
def test_block_eigendecomposition_satisfies_a_v_equals_v_lambda_for_every_model(model_id: str) -> None:
    """The closed-form block path (used for populations) must be a true eigendecomposition."""
    from ketacare.pharmacology.eigen import eig_block_triangular
    from ketacare.pharmacology.solver import _diagonalise

    A, C, _ = _built(model_id, Regimen.single("iv-bolus", 10.0), n=300, seed=11)
    lam, vectors, bad = eig_block_triangular(A)
    reference = np.sort(np.linalg.eigvals(A).real, axis=1)
    if model_id == "simons-2022":
        # Its two-step transit chain has a repeated rate: every subject must go to the propagator.
        assert _diagonalise(A, C)[1].all()
        return
    assert not bad.any()
    residual = np.einsum("nij,njk->nik", A, vectors) - vectors * lam[:, None, :]
    assert np.max(np.abs(residual)) < 1e-12 * np.max(np.abs(A))
    assert np.allclose(np.sort(lam, axis=1), reference, rtol=1e-9, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(k10=rates, k12=rates, k21=rates, k13=rates, k31=rates, ke0=rates)
def test_closed_form_three_compartment_eigenvalues_match_lapack(
    k10: float, k12: float, k21: float, k13: float, k31: float, ke0: float
) -> None:
    from ketacare.pharmacology.eigen import eig_block_triangular

    A = np.array(
        [
            [
                [-(k10 + k12 + k13), k21, k31, 0.0],
                [k12, -k21, 0.0, 0.0],
                [k13, 0.0, -k31, 0.0],
                [ke0, 0.0, 0.0, -ke0],
            ]
        ]
    )
    lam, vectors, bad = eig_block_triangular(np.repeat(A, 2, axis=0))
    reference = np.sort(np.linalg.eigvals(A[0]).real)
    if not bad[0]:
        assert np.allclose(np.sort(lam[0]), reference, rtol=1e-9, atol=1e-13)
        residual = A[0] @ vectors[0] - vectors[0] * lam[0]
        assert np.max(np.abs(residual)) < 1e-9 * np.max(np.abs(A))


@settings(max_examples=30, deadline=None)
@given(ka=rates, k10=rates, k12=rates, k21=rates, km=rates, kme=rates, ke0=rates)
def test_a_population_through_the_block_path_equals_the_propagator_for_random_depot_parent_metabolite_chains(
    ka: float, k10: float, k12: float, k21: float, km: float, kme: float, ke0: float
) -> None:
    # depot -> central <-> peripheral, central -> metabolite, central -> effect site: blocks 1, 2, 1, 1.
    n = 80
    scale = np.linspace(0.5, 1.5, n)  # different subjects, same structure
    A = np.zeros((n, 5, 5))
    A[:, 0, 0] = -ka
    A[:, 1, 0] = ka
    A[:, 1, 1] = -(k10 + k12 + km) * scale
    A[:, 1, 2] = k21
    A[:, 2, 1] = k12 * scale
    A[:, 2, 2] = -k21
    A[:, 3, 1] = km * scale
    A[:, 3, 3] = -kme
    A[:, 4, 1] = ke0
    A[:, 4, 4] = -ke0
    C = np.repeat(np.eye(5)[None, [1, 3, 4]], n, axis=0)
    inputs = [Input(0, 0.0, 0.0, np.full(n, 10.0)), Input(1, 5.0, 30.0, np.full(n, 5.0))]
    times = np.arange(0.0, 600.0, 5.0)
    stepping = solve(A, C, inputs, times, method="stepping")
    propagator = solve(A, C, inputs, times, method="propagator")
    peak = np.abs(propagator).max(axis=2, keepdims=True) + 1e-300
    assert np.max(np.abs(stepping - propagator) / peak) < 1e-8
