"""The issue-12 properties (momentum, search, adaptive, optimizers): each is registered, passes
on a few examples, and fails on a planted bug (a property that cannot fail is a defect)."""

from __future__ import annotations

import math
import re

import mpmath
import numpy as np
import pytest

from gdflow.checks import adaptive_properties as ap
from gdflow.checks import momentum_numeric as mn
from gdflow.checks import momentum_properties as mp
from gdflow.checks import optimizers as opt
from gdflow.checks import search_properties as sp_
from gdflow.checks.properties import PROPERTIES, load_properties

NEW = [
    "momentum.closed_form_matches_iteration",
    "momentum.optimal_rate_observed",
    "search.exact_step_minimises",
    "search.backtracking_sufficient_decrease",
    "adaptive.rotation_invariance_observed",
    "optimizers.mpmath_agrees",
]


def run(name: str, examples: int = 40) -> bool:
    """Whether the property passes; a failure must be a failed assertion (a planted bug caught
    by the fact checked), not an exception the bug provoked elsewhere."""
    load_properties()
    result = PROPERTIES[name].run(examples=examples, seed_value=0)
    if not result.passed:
        first = (result.counterexample or "").splitlines()[0]
        assert not re.match(r"^\w+(Error|Exception|Warning)\b.*: ", first), first
    return result.passed


def test_registered_with_descriptions_and_total_count() -> None:
    props = load_properties()
    for name in NEW:
        assert name in props
        assert props[name].description
    assert len(props) >= 26


@pytest.mark.parametrize("name", NEW)
def test_passes_on_a_few_examples(name: str) -> None:
    assert run(name, examples=15)


# -- planted bugs -------------------------------------------------------------------------------


def test_closed_form_rejects_a_wrong_companion(monkeypatch: pytest.MonkeyPatch) -> None:
    right = mn.companion_matrix

    def wrong(method, alpha, beta, a):  # heavy ball with +beta in the corner
        C = right(method, alpha, beta, a)
        return [[C[0][0], -C[0][1]], C[1]]

    monkeypatch.setattr(mn, "companion_matrix", wrong)
    assert not run("momentum.closed_form_matches_iteration")


def test_closed_form_rejects_a_wrong_null_direction(monkeypatch: pytest.MonkeyPatch) -> None:
    # the drift without momentum's amplification 1/(1 - beta)
    monkeypatch.setattr(mn, "null_direction", lambda w0, b, alpha, beta, k: w0 - alpha * b * k)
    assert not run("momentum.closed_form_matches_iteration", examples=100)


def test_closed_form_rejects_a_wrong_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mn, "classify", lambda method, alpha, beta, a: "converging")
    assert not run("momentum.closed_form_matches_iteration")


def test_rate_property_rejects_gds_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    right = mp.tuned_parameters

    def gd_rate(method, m, M):
        alpha, beta, _ = right(method, m, M)
        return alpha, beta, (M / m - 1) / (M / m + 1)

    monkeypatch.setattr(mp, "tuned_parameters", gd_rate)
    assert not run("momentum.optimal_rate_observed")


def test_rate_property_rejects_a_wrong_optimal_step(monkeypatch: pytest.MonkeyPatch) -> None:
    right = mp.tuned_parameters

    def off(method, m, M):
        alpha, beta, rho = right(method, m, M)
        return 0.8 * alpha, beta, rho

    monkeypatch.setattr(mp, "tuned_parameters", off)
    assert not run("momentum.optimal_rate_observed")


def test_exact_step_property_rejects_a_wrong_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sp_, "exact_step", lambda A, g: float(g @ g) / float(2 * g @ A @ g))
    assert not run("search.exact_step_minimises")


def test_backtracking_property_rejects_no_armijo_check(monkeypatch: pytest.MonkeyPatch) -> None:
    def accept_all(f, w, g, eps0=1.0, factor=0.5, c=0.5, max_trials=200):
        w = np.asarray(w, float)
        return opt.Backtracking(eps0, w - eps0 * np.asarray(g, float), 1)

    monkeypatch.setattr(opt, "backtracking", accept_all)
    assert not run("search.backtracking_sufficient_decrease", examples=100)


def test_backtracking_property_rejects_overshrinking(monkeypatch: pytest.MonkeyPatch) -> None:
    right = opt.backtracking

    def quarter(f, w, g, eps0=1.0, factor=0.5, c=0.5, max_trials=200):
        res = right(f, w, g, eps0, factor, c, max_trials)
        if res.trials == 1:
            return res
        e = res.step / 2  # one halving too many
        return opt.Backtracking(e, np.asarray(w, float) - e * np.asarray(g, float), res.trials)

    monkeypatch.setattr(opt, "backtracking", quarter)
    assert not run("search.backtracking_sufficient_decrease", examples=200)


def test_backtracking_terminates_and_rejects_bad_arguments() -> None:
    # 003's f(x) = x^2 - 4x + 5 from x = 0: eps0 = 1 rejected, 1/2 accepted, lands on 2
    res = opt.backtracking(lambda x: float(x[0] ** 2 - 4 * x[0] + 5), [0.0], [-4.0], 1.0)
    assert res.step == 0.5 and res.trials == 2 and res.w[0] == 2.0
    with pytest.raises(ValueError, match="factor"):
        opt.backtracking(lambda x: 0.0, [0.0], [1.0], 1.0, factor=1.0)
    with pytest.raises(ValueError, match="c must"):
        opt.backtracking(lambda x: 0.0, [0.0], [1.0], 1.0, c=0.0)
    with pytest.raises(ValueError, match="Armijo"):  # g is not the gradient: never accepted
        opt.backtracking(lambda x: float(x[0]), [0.0], [-1.0], 1.0, max_trials=30)
    # a trial with a non-finite value is rejected, not accepted through NaN
    res = opt.backtracking(
        lambda x: float("nan") if x[0] > 1 else float(x[0] ** 2), [1.0], [2.0], 4.0
    )
    assert math.isfinite(res.w[0]) and res.step == 0.5


def test_rotation_property_rejects_sign_gd(monkeypatch: pytest.MonkeyPatch) -> None:
    # sign-GD is coordinatewise: it breaks GD's rotation invariance
    monkeypatch.setattr(
        opt, "gd_step", lambda w, g, alpha, *, dps=None: np.asarray(w) - alpha * np.sign(g)
    )
    assert not run("adaptive.rotation_invariance_observed")


def test_rotation_property_rejects_a_rotation_invariant_adagrad(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # AdaGrad with one accumulator for the whole gradient norm commutes with every rotation
    def norm_adagrad(w, G, g, alpha, eps=1e-8, *, dps=None):
        g = np.asarray(g, float)
        G_new = np.asarray(G, float) + float(g @ g)
        return np.asarray(w, float) - alpha * g / (np.sqrt(G_new) + eps), G_new

    monkeypatch.setattr(opt, "adagrad_step", norm_adagrad)
    assert not run("adaptive.rotation_invariance_observed")


def test_rotation_property_rejects_index_dependent_adam(monkeypatch: pytest.MonkeyPatch) -> None:
    # an eps that depends on the coordinate's index breaks permutation equivariance
    right = opt.adam_step

    def indexed(w, state, g, alpha, beta1=0.9, beta2=0.999, eps=1e-8, *, dps=None):
        w2, st = right(w, state, g, alpha, beta1, beta2, eps, dps=dps)
        return w2 + 1e-9 * np.arange(len(w2)), st

    monkeypatch.setattr(opt, "adam_step", indexed)
    assert not run("adaptive.rotation_invariance_observed")


def test_mpmath_property_rejects_a_perturbed_mpmath_arithmetic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def scalar(self, x):
        return x if self.dps is None else mpmath.mpf(x) * (1 + mpmath.mpf(10) ** -9)

    monkeypatch.setattr(opt._Arithmetic, "scalar", scalar)
    assert not run("optimizers.mpmath_agrees")


def test_mpmath_property_rejects_float32_like_adaptive_steps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    right = opt.rmsprop_step

    def rounded(w, v, g, alpha, rho=0.9, eps=1e-8, *, dps=None):
        w2, v2 = right(w, v, g, alpha, rho, eps, dps=dps)
        return (w2 if dps else w2.astype(np.float32).astype(float)), v2

    monkeypatch.setattr(opt, "rmsprop_step", rounded)
    assert not run("optimizers.mpmath_agrees", examples=100)


def test_fsum_gradient_is_permutation_exact() -> None:
    A = np.array([[1e16, 1.0, -1e16], [1.0, 2.0, 3.0], [-1e16, 3.0, 1e16 + 2]])
    b = np.array([0.1, 0.2, 0.3])
    w = np.array([1.0, 1e-3, 1.0 + 1e-12])
    P = np.array([[0, 0, -1.0], [1.0, 0, 0], [0, 1.0, 0]])
    g = ap.fsum_gradient(A, b)(w)
    gp = ap.fsum_gradient(P.T @ A @ P, P.T @ b)(P.T @ w)
    assert np.array_equal(P @ gp, g)
