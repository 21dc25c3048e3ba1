"""Exact solution of linear compartment models, vectorised over subjects.

Every model in this package is a linear, time-invariant system per subject,

    dx/dt = A x + u(t),        y = C x,

with ``x`` the amounts (mg) in each compartment (and, for the effect site, a concentration), ``A`` the
rate matrix (1/min), ``u`` a piecewise-constant input (boluses are jumps, zero-order inputs are
constant rates between breakpoints) and ``C`` the observation matrix (ng/mL per mg).  Such a system
has the closed-form solution

    x(t) = e^{A (t - s)} x(s) + (integral from 0 to t - s of e^{A w} dw) r

between breakpoints ``s`` where the rate vector ``r`` changes.  We evaluate it exactly, in two ways:

* **modal** (default): diagonalise ``A = V diag(lam) V^-1`` once per subject; in modal coordinates
  ``z = V^-1 x`` every mode evolves independently as ``z_k(s + d) = e^{lam_k d} z_k(s) +
  q_k (e^{lam_k d} - 1) / lam_k``.  This is the classical sum-of-exponentials solution with
  superposition, written as a recursion so that it never overflows.  For few subjects the exponentials
  are evaluated for all times at once; for many subjects we step through the output times with the
  per-step factor ``e^{lam_k d}`` cached (an ``exp`` costs ~25 ns on a plain x86-64 build of numpy,
  a multiply ~1 ns), which is exact, not an approximation: the same factor is re-used because the
  steps are equal.
* **propagator**: ``expm`` of the augmented matrix ``[[A, I], [0, 0]] d`` (Van Loan 1978) gives both
  ``e^{A d}`` and its integral without diagonalising.  It is robust to repeated eigenvalues (e.g. an
  absorption rate equal to a disposition rate) and serves as the fallback for subjects whose
  eigenvector matrix is ill-conditioned, and as an independent exact check in the tests.

No ODE solver is used here; the tests hold both methods to a tight ``solve_ivp`` solution.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.linalg
from numpy.typing import NDArray

from .eigen import eig_block_triangular, topological_blocks

FloatArray = NDArray[np.float64]

# Eigenvector matrices worse conditioned than this lose more than ~1e-8 relative accuracy in the
# modal solution (error ~ cond * machine epsilon), so those subjects use the propagator instead.
_MAX_CONDITION = 1e8
# Below this many subject-time-mode products, evaluating the exponentials for all times at once
# is cheaper than stepping (one exp per element, but no Python loop over time).
_VECTORISED_LIMIT = 2_000_000
# Steps whose lengths agree to this many decimal places (minutes) share cached factors.
_STEP_DECIMALS = 9
# Modal amounts below this are flushed to zero every few steps (see _solve_modal_stepping).
_NEGLIGIBLE = 1e-200
_FLUSH_EVERY = 16
# Threads for large populations (each needs enough subjects to amortise its start-up).
_MAX_THREADS = 4
_SUBJECTS_PER_THREAD = 1000


@dataclass(frozen=True)
class Input:
    """One input into one compartment, identical in timing for every subject.

    Attributes
    ----------
    compartment : int
        Index of the compartment (state) that receives the drug.
    start_min : float
        Time the input starts (min).
    duration_min : float
        0 for a bolus (instantaneous), otherwise the zero-order input lasts this long (min).
    amount_mg : ndarray, shape (n_subjects,)
        Amount that enters the compartment (mg), i.e. after bioavailability.
    """

    compartment: int
    start_min: float
    duration_min: float
    amount_mg: FloatArray


def _breakpoints(inputs: Sequence[Input]) -> FloatArray:
    points = {0.0}
    for item in inputs:
        points.add(float(item.start_min))
        points.add(float(item.start_min + item.duration_min))
    return np.array(sorted(points))


def _rates_between(inputs: Sequence[Input], knots: FloatArray, n_subjects: int, n_states: int) -> FloatArray:
    """Input rate (mg/min) into each state on each interval [knots[i], knots[i+1]); shape (K, N, n)."""
    rates = np.zeros((len(knots), n_subjects, n_states))
    for item in inputs:
        if item.duration_min <= 0:
            continue
        end = item.start_min + item.duration_min
        active = (knots >= item.start_min - 1e-12) & (knots < end - 1e-12)
        rates[active, :, item.compartment] += item.amount_mg / item.duration_min
    return rates


def _boluses_at(inputs: Sequence[Input], knots: FloatArray, n_subjects: int, n_states: int) -> FloatArray:
    """Bolus amounts (mg) given at each knot; shape (K, N, n)."""
    jumps = np.zeros((len(knots), n_subjects, n_states))
    for item in inputs:
        if item.duration_min > 0:
            continue
        index = int(np.argmin(np.abs(knots - item.start_min)))
        jumps[index, :, item.compartment] += item.amount_mg
    return jumps


def _phi1(lam: FloatArray, step: float) -> FloatArray:
    """(e^{lam step} - 1) / lam, equal to ``step`` where lam == 0 (an accumulating state)."""
    out = np.full_like(lam, step)
    nonzero = lam != 0.0
    out[nonzero] = np.expm1(lam[nonzero] * step) / lam[nonzero]
    return out


def _check(A: FloatArray, C: FloatArray, times: FloatArray, inputs: Sequence[Input]) -> None:
    if A.ndim != 3 or A.shape[1] != A.shape[2]:
        raise ValueError("A must have shape (n_subjects, n_states, n_states)")
    if C.ndim != 3 or C.shape[0] != A.shape[0] or C.shape[2] != A.shape[1]:
        raise ValueError("C must have shape (n_subjects, n_outputs, n_states)")
    if times.ndim != 1 or np.any(np.diff(times) < 0) or (times.size and times[0] < 0):
        raise ValueError("times must be a sorted one-dimensional array of non-negative minutes")
    for item in inputs:
        if item.start_min < 0 or item.duration_min < 0:
            raise ValueError("inputs must start at or after time 0 and have non-negative duration")


def solve_propagator(A: FloatArray, C: FloatArray, inputs: Sequence[Input], times: FloatArray) -> FloatArray:
    """Exact solution by matrix exponentials of the augmented system (Van Loan).

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_states, n_states)
        Rate matrices (1/min).
    C : ndarray, shape (n_subjects, n_outputs, n_states)
        Observation matrices.
    inputs : sequence of Input
        Boluses and zero-order inputs.
    times : ndarray, shape (n_times,)
        Sorted output times (min).

    Returns
    -------
    ndarray, shape (n_subjects, n_outputs, n_times)
        ``C x(t)`` at each time; at the time of a bolus the bolus is included.
    """
    times = np.asarray(times, dtype=float)
    _check(A, C, times, inputs)
    n_subjects, n_states, _ = A.shape
    knots = np.union1d(_breakpoints(inputs), times)
    rates = _rates_between(inputs, knots, n_subjects, n_states)
    jumps = _boluses_at(inputs, knots, n_subjects, n_states)
    output_index = np.searchsorted(knots, times)
    out = np.empty((n_subjects, C.shape[1], times.size))

    augmented = np.zeros((n_subjects, 2 * n_states, 2 * n_states))
    augmented[:, :n_states, :n_states] = A
    augmented[:, :n_states, n_states:] = np.eye(n_states)
    cache: dict[float, tuple[FloatArray, FloatArray]] = {}

    x = np.zeros((n_subjects, n_states))
    for i, knot in enumerate(knots):
        x += jumps[i]
        for j in np.nonzero(output_index == i)[0]:
            out[:, :, j] = np.einsum("nos,ns->no", C, x)
        if i + 1 == len(knots):
            break
        step = round(float(knots[i + 1] - knot), _STEP_DECIMALS)
        if step not in cache:
            block = scipy.linalg.expm(augmented * step)
            cache[step] = (block[:, :n_states, :n_states], block[:, :n_states, n_states:])
        phi, psi = cache[step]
        x = np.einsum("nij,nj->ni", phi, x) + np.einsum("nij,nj->ni", psi, rates[i])
    return out


@dataclass(frozen=True)
class _Modal:
    lam: FloatArray  # (N, n) eigenvalues (1/min)
    vinv: FloatArray  # (N, n, n) inverse eigenvectors
    weights: FloatArray  # (N, O, n) C V: output per unit of each mode


# Below this many subjects one LAPACK call for the whole matrix is cheaper than the block split.
_BLOCK_EIG_MIN_SUBJECTS = 64


def _diagonalise(A: FloatArray, C: FloatArray) -> tuple[_Modal, NDArray[np.bool_]]:
    """Batched eigendecomposition; returns the modal form and which subjects it is unreliable for."""
    if A.shape[0] >= _BLOCK_EIG_MIN_SUBJECTS and max(b.size for b in topological_blocks(A)) <= 3:
        # ~13 us per subject for a 6x6 LAPACK call vs ~5 us through closed-form blocks of <= 3
        # states; with a larger block (e.g. Perez-Ruixo's liver loop) one LAPACK call is cheaper.
        lam, vectors, bad = eig_block_triangular(A)
    else:
        lam, vectors = np.linalg.eig(A)
        bad = np.zeros(A.shape[0], dtype=bool)
        if np.iscomplexobj(lam):
            # Mammillary and catenary systems have real eigenvalues; complex ones would mean a model
            # outside that class, so such subjects take the propagator path.
            scale = np.abs(lam).max(axis=1) + 1e-300
            bad |= np.abs(lam.imag).max(axis=1) > 1e-12 * scale
            lam, vectors = lam.real, vectors.real
    with np.errstate(all="ignore"):
        try:
            vinv = np.linalg.inv(vectors)
        except np.linalg.LinAlgError:
            vinv = np.stack([np.linalg.pinv(v) for v in vectors])
            bad[:] = True
        condition = np.abs(vectors).sum(axis=1).max(axis=1) * np.abs(vinv).sum(axis=1).max(axis=1)
    bad |= ~np.isfinite(condition) | (condition > _MAX_CONDITION)
    weights = np.einsum("nos,nsk->nok", C, vectors)
    return _Modal(lam=lam, vinv=np.asarray(vinv, dtype=np.float64), weights=weights), bad


def _solve_modal_vectorised(
    modal: _Modal, inputs: Sequence[Input], times: FloatArray, n_states: int
) -> FloatArray:
    lam, vinv, weights = modal.lam, modal.vinv, modal.weights
    n_subjects = lam.shape[0]
    bounds = _breakpoints(inputs)
    rates = _rates_between(inputs, bounds, n_subjects, n_states)
    jumps = _boluses_at(inputs, bounds, n_subjects, n_states)
    out = np.zeros((n_subjects, weights.shape[1], times.size))
    z = np.zeros((n_subjects, n_states))
    for i, start in enumerate(bounds):
        z = z + np.einsum("nks,ns->nk", vinv, jumps[i])
        q = np.einsum("nks,ns->nk", vinv, rates[i])
        end = bounds[i + 1] if i + 1 < len(bounds) else np.inf
        lo, hi = np.searchsorted(times, [start, end], side="left")
        if hi > lo:
            tau = times[lo:hi] - start
            exponent = lam[:, None, :] * tau[None, :, None]  # (N, T, n)
            growth = np.exp(exponent)
            if np.any(q):
                # (e^x - 1) / lam; expm1 only where x is small enough for (e^x - 1) to cancel.
                excess = growth - 1.0
                small = np.abs(exponent) < 1e-5
                excess[small] = np.expm1(exponent[small])
                rates_lam = np.broadcast_to(lam[:, None, :], exponent.shape)
                zero = rates_lam == 0.0
                integral = np.divide(excess, np.where(zero, 1.0, rates_lam))
                if np.any(zero):  # an accumulating state: the integral of 1 is tau
                    integral[zero] = np.broadcast_to(tau[None, :, None], exponent.shape)[zero]
                state = z[:, None, :] * growth + q[:, None, :] * integral
            else:
                state = z[:, None, :] * growth
            out[:, :, lo:hi] = np.einsum("nok,ntk->not", weights, state)
        if np.isfinite(end):
            step = float(end - start)
            z = z * np.exp(lam * step) + q * _phi1(lam, step)
    return out


def _solve_modal_stepping(
    modal: _Modal,
    inputs: Sequence[Input],
    times: FloatArray,
    n_states: int,
    out: FloatArray | None = None,
    clamp: bool = False,
) -> FloatArray:
    """Modal recursion over the output times; fills ``out`` of shape (n_times, n_outputs, n_subjects)."""
    # Subject-last layout: (n, N) arrays are contiguous per mode, which keeps each per-step
    # operation a single streaming pass over memory.
    lam = np.ascontiguousarray(modal.lam.T)
    vinv = modal.vinv
    weights = np.ascontiguousarray(modal.weights.transpose(1, 2, 0))  # (O, n, N)
    n_subjects = modal.lam.shape[0]
    knots = np.union1d(_breakpoints(inputs), times)
    bounds = _breakpoints(inputs)
    segment_of_knot = np.searchsorted(bounds, knots, side="right") - 1
    rates = _rates_between(inputs, bounds, n_subjects, n_states)
    jumps = _boluses_at(inputs, bounds, n_subjects, n_states)
    modal_rates = [np.ascontiguousarray(np.einsum("nks,ns->kn", vinv, r)) for r in rates]
    modal_jumps = [np.einsum("nks,ns->kn", vinv, j) if np.any(j) else None for j in jumps]
    bound_index = {float(b): i for i, b in enumerate(bounds)}
    output_index = np.searchsorted(knots, times)
    is_output = np.zeros(len(knots), dtype=bool)
    is_output[output_index] = True

    if out is None:
        out = _touched((times.size, weights.shape[0], n_subjects))
    growth_cache: dict[float, FloatArray] = {}
    forcing_cache: dict[tuple[float, int], FloatArray | None] = {}
    z = np.zeros((n_states, n_subjects))
    first_output = 0
    for i, knot in enumerate(knots):
        b = bound_index.get(float(knot))
        jump = modal_jumps[b] if b is not None else None
        if jump is not None:
            z += jump
        if is_output[i]:
            row = out[first_output]
            np.einsum("okn,kn->on", weights, z, out=row)
            if clamp:
                # Exact sums of exponentials can land at -1e-13 where the true value is 0.
                np.maximum(row, 0.0, out=row)
            # Repeated output times map to the same knot: copy the row.
            while first_output + 1 < times.size and output_index[first_output + 1] == i:
                out[first_output + 1] = out[first_output]
                first_output += 1
            first_output += 1
        if i + 1 == len(knots):
            break
        step = round(float(knots[i + 1] - knot), _STEP_DECIMALS)
        growth = growth_cache.get(step)
        if growth is None:
            growth = growth_cache[step] = np.exp(lam * step)
        segment = int(segment_of_knot[i])
        key = (step, segment)
        if key not in forcing_cache:
            q = modal_rates[segment]
            forcing_cache[key] = q * _phi1(lam, step) if np.any(q) else None
        z *= growth
        forcing = forcing_cache[key]
        if forcing is not None:
            z += forcing
        if i % _FLUSH_EVERY == 0:
            # Fast modes decay geometrically into subnormal numbers, which are ~100x slower to
            # multiply on x86; values this small are exactly negligible, so flush them to zero.
            np.putmask(z, np.abs(z) < _NEGLIGIBLE, 0.0)
    return out.transpose(2, 1, 0)


def _touched(shape: tuple[int, ...]) -> FloatArray:
    """An output buffer whose pages have been touched once, sequentially.

    Scattered first writes into a fresh mapping are several times slower (page faults) than one
    sequential fill; this matters for 10,000 x 1441 x 3 outputs (346 MB).
    """
    buffer = np.empty(shape)
    buffer.fill(0.0)
    return buffer


def _solve_stepping_threaded(
    A: FloatArray, C: FloatArray, inputs: Sequence[Input], times: FloatArray, workers: int, clamp: bool
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Split subjects across threads: LAPACK's eig and numpy's einsum release the GIL."""
    n_subjects, n_states, _ = A.shape
    # Each thread touches (page-faults) its own slice of the output itself, so that the first-touch
    # cost of the large buffer is paid in parallel rather than before the threads start.
    out = np.empty((times.size, C.shape[1], n_subjects))
    bad = np.zeros(n_subjects, dtype=bool)
    edges = np.linspace(0, n_subjects, workers + 1).astype(int)

    def work(lo: int, hi: int) -> None:
        out[:, :, lo:hi].fill(0.0)
        modal, chunk_bad = _diagonalise(A[lo:hi], C[lo:hi])
        bad[lo:hi] = chunk_bad
        subset = [
            Input(
                i.compartment, i.start_min, i.duration_min, np.broadcast_to(i.amount_mg, (n_subjects,))[lo:hi]
            )
            for i in inputs
        ]
        _solve_modal_stepping(modal, subset, times, n_states, out=out[:, :, lo:hi], clamp=clamp)

    if workers == 1:
        work(0, n_subjects)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [
                pool.submit(work, int(lo), int(hi)) for lo, hi in zip(edges[:-1], edges[1:], strict=True)
            ]:
                future.result()
    return out.transpose(2, 1, 0), bad


def solve(
    A: FloatArray,
    C: FloatArray,
    inputs: Sequence[Input],
    times: FloatArray,
    method: str = "auto",
    clamp: bool = False,
) -> FloatArray:
    """Exact outputs ``C x(t)`` of the linear system at ``times`` for every subject.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_states, n_states)
        Rate matrices (1/min).
    C : ndarray, shape (n_subjects, n_outputs, n_states)
        Observation matrices (output units per state unit).
    inputs : sequence of Input
        Boluses and zero-order inputs (same timing for all subjects, amounts per subject).
    times : array_like, shape (n_times,)
        Sorted, non-negative output times (min).
    method : {"auto", "vectorised", "stepping", "propagator"}
        ``auto`` picks the modal variant by problem size; ``propagator`` forces the expm path.
    clamp : bool
        Set values below zero (round-off of order 1e-13 where the true value is 0) to zero.

    Returns
    -------
    ndarray, shape (n_subjects, n_outputs, n_times)
    """
    A = np.asarray(A, dtype=float)
    C = np.asarray(C, dtype=float)
    times = np.asarray(times, dtype=float)
    _check(A, C, times, inputs)
    if method == "propagator":
        result = solve_propagator(A, C, inputs, times)
        return np.maximum(result, 0.0, out=result) if clamp else result
    n_subjects, n_states, _ = A.shape
    if method == "auto":
        method = "vectorised" if n_subjects * times.size * n_states <= _VECTORISED_LIMIT else "stepping"
    if method == "vectorised":
        modal, bad = _diagonalise(A, C)
        out = _solve_modal_vectorised(modal, inputs, times, n_states)
        if clamp:
            np.maximum(out, 0.0, out=out)
    elif method == "stepping":
        workers = min(os.cpu_count() or 1, _MAX_THREADS, max(1, n_subjects // _SUBJECTS_PER_THREAD))
        out, bad = _solve_stepping_threaded(A, C, inputs, times, workers, clamp)
    else:
        raise ValueError(f"unknown method {method!r}")
    if np.any(bad):
        subset = [
            Input(item.compartment, item.start_min, item.duration_min, np.asarray(item.amount_mg)[bad])
            for item in inputs
        ]
        fixed = solve_propagator(A[bad], C[bad], subset, times)
        out[bad] = np.maximum(fixed, 0.0, out=fixed) if clamp else fixed
    return out
