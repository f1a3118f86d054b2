r"""Question kinds: how each computes its reference answer from the problem data, which names
a student may use, and the domain feedback for typical wrong answers.

Loss conventions (DESIGN.md): quadratics are :math:`J(w) = \tfrac12 w^\top A w + b^\top w + c`
(001 §2); gradient flow is on :math:`L(w) = \tfrac12\|Xw - y\|^2` (000); ridge is
:math:`J_\lambda = \tfrac{1}{2N}\|\Phi w - t\|^2 + \tfrac\lambda2\|w\|^2` (001 §2.4).

Each kind lists its ``required`` and ``optional`` keys; :class:`Reference` carries the exact
reference, the scope of names an answer may use, the admissible domain of its symbols, and
*mutants*: typical wrong answers (a sign flip in the update, a dropped ½, the minimum-norm
solution where the start matters...) each with the explanation given when an answer matches.

Reference computations come from ``derive/``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdflow.derive.discrete import closed_form_iterate, limit_point, loss_after
from gdflow.derive.eigencases import StepCase, convergence_condition, step_size_case
from gdflow.derive.function_space import parameter_evolution, residual_evolution
from gdflow.derive.gaussian import affine_gaussian
from gdflow.derive.pseudoinverse import ridge_limit, ridge_solution
from gdflow.derive.quadratic import gd_step, objective

from .equivalence import (
    Comparison,
    Domain,
    compare,
    decimal_text,
    relation_to_set,
    rounding_of,
)
from .fields import Fields, SpecError, spectrum_degree
from .parse import Scope, Shape

__all__ = ["Reference", "Kind", "KINDS", "COMMON_KEYS", "STEP_LABELS", "MAX_STEPS"]

MAX_STEPS = 1000
"""The largest integer ``steps`` of ``closed_form_iterate`` and ``loss_after`` (a larger or
negative count is a spec error naming the key): exact iterates after 1000 steps already have
thousands of digits."""

MAX_SYMBOLIC_STEPS = 50
"""With a symbolic learning rate and a matrix whose eigenvalues have no closed form, the
iterate is computed step by step as a polynomial in α, up to this many steps."""

COMMON_KEYS = {
    "id",
    "kind",
    "prompt",
    "expected",
    "tolerance",
    "feedback",
    "assume",
    "timeout",
    "points",
}


@dataclass
class Reference:
    """A question's computed reference answer and what grading needs to know about it."""

    value: Any
    scope: Scope
    domain: Domain
    expect: str = "any"
    variable: sp.Symbol | None = None
    labels: dict[str, list[str]] | None = None
    mutants: list[tuple[Any, str]] = field(default_factory=list)
    explain: Callable[[Any, Comparison], list[str]] | None = None
    components: list[str] | None = None
    """Names of a vector answer's entries (``gd_step``'s ``variables``): an answer ``v = 0,
    u = 1.8`` is put in this order."""


@dataclass
class Kind:
    """A question kind: its keys and the function building its :class:`Reference`."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    build: Callable[[Fields], Reference]


# ------------------------------------------------------------------------------ local maths


def gd_iterates(
    objective: sp.Expr, variables: list[sp.Symbol], start: sp.Matrix, lr: sp.Expr, steps: int
) -> list[sp.Matrix]:
    r"""Gradient-descent iterates :math:`x^{(i+1)} = x^{(i)} - \varepsilon\nabla f(x^{(i)})`,
    i = 0..steps, on any differentiable ``objective`` (003; the update rule itself)."""
    grad = sp.Matrix([sp.diff(objective, v) for v in variables])
    xs = [start]
    x = start
    for _ in range(steps):
        g = grad.xreplace(dict(zip(variables, x, strict=True)))
        x = sp.Matrix([sp.expand(e) for e in x - lr * g])
        xs.append(x)
    return xs


def _flow(X: sp.Matrix, y: sp.Matrix, w0: sp.Matrix, t: sp.Expr, target: str) -> sp.Matrix:
    r"""Gradient flow on :math:`L = \tfrac12\|Xw - y\|^2` (000): the parameters
    (``gdflow.derive.function_space.parameter_evolution``), the residual (``residual_evolution``) or
    the predictions :math:`f = y + r`; ``target`` is ``"w"``, ``"f"`` or ``"r"``."""
    if target == "w":
        return sp.Matrix(parameter_evolution(X, y, w0, t))
    r = sp.Matrix(residual_evolution(X, y, w0, t))
    return r + y if target == "f" else r


def _flint(m: sp.Matrix) -> Any:
    """A rational SymPy matrix as a python-flint ``fmpq_mat``."""
    import flint

    return flint.fmpq_mat(
        m.rows,
        m.cols,
        [flint.fmpq(int(sp.Rational(x).p), int(sp.Rational(x).q)) for x in m],
    )


def _sympy(m: Any) -> sp.Matrix:
    """A python-flint ``fmpq_mat`` as a SymPy matrix of rationals."""
    return sp.Matrix(m.nrows(), m.ncols(), lambda i, j: sp.Rational(int(m[i, j].p), int(m[i, j].q)))


Projector = list[tuple[sp.Expr, Any]]
r"""A spectral projector :math:`P = \sum_k c_k M_k` as pairs of an exact scalar c (rational, or
with a square root) and a rational python-flint matrix M."""


def closed_form_spectrum(S: sp.Matrix) -> list[tuple[sp.Expr, Projector]] | None:
    r"""The spectral decomposition :math:`S = \sum_i \lambda_i P_i` of a rational *symmetric*
    matrix whose characteristic polynomial has irreducible factors of degree at most 2 (the
    eigenvalues are rational or :math:`(-b \pm \sqrt d)/2`): each distinct eigenvalue with its
    orthogonal projector.  For an irreducible factor p of the minimal polynomial m, the
    projector onto :math:`\ker p(S)` is :math:`E = u(S)\,(m/p)(S)` with
    :math:`u\,(m/p) \equiv 1 \bmod p` (rational, in python-flint: milliseconds at 12×12); a
    linear p gives :math:`P = E`, a quadratic one with roots :math:`\lambda_\pm` gives
    :math:`P_\pm = (SE - \lambda_\mp E)/(\lambda_\pm - \lambda_\mp)`.  ``None`` when a factor
    has degree 3 or more."""
    import flint

    Sf = _flint(S)
    _, factors = Sf.charpoly().factor()
    if any(fac.degree() > 2 for fac, _ in factors):
        return None
    n = S.rows
    eye = flint.fmpq_mat(n, n)
    for i in range(n):
        eye[i, i] = 1

    def at(poly: Any) -> Any:  # poly(S) by Horner's rule
        out = flint.fmpq_mat(n, n)
        for c in reversed(poly.coeffs()):
            out = out * Sf + eye * c
        return out

    polys = [fac for fac, _ in factors]
    minimal = flint.fmpq_poly([1])
    for fac in polys:
        minimal *= fac
    x = sp.Symbol("x")
    out: list[tuple[sp.Expr, Projector]] = []
    for fac in polys:
        rest = minimal // fac
        _, u, _ = rest.xgcd(fac)  # u·rest + v·fac = 1
        E = at((u * rest) % minimal)
        if fac.degree() == 1:
            lam = -fac[0] / fac[1]
            out.append((sp.Rational(int(lam.p), int(lam.q)), [(sp.Integer(1), E)]))
            continue
        coeffs = [sp.Rational(int(c.p), int(c.q)) for c in fac.coeffs()]
        lo, hi = sorted(sp.roots(sp.Poly(coeffs[::-1], x)), key=lambda r: float(r))
        SE = Sf * E
        for lam, other in ((lo, hi), (hi, lo)):
            gap = sp.radsimp(1 / (lam - other))
            out.append((lam, [(gap, SE), (sp.expand(-other * gap), E)]))
    return out


def _project(P: Projector, v: Any) -> sp.Matrix:
    """:math:`Pv` for a :data:`Projector` and a rational python-flint matrix v, entries expanded."""
    parts = [(c, _sympy(M * v)) for c, M in P]
    rows, cols = parts[0][1].shape
    return sp.Matrix(rows, cols, lambda i, j: sp.expand(sp.Add(*[c * m[i, j] for c, m in parts])))


def spectral_exp(spectrum: list[tuple[sp.Expr, Projector]], scale: sp.Expr) -> sp.Matrix:
    r""":math:`e^{cS} = \sum_i e^{c\lambda_i} P_i` from :func:`closed_form_spectrum` (``scale``
    = c, e.g. :math:`-t`): the matrix exponential of 000's :math:`e^{-Kt}`, exactly."""
    import flint

    n = spectrum[0][1][0][1].nrows()
    eye = flint.fmpq_mat(n, n)
    for i in range(n):
        eye[i, i] = 1
    out = sp.zeros(n, n)
    for lam, P in spectrum:
        out += _project(P, eye) * sp.exp(lam * scale)
    return out


_SPECTRA: dict[sp.ImmutableMatrix, list[tuple[sp.Expr, Projector]] | None] = {}


def _spectrum_of(A: sp.Matrix) -> list[tuple[sp.Expr, Projector]] | None:
    """:func:`closed_form_spectrum` of a symmetric ``A``, remembered per matrix (``None`` for a
    matrix that is not symmetric)."""
    key = sp.ImmutableMatrix(A)
    if key not in _SPECTRA:
        _SPECTRA[key] = closed_form_spectrum(A) if A == A.T else None
    return _SPECTRA[key]


def _spectral_power(
    spectrum: list[tuple[sp.Expr, Projector]], alpha: sp.Expr, k: sp.Expr, v: sp.Matrix
) -> sp.Matrix:
    r""":math:`(I - \alpha A)^k v = \sum_i (1 - \alpha\lambda_i)^k P_i v` from the spectral
    decomposition of A (:func:`closed_form_spectrum`): 001 eq 13's error factor, exactly."""
    parts = [(1 - alpha * lam, _project(P, _flint(v))) for lam, P in spectrum]
    return sp.Matrix([sp.Add(*[u[j] * rho**k for rho, u in parts if u[j]]) for j in range(len(v))])


def _spectral_flow(
    spectrum: list[tuple[sp.Expr, Projector]],
    X: sp.Matrix,
    y: sp.Matrix,
    w0: sp.Matrix,
    t: sp.Expr,
    target: str,
) -> sp.Matrix:
    r"""Gradient flow on :math:`L = \tfrac12\|Xw - y\|^2` (000) from the spectral decomposition
    :math:`K = XX^\top = \sum_i \lambda_i P_i` (:func:`closed_form_spectrum`), exactly:
    :math:`r(t) = \sum_i e^{-\lambda_i t} P_i r(0)` (000 eq 9), :math:`f = y + r`, and
    :math:`w(t) = w_0 - \sum_{\lambda_i \ne 0} \tfrac{1 - e^{-\lambda_i t}}{\lambda_i}
    X^\top P_i r(0)` (000 eq 16 with :math:`K^\dagger`); the same values as
    ``gdflow.derive.function_space`` without a symbolic Jordan form (seconds to minutes at
    12×12)."""
    r0 = _flint(X * w0 - y)
    if target == "w":
        Xt = _flint(X.T)
        const = sp.Matrix(w0)
        terms = []
        for lam, P in spectrum:
            if lam != 0:
                c = _project([(coef / lam, Xt * M) for coef, M in P], r0).applyfunc(sp.radsimp)
                const -= c
                terms.append((lam, c))
        return sp.Matrix(
            [
                sp.Add(sp.expand(const[j]), *[c[j] * sp.exp(-lam * t) for lam, c in terms if c[j]])
                for j in range(len(w0))
            ]
        )
    parts = [(lam, _project(P, r0)) for lam, P in spectrum]
    r = sp.Matrix(
        [sp.Add(*[v[j] * sp.exp(-lam * t) for lam, v in parts if v[j]]) for j in range(len(y))]
    )
    return r + y if target == "f" else r


# ------------------------------------------------------------------------------ helpers


def _limit(f: Fields, A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix) -> sp.Matrix:
    """The GD limit point (``gdflow.derive.discrete.limit_point``); a spec error at key ``b``
    when b is not in the range of A (J unbounded below, no limit)."""
    try:
        return sp.Matrix(limit_point(A, b, w0))
    except ValueError as exc:
        raise SpecError(f"{f.where('b')}: {exc}") from None


def _domain(f: Fields) -> Domain:
    return f.scope_domain  # type: ignore[attr-defined]


def _differs(x: Any, ref: Any, dom: Domain) -> bool:
    try:
        return not compare(x, ref, dom).equal
    except Exception:  # noqa: BLE001
        return False


def _mutants(ref: Any, dom: Domain, items: list[tuple[Any, str]]) -> list[tuple[Any, str]]:
    """Keep the typical wrong answers that really differ from the reference (an item may be
    a zero-argument function, skipped when it does not apply to this data)."""
    out = []
    for m, msg in items:
        if callable(m):
            try:
                m = m()
            except (
                ValueError,
                TypeError,
                ArithmeticError,
                sp.matrices.exceptions.ShapeError,
                sp.matrices.exceptions.NonInvertibleMatrixError,
            ):
                continue
        if m is not None and _differs(m, ref, dom):
            out.append((m, msg))
    return out


def _show_number(v: sp.Expr) -> str:
    """An exact number in a short form, with a decimal when it is irrational."""
    v = sp.radsimp(sp.nsimplify(v)) if v.is_number else v
    text = str(v)
    return text if v.is_Rational else f"{text} ≈ {sp.N(v, 6)}"


def _eigs(A: sp.Matrix) -> list[sp.Expr]:
    return [sp.nsimplify(e) if e.is_number else e for e in A.eigenvals()]


# ------------------------------------------------------------------------------ kinds


def build_expression(f: Fields) -> Reference:
    """``expression``: the author's own reference (plain or LaTeX)."""
    if f.has("symbols"):
        names = f.raw("symbols")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise SpecError(f"{f.where('symbols')}: expected a list of names")
        for n in names:
            f.declare(n)
    from .parse import DomainAnswerError, ParseError, parse_answer

    text = f.raw("reference")
    if not isinstance(text, (str, int, float)) or isinstance(text, bool):
        raise SpecError(f"{f.where('reference')}: expected an expression string")
    try:
        parsed = parse_answer(str(text), f.scope, f.raw("answer_type", "any"))
    except ParseError as exc:
        raise SpecError(f"{f.where('reference')}: cannot read {text!r}: {exc.describe()}") from None
    except DomainAnswerError as exc:  # sizes that do not fit, a singular inverse
        raise SpecError(f"{f.where('reference')}: {text!r}: {exc.feedback}") from None
    val = parsed.value
    dom = _domain(f)
    variable = None
    expect = "any"
    if parsed.shape in (Shape.SET, Shape.RELATION):
        syms = sorted(getattr(val, "free_symbols", set()), key=lambda s: s.name)
        if isinstance(val, sp.Set) or len(syms) == 1:
            variable = f.symbol("variable", syms[0].name if syms else "x")
            expect = "set"
    muts = []
    if parsed.shape == Shape.SCALAR:
        muts = _mutants(
            val,
            dom,
            [
                (2 * val, "your answer is twice the correct value"),
                (val / 2, "your answer is half the correct value"),
            ],
        )
    return Reference(val, f.scope, dom, expect=expect, variable=variable, mutants=muts)


def build_gd_step(f: Fields) -> Reference:
    """``gd_step``: ``steps`` GD steps :math:`x \\leftarrow x - \\varepsilon\\nabla f(x)` from
    ``start`` on ``objective`` in ``variables`` — or one step with a given ``gradient``
    (003's worked step)."""
    lr = f.expr("learning_rate")
    steps_raw = f.raw("steps", 1)
    if not isinstance(steps_raw, int) or isinstance(steps_raw, bool) or not 0 <= steps_raw <= 50:
        raise SpecError(f"{f.where('steps')}: expected an integer from 0 to 50; got {steps_raw!r}")
    dom = _domain(f)
    if f.has("objective") == f.has("gradient"):
        raise SpecError(f"question {f.qid}: give exactly one of `objective` and `gradient`")
    if f.has("gradient"):
        start = f.vector("start")
        g = f.vector("gradient", len(start))
        if steps_raw != 1:
            raise SpecError(f"{f.where('steps')}: with a given `gradient` only one step is defined")
        ref = start - lr * g
        prev = start
        items = [
            (
                start + lr * g,
                "you moved along +∇f (ascent); gradient descent subtracts the step: x − ε∇f",
            ),
            (lr * g, "that is the step ε∇f; the new point is the start minus it"),
            (-lr * g, "that is the change −ε∇f; add it to the start"),
            (start - g, "you forgot the learning rate ε"),
        ]
    else:
        names = f.raw("variables")
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            raise SpecError(
                f'{f.where("variables")}: expected a list of variable names, e.g. ["x"]'
            )
        variables = [f.declare(n) for n in names]
        obj = f.expr("objective")  # other symbols in it are parameters the answer may use
        start = f.vector("start", len(variables))
        quad = _as_quadratic(obj, variables)
        if quad is not None:  # derive.quadratic.gd_step, one step at a time
            xs = [start]
            for _ in range(steps_raw + 1):
                xs.append(sp.Matrix(gd_step(quad[0], quad[1], xs[-1], lr)))
        else:
            xs = gd_iterates(obj, variables, start, lr, steps_raw + 1)
        ref, prev = xs[steps_raw], xs[max(steps_raw - 1, 0)]
        grad0 = sp.Matrix([sp.diff(obj, v) for v in variables]).xreplace(
            dict(zip(variables, start, strict=True))
        )
        ascent = start + lr * grad0 if steps_raw == 1 else None
        items = [
            (
                ascent,
                "you moved along +∇f (ascent); gradient descent subtracts the step: x − ε∇f(x)",
            ),
            (
                grad0 if steps_raw == 1 else None,
                "that is the gradient ∇f at the start, not the new point",
            ),
            (
                lr * grad0 if steps_raw == 1 else None,
                "that is the step ε∇f; the new point is the start minus it",
            ),
            (
                prev if steps_raw > 1 else None,
                f"that is the point after {_n_steps(steps_raw - 1)}; "
                f"the question asks for {_n_steps(steps_raw)}",
            ),
            (
                xs[steps_raw + 1],
                f"that is the point after {_n_steps(steps_raw + 1)}; "
                f"the question asks for {_n_steps(steps_raw)}",
            ),
        ]
        for v in variables:
            f.scope.symbols.pop(v.name, None)  # the answer is a point: no free variables
    if len(ref) == 1:
        ref = ref[0]
        items = [(m[0] if isinstance(m, sp.MatrixBase) else m, msg) for m, msg in items]
    components = list(f.raw("variables")) if f.has("variables") else None
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items), components=components)


def _as_quadratic(obj: sp.Expr, variables: list[sp.Symbol]) -> tuple[sp.Matrix, sp.Matrix] | None:
    """(A, b) with obj = ½ wᵀAw + bᵀw + c when ``obj`` is a quadratic polynomial in
    ``variables`` with numeric coefficients, else ``None``."""
    try:
        poly = sp.Poly(obj, *variables)
    except (sp.PolynomialError, sp.GeneratorsNeeded):
        return None
    if poly.total_degree() > 2 or obj.free_symbols - set(variables):
        return None
    A = sp.hessian(obj, variables)
    b = sp.Matrix([sp.diff(obj, v) for v in variables]).xreplace(dict.fromkeys(variables, 0))
    return A, b


def _n_steps(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def _quadratic(f: Fields) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    A = f.matrix("A", psd=True)
    n = A.shape[0]
    b = f.vector("b", n)
    w0 = f.vector("start", n)
    f.scope.matrices.update(A=A, b=b, w0=w0)
    f.scope.dimension = n
    return A, b, w0


def build_fixed_point(f: Fields) -> Reference:
    r"""``fixed_point``: :math:`w^{(\infty)} = -A^\dagger b + (I - A^\dagger A)w^{(0)}` for GD on
    :math:`\tfrac12 w^\top Aw + b^\top w` from ``start`` (001 eq 13–14 and its exercise)."""
    A, b, w0 = _quadratic(f)
    ref = _limit(f, A, b, w0)
    dom = _domain(f)
    Ap = A.pinv()
    singular = A.det() == 0
    items = [
        (
            -Ap * b,
            "that is the limit from w⁽⁰⁾ = 0 (the minimum-norm solution −A†b, 001 eq 14); "
            "from w⁽⁰⁾ ≠ 0 the component of w⁽⁰⁾ in the null space of A never moves, "
            "so the limit is −A†b + (I − A†A)w⁽⁰⁾",
        ),
        (
            Ap * b + (sp.eye(A.shape[0]) - Ap * A) * w0,
            "check the sign of the A†b term: the minimiser solves Aw + b = 0",
        ),
        (w0, "that is the start; GD moves every component with positive curvature"),
        (
            (sp.eye(A.shape[0]) - Ap * A) * w0,
            "you kept the null-space part of w⁽⁰⁾ but dropped −A†b",
        ),
    ]
    muts = _mutants(ref, dom, items)

    def explain(answer: Any, cmp: Comparison) -> list[str]:
        if singular and isinstance(answer, sp.MatrixBase) and answer.shape == ref.shape:
            return [
                "here A is singular, so the minimisers form a line/plane; GD goes to the one "
                "closest to w⁽⁰⁾"
            ]
        return []

    return Reference(ref, f.scope, dom, mutants=muts, explain=explain)


def _iterate_setup(f: Fields) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix, sp.Expr, sp.Expr]:
    """(A, b, w0, α, k) of a GD-on-a-quadratic question: the matrices in scope, α =
    ``learning_rate`` and k = ``steps`` (an integer, or a symbol declared a nonnegative integer)."""
    A, b, w0 = _quadratic(f)
    _limit(f, A, b, w0)  # eq 13 needs J bounded below
    alpha = f.expr("learning_rate")
    kname = f.raw("steps", "k")
    if isinstance(kname, int) and not isinstance(kname, bool):
        if not 0 <= kname <= MAX_STEPS:
            shown = kname if abs(kname) < 10**12 else "a larger number"
            raise SpecError(
                f"{f.where('steps')}: expected an integer from 0 to {MAX_STEPS} (or a symbol such "
                f"as k); got {shown}"
            )
        k = sp.Integer(kname)
    elif isinstance(kname, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", kname):
        found = f.scope.lookup(kname)
        k = (
            found
            if isinstance(found, sp.Symbol)
            else sp.Symbol(kname, integer=True, nonnegative=True)
        )
        f.scope.symbols[kname] = k
        if not k.is_integer:
            raise SpecError(
                f"{f.where('steps')}: the step count {kname} must be assumed an integer "
                f'("{kname} >= 0 integer")'
            )
        _domain(f).integers.add(k)
        _domain(f).intervals.setdefault(k, sp.Interval(0, sp.oo))
    else:
        raise SpecError(f"{f.where('steps')}: expected an integer or a symbol name; got {kname!r}")
    return A, b, w0, alpha, k


def _iterate_exact(A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix, alpha: sp.Expr, k: int) -> sp.Matrix:
    r"""k steps of GD :math:`w \leftarrow w - \alpha(Aw + b)` (001 §2, the update whose closed
    form is eq 13), exactly: with python-flint's rational matrices for a rational α, else in
    SymPy's polynomial domain of α (no eigenvalues needed, whatever the spectrum of A)."""
    if alpha.is_Rational:
        import flint

        def mat(m: sp.Matrix) -> Any:
            return flint.fmpq_mat(
                [
                    [flint.fmpq(int(sp.Rational(x).p), int(sp.Rational(x).q)) for x in r]
                    for r in m.tolist()
                ]
            )

        Af, bf, w = mat(A), mat(b), mat(w0)
        a = flint.fmpq(int(alpha.p), int(alpha.q))
        for _ in range(k):
            w = w - (Af * w + bf) * a
        return sp.Matrix([sp.Rational(int(w[i, 0].p), int(w[i, 0].q)) for i in range(w.nrows())])
    from sympy.polys.matrices import DomainMatrix

    n = A.rows
    big = DomainMatrix.from_Matrix(sp.Matrix.hstack(A, b, w0, sp.Matrix([alpha] * n)))
    Ad, bd, w, ad = big[:, :n], big[:, n : n + 1], big[:, n + 1 : n + 2], big[0, n + 2]
    for _ in range(k):
        w = w - (Ad * w + bd) * ad
    return w.to_Matrix()


def _gd_iterate(
    f: Fields, A: sp.Matrix, b: sp.Matrix, w0: sp.Matrix, alpha: sp.Expr, k: sp.Expr
) -> Callable[[Any, Any], sp.Matrix]:
    """``(α, k) -> w⁽ᵏ⁾`` for the question's A, b, w⁽⁰⁾, chosen so that loading is bounded: an
    integer k by exact iteration (:func:`_iterate_exact`) when α is rational, k is at most
    :data:`MAX_SYMBOLIC_STEPS` or the eigenvalues of A have no closed form; otherwise 001 eq 13
    from ``derive.discrete``.  A symbolic
    k needs the eigenvalues exactly: when the characteristic polynomial of A has an irreducible
    factor of degree 3 or more, that is a spec error naming the key ``A``."""
    degree = spectrum_degree(A)
    if not k.is_Integer and degree > 2:
        raise SpecError(
            f"{f.where('A')}: its eigenvalues are roots of an irreducible polynomial of degree "
            f"{degree}, with no usable closed form; w⁽ᵏ⁾ for a symbolic k needs them: choose A "
            "with rational eigenvalues (or square roots), or give an integer `steps`"
        )
    if k.is_Integer and not alpha.is_Rational and degree > 2 and k > MAX_SYMBOLIC_STEPS:
        raise SpecError(
            f"{f.where('steps')}: with a symbolic learning rate and eigenvalues of A without a "
            f"closed form, at most {MAX_SYMBOLIC_STEPS} steps; got {k}"
        )

    # an integer k is iterated (exact, no eigenvalues), unless α is symbolic and k large while
    # the eigenvalues are rational or square roots (then the closed form is the smaller one)
    iterate = k.is_Integer and (alpha.is_Rational or k <= MAX_SYMBOLIC_STEPS or degree > 2)

    def run(al: Any, kk: Any) -> sp.Matrix:
        if kk.is_Integer and kk < 0:
            raise ValueError("a negative number of steps")
        if kk.is_Integer and (iterate or al.is_Rational):
            return _iterate_exact(A, b, w0, al, int(kk))
        spectrum = _spectrum_of(A)
        if (
            spectrum is not None
        ):  # 001 eq 13 per eigenvalue (derive's Jordan form: minutes at 12×12)
            w_inf = sp.Matrix(limit_point(A, b, w0))
            return w_inf + _spectral_power(spectrum, al, kk, w0 - w_inf)
        return sp.Matrix(closed_form_iterate(A, b, w0, al, kk))

    return run


def build_closed_form_iterate(f: Fields) -> Reference:
    r"""``closed_form_iterate``:
    :math:`w^{(k)} = w^{(\infty)} + (I-\alpha A)^k(w^{(0)} - w^{(\infty)})`
    with α = ``learning_rate`` (a number or a symbol) and k = ``steps`` (default the symbol
    ``k``, a nonnegative integer) (001 eq 13)."""
    A, b, w0, alpha, k = _iterate_setup(f)
    run = _gd_iterate(f, A, b, w0, alpha, k)
    ref = run(alpha, k)
    dom = _domain(f)
    items = [
        (
            lambda: run(-alpha, k),  # (I + αA)^k
            "you used (1 + αa) where the update gives (1 − αa): w ← w − α(Aw + b) multiplies the "
            "error by (I − αA)",
        ),
        (
            lambda: run(alpha, k + 1),
            "your exponent is off by one: after k steps the error is multiplied by (I − αA)^k",
        ),
        (
            lambda: run(alpha, k - 1) if k != 0 else None,
            "your exponent is off by one: after k steps the error is multiplied by (I − αA)^k",
        ),
        (
            lambda: (  # (I − αA)^k w0
                _spectral_power(spectrum, alpha, k, w0)
                if not k.is_Integer and (spectrum := _spectrum_of(A)) is not None
                else closed_form_iterate(A, sp.zeros(A.shape[0], 1), w0, alpha, k)
                if not k.is_Integer
                else _iterate_exact(A, sp.zeros(A.shape[0], 1), w0, alpha, int(k))
            ),
            "you left out the fixed point: w⁽ᵏ⁾ − w⁽∞⁾ = (I − αA)^k (w⁽⁰⁾ − w⁽∞⁾)",
        ),
    ]
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))


def build_loss_after(f: Fields) -> Reference:
    r"""``loss_after``: :math:`J(w^{(k)})` with :math:`J = \tfrac12 w^\top Aw + b^\top w + c`
    (``c`` default 0), α = ``learning_rate``, k = ``steps`` (number or symbol) (001 §2.3)."""
    A, b, w0, alpha, k = _iterate_setup(f)
    c = f.expr("c", 0)
    run = _gd_iterate(f, A, b, w0, alpha, k)

    def loss(al: Any) -> Any:
        if k.is_Integer:  # J at the exact iterate (bounded for every A within the limits)
            return sp.expand(objective(A, b, c, run(al, k)))
        spectrum = _spectrum_of(A)
        if spectrum is not None:
            # J(w∞ + e) = J⋆ + ½ eᵀAe with e = Σ (1 − αλ)^k P d, d = w⁽⁰⁾ − w∞ (Aw∞ + b = 0)
            w_inf = sp.Matrix(limit_point(A, b, w0))
            d = _flint(w0 - w_inf)
            excess = []
            for lam, P in spectrum:
                q = sp.expand((sp.Matrix(w0 - w_inf).T * _project(P, d))[0])
                if lam != 0 and q != 0:
                    excess.append(lam * q / 2 * (1 - al * lam) ** (2 * k))
            return sp.Add(objective(A, b, c, w_inf), *excess)
        return loss_after(A, b, c, w0, al, k)

    J = loss(alpha)
    dom = _domain(f)
    Jstar = objective(A, b, c, limit_point(A, b, w0))
    items = [
        (2 * (J - c) + c, "you dropped the ½ in J = ½wᵀAw + bᵀw + c"),
        (
            J - Jstar if Jstar != 0 else None,
            "that is the excess loss J(w⁽ᵏ⁾) − J⋆; the question asks for J(w⁽ᵏ⁾)",
        ),
        (
            J.subs(k, k / 2) if isinstance(k, sp.Symbol) else None,
            "the loss decays like (1 − αa)^{2k}: check the power of the decay factor",
        ),
        (
            lambda: loss(-alpha),
            "you used (1 + αa) where the update gives (1 − αa)",
        ),
    ]
    return Reference(J, f.scope, dom, mutants=_mutants(J, dom, items))


def build_convergence_condition(f: Fields) -> Reference:
    r"""``convergence_condition``: the set of α for which GD on :math:`\tfrac12 w^\top Aw +
    b^\top w` converges: :math:`0 < \alpha < 2/\lambda_{\max}(A)` when
    :math:`b\in\operatorname{range}(A)`, empty otherwise (001 §2.2, A1–A2)."""
    A = f.matrix("A", psd=True)
    b = f.vector("b", A.shape[0]) if f.has("b") else sp.zeros(A.shape[0], 1)
    alpha = f.symbol("variable", "alpha")
    if alpha.is_positive or alpha.is_nonnegative:
        raise SpecError(
            f"{f.where('assume')}: do not assume a sign for {alpha}: the answer must state it"
        )
    degree = spectrum_degree(A)
    if degree > 2:
        raise SpecError(
            f"{f.where('A')}: its eigenvalues are roots of an irreducible polynomial of degree "
            f"{degree}, so 2/λ_max has no usable closed form: choose A with rational eigenvalues "
            "(or square roots)"
        )
    cond = convergence_condition(A, b, alpha)
    ref = relation_to_set(cond, alpha)
    f.scope.matrices.update({"A": A})
    eigs = sorted(_eigs(A), key=lambda e: float(e))
    lmax = eigs[-1]
    nonzero = [e for e in eigs if e != 0]
    lmin = nonzero[0] if nonzero else None

    def explain(answer: Any, cmp: Comparison) -> list[str]:
        try:
            s = relation_to_set(answer, alpha)
        except Exception:  # noqa: BLE001
            return []
        out = []
        if ref.is_empty:
            return ["b is not in the range of A, so J is unbounded below: GD converges for no α"]
        top = _show_number(2 / lmax) if lmax != 0 else ""
        if lmax != 0 and s.contains(2 / lmax) == sp.true:
            out.append(
                f"your interval includes α = 2/λ_max = {top}, where the iterates "
                "oscillate without converging"
            )
        if lmax != 0 and (s - sp.Interval(-sp.oo, 2 / lmax)).is_empty is False:
            out.append(f"for α > 2/λ_max = {top} the iterates diverge")
        sup0 = s.sup if not s.is_empty else None
        if (
            lmax != 0
            and sup0 is not None
            and sup0.is_finite
            and sp.simplify(sup0 - 2 / lmax) != 0
            and abs(sp.N(sup0 - 2 / lmax, 20)) <= abs(sp.N(2 / lmax, 20)) / 100
        ):
            d = rounding_of(sup0, 2 / lmax)
            if d is not None:  # the student's value as written: 0.3333333333333333, not 1/3
                out.append(
                    f"your upper end {decimal_text(sup0)} is 2/λ_max = {top} rounded to {d} "
                    "decimals; give the exact value"
                )
            else:
                written = decimal_text(sup0) if sup0.is_Rational else None
                out.append(
                    f"your upper end {written or _show_number(sup0)} is close to 2/λ_max = "
                    f"{top} but not equal to it"
                )
        if s.contains(0) == sp.true or (s - sp.Interval.open(0, sp.oo)).is_empty is False:
            out.append("for α ≤ 0 GD does not move toward the minimum (α = 0 never moves)")
        sup = s.sup if not s.is_empty else None
        if sup is not None and lmax != 0 and sup == 1 / lmax:
            out.append(
                f"α < 1/λ_max = {_show_number(1 / lmax)} gives monotone convergence, but GD "
                f"still converges (oscillating) up to 2/λ_max = {top}"
            )
        if (
            sup is not None
            and lmin is not None
            and lmin != lmax
            and sup in (2 / lmin, 1 / lmin)
            and sup not in (2 / lmax, 1 / lmax)
        ):
            out.append("you used the smallest eigenvalue; the largest eigenvalue limits α")
        return out

    return Reference(ref, f.scope, _domain(f), expect="set", variable=alpha, explain=explain)


STEP_LABELS: dict[str, list[str]] = {case.value: list(case.spellings) for case in StepCase}
"""Each step-size case and its accepted spellings (``StepCase.spellings``), for the label
parser."""


def build_step_size_case(f: Fields) -> Reference:
    """``step_size_case``: the behaviour label of an eigendirection with curvature
    ``curvature`` (ã ≥ 0), step ``learning_rate`` and ``b_tilde`` (default 1) (001 §2.2)."""
    alpha = f.expr("learning_rate")
    a = f.expr("curvature")
    bt = f.expr("b_tilde", 1)
    try:
        case = step_size_case(alpha, a, bt)
    except ValueError as exc:
        key = "curvature" if a.is_number and a.is_negative else "learning_rate"
        raise SpecError(f"{f.where(key)}: {exc}") from None
    x = alpha * a
    cond, _, why = case.words.partition(": ")

    def explain(answer: Any, cmp: Comparison) -> list[str]:
        # which case α·a falls in and why, once; then what the student's label would need
        if x == 0:
            out = case.words
        else:
            where = "" if isinstance(case.interval, sp.FiniteSet) else f", so {cond}"
            out = f"here α·a = {x} (α = {alpha}, a = {a}){where}: {why} (`{case.value}`)"
        try:
            theirs = StepCase(answer)
        except ValueError:
            return [out]
        need = theirs.words.partition(": ")[0]
        return [f"{out}; `{theirs.value}` needs {need}"]

    return Reference(
        case.value, f.scope, _domain(f), expect="label", labels=STEP_LABELS, explain=explain
    )


def build_gradient_flow(f: Fields) -> Reference:
    r"""``gradient_flow``: on :math:`L = \tfrac12\|Xw - y\|^2` from ``start``: ``target``
    ``w`` (parameters, default), ``f`` (predictions Xw) or ``r`` (residual Xw − y) at
    ``time`` (a number, a symbol, default ``t`` ≥ 0, or ``"oo"`` for the limit) (000)."""
    X = f.matrix("X")
    N, D = X.shape
    y = f.vector("y", N)
    w0 = f.vector("start", D)
    target = f.string("target", ["w", "f", "r"], "w")
    traw = f.raw("time", "t")
    if traw in ("oo", "inf", "infinity"):
        t = sp.oo
    elif isinstance(traw, str):
        f.refuse_names("time", traw)
        found = f.scope.lookup(traw)
        t = found if isinstance(found, sp.Symbol) else sp.Symbol(traw, nonnegative=True)
        f.scope.symbols[traw] = t
        _domain(f).intervals.setdefault(t, sp.Interval(0, sp.oo))
    else:
        t = f.expr("time")
    K = X * X.T
    f.scope.matrices.update(X=X, y=y, w0=w0, K=K)
    spectrum = None
    if t != sp.oo:
        degree = spectrum_degree(K)
        if degree > 2:
            raise SpecError(
                f"{f.where('X')}: K = XXᵀ has an irreducible characteristic factor of degree "
                f"{degree}, so its eigenvalues and e^(−Kt) at a finite `time` have no usable "
                "closed form: choose X whose XXᵀ has rational eigenvalues (or square roots), "
                'or ask for time = "oo"'
            )
        spectrum = closed_form_spectrum(K)
    if t != sp.oo and not t.is_number:
        from .parse import build as _build
        from .parse import matrix_exp

        # exponentials formula answers use (and the sign slip), cached here for the forked workers
        # (derive's parameter_evolution computes its own, uncached); with rational eigenvalues
        # they are built from the spectral decomposition (SymPy's symbolic Jordan form takes
        # minutes at 12×12)
        gram = closed_form_spectrum(X.T * X) if spectrum is not None else None
        for M, spec, c in ((-K * t, spectrum, -t), (K * t, spectrum, t), (-X.T * X * t, gram, -t)):
            if spec is None:
                matrix_exp(M)
            else:
                _build._EXP_CACHE.setdefault(sp.ImmutableMatrix(M), spectral_exp(spec, c))
    f.scope.dimension = D if target == "w" else N

    def flow(tt: sp.Expr) -> sp.Matrix:
        if spectrum is not None:
            return _spectral_flow(spectrum, X, y, w0, tt, target)
        return _flow(X, y, w0, tt, target)

    ref = flow(t)
    dom = _domain(f)
    items = []
    if t != sp.oo:
        items.append(
            (
                flow(-t),
                "your solution grows: gradient flow has e^{−Kt}, not e^{+Kt}",
            )
        )
    else:
        items.append(
            (
                w0 if target == "w" else X * w0 if target == "f" else X * w0 - y,
                "that is the start: the flow moves until the residual lies in the null space of Xᵀ",
            )
        )
        if target == "w":
            items.append(
                (
                    X.pinv() * y,
                    "that is the minimum-norm solution X†y; from w₀ ≠ 0 the part of w₀ in the "
                    "null space of X stays",
                )
            )
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))


def build_ridge_limit(f: Fields) -> Reference:
    r"""``ridge_limit``: for
    :math:`J_\lambda = \tfrac1{2N}\|\Phi w - t\|^2 + \tfrac\lambda2\|w\|^2`,
    :math:`w_\lambda = (\Phi^\top\Phi + N\lambda I)^{-1}\Phi^\top t` at ``ridge`` = λ (a number or
    symbol), or without ``ridge`` its limit :math:`\Phi^\dagger t` (001 §2.4)."""
    Phi = f.matrix("Phi")
    N, D = Phi.shape
    t = f.vector("t", N)
    lam = None
    if f.has("ridge"):
        r = f.raw("ridge")
        if isinstance(r, str):
            f.refuse_names("ridge", r)
        if isinstance(r, str) and r.isidentifier():
            found = f.scope.lookup(r)
            lam = found if isinstance(found, sp.Symbol) else sp.Symbol(r, positive=True)
            f.scope.symbols[r] = lam
            _domain(f).intervals.setdefault(lam, sp.Interval.open(0, sp.oo))
        else:
            lam = f.expr("ridge")
    f.scope.matrices.update(Phi=Phi, t=t)
    f.scope.symbols.pop("t", None)
    f.scope.dimension = D
    if lam is None:
        ref = sp.Matrix(ridge_limit(Phi, t))
    else:
        ref = sp.Matrix(ridge_solution(Phi, t, lam, scale="mean"))
    dom = _domain(f)
    items = []
    if lam is not None:
        items.append(
            (
                lambda: sp.Matrix(ridge_solution(Phi, t, lam, scale="sum")),  # (ΦᵀΦ + λI)⁻¹Φᵀt
                "you dropped the N: with J = (1/2N)‖Φw − t‖² + (λ/2)‖w‖² the solution is "
                "(ΦᵀΦ + NλI)⁻¹Φᵀt (001 prints it without N)",
            )
        )
    else:
        items.append((-Phi.pinv() * t, "check the sign: the limit is Φ†t"))
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))


def build_gaussian_affine(f: Fields) -> Reference:
    r"""``gaussian_affine``: for :math:`z\sim\mathcal N(\mu,\Sigma)`, the ``part`` ``mean``
    (:math:`B\mu + c`) or ``covariance`` (:math:`B\Sigma B^\top`) of :math:`Bz + c` (000)."""
    mu = f.vector("mean")
    n = len(mu)
    Sigma = f.matrix("covariance", psd=True, rows=n)
    B = f.matrix("B", cols=n)
    c = f.vector("c", B.shape[0]) if f.has("c") else sp.zeros(B.shape[0], 1)
    part = f.string("part", ["mean", "covariance"])
    f.scope.matrices.update(mu=mu, Sigma=Sigma, B=B, c=c)
    mean, cov = (sp.Matrix(m) for m in affine_gaussian(B, c, mu, Sigma))
    dom = _domain(f)
    if part == "mean":
        ref = mean
        items = [
            (B * mu, "you left out the shift c: the mean of Bz + c is Bμ + c"),
            (lambda: mu + c, "you left out B: the mean of Bz + c is Bμ + c"),
        ]
    else:
        ref = cov
        items = [
            (
                B.T * Sigma * B if B.shape[0] == B.shape[1] else None,
                "you wrote BᵀΣB; the covariance of Bz + c is BΣBᵀ",
            ),
            (
                B * Sigma if B.shape[0] == B.shape[1] else None,
                "the covariance of Bz + c is BΣBᵀ (you left out Bᵀ)",
            ),
            (lambda: cov + c * c.T, "the shift c does not change the covariance: it is BΣBᵀ"),
            (lambda: B * B.T, "you left out Σ: the covariance is BΣBᵀ"),
        ]
    return Reference(ref, f.scope, dom, mutants=_mutants(ref, dom, items))


def _line_search_step(f: Fields) -> Reference:
    from .optimizer_kinds import build_line_search_step  # it imports this module's helpers

    return build_line_search_step(f)


def _momentum_iterate(f: Fields) -> Reference:
    from .optimizer_kinds import build_momentum_iterate

    return build_momentum_iterate(f)


def _adam_step(f: Fields) -> Reference:
    from .optimizer_kinds import build_adam_step

    return build_adam_step(f)


def _derivation(f: Fields) -> Reference:
    """``derivation``: a chain of steps (:mod:`gdflow.checks.grade.derivation_kind`)."""
    from .derivation_kind import build_derivation

    return build_derivation(f)  # type: ignore[no-any-return]


KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "expression", ("reference",), ("symbols", "variable", "answer_type"), build_expression
        ),
        Kind(
            "gd_step",
            ("start", "learning_rate"),
            ("objective", "variables", "gradient", "steps"),
            build_gd_step,
        ),
        Kind(
            "closed_form_iterate",
            ("A", "b", "start", "learning_rate"),
            ("steps",),
            build_closed_form_iterate,
        ),
        Kind("fixed_point", ("A", "b", "start"), (), build_fixed_point),
        Kind("convergence_condition", ("A",), ("b", "variable"), build_convergence_condition),
        Kind("step_size_case", ("learning_rate", "curvature"), ("b_tilde",), build_step_size_case),
        Kind("loss_after", ("A", "b", "start", "learning_rate"), ("steps", "c"), build_loss_after),
        Kind("gradient_flow", ("X", "y", "start"), ("target", "time"), build_gradient_flow),
        Kind("ridge_limit", ("Phi", "t"), ("ridge",), build_ridge_limit),
        Kind("gaussian_affine", ("mean", "covariance", "B", "part"), ("c",), build_gaussian_affine),
        Kind(
            "line_search_step", ("A", "b", "w"), ("mode", "eps0", "factor", "c"), _line_search_step
        ),
        Kind(
            "momentum_iterate",
            ("A", "b", "start", "learning_rate", "momentum"),
            ("previous", "steps"),
            _momentum_iterate,
        ),
        Kind(
            "adam_step",
            ("start", "learning_rate", "beta1", "beta2", "eps"),
            ("A", "b", "gradients", "steps"),
            _adam_step,
        ),
        Kind("derivation", ("declarations", "start", "target"), ("points_per_step",), _derivation),
    ]
}
