"""The eigendecomposition the exact solver uses for a population, written here rather than called.

For many subjects sharing one flow pattern, the states are ordered by the strongly connected groups
of that pattern, which makes every rate matrix block lower triangular (parent, metabolite, effect
site, depots). Blocks of up to 3 states are diagonalised in closed form (quadratic, trigonometric
cubic with two Newton steps, eigenvectors as null vectors) and eigenvectors are carried downstream.
This is ~2.5x cheaper than one LAPACK call per subject; the solver falls back to LAPACK for larger
blocks and to the propagator for ill-conditioned subjects (docs/decisions.md #26, docs/pharmacology.md).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def topological_blocks(A: FloatArray) -> list[NDArray[np.intp]]:
    """Strongly connected groups of states, upstream first, from the sparsity pattern of all subjects.

    Drug only flows along non-zero off-diagonal entries (``A[i, j] != 0``: from state j to state i).
    Ordering the states by the strongly connected components of that graph makes every ``A`` block
    lower triangular, so its eigenvalues are those of the small diagonal blocks (e.g. a 3-compartment
    parent, a 2-compartment metabolite, a 1-state effect site or depot).
    """
    n = A.shape[1]
    flows = np.any(A != 0.0, axis=0)
    np.fill_diagonal(flows, False)
    reach = flows.T | np.eye(n, dtype=bool)  # reach[j, i]: j reaches i
    for k in range(n):  # transitive closure (n is small)
        reach |= reach[:, k : k + 1] & reach[k : k + 1, :]
    component = [-1] * n
    groups: list[list[int]] = []
    for i in range(n):
        if component[i] < 0:
            members = [j for j in range(n) if reach[i, j] and reach[j, i]]
            for j in members:
                component[j] = len(groups)
            groups.append(members)

    # Upstream first: a group that reaches more groups comes earlier.
    def downstream(g: list[int]) -> int:
        return int(reach[g[0]].sum())

    groups.sort(key=downstream, reverse=True)
    return [np.array(g, dtype=np.intp) for g in groups]


def eig_small(B: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Eigenvalues (N, m) and unit eigenvectors (N, m, m) of real blocks, closed form for m <= 3.

    Subjects with complex or (numerically) repeated eigenvalues are flagged; their eigenvectors
    are still returned but the caller's conditioning check sends them to the propagator.
    """
    n_subjects, m, _ = B.shape
    bad = np.zeros(n_subjects, dtype=bool)
    if m == 1:
        return B[:, :, 0].copy(), np.ones((n_subjects, 1, 1)), bad
    if m > 3:
        lam_c, vec_c = np.linalg.eig(B)
        if np.iscomplexobj(lam_c):
            scale = np.abs(lam_c).max(axis=1) + 1e-300
            bad |= np.abs(lam_c.imag).max(axis=1) > 1e-12 * scale
        return np.asarray(lam_c.real, dtype=np.float64), np.asarray(vec_c.real, dtype=np.float64), bad
    trace = np.trace(B, axis1=1, axis2=2)
    if m == 2:
        a, b, c, d = B[:, 0, 0], B[:, 0, 1], B[:, 1, 0], B[:, 1, 1]
        det = a * d - b * c
        disc = (a - d) ** 2 + 4.0 * b * c
        bad |= disc < 0.0
        root = np.sqrt(np.maximum(disc, 0.0))
        # Larger-magnitude root first, the other from the product (no cancellation).
        big = 0.5 * (trace + np.where(trace < 0.0, -root, root))
        with np.errstate(divide="ignore", invalid="ignore"):
            small = np.where(big != 0.0, det / np.where(big != 0.0, big, 1.0), 0.0)
        lam = np.stack([big, small], axis=1)
    else:
        # Characteristic polynomial x^3 + c2 x^2 + c1 x + c0 and its three real roots (Viete).
        c2 = -trace
        c1 = (
            B[:, 0, 0] * B[:, 1, 1]
            - B[:, 0, 1] * B[:, 1, 0]
            + B[:, 0, 0] * B[:, 2, 2]
            - B[:, 0, 2] * B[:, 2, 0]
            + B[:, 1, 1] * B[:, 2, 2]
            - B[:, 1, 2] * B[:, 2, 1]
        )
        c0 = -np.linalg.det(B)
        p = c1 - c2 * c2 / 3.0
        q = 2.0 * c2**3 / 27.0 - c2 * c1 / 3.0 + c0
        bad |= ~(p < 0.0) | (4.0 * p**3 + 27.0 * q * q > 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            radius = 2.0 * np.sqrt(np.maximum(-p / 3.0, 0.0))
            cosine = np.where(
                p < 0.0, 1.5 * q / np.where(p < 0.0, p, -1.0) * np.sqrt(np.maximum(-3.0 / p, 0.0)), 0.0
            )
        angle = np.arccos(np.clip(cosine, -1.0, 1.0)) / 3.0
        shifts = np.array([0.0, 2.0, 4.0]) * np.pi / 3.0
        lam = radius[:, None] * np.cos(angle[:, None] - shifts[None, :]) - c2[:, None] / 3.0
        for _ in range(2):  # Newton polish on the polynomial (Horner)
            f = ((lam + c2[:, None]) * lam + c1[:, None]) * lam + c0[:, None]
            df = (3.0 * lam + 2.0 * c2[:, None]) * lam + c1[:, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                lam = np.where(df != 0.0, lam - f / np.where(df != 0.0, df, 1.0), lam)
    # Eigenvectors: the null vector of (B - lam I), from the best-conditioned pair of its rows.
    shifted = B[:, None, :, :] - lam[:, :, None, None] * np.eye(m)  # (N, m eigenvalues, m, m)
    if m == 2:
        candidates = np.stack(
            [
                np.stack([shifted[..., 0, 1], -shifted[..., 0, 0]], axis=-1),
                np.stack([-shifted[..., 1, 1], shifted[..., 1, 0]], axis=-1),
            ],
            axis=-2,
        )
    else:
        rows = shifted
        candidates = np.stack(
            [
                np.cross(rows[..., 0, :], rows[..., 1, :]),
                np.cross(rows[..., 0, :], rows[..., 2, :]),
                np.cross(rows[..., 1, :], rows[..., 2, :]),
            ],
            axis=-2,
        )  # (N, m, candidates, m)
    norms = np.linalg.norm(candidates, axis=-1)
    best = np.argmax(norms, axis=-1)
    vectors = np.take_along_axis(candidates, best[..., None, None], axis=-2)[..., 0, :]
    length = np.take_along_axis(norms, best[..., None], axis=-1)
    degenerate = length[..., 0] == 0.0
    bad |= degenerate.any(axis=1)
    vectors = np.where(length > 0.0, vectors / np.where(length > 0.0, length, 1.0), np.eye(m)[None])
    return lam, np.ascontiguousarray(vectors.transpose(0, 2, 1)), bad


def eig_block_triangular(A: FloatArray) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Eigenvalues and eigenvectors of many rate matrices through their block-triangular structure.

    Each diagonal block is solved on its own (closed form up to 3 states); the eigenvector of an
    upstream eigenvalue continues downstream by ``(lam I - A_cc) v_c = sum_d A_cd v_d``.  A
    downstream block with the same eigenvalue makes that system singular: the resulting huge or
    non-finite vector fails the caller's conditioning check and the subject takes the propagator.
    """
    n_subjects, n, _ = A.shape
    blocks = topological_blocks(A)
    lam = np.zeros((n_subjects, n))
    vectors = np.zeros((n_subjects, n, n))
    bad = np.zeros(n_subjects, dtype=bool)
    for index in blocks:
        block_lam, block_vec, block_bad = eig_small(A[:, index[:, None], index[None, :]])
        lam[:, index] = block_lam
        vectors[:, index[:, None], index[None, :]] = block_vec
        bad |= block_bad
    with np.errstate(all="ignore"):
        for k, upstream in enumerate(blocks):
            for later in blocks[k + 1 :]:
                # The vector is still zero in ``later`` and in every block after it.
                rhs = np.einsum("nis,nsj->nji", A[:, later, :], vectors[:, :, upstream])  # (N, m_b, m_c)
                if not np.any(rhs):
                    continue
                diag = A[:, later[:, None], later[None, :]]
                system = lam[:, upstream, None, None] * np.eye(later.size) - diag[:, None, :, :]
                if later.size == 1:
                    solution = rhs / system[..., 0]
                else:
                    try:
                        solution = np.linalg.solve(system, rhs[..., None])[..., 0]
                    except np.linalg.LinAlgError:
                        solution = np.full_like(rhs, np.inf)
                vectors[:, later[:, None], upstream[None, :]] = solution.transpose(0, 2, 1)
    # A repeated eigenvalue across blocks (e.g. a two-step transit chain) divides by zero above:
    # such subjects go to the propagator; give them a harmless basis so the batched inverse works.
    bad |= ~np.isfinite(vectors).all(axis=(1, 2))
    if np.any(bad):
        vectors[bad] = np.eye(n)
    return lam, vectors, bad
