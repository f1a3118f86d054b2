"""search.* (003, issue 12): the steepest descent direction, exact line search and
backtracking, every step verified at its honest level; facts held against independent witnesses
(numpy, scipy, plain iteration) and the refuted source claims' counterexamples checked in plain
arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from gdflow.derive.catalogue import MODULES, get
from gdflow.derive.derivation import Level

STEEPEST_LEVELS = {
    "directional": Level.STATED,
    "lagrange": Level.PROVED,
    "cauchy_schwarz": Level.CHECKED,
    "lower_bound": Level.CHECKED,
    "unit_candidate": Level.PROVED,
    "attained": Level.PROVED,
    "attained_value": Level.PROVED,
    "cost_count": Level.STATED,
    "cost_total": Level.PROVED,
    "cost_unbounded": Level.CHECKED,
    "min_cos": Level.PROVED,
    "cost_O_n": Level.PROVED,
}


LINE_LEVELS = {
    "along_line": Level.CHECKED,
    "parabola": Level.STATED,
    "slope": Level.PROVED,
    "stationary": Level.PROVED,
    "curvature": Level.PROVED,
    "decrease": Level.PROVED,
    "next_gradient": Level.PROVED,
    "inner": Level.CHECKED,
    "orthogonal": Level.PROVED,
    "kantorovich_2d_square": Level.PROVED,
    "kantorovich_2d": Level.CHECKED,
    "kantorovich_matrix": Level.PROVED,
    "kantorovich_eigen": Level.CHECKED,
    "kantorovich_psd": Level.STATED,
    "kantorovich_amgm": Level.PROVED,
    "kantorovich": Level.CHECKED,
    "kantorovich_3": Level.CHECKED,
    "rate": Level.CHECKED,
    "rate_kappa": Level.PROVED,
}


BACKTRACKING_LEVELS = {
    "armijo": Level.STATED,
    "descent_lemma": Level.STATED,
    "small_steps_pass": Level.CHECKED,
    "halving": Level.CHECKED,
    "accepted_bound": Level.CHECKED,
    "decreases": Level.CHECKED,
    "example_derivative": Level.PROVED,
    "fixed_map": Level.PROVED,
    "cycle": Level.PROVED,
    "reject_one": Level.PROVED,
    "accept_half": Level.PROVED,
    "lands": Level.PROVED,
    "line_fits": Level.PROVED,
    "line_fixed": Level.PROVED,
    "always_converges": Level.PROVED,
    "one_minimum": Level.PROVED,
}


def _levels(derivation_id: str) -> dict[str, Level | None]:
    d = get(derivation_id)
    assert d.verified, [(s.label, str(s.certificate)) for s in d.all_steps if not s.verified]
    return {s.label: s.certificate.level for s in d.all_steps if s.label}


def test_registered_after_convexity():
    assert MODULES.index("search") == MODULES.index("convexity") + 1


def test_steepest_descent_levels():
    assert _levels("search.steepest_descent") == STEEPEST_LEVELS
    d = get("search.steepest_descent")
    assert d.result == d.step("lower_bound").claim
    assert [s.label for s in d.source_claims] == ["min_cos", "cost_O_n"]


def test_steepest_direction_against_numpy():
    """Among many random unit directions none beats -g/|g|, which attains -|g|."""
    rng = np.random.default_rng(0)
    for _ in range(20):
        g = rng.normal(size=4) * rng.uniform(0.1, 10)
        u = rng.normal(size=(2000, 4))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        norm = np.linalg.norm(g)
        assert (u @ g >= -norm * (1 + 1e-12)).all()
        best = -g / norm
        assert np.isclose(best @ g, -norm, rtol=1e-14)


def test_min_cos_claim_counterexample():
    """003's min_u |g| cos(theta) = min_u cos(theta) fails at |g| = 2: -2 against -1."""
    g = np.array([2.0, 0.0])
    theta = np.linspace(0, 2 * np.pi, 3601)
    lhs = min(np.linalg.norm(g) * np.cos(theta))
    rhs = min(np.cos(theta))
    assert lhs == pytest.approx(-2.0) and rhs == pytest.approx(-1.0)
    assert Fraction(2) * -1 != Fraction(-1)


def _gd_step_operations(X, y, w, eps):
    """One GD step on ½‖Xw − y‖² in plain Python, counting every arithmetic operation."""
    count = 0
    m, n = len(X), len(w)
    r = []
    for i in range(m):
        acc = X[i][0] * w[0]
        count += 1
        for j in range(1, n):
            acc = acc + X[i][j] * w[j]
            count += 2
        r.append(acc - y[i])
        count += 1
    g = []
    for j in range(n):
        acc = X[0][j] * r[0]
        count += 1
        for i in range(1, m):
            acc = acc + X[i][j] * r[i]
            count += 2
        g.append(acc)
    new = [w[j] - eps * g[j] for j in range(n)]
    count += 2 * n
    return new, count


def test_cost_count_is_the_operations_of_a_plain_gd_step():
    """The counted step C(m, n) = n(4m + 1), held against an instrumented step, and the refuted
    "O(n)": at fixed n the count per feature grows without bound in m."""
    from gdflow.derive.notation import n as n_sym
    from gdflow.derive.search import _OPS_COUNT, _m_data

    rng = np.random.default_rng(3)
    for m, n in [(1, 1), (1, 4), (3, 2), (7, 5), (100, 3)]:
        X = rng.normal(size=(m, n)).tolist()
        y = rng.normal(size=m).tolist()
        w = rng.normal(size=n).tolist()
        new, count = _gd_step_operations(X, y, w, 0.1)
        assert count == n * (4 * m + 1) == _OPS_COUNT.subs({_m_data: m, n_sym: n})
        g = np.array(X).T @ (np.array(X) @ np.array(w) - np.array(y))
        np.testing.assert_allclose(new, np.array(w) - 0.1 * g, rtol=1e-12, atol=1e-12)
    per_feature = [
        _gd_step_operations([[1.0] * 4] * m, [0.0] * m, [1.0] * 4, 0.1)[1] / 4 for m in (1, 10, 100)
    ]
    assert per_feature == [5.0, 41.0, 401.0]  # 4m + 1: no constant c bounds it
    d = get("search.steepest_descent")
    claim = d.source_claims[1]
    assert claim.label == "cost_O_n" and claim.certificate.counterexample is not None


def test_line_of_minimisers_by_plain_arithmetic():
    """X = [[1, 1]], y = [1]: (1, 0), (0, 1) and (1/2, 1/2) all have loss 0 and zero gradient;
    GD from 0 goes to (1/2, 1/2), from (1, 0) stays at (1, 0): two starts, two limits."""
    X, y = np.array([[1.0, 1.0]]), np.array([1.0])

    def loss(w):
        r = X @ w - y
        return 0.5 * r @ r

    for s in (Fraction(1), Fraction(0), Fraction(1, 2), Fraction(-7, 3)):
        w = [s, 1 - s]
        assert w[0] + w[1] - 1 == 0  # the residual, exactly: loss 0 and gradient X^T r = 0
    limits = []
    for w0 in ([0.0, 0.0], [1.0, 0.0]):
        w = np.array(w0)
        for _ in range(200):
            w = w - 0.25 * X.T @ (X @ w - y)
        assert loss(w) < 1e-20
        limits.append(w)
    np.testing.assert_allclose(limits[0], [0.5, 0.5], atol=1e-12)
    np.testing.assert_array_equal(limits[1], [1.0, 0.0])


def test_exact_line_search_levels():
    assert _levels("search.exact_line_search") == LINE_LEVELS
    d = get("search.exact_line_search")
    assert d.result == d.step("rate").claim


def _random_quadratic(rng, n):
    q, _ = np.linalg.qr(rng.normal(size=(n, n)))
    eig = rng.uniform(0.5, 20, size=n)
    return (q * eig) @ q.T, rng.normal(size=n), eig


def test_exact_step_against_scipy_and_orthogonality():
    """eps* = g'g / g'Ag agrees with scipy's scalar minimiser of J(w - eps g); the next gradient
    is orthogonal to g; the decrease respects ((kappa - 1)/(kappa + 1))^2."""
    minimize_scalar = pytest.importorskip("scipy.optimize").minimize_scalar
    rng = np.random.default_rng(1)
    for _ in range(20):
        n = int(rng.integers(2, 6))
        a, bb, eig = _random_quadratic(rng, n)
        w = rng.normal(size=n)

        def jay(x, a=a, bb=bb):
            return 0.5 * x @ a @ x + bb @ x

        g = a @ w + bb
        eps_star = g @ g / (g @ a @ g)
        found = minimize_scalar(lambda e, w=w, g=g: jay(w - e * g), bracket=(0.0, 1.0), tol=1e-12).x
        assert found == pytest.approx(eps_star, rel=1e-6)
        g_next = a @ (w - eps_star * g) + bb
        assert abs(g_next @ g) <= 1e-10 * (g @ g)
        j_star = jay(np.linalg.solve(a, -bb))
        kappa = eig.max() / eig.min()
        bound = ((kappa - 1) / (kappa + 1)) ** 2
        assert jay(w - eps_star * g) - j_star <= bound * (jay(w) - j_star) * (1 + 1e-9) + 1e-12


def test_kantorovich_bound_attained_in_two_dimensions():
    """The bound is tight: A = diag(1, 4), g with equal eigen-coordinates (x = y) loses exactly
    the factor ((4 - 1)/(4 + 1))^2 = 9/25, in exact rationals."""
    m, big = Fraction(1), Fraction(4)
    w = [Fraction(1) / m, Fraction(1) / big]  # g = A w = (1, 1), b = 0, J* = 0
    g = [m * w[0], big * w[1]]
    eps = (g[0] ** 2 + g[1] ** 2) / (m * g[0] ** 2 + big * g[1] ** 2)
    w1 = [w[0] - eps * g[0], w[1] - eps * g[1]]

    def jay(x):
        return (m * x[0] ** 2 + big * x[1] ** 2) / 2

    assert jay(w1) / jay(w) == Fraction(9, 25)


def _exact_step_ratio(A, g_vec):
    """Exact line search from w = A^{-1} g (b = 0, so J* = 0 and the gradient is g) in
    Fractions: the ratio J(w^+)/J(w) and Kantorovich's two sides."""
    n = len(A)

    def mat_vec(M, v):
        return [sum(M[i][j] * v[j] for j in range(n)) for i in range(n)]

    def dot(u, v):
        return sum(x * y for x, y in zip(u, v, strict=True))

    w = _solve(A, g_vec)
    g = mat_vec(A, w)
    assert g == g_vec
    eps = dot(g, g) / dot(g, mat_vec(A, g))
    w1 = [wi - eps * gi for wi, gi in zip(w, g, strict=True)]

    def jay(x):
        return dot(x, mat_vec(A, x)) / 2

    h = dot(g, _solve(A, g))
    return jay(w1) / jay(w), dot(g, g), dot(g, mat_vec(A, g)), h


def _solve(A, v):
    """Gauss-Jordan elimination in Fractions."""
    n = len(A)
    M = [[Fraction(x) for x in row] + [Fraction(v[i])] for i, row in enumerate(A)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        M[c] = [x / M[c][c] for x in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                M[r] = [a - M[r][c] * b for a, b in zip(M[r], M[c], strict=True)]
    return [M[i][n] for i in range(n)]


@pytest.mark.parametrize(
    ("A", "m", "M"),
    [
        ([[3, 1, 0], [1, 3, 0], [0, 0, 1]], 1, 4),  # the derivation's n = 3 instance
        ([[2, 0], [0, 5]], 2, 5),
        ([[5, 2, 0], [2, 2, 0], [0, 0, 3]], 1, 6),  # spectrum 1, 3, 6
    ],
)
def test_kantorovich_and_the_rate_at_exact_rational_instances(A, m, M):
    """n = 2, 3 with rational spectra, exact: for many rational g, (g'g)^2 (m + M)^2 >=
    4 m M (g'Ag)(g'A^{-1}g) and one exact line-search step keeps at most ((M - m)/(M + m))^2
    of the gap; the 2 x 2 bound is attained when both eigen-coordinates of g are equal."""
    rng = np.random.default_rng(4)
    bound = Fraction(M - m, M + m) ** 2
    eig = np.linalg.eigvalsh(np.array(A, dtype=float))
    assert eig.min() == pytest.approx(m) and eig.max() == pytest.approx(M)
    for _ in range(30):
        g = [Fraction(int(rng.integers(-9, 10)), int(rng.integers(1, 5))) for _ in A]
        if not any(g):
            continue
        ratio, S, a, h = _exact_step_ratio(A, g)
        assert S**2 * (m + M) ** 2 >= 4 * m * M * a * h
        assert ratio <= bound
    if len(A) == 2:
        ratio, *_ = _exact_step_ratio(A, [Fraction(1), Fraction(1)])
        assert ratio == bound


def test_backtracking_levels():
    assert _levels("search.backtracking") == BACKTRACKING_LEVELS
    d = get("search.backtracking")
    assert d.result == d.step("accepted_bound").claim
    assert [s.label for s in d.source_claims] == ["always_converges", "one_minimum"]


def _f(x):
    return x * x - 4 * x + 5


def _fp(x):
    return 2 * x - 4


def _backtrack(f, grad, w, eps0, c, factor=0.5):
    g = grad(w)
    eps = eps0
    while f(w - eps * g) > f(w) - c * eps * np.dot(g, g):
        eps *= factor
    return eps


def test_fixed_step_cycles_by_plain_iteration():
    """003's f from x = 0 with eps = 1: 0, 4, 0, 4, ... exactly (no convergence to 2)."""
    xs = [Fraction(0)]
    for _ in range(10):
        xs.append(xs[-1] - 1 * _fp(xs[-1]))
    assert xs == [Fraction(0), Fraction(4)] * 5 + [Fraction(0)]
    assert all(abs(x - 2) == 2 for x in xs)


def test_backtracking_solves_the_example_in_one_step():
    eps = _backtrack(_f, _fp, Fraction(0), Fraction(1), Fraction(1, 2))
    assert eps == Fraction(1, 2)
    assert Fraction(0) - eps * _fp(Fraction(0)) == 2 and _fp(Fraction(2)) == 0


def test_backtracking_bound_on_random_quadratics():
    """Halving from eps0 stops with eps >= min(eps0, (1 - c)/M) and decreases f, M the largest
    eigenvalue of A (the smoothness constant of J)."""
    rng = np.random.default_rng(2)
    for _ in range(50):
        n = int(rng.integers(1, 5))
        a, bb, eig = _random_quadratic(rng, n)

        def jay(x, a=a, bb=bb):
            return 0.5 * x @ a @ x + bb @ x

        def grad(x, a=a, bb=bb):
            return a @ x + bb

        w = rng.normal(size=n)
        c = float(rng.uniform(0.05, 0.95))
        eps0 = float(rng.uniform(0.01, 5))
        eps = _backtrack(jay, grad, w, eps0, c)
        assert eps >= min(eps0, (1 - c) / eig.max()) * (1 - 1e-12)
        assert jay(w - eps * grad(w)) < jay(w)
