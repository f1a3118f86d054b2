"""Formulas as data for gradient flow and kernel regression: each derivation's ``formulas``
are proved by the steps they name, their per-eigenvalue forms are the matrix formulas along
eigenvectors, and the numeric evaluators (checks.flow_numeric) and the grader's exact helpers
(derive.function_space) follow the formulas they are given."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from gdflow.checks import flow_numeric
from gdflow.checks.flow_numeric import (
    FLOW_FORMULAS,
    LinearFlowMP,
    flow_formula,
    linear_flow,
    phi,
    spectral_function,
)
from gdflow.derive import function_space
from gdflow.derive.catalogue import get
from gdflow.derive.derivation import Definition, Formula, Identity, Recurrence
from gdflow.derive.function_space import DECAY, LAM, PHI
from gdflow.derive.notation import D, K, N, X, t, y

FORMULA_IDS = [
    "flow.parameter_solution",
    "flow.residual",
    "flow.trainability",
    "flow.parameter_evolution",
    "flow.predictions",
    "kernel.regression",
]
CASES = [
    (derivation_id, key)
    for derivation_id in FORMULA_IDS
    for key in sorted(get(derivation_id, verified=False).formulas)
]


def _right_side(claim: object) -> sp.Basic:
    if isinstance(claim, Recurrence):
        return claim.solution
    if isinstance(claim, Identity | Definition):
        return claim.rhs
    raise TypeError(f"no right-hand side in {type(claim).__name__}")


def test_the_flow_derivations_carry_their_closed_forms():
    """The issue's complaint: flow.parameter_evolution's result is the ODE; its formula is
    w(t) now, with its limit, and each flow derivation names what it proves."""
    assert str(get("flow.parameter_evolution", verified=False).formulas["w"].name) == "w(t)"
    assert set(get("flow.predictions", verified=False).formulas) >= {"f", "a", "b"}
    assert str(get("kernel.regression", verified=False).formula.name) == "alpha^(k)"
    assert len(CASES) >= 12


@pytest.mark.parametrize("derivation_id, key", CASES)
def test_each_formula_is_the_right_side_of_a_verified_step(derivation_id, key):
    d = get(derivation_id)
    f = d.formulas[key]
    step = d.step(f.step)
    assert _right_side(step.claim) == f.expr, (derivation_id, key)
    assert step.verified, str(step.certificate)
    if f.spectral is not None:
        assert f.spectral_params and f.spectral.free_symbols <= set(f.spectral_params)
        assert d.step(f.spectral_step).verified


@pytest.mark.parametrize("derivation_id, key", CASES)
def test_formula_depends_only_on_its_parameters(derivation_id, key):
    """Every free symbol of ``expr`` is a parameter, a size, or defined by the derivation's
    own definitions (k*, E(t), K = XXᵀ)."""
    d = get(derivation_id, verified=False)
    f = d.formulas[key]
    defined = set(d.assumptions.definitions)
    for s in d.steps:
        if s.given is not None:
            defined |= set(s.given.definitions)
    sizes = {N, D, sp.Symbol("n", integer=True, positive=True)}
    loose = {
        s for s in f.expr.free_symbols if s not in f.params and s not in sizes and s not in defined
    }
    assert not loose, (derivation_id, key, loose)


# -- the per-eigenvalue forms are the matrix formulas along eigenvectors -------------------------

R = sp.Rational


def test_spectral_forms_are_the_formulas_on_a_diagonal_kernel():
    """With X = diag(2, 0) (so K = diag(4, 0), one eigenvalue zero) the exact formulas act on
    each coordinate by their per-eigenvalue form: e^{-4t} and 1 for r(t); phi(4, t) for w(t);
    the limits 0 and 1, 1/4."""
    Xv = sp.ImmutableMatrix([[2, 0], [0, 0]])
    yv, wv = sp.ImmutableMatrix([1, 3]), sp.ImmutableMatrix([R(1, 2), 5])
    tv = R(3, 7)
    r = function_space.residual_evolution(Xv, yv, wv, tv)
    r0 = Xv * wv - yv
    g = flow_formula("r").spectral
    assert sp.simplify(r[0] - g.subs({LAM: 4, t: tv}) * r0[0]) == 0
    assert sp.simplify(r[1] - g.subs({LAM: 0, t: tv}) * r0[1]) == 0
    w = function_space.parameter_evolution(Xv, yv, wv, tv)
    ph = flow_formula("w").spectral
    assert sp.simplify(w[0] - (wv[0] - 2 * ph.subs({LAM: 4, t: tv}) * r0[0])) == 0
    assert w[1] == wv[1]  # X^T vanishes on the null space of K
    w_inf = function_space.parameter_evolution(Xv, yv, wv, sp.oo)
    assert w_inf[0] == wv[0] - 2 * flow_formula("w_inf").spectral.subs(LAM, 4) * r0[0]
    r_inf = function_space.residual_evolution(Xv, yv, wv, sp.oo)
    g_inf = flow_formula("r_inf").spectral
    assert list(r_inf) == [g_inf.subs(LAM, 4) * r0[0], g_inf.subs(LAM, 0) * r0[1]]


def test_kernel_regression_iterates_follow_their_spectral_form():
    """alpha^(k) instantiated at K = diag(1, 1/2), eta = 1/10, k = 3, against the scalar
    (1 - 2 eta kappa^2)^k applied to alpha^(0) - K^-1 y, and against three real GD steps."""
    f = get("kernel.regression", verified=False).formula
    Kv = sp.ImmutableMatrix([[1, 0], [0, R(1, 2)]])
    yv, a0 = sp.ImmutableMatrix([1, 2]), sp.ImmutableMatrix([0, 1])
    Km, yy, al0, eta, k = f.params
    values = {N: 2, Km: Kv, yy: yv, al0: a0, eta: R(1, 10), k: 3}
    got = sp.Matrix(f.instantiate(values))
    star = Kv.inv() * yv
    kappa = f.spectral_params[0]
    for j, kv in enumerate((1, R(1, 2))):
        factor = f.spectral.subs({kappa: kv, eta: R(1, 10), k: 3})
        assert got[j] == star[j] + factor * (a0[j] - star[j])
    a = sp.Matrix(a0)
    for _ in range(3):
        a = a - 2 * R(1, 10) * Kv * (Kv * a - yv)
    assert got == a


# -- numeric evaluators follow the formulas they are given ---------------------------------------


def _problem(N_, D_, rank=None, seed=0):
    rng = np.random.default_rng(seed)
    rank = min(N_, D_) if rank is None else rank
    Xv = rng.normal(size=(N_, rank)) @ rng.normal(size=(rank, D_)) / np.sqrt(D_)
    return Xv, rng.normal(size=N_), rng.normal(size=D_)


def test_formula_keys_name_catalogue_formulas():
    for key, (derivation_id, fkey) in FLOW_FORMULAS.items():
        assert flow_formula(key) is get(derivation_id, verified=False).formulas[fkey]
    with pytest.raises(KeyError, match="keys"):
        flow_formula("nope")
    with pytest.raises(KeyError, match="keys"):
        linear_flow([[1.0]], [1.0], [0.0], formulas={"nope": flow_formula("w")})


@pytest.mark.parametrize("method", ["auto", "svd", "eigh"])
def test_editing_the_w_formula_moves_the_parameters(method):
    """A copy of the catalogue's w(t) with its per-eigenvalue form doubled (2 phi): the
    evaluator's w(t) - w0 doubles; predictions follow (they read the same formula), the
    residual (its own formula) does not."""
    Xv, yv, wv = _problem(5, 3, seed=1)
    ts = np.array([0.0, 0.3, 2.0])
    edited = dataclasses.replace(flow_formula("w"), spectral=2 * PHI)
    base = linear_flow(Xv, yv, wv, "mean", method)
    moved = linear_flow(Xv, yv, wv, "mean", method, formulas={"w": edited})
    np.testing.assert_allclose(
        moved.parameters(ts) - wv, 2 * (base.parameters(ts) - wv), rtol=1e-13, atol=1e-15
    )
    xs = np.ones((2, 3))
    np.testing.assert_allclose(
        moved.predict(xs, ts) - xs @ wv, 2 * (base.predict(xs, ts) - xs @ wv), rtol=1e-13
    )
    np.testing.assert_array_equal(moved.residual(ts), base.residual(ts))
    assert phi(2.0, 0.5, edited) == pytest.approx(2 * phi(2.0, 0.5))


def test_editing_the_residual_formula_moves_the_residual():
    """exp(-2 lambda t) in place of exp(-lambda t): the residual at t is the catalogue's at 2t;
    editing the limit formula changes r(oo)."""
    Xv, yv, wv = _problem(4, 6, seed=2)
    ts = np.array([0.0, 0.1, 0.7])
    edited = dataclasses.replace(flow_formula("r"), spectral=DECAY.subs(t, 2 * t))
    base = linear_flow(Xv, yv, wv)
    moved = linear_flow(Xv, yv, wv, formulas={"r": edited})
    np.testing.assert_allclose(moved.residual(ts), base.residual(2 * ts), rtol=1e-13, atol=1e-15)
    half = dataclasses.replace(flow_formula("r_inf"), spectral=sp.Rational(1, 2))
    r0 = Xv @ wv - yv
    got = linear_flow(Xv, yv, wv, formulas={"r_inf": half}).residual([np.inf])[0]
    np.testing.assert_allclose(got, r0 - 0.5 * (r0 - base.residual([np.inf])[0]), atol=1e-14)


def test_spectral_function_is_accurate_for_tiny_lambda_t():
    """The lambdified phi is evaluated through expm1: at lambda t = 1e-12 it keeps every digit
    (the plain quotient (1 - e^{-x})/lambda would lose four)."""
    f = spectral_function(flow_formula("w"))
    assert f(1e-12, 1.0) == pytest.approx(1.0 - 0.5e-12, rel=1e-15)
    assert f(0.0, 2.5) == 2.5 and f(1e-300, 1.0) == 1.0
    assert f(4.0, np.inf) == 0.25
    with pytest.raises(ValueError, match="spectral"):
        spectral_function(Formula(sp.Symbol("q"), sp.Integer(1)))


# -- the grader's exact helpers instantiate the catalogue's formulas -----------------------------


def test_exact_helpers_follow_the_catalogue_formula(monkeypatch):
    """parameter_evolution instantiates flow.parameter_evolution's ``w``: replacing that formula
    (here by w0 itself) changes what the helper returns."""
    Xv, yv, wv = [[1, 0], [0, 2]], [1, 1], [R(1, 2), 0]
    real = function_space._formula
    original = function_space.parameter_evolution(Xv, yv, wv, R(1, 3))

    def patched(derivation_id: str, key: str) -> Formula:
        f = real(derivation_id, key)
        if key == "w":
            return dataclasses.replace(f, expr=f.params[2])
        return f

    monkeypatch.setattr(function_space, "_formula", patched)
    assert function_space.parameter_evolution(Xv, yv, wv, R(1, 3)) == sp.Matrix(wv)
    assert original != sp.Matrix(wv)


def test_exact_helpers_do_not_restate_the_formulas():
    """The helpers' source builds no pseudoinverse or exponential of its own."""
    import inspect

    for fn in (
        function_space.parameter_evolution,
        function_space.residual_evolution,
        function_space.prediction_coefficients,
    ):
        src = inspect.getsource(fn)
        assert ".pinv(" not in src and ".exp(" not in src, fn.__name__


# -- any scale of the data --------------------------------------------------------------------


@pytest.mark.parametrize("power", [-565, -500, 480, 532])
@pytest.mark.parametrize("shape, rank", [((5, 3), 3), ((4, 6), 2), ((6, 4), 2)])
def test_scaled_data_give_the_scaled_flow(power, shape, rank):
    """X and y times 2^p (p = -565 is 1.5e-170, 532 is 1.4e160): the flow of the scaled
    problem at time t is the original one at 4^p t, so outputs scale by 2^p, parameters do not.
    Before the evaluator normalised its data, K under- or overflowed and gave NaN."""
    Xv, yv, wv = _problem(*shape, rank=rank, seed=abs(power))
    base = linear_flow(Xv, yv, wv)
    ts = np.array([0.0, 0.05, 0.4, 3.0, np.inf]) / base.lam.max()
    with np.errstate(over="ignore", under="ignore"):
        t_scaled = np.ldexp(ts, -2 * power)
    keep = (t_scaled == 0) | np.isinf(ts) | ((t_scaled > 1e-300) & np.isfinite(t_scaled))
    ts, t_scaled = ts[keep], t_scaled[keep]
    assert ts.size >= 2
    fl = linear_flow(np.ldexp(Xv, power), np.ldexp(yv, power), wv)
    xs = np.ones((1, shape[1]))
    for got, want in (
        (fl.parameters(t_scaled), base.parameters(ts)),
        (fl.outputs(t_scaled), np.ldexp(base.outputs(ts), power)),
        (fl.predict(np.ldexp(xs, power), t_scaled), np.ldexp(base.predict(xs, ts), power)),
    ):
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)


@pytest.mark.parametrize("size", [1e-170, 1e160])
def test_decimal_scales_agree_with_mpmath(size):
    """X, y times 1e-170 or 1e160 (not powers of two), t = inf and a finite time, against the
    50-digit evaluator (LinearFlowMP) of the same float64 data."""
    Xv, yv, wv = _problem(4, 3, rank=2, seed=7)
    Xs, ys = Xv * size, yv * size
    fl = linear_flow(Xs, ys, wv)
    t_fin = 0.7 / size / size if size > 1 else 1e300
    mp = LinearFlowMP.build(Xs, ys, wv, dps=50)
    for tv in (t_fin, np.inf):
        import mpmath

        want_w = np.array([float(v) for v in mp.parameters(mpmath.inf if tv == np.inf else tv)])
        want_r = np.array([float(v) for v in mp.residual(mpmath.inf if tv == np.inf else tv)])
        np.testing.assert_allclose(fl.parameters([tv])[0], want_w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(
            fl.residual([tv])[0], want_r, rtol=1e-12, atol=1e-12 * np.abs(ys).max()
        )


# -- the decomposition and the cached projection -----------------------------------------------


def test_auto_method_chooses_by_the_computed_spectrum():
    """Well-conditioned X: the Gram eigendecomposition alone; ill-conditioned or rank-deficient
    X: its small part goes to an SVD; all three methods agree on the flow and on the rank."""
    rng = np.random.default_rng(3)
    Q1, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    Q2, _ = np.linalg.qr(rng.normal(size=(5, 5)))
    for svals, method in (([3, 2, 2, 1.5, 1], "eigh"), ([1, 1e-3, 1e-6, 1e-7, 0], "eigh+svd")):
        Xv = Q1[:, :5] @ np.diag(svals) @ Q2.T
        yv, wv = rng.normal(size=8), rng.normal(size=5)
        fl = linear_flow(Xv, yv, wv)
        assert fl.method == method
        ref = linear_flow(Xv, yv, wv, method="svd")
        assert fl.rank == ref.rank == np.count_nonzero(svals)
        ts = [0.0, 1.0, 1e3, 1e9, np.inf]
        scale = np.abs(ref.parameters(ts)).max()
        np.testing.assert_allclose(fl.parameters(ts), ref.parameters(ts), atol=1e-9 * scale)
        np.testing.assert_allclose(fl.residual(ts), ref.residual(ts), atol=1e-12)


def test_residual_before_and_after_u_is_formed_agree():
    """While U is not formed the residual is applied through X V S^-1; once enough times were
    asked for, through U: the two agree."""
    rng = np.random.default_rng(4)
    Q1, _ = np.linalg.qr(rng.normal(size=(30, 12)))
    Q2, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    Xv = Q1 @ np.diag(np.linspace(1.0, 2.0, 12)) @ Q2.T
    yv, wv = rng.normal(size=30), rng.normal(size=12)
    fl = linear_flow(Xv, yv, wv)
    assert fl.method == "eigh" and (fl.U_given is None or fl.U_given.shape[1] == 0)
    first = fl.residual([0.5])
    assert "U" not in fl._cache
    fl.residual(np.linspace(0, 1, 20))
    assert "U" in fl._cache
    np.testing.assert_allclose(fl.residual([0.5]), first, rtol=1e-13, atol=1e-14)


def test_predict_reuses_the_projection_only_for_equal_points():
    Xv, yv, wv = _problem(5, 3, seed=5)
    fl = linear_flow(Xv, yv, wv)
    xs = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, -1.0]])
    first = fl.predict(xs, [0.2, np.inf])
    cached = fl._cache["predictor"]
    assert np.array_equal(fl.predict(xs.copy(), [0.2, np.inf]), first)
    assert fl._cache["predictor"] is cached
    xs[0, 0] = 5.0  # edited in place: a new projection
    np.testing.assert_allclose(fl.predict(xs, [0.2]), fl.parameters([0.2]) @ xs.T, rtol=1e-13)
    assert fl._cache["predictor"] is not cached
    np.testing.assert_array_equal(fl.predictor(xs)([0.2]), fl.predict(xs, [0.2]))
    with pytest.raises(ValueError, match="3 columns"):
        fl.predictor(np.ones((2, 4)))


def test_flow_numeric_holds_no_hand_written_closed_form():
    """The float64 evaluators have no exponential of their own: expm1 and exp appear only in
    the mpmath reference, the integrator's docstrings and phi_mp."""
    import inspect

    src = inspect.getsource(flow_numeric.LinearFlow) + inspect.getsource(flow_numeric.phi)
    assert "expm1" not in src and "np.exp" not in src


def test_symbols_of_the_spectral_forms():
    assert flow_formula("w").spectral_params == (LAM, t)
    assert flow_formula("r").spectral == DECAY
    assert K in flow_formula("r").params and X in flow_formula("w").params
    assert y in flow_formula("w").params


def test_a_given_kernel_is_used_and_checked():
    """K = XXᵀ given (as Neural Tangents takes it) gives the flow of X; a K of other data, of
    another shape or not symmetric is refused."""
    Xv, yv, wv = _problem(4, 7, seed=9)
    ts = [0.0, 0.5, np.inf]
    with_k = linear_flow(Xv, yv, wv, "mean", K=Xv @ Xv.T)
    plain = linear_flow(Xv, yv, wv, "mean")
    np.testing.assert_allclose(with_k.outputs(ts), plain.outputs(ts), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(with_k.parameters(ts), plain.parameters(ts), rtol=1e-12)
    Xq, yq, wq = _problem(5, 5, seed=10)  # square: K is the Gram matrix used
    np.testing.assert_allclose(
        linear_flow(Xq, yq, wq, K=Xq @ Xq.T).outputs(ts),
        linear_flow(Xq, yq, wq, method="svd").outputs(ts),
        rtol=1e-10,
        atol=1e-12,
    )
    other = Xv.copy()
    other[0, 0] += 0.5
    with pytest.raises(ValueError, match="differ"):
        linear_flow(Xv, yv, wv, K=other @ other.T)
    with pytest.raises(ValueError, match="4x4"):
        linear_flow(Xv, yv, wv, K=np.eye(3))
    bad = Xv @ Xv.T
    bad[0, 1] += 1e-3
    with pytest.raises(ValueError, match="symmetric"):
        linear_flow(Xv, yv, wv, K=bad)
