r"""Question kinds beyond plain gradient descent (issue 12): ``line_search_step``,
``momentum_iterate`` and ``adam_step``.

All three are on the quadratic :math:`J(\mathbf w) = \tfrac12\mathbf w^\top\mathbf A\mathbf w +
\mathbf b^\top\mathbf w` (001 §2; a constant c changes none of the answers, so the kinds do not
take one) with :math:`\mathbf g = \nabla J(\mathbf w) = \mathbf A\mathbf w + \mathbf b`.

- ``line_search_step`` (003's learning-rate dilemma; ``search.exact_line_search``,
  ``search.backtracking``): the exact step :math:`\varepsilon_\star = \mathbf g^\top\mathbf g /
  \mathbf g^\top\mathbf A\mathbf g`, or the step backtracking accepts from ``eps0`` with
  ``factor`` and Armijo's ``c`` (at most :data:`~gdflow.derive.search.MAX_REDUCTIONS`
  reductions).
- ``momentum_iterate`` (003's momentum slide; ``momentum.heavy_ball``): :math:`\mathbf w^{(k)}`
  of :math:`\mathbf w^{(k+1)} = \mathbf w^{(k)} - \alpha\nabla J(\mathbf w^{(k)}) +
  \beta(\mathbf w^{(k)} - \mathbf w^{(k-1)})`, for a number k (exact iteration, k ≤
  :data:`MAX_MOMENTUM_STEPS`) or a symbol k (the closed form per eigendirection from the
  companion matrix, A at most :data:`MAX_SYMBOLIC_SIZE` × :data:`MAX_SYMBOLIC_SIZE`).
- ``adam_step`` (003's adaptive-methods slide; ``adaptive.rotation_invariance``): the point
  after the first K steps of Adam with bias correction, exactly (square roots stay exact), on
  the quadratic (K ≤ :data:`MAX_ADAM_STEPS_QUADRATIC`) or along a given gradient sequence
  (K ≤ :data:`MAX_ADAM_STEPS_GIVEN`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy as sp

from gdflow.derive.momentum import heavy_ball_matrix
from gdflow.derive.search import MAX_REDUCTIONS, armijo_backtracking, exact_step

from .fields import Fields, SpecError
from .kinds import Reference, _domain, _iterate_setup, _mutants, _n_steps, _show_number

__all__ = [
    "build_line_search_step",
    "build_momentum_iterate",
    "build_adam_step",
    "heavy_ball_closed_form",
    "MAX_MOMENTUM_STEPS",
    "MAX_SYMBOLIC_SIZE",
    "MAX_ADAM_STEPS_QUADRATIC",
    "MAX_ADAM_STEPS_GIVEN",
    "MAX_ADAM_SIZE_QUADRATIC",
]

MAX_MOMENTUM_STEPS = 100
"""The largest numeric k of a ``momentum_iterate`` question (exact rational iteration)."""
MAX_SYMBOLIC_SIZE = 4
"""The largest A of a ``momentum_iterate`` question with a symbolic k (exact eigenvalues)."""
MAX_ADAM_STEPS_QUADRATIC = 3
"""The most Adam steps on a quadratic (each step nests the square roots one level deeper)."""
MAX_ADAM_STEPS_GIVEN = 10
"""The most Adam steps along a given gradient sequence."""
MAX_ADAM_SIZE_QUADRATIC = 4
"""The largest A of an ``adam_step`` question on a quadratic with more than one step: from the
second step on, A mixes the coordinates' square roots into every coordinate, and the exact
reference grows with the size (a dense 4×4 with 3 steps loads in about 5 s, a 12×12 not within
the time bound)."""


def _number(f: Fields, key: str, default: Any = None, *, rational: bool = True) -> sp.Expr:
    """A real number at ``key`` (rational unless ``rational`` is false); a spec error naming the
    key otherwise."""
    v = f.expr(key, default)
    if not (v.is_number and v.is_real) or (rational and not v.is_Rational):
        kind = "a rational number" if rational else "a real number"
        raise SpecError(f"{f.where(key)}: expected {kind} (symbols are not supported); got {v}")
    return v


def _in_open_unit(f: Fields, key: str, v: sp.Expr, closed_left: bool = False) -> None:
    ok = (v >= 0 if closed_left else v > 0) and v < 1
    if not ok:
        interval = "[0, 1)" if closed_left else "(0, 1)"
        raise SpecError(f"{f.where(key)}: must lie in {interval}; got {v}")


# ------------------------------------------------------------------------------ line search


def _words(factor: sp.Expr) -> str:
    return "halving" if factor == sp.Rational(1, 2) else "reduction"


def build_line_search_step(f: Fields) -> Reference:
    r"""``line_search_step``: on :math:`J = \tfrac12\mathbf w^\top\mathbf A\mathbf w +
    \mathbf b^\top\mathbf w` at ``w``, with :math:`\mathbf g = \mathbf A\mathbf w + \mathbf b`,
    ``mode = "exact"`` (default): :math:`\varepsilon_\star = \mathbf g^\top\mathbf g /
    \mathbf g^\top\mathbf A\mathbf g` (``search.exact_line_search``;
    :func:`gdflow.derive.search.exact_step`); ``mode = "backtracking"``: the first of
    :math:`\varepsilon_0, \varepsilon_0\gamma, \dots` (``eps0``, ``factor`` γ default 1/2)
    passing Armijo's :math:`J(\mathbf w - \varepsilon\mathbf g) \le J(\mathbf w) -
    c\varepsilon\|\mathbf g\|^2` (``c``) (``search.backtracking``;
    :func:`gdflow.derive.search.armijo_backtracking`, at most ``MAX_REDUCTIONS``
    reductions)."""
    A = f.matrix("A", psd=True)
    n = A.shape[0]
    b = f.vector("b", n)
    w = f.vector("w", n)
    mode = f.string("mode", ["exact", "backtracking"], "exact")
    g = A * w + b
    f.scope.matrices.update(A=A, b=b, w=w, g=g)
    f.scope.dimension = n
    S = (g.T * g)[0, 0]
    a = (g.T * A * g)[0, 0]
    if S == 0:
        raise SpecError(
            f"{f.where('w')}: g = Aw + b = 0 at this w: w is already a minimiser and every step ε "
            "leaves it there, so the step is undefined (any ε); choose a w with Aw + b ≠ 0"
        )
    dom = _domain(f)
    if mode == "exact":
        for key in ("eps0", "factor", "c"):
            if f.has(key):
                raise SpecError(
                    f'{f.where(key)}: only a question with mode = "backtracking" uses it'
                )
        if a == 0:
            raise SpecError(
                f"{f.where('w')}: gᵀAg = 0 with g = {list(g)}: g lies in the null space of A, so "
                "J decreases linearly along w − εg without bound and exact line search has no "
                "minimiser; choose a w whose gradient has a component with positive curvature"
            )
        ref = exact_step(A, b, w)
        A2 = (g.T * A * A * g)[0, 0]
        items: list[tuple[Any, str]] = [
            (a / S, "you swapped numerator and denominator: ε⋆ = gᵀg / gᵀAg"),
            (
                -ref,
                "the step size is positive: the update w − εg moves against the gradient, "
                "with ε⋆ = gᵀg / gᵀAg > 0; yours has the opposite sign",
            ),
            (
                2 * ref,
                "along the line J(w − εg) = J(w) − ε gᵀg + ½ε² gᵀAg: the ½ makes the "
                "minimiser gᵀg / gᵀAg, not twice it",
            ),
            (
                ref / 2,
                "that is half the exact step: J(w − εg) = J(w) − ε gᵀg + ½ε² gᵀAg is "
                "minimised at ε⋆ = gᵀg / gᵀAg",
            ),
            (sp.sqrt(S) / a, "you used ‖g‖ in the numerator; it is ‖g‖² = gᵀg"),
            (
                a / A2 if A2 != 0 else None,
                "gᵀAg / gᵀA²g minimises the gradient norm ‖∇J‖ along the line (the "
                "minimal-residual step), not J; exact line search minimises J: gᵀg / gᵀAg",
            ),
            (
                lambda: exact_step(A, sp.zeros(n, 1), w),
                "you took g = Aw; the gradient of J = ½wᵀAw + bᵀw is g = Aw + b",
            ),
        ]
        return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))
    # backtracking
    if not f.has("eps0"):
        raise SpecError(f'question {f.qid}: missing key `eps0` (required by mode = "backtracking")')
    if not f.has("c"):
        raise SpecError(f'question {f.qid}: missing key `c` (required by mode = "backtracking")')
    eps0 = _number(f, "eps0")
    if not eps0 > 0:
        raise SpecError(f"{f.where('eps0')}: must be positive; got {eps0}")
    factor = _number(f, "factor", "1/2")
    _in_open_unit(f, "factor", factor)
    c = _number(f, "c")
    _in_open_unit(f, "c", c)
    try:
        ref, j = armijo_backtracking(A, b, w, eps0, factor, c)
    except ValueError:
        cap = 2 * (1 - c) * S / a
        raise SpecError(
            f"{f.where('eps0')}: backtracking from eps0 = {eps0} with factor {factor} would need "
            f"more than {MAX_REDUCTIONS} reductions before Armijo holds (it holds once "
            f"ε ≤ 2(1 − c)gᵀg/gᵀAg = {_show_number(cap)}); use a smaller eps0"
        ) from None
    J = _quadratic_value(A, b)
    word = _words(factor)

    def verdict_of(eps: sp.Expr) -> str:
        new, bound = J(w - eps * g), J(w) - c * eps * S
        rel = "≤" if new <= bound else ">"
        return f"J(w − εg) = {_show_number(new)} {rel} J(w) − cε‖g‖² = {_show_number(bound)}"

    items = [
        (
            ref * factor,
            f"one {word} too many: ε = {ref} already passes Armijo ({verdict_of(ref)}), "
            "so the loop stops there",
        ),
        (
            ref / factor if j > 0 else None,
            f"one {word} too few: ε = {ref / factor} fails Armijo ({verdict_of(ref / factor)}), "
            f"so the loop tries ε = {ref}",
        ),
        (
            (S / a) if a != 0 else None,
            "that is the exact line-search step gᵀg / gᵀAg; backtracking returns the first of "
            "ε₀, ε₀γ, ε₀γ², … that passes Armijo",
        ),
        (
            (2 * (1 - c) * S / a) if a != 0 else None,
            "that is the largest step passing Armijo, 2(1 − c)gᵀg / gᵀAg; backtracking returns "
            "the first trial ε₀γʲ that passes",
        ),
        (
            lambda: armijo_backtracking(A, b, w, eps0, factor, 0, strict=True)[0],
            "you tested plain decrease J(w − εg) < J(w); Armijo asks for sufficient decrease, "
            "J(w − εg) ≤ J(w) − cε‖g‖²",
        ),
        (
            lambda: armijo_backtracking(A, b, w, eps0, factor, c / sp.sqrt(S))[0],
            "you used ‖g‖ in Armijo's condition; it is J(w − εg) ≤ J(w) − cε‖g‖²",
        ),
    ]
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))


def _quadratic_value(A: sp.Matrix, b: sp.Matrix) -> Any:
    def J(x: sp.Matrix) -> sp.Expr:
        return sp.expand((x.T * A * x)[0, 0] / 2 + (b.T * x)[0, 0])

    return J


# ------------------------------------------------------------------------------ momentum


def _companion_power_row(al: sp.Expr, be: sp.Expr, a: sp.Expr, k: sp.Expr) -> tuple[Any, Any]:
    r"""The first row :math:`(c_{00}, c_{01})` of :math:`C^k`, C the heavy-ball companion
    matrix :math:`[[1 + \beta - \alpha a, -\beta], [1, 0]]` (``momentum.heavy_ball``), from its
    exact eigenvalues (Cayley–Hamilton: :math:`C^k = s_{k+1}I + s_k(C - \tau I)`,
    :math:`s_k = (\lambda_1^k - \lambda_2^k)/(\lambda_1 - \lambda_2)`, τ the trace): distinct
    real roots as powers, a double root λ as :math:`((k + 1)\lambda^k, -k\lambda^{k+1})`, a
    complex pair :math:`\rho e^{\pm i\theta}` as :math:`\rho^k\sin((k+1)\theta)/\sin\theta`,
    :math:`-\rho^{k+1}\sin(k\theta)/\sin\theta`.  ``ValueError`` when θ is not a rational
    multiple of π (no closed form an answer can write with sin and cos of k times a known
    angle)."""
    C = heavy_ball_matrix(al, be, a)
    tau, det = C.trace(), C.det()  # the roots' sum and product
    disc = sp.radsimp(sp.expand(tau**2 - 4 * det))
    if disc.has(sp.RootOf) or tau.has(sp.RootOf):
        raise ValueError("the companion matrix has no eigenvalues in radicals")
    if sp.simplify(disc) == 0:
        lam = sp.radsimp(tau / 2)
        return (k + 1) * lam**k, -k * lam ** (k + 1)
    if bool(disc > 0):
        l1, l2 = (tau + sp.sqrt(disc)) / 2, (tau - sp.sqrt(disc)) / 2
        return (
            (l1 ** (k + 1) - l2 ** (k + 1)) / (l1 - l2),
            -det * (l1**k - l2**k) / (l1 - l2),
        )
    be = det
    rho = sp.sqrt(be)
    theta = sp.acos(sp.radsimp((1 + be - al * a) / (2 * rho)))
    ratio = sp.simplify(theta / sp.pi)
    if not ratio.is_Rational:
        raise ValueError(
            f"the companion roots are ρe^{{±iθ}} with ρ = {rho} and θ = {theta}, not a rational "
            "multiple of π"
        )
    theta = ratio * sp.pi
    s = sp.sin(theta)
    return rho**k * sp.sin((k + 1) * theta) / s, -(rho ** (k + 1)) * sp.sin(k * theta) / s


def heavy_ball_closed_form(
    A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix, w_prev: sp.Matrix, al: Any, be: Any, k: Any
) -> sp.Matrix:
    r"""Heavy ball's :math:`\mathbf w^{(k)}` on :math:`\tfrac12\mathbf w^\top\mathbf A\mathbf w
    + \mathbf b^\top\mathbf w` (b in the range of A) for a symbolic k, per eigendirection
    (``momentum.heavy_ball``, step ``companion``; 001 §2.3):

    .. math:: \mathbf w^{(k)} = \mathbf w_\star + \sum_a P_a\,(c_{00}(a, k)\,\mathbf e^{(0)} +
        c_{01}(a, k)\,\mathbf e^{(-1)}),

    :math:`\mathbf w_\star = -\mathbf A^\dagger\mathbf b`, :math:`\mathbf e^{(j)} =
    \mathbf w^{(j)} - \mathbf w_\star`, :math:`P_a` the projector onto the eigenspace of a and
    :math:`(c_{00}, c_{01})` the first row of :math:`C(a)^k` (:func:`_companion_power_row`).
    ``ValueError`` when an eigenvalue of A or of a companion matrix has no usable closed form.
    """
    al, be = sp.sympify(al), sp.sympify(be)
    wstar = -A.pinv() * b
    e0, em1 = w0 - wstar, w_prev - wstar
    out = sp.Matrix(wstar)
    for value, _mult, vectors in A.eigenvects():
        if value.has(sp.RootOf):
            raise ValueError(f"the eigenvalue {value} of A has no expression in radicals")
        V = sp.Matrix.hstack(*vectors)
        P = (V * (V.T * V).inv() * V.T).applyfunc(sp.simplify)
        p0, pm1 = P * e0, P * em1
        if p0.is_zero_matrix and pm1.is_zero_matrix:
            continue
        c00, c01 = _companion_power_row(al, be, value, k)
        out += c00 * p0 + c01 * pm1
    return out


def _heavy_ball_iterate(
    A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix, w_prev: sp.Matrix, al: Any, be: Any, k: int
) -> sp.Matrix:
    """k exact heavy-ball steps (003's momentum update, ``momentum.heavy_ball``)."""
    prev, cur = w_prev, w0
    for _ in range(k):
        prev, cur = cur, cur - al * (A * cur + b) + be * (cur - prev)
    return cur


def _nesterov_iterate(
    A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix, w_prev: sp.Matrix, al: Any, be: Any, k: int
) -> sp.Matrix:
    """k exact Nesterov steps (``momentum.nesterov``): the gradient at the look-ahead point."""
    prev, cur = w_prev, w0
    for _ in range(k):
        y = cur + be * (cur - prev)
        prev, cur = cur, y - al * (A * y + b)
    return cur


def _outside_region(al: sp.Expr, be: sp.Expr, eigs: list[float]) -> str | None:
    r"""Why (α, β) is outside heavy ball's convergence region :math:`0 \le \beta < 1`,
    :math:`0 < \alpha a < 2(1 + \beta)` for every eigenvalue a > 0 (``momentum.heavy_ball``,
    step ``region``), or None when inside."""
    if not (be >= 0 and be < 1):
        return (
            f"your β = {be} is outside the convergence region 0 ≤ β < 1: those iterates "
            "do not converge"
        )
    positive = [e for e in eigs if e > 1e-12]
    if not positive:
        return None
    lo, hi = min(positive), max(positive)
    if float(al) * lo <= 0 or float(al) * hi >= 2 * (1 + float(be)):
        return (
            f"your α = {al} is outside the convergence region 0 < αa < 2(1 + β) (a from "
            f"{lo:.4g} to {hi:.4g}, the eigenvalues of A): those iterates diverge"
        )
    return None


def build_momentum_iterate(f: Fields) -> Reference:
    r"""``momentum_iterate``: heavy ball :math:`\mathbf w^{(k+1)} = \mathbf w^{(k)} -
    \alpha(\mathbf A\mathbf w^{(k)} + \mathbf b) + \beta(\mathbf w^{(k)} - \mathbf w^{(k-1)})`
    from ``start`` (w⁽⁰⁾) and ``previous`` (w⁽⁻¹⁾, default w⁽⁰⁾), α = ``learning_rate``,
    β = ``momentum`` (rational numbers), k = ``steps`` (an integer up to
    ``MAX_MOMENTUM_STEPS``, iterated exactly, or a symbol, default ``k``: the closed form
    :func:`heavy_ball_closed_form`, A at most ``MAX_SYMBOLIC_SIZE`` square) (003 momentum
    slide; ``momentum.heavy_ball``)."""
    A, b, w0, _, k = _iterate_setup(f)
    n = A.shape[0]
    al = _number(f, "learning_rate")
    be = _number(f, "momentum")
    given_prev = f.has("previous")
    w_prev = f.vector("previous", n) if given_prev else w0
    f.scope.matrices["wprev"] = w_prev
    symbolic = not k.is_Integer
    if not symbolic and not 0 <= int(k) <= MAX_MOMENTUM_STEPS:
        raise SpecError(
            f"{f.where('steps')}: expected an integer from 0 to {MAX_MOMENTUM_STEPS}; got {k}"
        )
    if symbolic and n > MAX_SYMBOLIC_SIZE:
        raise SpecError(
            f"{f.where('A')}: a symbolic k needs A's exact eigenvalues; A is {n}×{n}, larger than "
            f"the limit {MAX_SYMBOLIC_SIZE}×{MAX_SYMBOLIC_SIZE} (use a numeric k)"
        )

    def hb(al_: Any, be_: Any, k_: Any, prev: sp.Matrix = w_prev) -> sp.Matrix:
        if symbolic:
            return heavy_ball_closed_form(A, b, w0, prev, al_, be_, k_)
        if k_ < 0:
            raise ValueError("no iterate before w⁽⁻¹⁾")
        return _heavy_ball_iterate(A, b, w0, prev, al_, be_, int(k_))

    try:
        ref = hb(al, be, k)
    except ValueError as exc:
        raise SpecError(
            f"{f.where('steps')}: the symbolic-k closed form is not available for these data "
            f"({exc}); "
            "use a numeric k or parameters whose companion roots are real or at an angle that is "
            "a rational multiple of π"
        ) from None
    if symbolic:  # the closed form against the recurrence at the first steps, exactly
        for j in range(4):
            want = _heavy_ball_iterate(A, b, w0, w_prev, al, be, j)
            if (ref.xreplace({k: j}) - want).applyfunc(sp.simplify) != sp.zeros(n, 1):
                raise SpecError(f"question {f.qid}: the closed form disagrees with step {j}")
    dom = _domain(f)
    eigs = [float(e) for e in np.linalg.eigvalsh(np.array(A.tolist(), dtype=float))]

    def region(al_: sp.Expr, be_: sp.Expr, msg: str) -> str:
        why = _outside_region(al_, be_, eigs)
        return f"{msg}; {why}" if why else msg

    update = "w⁽ᵏ⁺¹⁾ = w⁽ᵏ⁾ − α∇J(w⁽ᵏ⁾) + β(w⁽ᵏ⁾ − w⁽ᵏ⁻¹⁾)"
    items: list[tuple[Any, str]] = [
        (
            (lambda: hb(al * (1 - be), be, k)) if not given_prev or w_prev == w0 else None,
            "that is the (1 − β)-weighted average form v ← βv + (1 − β)∇J, w ← w − αv (heavy "
            f"ball with step α(1 − β)); the update asked for is {update}",
        ),
        (
            lambda: hb(al, -be, k),
            region(al, -be, "the momentum term is +β(w⁽ᵏ⁾ − w⁽ᵏ⁻¹⁾); you subtracted it"),
        ),
        (
            lambda: hb(-al, be, k),
            region(-al, be, "you moved along +∇J (ascent); the update is " + update),
        ),
        (
            lambda: hb(al, 1 - be, k),
            region(al, 1 - be, "you used 1 − β where the momentum coefficient is β"),
        ),
        (
            lambda: hb(al, 0, k),
            "that is plain gradient descent (β = 0); heavy ball adds β(w⁽ᵏ⁾ − w⁽ᵏ⁻¹⁾)",
        ),
        (
            lambda: hb(al, be, k, w0) if given_prev and w_prev != w0 else None,
            f"you started from w⁽⁻¹⁾ = w⁽⁰⁾; the question gives w⁽⁻¹⁾ = {list(w_prev)}",
        ),
        (
            (lambda: _nesterov_iterate(A, b, w0, w_prev, al, be, int(k))) if not symbolic else None,
            "that is Nesterov's method (the gradient at the look-ahead point "
            "w⁽ᵏ⁾ + β(w⁽ᵏ⁾ − w⁽ᵏ⁻¹⁾)); heavy ball takes the gradient at w⁽ᵏ⁾",
        ),
        (
            lambda: hb(al, be, k + 1),
            "your exponent or step count is off by one: that is w⁽ᵏ⁺¹⁾"
            if symbolic
            else f"that is the point after {_n_steps(int(k) + 1)}; the question asks for "
            f"{_n_steps(int(k))}",
        ),
        (
            lambda: hb(al, be, k - 1),
            "your exponent or step count is off by one: that is w⁽ᵏ⁻¹⁾"
            if symbolic
            else f"that is the point after {_n_steps(int(k) - 1)}; the question asks for "
            f"{_n_steps(int(k))}",
        ),
    ]
    own = _outside_region(al, be, eigs)

    def explain(answer: Any, cmp: Any) -> list[str]:
        if own:
            return [
                f"note: with α = {al}, β = {be} this question's iterates do not converge "
                f"({own.removeprefix('your ')})"
            ]
        return []

    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items), explain=explain)


# ------------------------------------------------------------------------------ Adam


def _adam(
    w0: sp.Matrix,
    grad: Any,
    steps: int,
    al: sp.Expr,
    b1: sp.Expr,
    b2: sp.Expr,
    eps: sp.Expr,
    *,
    correct_m: bool = True,
    correct_v: bool = True,
    square: bool = True,
    eps_inside: bool = False,
    swap_b1: bool = False,
) -> sp.Matrix:
    r"""``steps`` exact Adam steps with bias correction from w⁽⁰⁾ (Kingma and Ba 2015,
    Algorithm 1; the update of ``adaptive.rotation_invariance``), coordinatewise with
    :math:`t = 1, 2, \dots`:
    :math:`m \leftarrow \beta_1 m + (1-\beta_1)g`, :math:`v \leftarrow \beta_2 v +
    (1-\beta_2)g^2`, :math:`w \leftarrow w - \alpha\,\hat m/(\sqrt{\hat v} + \varepsilon)`,
    :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`; ``grad(t, w)`` is the
    gradient at step t.  The keyword flags build the typical slips (for feedback).
    ``ValueError`` when a step is 0/0 (ε = 0 and a zero second moment) or not real."""
    n = w0.shape[0]
    w = sp.Matrix(w0)
    m = sp.zeros(n, 1)
    v = sp.zeros(n, 1)
    for t in range(1, steps + 1):
        g = grad(t, w)
        if swap_b1:
            m = (1 - b1) * m + b1 * g
        else:
            m = b1 * m + (1 - b1) * g
        sq = g.applyfunc(lambda x: x**2) if square else g
        v = b2 * v + (1 - b2) * sq
        mh = m / (1 - b1**t) if correct_m else m
        vh = v / (1 - b2**t) if correct_v else v
        step = []
        for i in range(n):
            if vh[i].is_negative or not vh[i].is_real:
                raise ValueError(f"the second moment {vh[i]} is negative")
            den = sp.sqrt(vh[i] + eps) if eps_inside else sp.sqrt(vh[i]) + eps
            if den == 0:
                raise ValueError(f"coordinate {i + 1} at step {t}: m̂/(√v̂ + ε) is 0/0")
            step.append(al * mh[i] / den)
        w = w - sp.Matrix(step)
    return w


def build_adam_step(f: Fields) -> Reference:
    r"""``adam_step``: the point after ``steps`` K (default 1) Adam steps with bias correction
    from ``start``, α = ``learning_rate``, ``beta1``, ``beta2``, ``eps`` (rational numbers), on
    :math:`\tfrac12\mathbf w^\top\mathbf A\mathbf w + \mathbf b^\top\mathbf w` (``A``, ``b``;
    K ≤ ``MAX_ADAM_STEPS_QUADRATIC``) or along ``gradients`` (one row per step; K ≤
    ``MAX_ADAM_STEPS_GIVEN``, default the number of rows), exactly (:func:`_adam`; 003's
    adaptive-methods slide, ``adaptive.rotation_invariance``).  Numeric answers are held to the
    question's ``tolerance``."""
    w0 = f.vector("start")
    n = len(w0)
    al = _number(f, "learning_rate")
    if not al > 0:
        raise SpecError(f"{f.where('learning_rate')}: must be positive; got {al}")
    b1, b2 = _number(f, "beta1"), _number(f, "beta2")
    _in_open_unit(f, "beta1", b1, closed_left=True)
    _in_open_unit(f, "beta2", b2, closed_left=True)
    eps = _number(f, "eps")
    if eps < 0:
        raise SpecError(f"{f.where('eps')}: must be nonnegative; got {eps}")
    if f.has("A") == f.has("gradients"):
        raise SpecError(f"question {f.qid}: give exactly one of `A` (with `b`) and `gradients`")
    f.scope.matrices["w0"] = w0
    f.scope.dimension = n
    if f.has("A"):
        if not f.has("b"):
            raise SpecError(f"question {f.qid}: missing key `b` (required with `A`)")
        A = f.matrix("A", psd=True, rows=n)
        b = f.vector("b", n)
        f.scope.matrices.update(A=A, b=b)
        limit = MAX_ADAM_STEPS_QUADRATIC
        steps_raw = f.raw("steps", 1)

        def grad(t: int, w: sp.Matrix) -> sp.Matrix:
            return A * w + b

        available = limit + 1
    else:
        if f.has("b"):
            raise SpecError(f"{f.where('b')}: only a question with `A` uses it")
        G = f.matrix("gradients", cols=n)
        limit = MAX_ADAM_STEPS_GIVEN
        steps_raw = f.raw("steps", G.shape[0])

        def grad(t: int, w: sp.Matrix) -> sp.Matrix:
            return G[t - 1, :].T

        available = G.shape[0]
        if available > limit:
            raise SpecError(
                f"{f.where('gradients')}: {available} gradients; at most {limit} steps are allowed"
            )
    if (
        not isinstance(steps_raw, int)
        or isinstance(steps_raw, bool)
        or not 1 <= steps_raw <= min(limit, available)
    ):
        raise SpecError(
            f"{f.where('steps')}: expected an integer from 1 to {min(limit, available)}; "
            f"got {steps_raw!r}"
        )
    K = steps_raw
    if f.has("A") and K > 1 and n > MAX_ADAM_SIZE_QUADRATIC:
        raise SpecError(
            f"{f.where('A')}: {n}x{n}; with more than one Adam step on a quadratic, A may be at "
            f"most {MAX_ADAM_SIZE_QUADRATIC}x{MAX_ADAM_SIZE_QUADRATIC} (the exact iterate nests "
            "square roots across the coordinates); use steps = 1, or give the `gradients`"
        )

    def run(steps: int = K, **kw: Any) -> sp.Matrix:
        if steps < 1 or steps > available:
            raise ValueError("no such step")
        return _adam(w0, grad, steps, al, b1, b2, eps, **kw)

    try:
        ref = run()
    except ValueError as exc:
        raise SpecError(f"{f.where('eps')}: {exc}; use eps > 0") from None
    dom = _domain(f)

    def gd() -> sp.Matrix:
        w = w0
        for t in range(1, K + 1):
            w = w - al * grad(t, w)
        return w

    items: list[tuple[Any, str]] = [
        (
            lambda: run(correct_m=False, correct_v=False),
            "you left out the bias correction: Adam divides m by 1 − β₁ᵗ and v by 1 − β₂ᵗ "
            "(so the first step is α·g/(|g| + ε) coordinatewise)",
        ),
        (
            lambda: run(correct_v=False),
            "you corrected m but not v: v̂ = v/(1 − β₂ᵗ) as well",
        ),
        (
            lambda: run(correct_m=False),
            "you corrected v but not m: m̂ = m/(1 − β₁ᵗ) as well",
        ),
        (
            lambda: run(square=False),
            "you averaged g in v; Adam's second moment averages g²: v ← β₂v + (1 − β₂)g²",
        ),
        (
            lambda: run(eps_inside=True),
            "you put ε inside the square root; Adam divides by √v̂ + ε",
        ),
        (
            lambda: run(swap_b1=True),
            "you swapped β₁ and 1 − β₁: the first moment is m ← β₁m + (1 − β₁)g",
        ),
        (gd, "that is gradient descent w − αg; Adam steps by α·m̂/(√v̂ + ε)"),
        (
            lambda: run(K - 1) if K > 1 else None,
            f"that is the point after {_n_steps(K - 1)}; the question asks for {_n_steps(K)}",
        ),
        (
            lambda: run(K + 1),
            f"that is the point after {_n_steps(K + 1)}; the question asks for {_n_steps(K)}",
        ),
    ]
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))
