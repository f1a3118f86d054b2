"""Worked examples at your data: a derivation instantiated at exact numbers, step by step, and
re-verified at that instance by the decision engine (``gdflow derive ID --let NAME=VALUE``).

:func:`worked_example` takes a derivation id and the user's values (``A``, ``b``, ``w0``,
``alpha`` for the GD derivations of 001 §2.2–2.3; ``X``, ``y``, ``w0`` for the gradient-flow
derivations of 000; ``Phi``, ``t``, ``lambda`` for ridge regression, 001 §2.4), reads every
number exactly (``0.1`` is 1/10, ``"1/4"`` is 1/4: :func:`gdflow.derive.numbers.exact_number`),
and returns an ordinary :class:`~gdflow.derive.derivation.Derivation` (id ``ID@let``) whose
steps are concrete claims about those numbers:

- the data, as definitions (``A := [[2, 0], [0, 0]]``);
- the eigendecomposition, as orthogonal projectors :math:`\\mathbf P_i` onto the eigenspaces
  (:math:`\\mathbf A\\mathbf P_i = \\tilde a_i\\mathbf P_i`, :math:`\\sum_i\\mathbf P_i =
  \\mathbf I`): exact, without the square roots of normalised eigenvectors;
- the case of each eigendirection by :math:`\\alpha\\tilde a_i` (001 §2.2, cases 1–3;
  :class:`gdflow.derive.eigencases.StepCase`), and whether GD converges
  (:math:`\\alpha < 2/\\tilde a_{\\max}`);
- the limit, the closed form (proved by induction from the GD update at these numbers), the
  loss gap; for gradient flow the residual and the parameters as functions of t (proved to
  solve the ODE and to start at the data), and their limits; for ridge the minimiser.

Names left out stay symbolic where the derivation has a free variable: ``alpha`` and ``k``
(the learning rate and the GD step), ``t`` (the flow time) and ``lambda`` (the ridge
strength).  The closed forms are written through
the spectral decomposition, :math:`(\\mathbf I - \\alpha\\mathbf A)^k = \\sum_i (1 -
\\alpha\\tilde a_i)^k\\mathbf P_i` and :math:`e^{-\\mathbf K t} = \\sum_i e^{-\\lambda_i
t}\\mathbf P_i` (001 eq 13, 000 eq 11), so the contraction factor of each direction shows; the
engine (:func:`gdflow.derive.verify.verify`) then proves each printed claim at the instance,
independently of how it was built.

The work is bounded: matrices of at most :data:`MAX_SIZE` rows and columns, eigenvalues that
are rational or quadratic irrationals (an irreducible cubic factor of the characteristic
polynomial is refused, with the numeric route named), building within :data:`BUILD_SECONDS`
CPU seconds and each claim within :data:`STEP_SECONDS` (``gdflow.derive.timebox``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import sympy as sp
from sympy import Basic, ImmutableMatrix

from .catalogue import get as _get
from .derivation import (
    Assumptions,
    Claim,
    Definition,
    Derivation,
    Equivalent,
    Formula,
    Holds,
    Identity,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .discrete import _check_in_range, _eigenspaces, limit_point
from .eigencases import StepCase, step_size_case
from .function_space import _check_Xy, parameter_evolution, residual_evolution
from .latex import latex
from .matrices import MatExp, MatrixLimit, Pinv, TimeDerivative
from .notation import alpha, k, lam, t
from .numbers import exact_number, is_number_text
from .pseudoinverse import ridge_solution
from .timebox import OutOfTime, deadline
from .verify import verify

__all__ = [
    "worked_example",
    "parse_value",
    "supported",
    "names",
    "MAX_SIZE",
    "BUILD_SECONDS",
    "STEP_SECONDS",
]

MAX_SIZE = 6
"""Largest number of rows or columns of a matrix in a worked example (exact eigendecompositions
grow fast with the size)."""
BUILD_SECONDS = 60.0
"""CPU seconds for building a worked example (eigendecomposition, closed forms)."""
STEP_SECONDS = 20.0
"""CPU seconds the engine may spend on each claim of a worked example."""
MAX_TEXT = 4000
"""Longest value text :func:`parse_value` reads."""

_NUMERIC_GD = (
    "gdflow.checks.numeric.gd_iterates(A, b, w0, alpha, ks) and gdflow.checks.numeric.gd_loss"
)
_NUMERIC_FLOW = "gdflow.checks.flow_numeric.linear_flow(X, y, w0)"
_NUMERIC_RIDGE = "gdflow.checks.ridge_numeric"

_ALIASES = {
    "w0": "w0",
    "w^(0)": "w0",
    "w_0": "w0",
    "w(0)": "w0",
    "alpha": "alpha",
    "α": "alpha",
    "lambda": "lambda",
    "lam": "lambda",
    "λ": "lambda",
    "Phi": "Phi",
    "Φ": "Phi",
}
"""Spellings of a name accepted besides the name itself."""


# -- reading values ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\[|\]|,|[^\[\],\s]+)")


def parse_value(text: str, name: str = "value") -> object:
    """A ``--let`` value read from text without evaluating it: a number (``"-3"``, ``"0.1"``,
    ``"1/4"``, kept as text for :func:`gdflow.derive.numbers.exact_number`), a list of numbers
    (``"[-2, 0]"``) or a list of rows (``"[[2,0],[0,0]]"``).  Only brackets, commas and number
    literals are accepted (at most :data:`MAX_TEXT` characters, two levels of nesting);
    anything else is a ``ValueError`` naming ``name`` and the text.

    >>> parse_value("[[2, 0], [0, 1/4]]")
    [['2', '0'], ['0', '1/4']]
    >>> parse_value("0.1")
    '0.1'
    """
    shown = text if len(text) <= 60 else text[:57] + "..."
    if len(text) > MAX_TEXT:
        raise ValueError(f"{name}: the value has more than {MAX_TEXT} characters")
    stripped = text.strip()
    if not stripped.startswith("["):
        if not is_number_text(stripped):
            raise ValueError(
                f"{name} = {shown!r} is not a number (such as 2, -3, 0.1 or 1/4) nor a list "
                "of numbers such as [-2, 0] or [[2, 0], [0, 0]]"
            )
        return stripped
    tokens = _TOKEN.findall(stripped)
    if "".join(tokens) != re.sub(r"\s+", "", stripped):
        raise ValueError(f"{name} = {shown!r} is not a list of numbers")
    pos = 0

    def bad(why: str) -> ValueError:
        return ValueError(f"{name} = {shown!r} is not a list of numbers: {why}")

    def read(depth: int) -> object:
        nonlocal pos
        if pos >= len(tokens):
            raise bad("it ends too early")
        tok = tokens[pos]
        if tok == "[":
            if depth >= 2:
                raise bad("lists nest at most two deep (a matrix is a list of rows)")
            pos += 1
            items: list[object] = []
            if pos < len(tokens) and tokens[pos] == "]":
                raise bad("an empty list")
            while True:
                items.append(read(depth + 1))
                if pos >= len(tokens):
                    raise bad("a '[' is not closed")
                if tokens[pos] == ",":
                    pos += 1
                    continue
                if tokens[pos] == "]":
                    pos += 1
                    return items
                raise bad(f"unexpected {tokens[pos]!r}")
        if tok in ("]", ","):
            raise bad(f"unexpected {tok!r}")
        if not is_number_text(tok):
            raise bad(f"{tok!r} is not a number")
        pos += 1
        return tok

    value = read(0)
    if pos != len(tokens):
        raise bad(f"unexpected {tokens[pos]!r} after the list")
    return value


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _scalar(name: str, value: object) -> sp.Rational:
    """``value`` as an exact rational; ``ValueError`` naming ``name`` and the value otherwise."""
    if isinstance(value, str):
        value = parse_value(value, name)
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a number; got the list {_show(value)}")
    try:
        return exact_number(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} = {_show(value)} is not an exact number: {exc}") from None


def _matrix(name: str, value: object, vector: bool = False) -> ImmutableMatrix:
    """``value`` (nested lists, a flat list for a vector, a SymPy or NumPy matrix, or their
    text) as an exact matrix; ``ValueError`` naming ``name`` when it is not one, is not
    rectangular or is larger than :data:`MAX_SIZE`."""
    if isinstance(value, str):
        value = parse_value(value, name)
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    elif hasattr(value, "tolist") and not isinstance(value, Basic):
        value = value.tolist()
    what = "a vector (a list of numbers)" if vector else "a matrix (a list of rows)"
    if not isinstance(value, list | tuple) or not value:
        raise ValueError(f"{name} must be {what}; got {_show(value)}")
    if all(not isinstance(x, list | tuple) for x in value):
        if not vector:
            raise ValueError(f"{name} must be {what}; got the flat list {_show(value)}")
        rows: list[list[object]] = [[x] for x in value]
    elif all(isinstance(x, list | tuple) for x in value):
        rows = [list(r) for r in value]
    else:
        raise ValueError(f"{name} mixes numbers and lists: {_show(value)}")
    width = len(rows[0])
    if width == 0 or any(len(r) != width for r in rows):
        raise ValueError(f"{name} is not rectangular: rows of lengths {[len(r) for r in rows]}")
    if vector and width != 1:
        raise ValueError(f"{name} must be a vector; got a {len(rows)}x{width} matrix")
    if len(rows) > MAX_SIZE or width > MAX_SIZE:
        raise ValueError(
            f"{name} is {len(rows)}x{width}: worked examples are exact and limited to "
            f"{MAX_SIZE} rows and columns; for larger data use the numeric evaluators "
            f"({_NUMERIC_GD}; {_NUMERIC_FLOW})"
        )
    entries = [
        _scalar(f"{name}[{i + 1},{j + 1}]" if width > 1 else f"{name}[{i + 1}]", x)
        for i, r in enumerate(rows)
        for j, x in enumerate(r)
    ]
    return ImmutableMatrix(len(rows), width, entries)


def _symmetric(name: str, M: ImmutableMatrix) -> None:
    if M.rows != M.cols:
        raise ValueError(f"{name} must be square; got shape {M.shape}")
    for i in range(M.rows):
        for j in range(i + 1, M.cols):
            if M[i, j] != M[j, i]:
                raise ValueError(
                    f"{name} is not symmetric: {name}[{i + 1},{j + 1}] = {M[i, j]} but "
                    f"{name}[{j + 1},{i + 1}] = {M[j, i]}"
                )


# -- the eigendecomposition ------------------------------------------------------------------------


def _tidy(v: Basic) -> Basic:
    """A number with surds in one canonical form, ``1/4 + sqrt(5)/20`` (not
    ``(5 - sqrt(5))(sqrt(5) + 3)/40``): rationalised and expanded."""
    return sp.expand(sp.radsimp(v))


def _approx(v: Basic) -> str:
    """``v`` in LaTeX, with a decimal approximation when it is irrational."""
    if isinstance(v, sp.Rational):
        return latex(v)
    return f"{latex(v)} \\approx {float(v):.4g}"


def _spectrum(M: ImmutableMatrix, what: str, numeric: str) -> list[tuple[Basic, ImmutableMatrix]]:
    """``(eigenvalue, orthogonal projector onto its eigenspace)`` of the symmetric ``M``, the
    eigenvalues in decreasing order (``gdflow.derive.discrete._eigenspaces``).  ``ValueError``
    when an eigenvalue is negative (``M`` not PSD, naming it) or is the root of an irreducible
    factor of degree 3 or more (exact values out of reach: the message names ``numeric``)."""
    x = sp.Symbol("x")
    _, factors = sp.Matrix(M).charpoly(x).factor_list()
    for f, _mult in factors:
        if f.degree() >= 3:
            raise ValueError(
                f"the eigenvalues of {what} include the roots of the irreducible polynomial "
                f"{f.as_expr()} of degree {f.degree()}: exact eigenvalues (and an exact "
                f"exponential) are out of reach; use the numeric route: {numeric}"
            )
    spaces = [(_tidy(v), ImmutableMatrix(P)) for v, P in _eigenspaces(sp.Matrix(M))]
    for v, _P in spaces:
        if v.is_negative:
            raise ValueError(
                f"{what} is not positive semidefinite: it has the eigenvalue {v} "
                f"(about {float(v):.4g}) < 0"
            )
    return sorted(spaces, key=lambda vp: -float(vp[0]))


def _eigenvalue(i: int) -> sp.Symbol:
    """The symbol of the i-th (nonzero) eigenvalue of K in the flow examples."""
    return sp.Symbol(f"lambda_{i}", positive=True)


def _eigen_steps(
    M_sym: sp.MatrixSymbol,
    spaces: Sequence[tuple[Basic, ImmutableMatrix]],
    eig: str,
    named: bool = False,
) -> list[Step]:
    """Steps of the eigendecomposition of ``M_sym`` (defined earlier): for each eigenvalue its
    projector :math:`P_i` (a definition) and :math:`M P_i = \\lambda_i P_i`, then
    :math:`\\sum_i P_i = I`.  ``eig`` is the LaTeX letter of the eigenvalues; with ``named``
    each nonzero eigenvalue is first defined as the symbol :func:`_eigenvalue` and the claims
    use it (narrower formulas for irrational spectra)."""
    n = M_sym.rows
    M_tex = str(M_sym)
    steps: list[Step] = []
    projectors = []
    for i, (value, P) in enumerate(spaces, 1):
        Pi = sp.MatrixSymbol(f"P_{i}", n, n)
        projectors.append(Pi)
        mult = sp.simplify(P.trace())
        scale: Basic = value
        if named and value != 0:
            scale = _eigenvalue(i)
            steps.append(
                Step(
                    Definition(scale, value),
                    f"an eigenvalue of ${M_tex}$"
                    + (
                        ""
                        if value.is_Rational
                        else f", ${eig}_{{{i}}} \\approx {float(value):.4g}$"
                    ),
                    label=f"eigenvalue_{i}",
                )
            )
        steps.append(
            Step(
                Definition(Pi, P),
                f"the orthogonal projector onto the eigenspace of ${eig}_{{{i}}} = "
                f"{_approx(value)}$ (dimension {mult})",
                label=f"projector_{i}",
            )
        )
        steps.append(
            Step(
                Identity(M_sym * Pi, scale * Pi),
                f"${M_tex}$ scales that eigenspace by ${eig}_{{{i}}} = {_approx(value)}$"
                + (" (its null space)" if value == 0 else ""),
                label=f"eigen_{i}",
            )
        )
    total = sp.MatAdd(*projectors) if len(projectors) > 1 else projectors[0]
    steps.append(
        Step(
            Identity(total, ImmutableMatrix(sp.eye(n))),
            f"the eigenspaces together span the whole space: ${M_tex} = "
            + " + ".join(f"{eig}_{{{i}}} P_{{{i}}}" for i in range(1, len(spaces) + 1))
            + f"$, with every ${eig}_i \\ge 0$ (positive semidefinite)",
            label="spectral",
        )
    )
    return steps


def _power(base: Basic, exponent: Basic, coeff: Basic) -> Basic:
    """``coeff * base**exponent`` kept as written (``2 (1/2)^k``, not SymPy's ``2 \\cdot
    2^{-k}``), so the contraction factor of each direction shows."""
    if base == 1 or coeff == 0:
        return coeff
    p = sp.Pow(base, exponent, evaluate=False)
    return p if coeff == 1 else sp.Mul(coeff, p, evaluate=False)


def _vector(entries: Sequence[Basic]) -> ImmutableMatrix:
    return ImmutableMatrix(len(entries), 1, list(entries))


def _data_step(sym: Basic, value: Basic, what: str) -> Step:
    return Step(Definition(sym, value), f"your data: {what}", label=f"data_{sym}")


# -- gradient descent on a quadratic (001 §2.2-2.3) --------------------------------------------

_CASE_TEXT = {
    StepCase.MONOTONE: (
        "(0, 1)",
        "the coordinate contracts monotonically (it approaches its limit from one side)",
    ),
    StepCase.ONE_STEP: ("\\{1\\}", "the coordinate reaches its limit in one step"),
    StepCase.OSCILLATING: (
        "(1, 2)",
        "the coordinate oscillates around its limit and converges",
    ),
    StepCase.BOUNDED_OSCILLATION: (
        "\\{2\\}",
        "the coordinate jumps between two values forever: it does not converge",
    ),
    StepCase.DIVERGENT: (
        "(2, \\infty)",
        "the coordinate oscillates with growing amplitude: GD diverges",
    ),
}


@dataclass(frozen=True)
class _GD:
    """The data of GD on J(w) = ½wᵀAw + bᵀw + c, read exactly, and its symbols."""

    A: ImmutableMatrix
    b: ImmutableMatrix | None
    w0: ImmutableMatrix | None
    alpha: Basic | None
    k: Basic | None
    spaces: list[tuple[Basic, ImmutableMatrix]]
    bounded: bool = True
    """b ∈ range(A) (or no b): J is bounded below and no direction drifts."""

    @property
    def n(self) -> int:
        return int(self.A.rows)

    def sym(self, name: str, cols: int = 1) -> sp.MatrixSymbol:
        return sp.MatrixSymbol(name, self.n, cols)


def _read_gd(values: Mapping[str, object], drift_ok: bool = False) -> _GD:
    """The GD data; b ∉ range(A) is a ``ValueError`` unless ``drift_ok`` (the step-size
    cases, where a drifting direction is one of the cases)."""
    A_m = _matrix("A", values["A"])
    _symmetric("A", A_m)
    n = A_m.rows
    vectors: dict[str, ImmutableMatrix | None] = {}
    for name in ("b", "w0"):
        if name in values:
            v = _matrix(name, values[name], vector=True)
            if v.shape != (n, 1):
                raise ValueError(f"{name} must have {n} entries to match A ({n}x{n}); got {v.rows}")
            vectors[name] = v
        else:
            vectors[name] = None
    al = _scalar("alpha", values["alpha"]) if "alpha" in values else None
    if al is not None and not al > 0:
        raise ValueError(f"alpha must be > 0 (a learning rate); got alpha = {al}")
    kv = _scalar("k", values["k"]) if "k" in values else None
    if kv is not None and not (kv.is_integer and kv >= 0):
        raise ValueError(f"k must be a whole number >= 0 (a step count); got k = {kv}")
    spaces = _spectrum(A_m, "A", _NUMERIC_GD)
    b_m = vectors["b"]
    bounded = True
    if b_m is not None:
        try:
            _check_in_range(sp.Matrix(A_m), sp.Matrix(b_m))
        except ValueError:
            if not drift_ok:
                raise
            bounded = False
    return _GD(A_m, b_m, vectors["w0"], al, kv, spaces, bounded)


def _gd_prefix(g: _GD) -> list[Step]:
    """Data, symmetry, eigendecomposition and b ∈ range(A)."""
    A_s, b_s = g.sym("A", g.n), g.sym("b")
    steps = [_data_step(A_s, g.A, "the curvature of $J(w) = \\frac12 w^T A w + b^T w + c$")]
    if g.b is not None:
        steps.append(_data_step(b_s, g.b, "the linear term"))
    if g.w0 is not None:
        steps.append(_data_step(g.sym("w^(0)"), g.w0, "the starting point"))
    if g.alpha is not None:
        steps.append(_data_step(alpha, g.alpha, "the learning rate"))
    steps.append(Step(Identity(A_s.T, A_s), "$A$ is symmetric", label="symmetric"))
    steps += _eigen_steps(A_s, g.spaces, "\\tilde a")
    if g.b is not None and not g.bounded:
        steps.append(
            Step(
                Refuted(A_s * Pinv(A_s) * b_s, b_s),
                "$b \\notin \\mathrm{range}(A)$: $J$ is unbounded below (A1 fails)",
                label="in_range",
            )
        )
    elif g.b is not None:
        steps.append(
            Step(
                Identity(A_s * Pinv(A_s) * b_s, b_s),
                "$b \\in \\mathrm{range}(A)$: $J$ is bounded below (A1), so no direction drifts",
                label="in_range",
            )
        )
    return steps


def _gd_cases(g: _GD) -> list[Step]:
    """The case of each eigendirection (001 §2.2, cases 1-3) and whether GD converges; with α
    left symbolic, the α of each case and the condition on α for convergence."""
    steps: list[Step] = []
    b_s = g.sym("b")
    for i, (a, P) in enumerate(g.spaces, 1):
        bt = 0 if g.b is None or (P * g.b).is_zero_matrix else 1
        if a == 0:
            if g.b is None:
                Pz = sp.MatrixSymbol(f"P_{i}", g.n, g.n)
                steps.append(
                    Step(
                        Identity(g.sym("A", g.n) * Pz, sp.ZeroMatrix(g.n, g.n)),
                        f"direction {i}: $\\tilde a_{{{i}}} = 0$: the coordinate never moves "
                        "when $b$ has no component there ($b \\in \\mathrm{range}(A)$), and "
                        "drifts by $-\\alpha\\tilde b$ per step otherwise [case: static or drift]",
                        label=f"case_{i}",
                    )
                )
                continue
            Pi = sp.MatrixSymbol(f"P_{i}", g.n, g.n)
            if bt:
                steps.append(
                    Step(
                        Refuted(Pi * b_s, sp.ZeroMatrix(g.n, 1)),
                        f"direction {i}: $\\tilde a_{{{i}}} = 0$ but $b$ has a component in its "
                        "eigenspace: the coordinate drifts by $-\\alpha\\tilde b$ every step "
                        "[case: drift]",
                        label=f"case_{i}",
                    )
                )
                continue
            steps.append(
                Step(
                    Identity(Pi * b_s, sp.ZeroMatrix(g.n, 1)),
                    f"direction {i}: $\\tilde a_{{{i}}} = 0$ and $b$ has no component in its "
                    "eigenspace: the coordinate never moves [case: static]",
                    label=f"case_{i}",
                )
            )
            continue
        if g.alpha is None:
            steps.append(_symbolic_case(i, a))
            continue
        case = step_size_case(g.alpha, a, bt)
        x = g.alpha * a
        where, words = _CASE_TEXT[case]
        condition = case.interval.as_relational(alpha * a)
        steps.append(
            Step(
                Holds(condition),
                f"direction {i}: $\\alpha\\tilde a_{{{i}}} = {latex(g.alpha)} \\cdot "
                f"{_approx(a)} = {_approx(x)} \\in {where}$: {words} "
                f"[case: {case.value.replace('_', ' ')}]",
                label=f"case_{i}",
            )
        )
    top = g.spaces[0][0]
    if top > 0 and g.alpha is None:
        bound = 2 / top
        every = sp.And(*[sp.And(alpha * a > 0, alpha * a < 2) for a, _P in g.spaces if a != 0])
        steps.append(
            Step(
                Equivalent(every, alpha < bound, alpha),
                f"every direction contracts iff $\\alpha < 2/\\tilde a_{{\\max}} = "
                f"{_approx(bound)}$ (A2)"
                + ("" if g.bounded else "; but a direction drifts: GD never converges (A1 fails)"),
                label="converges",
            )
        )
    elif top > 0:
        assert g.alpha is not None
        bound = 2 / top
        stable = g.alpha < bound
        if not g.bounded:
            verdict = "but a direction drifts: GD does not converge (A1 fails)"
        elif stable:
            verdict = "every direction contracts, GD converges (A2)"
        else:
            verdict = "the step is past the stability boundary, GD does not converge (A2)"
        steps.append(
            Step(
                Holds(alpha < bound if stable else alpha >= bound),
                f"$2/\\tilde a_{{\\max}} = {_approx(bound)}$: " + verdict,
                label="converges",
            )
        )
    return steps


def _symbolic_case(i: int, a: Basic) -> Step:
    """Direction i (eigenvalue a > 0) with α symbolic: it converges iff 0 < αa < 2, and the
    α of each case (001 §2.2, cases 1(a)-(c))."""
    edges = [_approx(1 / a), _approx(2 / a)]
    table = (
        f"monotone for $0 < \\alpha < {edges[0]}$, one step at $\\alpha = {edges[0]}$, "
        f"oscillating for ${edges[0]} < \\alpha < {edges[1]}$, bounded oscillation at "
        f"$\\alpha = {edges[1]}$, divergent beyond"
    )
    return Step(
        Equivalent(sp.And(alpha * a > 0, alpha * a < 2), alpha < 2 / a, alpha),
        f"direction {i} ($\\tilde a_{{{i}}} = {_approx(a)}$) contracts iff $0 < \\alpha\\tilde "
        f"a_{{{i}}} < 2$: {table}",
        label=f"case_{i}",
    )


def _converges(g: _GD) -> bool:
    """GD converges at the data (with α symbolic: for the α below 2/ã_max)."""
    top = g.spaces[0][0]
    return g.bounded and (g.alpha is None or top == 0 or g.alpha < 2 / top)


def _gd_limit(g: _GD, proof: bool) -> tuple[list[Step], ImmutableMatrix]:
    """w⁽∞⁾ = −A†b + (I − A†A)w⁽⁰⁾ at the data (``gd.limit_projection``'s formula, through
    :func:`gdflow.derive.discrete.limit_point`): its definition, value, and that it is a
    minimiser (and with ``proof`` the closest one to w⁽⁰⁾)."""
    assert g.b is not None and g.w0 is not None
    A_s, b_s, w0_s, winf_s = g.sym("A", g.n), g.sym("b"), g.sym("w^(0)"), g.sym("w^(inf)")
    value = ImmutableMatrix(limit_point(g.A, g.b, g.w0))
    In = sp.Identity(g.n)
    which = (
        "the limit of the iterates"
        if g.alpha is None or _converges(g)
        else "the fixed point the iterates move around (they do not converge here)"
    )
    steps = [
        Step(
            Definition(winf_s, -Pinv(A_s) * b_s + (In - Pinv(A_s) * A_s) * w0_s),
            f"{which}: the minimiser closest to $w^{{(0)}}$ (gd.limit_projection, 001 eq 13)",
            label="limit",
        ),
        Step(Identity(winf_s, value), "at your data", label="limit_value"),
        Step(
            Identity(A_s * winf_s + b_s, sp.ZeroMatrix(g.n, 1)),
            "it is a critical point, so a minimiser of $J$",
            label="minimiser",
        ),
    ]
    if proof:
        steps.append(
            Step(
                Identity(w0_s - winf_s, Pinv(A_s) * (A_s * w0_s + b_s)),
                "$w^{(0)} - w^{(\\infty)}$ lies in $\\mathrm{range}(A)$, orthogonal to the null "
                "space: $w^{(\\infty)}$ is the projection of $w^{(0)}$ onto the minimisers",
                label="closest",
            )
        )
        for i, (a, _P) in enumerate(g.spaces, 1):
            if a == 0:
                Pi = sp.MatrixSymbol(f"P_{i}", g.n, g.n)
                steps.append(
                    Step(
                        Identity(Pi * winf_s, Pi * w0_s),
                        f"along direction {i} ($\\tilde a_{{{i}}} = 0$) GD never moves: the "
                        "limit keeps that component of $w^{(0)}$",
                        label=f"kept_{i}",
                    )
                )
    return steps, value


def _gd_iterate(g: _GD, w_inf: ImmutableMatrix) -> ImmutableMatrix:
    """:math:`w^{(k)} = w^{(\\infty)} + \\sum_i (1 - \\alpha\\tilde a_i)^k P_i(w^{(0)} -
    w^{(\\infty)})` (001 eq 13 with :math:`(I - \\alpha A)^k = \\sum_i (1 - \\alpha\\tilde
    a_i)^k P_i`), k symbolic, each factor kept as a power."""
    assert g.w0 is not None
    entries: list[Basic] = list(w_inf)
    for a, P in g.spaces:
        part = P * (g.w0 - w_inf)
        factor = _tidy(1 - _alpha(g) * a)
        for r in range(g.n):
            entries[r] = entries[r] + _power(factor, k, _tidy(part[r]))
    return _vector(entries)


def _alpha(g: _GD) -> Basic:
    """The learning rate: the given number, or the symbol α when it was left out."""
    return alpha if g.alpha is None else g.alpha


def _free(g: _GD) -> tuple[Basic, ...]:
    """The parameters the GD closed forms keep: α when it was left out, and k."""
    return (k,) if g.alpha is not None else (alpha, k)


def _gd_update(g: _GD) -> Callable[[Basic, Basic], Basic]:
    A_s, b_s = g.sym("A", g.n), g.sym("b")

    def update(x: Basic, _k: Basic) -> Basic:
        return x - alpha * (A_s * x + b_s)

    return update


def _closed_form_steps(g: _GD, w_inf: ImmutableMatrix) -> tuple[list[Step], Formula, Basic]:
    """The iterates at the data: proved by induction from the update, then 001 eq 13 at the
    data (at the given k when there is one)."""
    A_s, w0_s, winf_s, wk_s = g.sym("A", g.n), g.sym("w^(0)"), g.sym("w^(inf)"), g.sym("w^(k)")
    In = sp.Identity(g.n)
    sol = _gd_iterate(g, w_inf)
    steps = [
        Step(
            Recurrence(wk_s, sol, k, _gd_update(g), g.w0),
            "the closed form at your data, one factor $(1 - \\alpha\\tilde a_i)^k$ per "
            "eigendirection; proved by induction from the update $w^{(k+1)} = w^{(k)} - "
            "\\alpha(Aw^{(k)} + b)$",
            label="closed_form",
        )
    ]
    eq13 = winf_s + (In - alpha * A_s) ** k * (w0_s - winf_s)
    if g.k is None:
        steps.append(
            Step(
                Identity(eq13, sol),
                "the same as 001 eq 13, $w^{(k)} = w^{(\\infty)} + (I - \\alpha A)^k(w^{(0)} - "
                "w^{(\\infty)})$, at your data",
                label="eq13",
            )
        )
        formula = Formula(
            name=wk_s,
            expr=sol,
            params=_free(g),
            step="closed_form",
            text="the k-th GD iterate at the given A, b, w^(0), alpha",
        )
        return steps, formula, steps[0].claim
    kv = int(g.k)
    value = ImmutableMatrix(sol.xreplace({k: kv}).applyfunc(_tidy))
    name = g.sym(f"w^({kv})")
    steps.append(
        Step(
            Identity(eq13.xreplace({k: sp.Integer(kv)}), value),
            f"001 eq 13 at $k = {kv}$: $w^{{({kv})}} = w^{{(\\infty)}} + (I - \\alpha A)^{{{kv}}}"
            "(w^{(0)} - w^{(\\infty)})$",
            label="at_k",
        )
    )
    formula = Formula(
        name=name, expr=value, params=(), step="at_k", text=f"the GD iterate after {kv} steps"
    )
    return steps, formula, steps[-1].claim


def _title(id_: str, words: str) -> tuple[str, Source]:
    general = _get(id_, verified=False)
    return (
        f"{general.title}: worked example ({words})",
        Source(general.source.seed, f"{general.source.where}; worked example"),
    )


def _assumptions(lines: Sequence[str]) -> Assumptions:
    return Assumptions(text=tuple(lines))


def _gd_words(g: _GD) -> str:
    parts = [f"A = {g.A.tolist()}"]
    if g.b is not None:
        parts.append(f"b = {list(g.b)}")
    if g.w0 is not None:
        parts.append(f"w0 = {list(g.w0)}")
    if g.alpha is not None:
        parts.append(f"alpha = {g.alpha}")
    if g.k is not None:
        parts.append(f"k = {g.k}")
    return ", ".join(parts)


def _gd_text(g: _GD) -> tuple[str, ...]:
    out = [
        "$J(w) = \\frac12 w^T A w + b^T w + c$ at the numbers given, read exactly ($0.1 = 1/10$)",
    ]
    if g.alpha is None:
        out.append("$\\alpha > 0$ left symbolic")
    if g.k is None:
        out.append("$k \\ge 0$ an integer, left symbolic")
    return tuple(out)


def _cases_summary(g: _GD) -> str:
    words = []
    for i, (a, P) in enumerate(g.spaces, 1):
        if a == 0:
            drifts = g.b is not None and not (P * g.b).is_zero_matrix
            words.append(f"direction {i} {'drifts' if drifts else 'never moves'}")
        elif g.alpha is None:
            words.append(f"direction {i} contracts for $\\alpha < {_approx(2 / a)}$")
        else:
            bt = 0 if g.b is None or (P * g.b).is_zero_matrix else 1
            case = step_size_case(g.alpha, a, bt)
            words.append(f"direction {i} is {case.value.replace('_', ' ')}")
    return "; ".join(words)


def _build_closed_form(values: Mapping[str, object]) -> Derivation:
    g = _read_gd(values)
    title, source = _title("gd.closed_form", _gd_words(g))
    limit_steps, w_inf = _gd_limit(g, proof=False)
    cf_steps, formula, result = _closed_form_steps(g, w_inf)
    steps = _gd_prefix(g) + _gd_cases(g) + limit_steps + cf_steps
    return Derivation(
        id="gd.closed_form@let",
        title=title,
        source=source,
        assumptions=_assumptions(_gd_text(g)),
        steps=steps,
        summary=f"GD at your data: {_cases_summary(g)}; "
        + (
            "the iterates move around"
            if not _converges(g)
            else "the iterates converge to"
            if g.alpha is not None or g.spaces[0][0] == 0
            else f"for $0 < \\alpha < {_approx(2 / g.spaces[0][0])}$ the iterates converge to"
        )
        + f" $w^{{(\\infty)}} = {latex(w_inf)}$.",
        result=result,
        formulas={"w": formula},
    )


def _build_limit_projection(values: Mapping[str, object]) -> Derivation:
    g = _read_gd(values)
    title, source = _title("gd.limit_projection", _gd_words(g))
    limit_steps, w_inf = _gd_limit(g, proof=True)
    steps = _gd_prefix(g) + limit_steps
    winf_s = g.sym("w^(inf)")
    return Derivation(
        id="gd.limit_projection@let",
        title=title,
        source=source,
        assumptions=_assumptions(_gd_text(g)),
        steps=steps,
        summary=f"From $w^{{(0)}} = {latex(g.w0)}$, GD (with any $0 < \\alpha < "
        f"2/\\tilde a_{{\\max}}$) converges to $w^{{(\\infty)}} = {latex(w_inf)}$.",
        result=Identity(winf_s, w_inf),
        formulas={
            "w": Formula(
                winf_s, w_inf, (), step="limit_value", text="the limit of GD at the given data"
            )
        },
    )


def _build_step_size_cases(values: Mapping[str, object]) -> Derivation:
    g = _read_gd(values, drift_ok=True)
    title, source = _title("gd.step_size_cases", _gd_words(g))
    steps = _gd_prefix(g) + _gd_cases(g)
    top = g.spaces[0][0]
    formulas = {}
    if top > 0:
        formulas["alpha_max"] = Formula(
            sp.Symbol("alpha_max", positive=True),
            2 / top,
            (),
            text="the stability boundary 2/a_max: GD converges iff 0 < alpha < alpha_max",
        )
    verdict = "converges" if _converges(g) else "does not converge"
    return Derivation(
        id="gd.step_size_cases@let",
        title=title,
        source=source,
        assumptions=_assumptions(_gd_text(g)),
        steps=steps,
        summary=(
            f"At $\\alpha = {latex(g.alpha)}$: {_cases_summary(g)}; GD {verdict}."
            if g.alpha is not None
            else f"{_cases_summary(g)}."
        ),
        result=steps[-1].claim,
        formulas=formulas,
    )


def _build_loss_decay(values: Mapping[str, object]) -> Derivation:
    g = _read_gd(values)
    assert g.w0 is not None and g.b is not None
    title, source = _title("gd.loss_decay", _gd_words(g))
    limit_steps, w_inf = _gd_limit(g, proof=False)
    A_s, b_s, w0_s = g.sym("A", g.n), g.sym("b"), g.sym("w^(0)")
    winf_s, wk_s = g.sym("w^(inf)"), g.sym("w^(k)")
    In = sp.Identity(g.n)

    def J(x: Basic) -> Basic:
        return (x.T * A_s * x) / 2 + b_s.T * x

    sol = _gd_iterate(g, w_inf)
    e0 = g.w0 - w_inf
    gap: Basic = sp.Integer(0)
    rates = []
    for a, P in g.spaces:
        if a == 0:
            continue
        weight = _tidy(a / 2 * (e0.T * P * e0)[0, 0])
        factor = _tidy(1 - _alpha(g) * a)
        rates.append((a, factor))
        gap = gap + _power(factor, 2 * k, weight)
    j_star = _tidy((w_inf.T * g.A * w_inf / 2 + g.b.T * w_inf)[0, 0])
    steps = _gd_prefix(g) + _gd_cases(g) + limit_steps
    steps += [
        Step(
            Identity(J(winf_s), ImmutableMatrix([[j_star]])),
            "the minimum $J_\\star = J(w^{(\\infty)})$ (without the constant $c$, which cancels "
            "in the gap)",
            label="minimum",
        ),
        Step(
            Recurrence(wk_s, sol, k, _gd_update(g), g.w0),
            "the iterates (gd.closed_form at your data), proved by induction",
            label="closed_form",
        ),
        Step(Definition(wk_s, sol), "name them", label="iterates"),
    ]
    gap_m = ImmutableMatrix([[gap]])
    steps.append(
        Step(
            Identity(J(wk_s) - J(winf_s), gap_m),
            "the excess loss, one term $\\frac{\\tilde a_i}{2}(1 - \\alpha\\tilde a_i)^{2k}"
            "\\|P_i(w^{(0)} - w^{(\\infty)})\\|^2$ per direction with $\\tilde a_i > 0$",
            label="gap",
        )
    )
    formula = Formula(
        name=J(wk_s) - J(winf_s),
        expr=gap,
        params=_free(g),
        step="gap",
        text="the excess loss J(w^(k)) - J* at the given data",
    )
    result: Claim = steps[-1].claim
    if g.k is not None:
        kv = int(g.k)
        x = winf_s + (In - alpha * A_s) ** kv * (w0_s - winf_s)
        value = _tidy(gap.xreplace({k: kv}).doit())
        steps.append(
            Step(
                Identity(J(x) - J(winf_s), ImmutableMatrix([[value]])),
                f"after $k = {kv}$ steps",
                label="gap_at_k",
            )
        )
        formula = Formula(
            name=sp.Symbol(f"J(w^({kv})) - J_star"),
            expr=value,
            params=(),
            step="gap_at_k",
            text=f"the excess loss after {kv} steps",
        )
        result = steps[-1].claim
    positive = [(a, f) for a, f in rates]
    rate_text = ""
    if positive and g.alpha is not None and _converges(g):
        a_min = positive[-1][0]
        a_max = positive[0][0]
        slowest = max(sp.Abs(f) for _a, f in positive)
        rate_text = (
            f" The slowest term shrinks by ${latex(_tidy(slowest**2))}$ per step; "
            "$\\kappa = \\tilde a_{\\max}/\\tilde a_{\\min} = "
            f"{latex(_tidy(a_max / a_min))}$."
        )
    return Derivation(
        id="gd.loss_decay@let",
        title=title,
        source=source,
        assumptions=_assumptions(_gd_text(g)),
        steps=steps,
        summary=f"The excess loss at your data is ${latex(gap)}$.{rate_text}",
        result=result,
        formulas={"gap": formula},
    )


# -- gradient flow on least squares (000) ---------------------------------------------------------


@dataclass(frozen=True)
class _Flow:
    X: ImmutableMatrix
    y: ImmutableMatrix
    w0: ImmutableMatrix
    t: Basic | None
    K: ImmutableMatrix
    spaces: list[tuple[Basic, ImmutableMatrix]]

    def sym(self, name: str, rows: str = "N", cols: int | str = 1) -> sp.MatrixSymbol:
        size = {"N": self.X.rows, "D": self.X.cols}
        c = cols if isinstance(cols, int) else size[cols]
        return sp.MatrixSymbol(name, size[rows], c)


def _read_flow(values: Mapping[str, object]) -> _Flow:
    X_m = _matrix("X", values["X"])
    y_m = _matrix("y", values["y"], vector=True)
    w_m = _matrix("w0", values["w0"], vector=True)
    _check_Xy(sp.Matrix(X_m), sp.Matrix(y_m), sp.Matrix(w_m))
    tv = _scalar("t", values["t"]) if "t" in values else None
    if tv is not None and tv < 0:
        raise ValueError(f"t must be >= 0 (a time); got t = {tv}")
    K_m = ImmutableMatrix(X_m * X_m.T)
    spaces = _spectrum(K_m, "K = XX^T", _NUMERIC_FLOW)
    return _Flow(X_m, y_m, w_m, tv, K_m, spaces)


def _flow_prefix(f: _Flow) -> list[Step]:
    X_s, y_s, w0_s = f.sym("X", "N", "D"), f.sym("y"), f.sym("w^(0)", "D")
    K_s, r0_s = f.sym("K", "N", "N"), f.sym("r^(0)")
    r0 = ImmutableMatrix(f.X * f.w0 - f.y)
    return [
        _data_step(X_s, f.X, "the inputs, one row per data point ($L = \\frac12\\|Xw - y\\|^2$)"),
        _data_step(y_s, f.y, "the targets"),
        _data_step(w0_s, f.w0, "the starting point"),
        Step(Definition(K_s, X_s * X_s.T), "the tangent kernel on the data", label="kernel"),
        Step(Identity(K_s, f.K), "at your data", label="kernel_value"),
        Step(Definition(r0_s, X_s * w0_s - y_s), "the residual at the start", label="r0"),
        Step(Identity(r0_s, r0), "at your data", label="r0_value"),
        *_eigen_steps(K_s, f.spaces, "\\lambda", named=True),
    ]


def _exp_sum(const: Sequence[Basic], terms: Sequence[tuple[Basic, ImmutableMatrix]]) -> Basic:
    """``const + Σ e^{-λ t} v`` entrywise, each exponential kept whole (not split into
    factors)."""
    entries = list(const)
    for lam_i, v in terms:
        if lam_i == 0:
            continue
        decay = sp.exp(-lam_i * t)
        for r in range(len(entries)):
            c = _tidy(v[r])
            if c != 0:
                entries[r] = entries[r] + (decay if c == 1 else sp.Mul(c, decay, evaluate=False))
    return _vector(entries)


def _flow_words(f: _Flow) -> str:
    parts = [f"X = {f.X.tolist()}", f"y = {list(f.y)}", f"w0 = {list(f.w0)}"]
    if f.t is not None:
        parts.append(f"t = {f.t}")
    return ", ".join(parts)


def _flow_text(f: _Flow) -> tuple[str, ...]:
    out = [
        "gradient flow $\\frac{dw}{dt} = -X^T(Xw - y)$ on $L = \\frac12\\|Xw - y\\|^2$ (sum "
        "scale) at the numbers given, read exactly ($0.1 = 1/10$)"
    ]
    if f.t is None:
        out.append("$t \\ge 0$ left symbolic")
    return tuple(out)


def _shares(f: _Flow) -> tuple[list[Step], list[tuple[int, Basic, sp.MatrixSymbol]], Basic]:
    """The residual's share of each eigenspace, :math:`c_i := P_i r^{(0)}` (definition and
    value): ``(steps, [(i, eigenvalue, c_i)], the share of the null space or 0)``."""
    r0_s = f.sym("r^(0)")
    r0 = ImmutableMatrix(f.X * f.w0 - f.y)
    steps: list[Step] = []
    shares = []
    kept: Basic = sp.ZeroMatrix(f.X.rows, 1)
    for i, (v, P) in enumerate(f.spaces, 1):
        c_i = f.sym(f"c_{i}")
        Pi = sp.MatrixSymbol(f"P_{i}", f.X.rows, f.X.rows)
        where = "the part of the residual no parameter can reach" if v == 0 else "its share"
        steps.append(
            Step(
                Definition(c_i, Pi * r0_s),
                f"the residual's component in eigenspace {i}: {where}",
                label=f"share_{i}",
            )
        )
        steps.append(
            Step(
                Identity(c_i, ImmutableMatrix((P * r0).applyfunc(_tidy))),
                "at your data",
                label=f"share_value_{i}",
            )
        )
        if v == 0:
            kept = c_i
        else:
            shares.append((i, v, c_i))
    return steps, shares, kept


def _build_residual(values: Mapping[str, object]) -> Derivation:
    f = _read_flow(values)
    title, source = _title("flow.residual", _flow_words(f))
    K_s, r0_s, rt_s = f.sym("K", "N", "N"), f.sym("r^(0)"), f.sym("r(t)")
    r0 = ImmutableMatrix(f.X * f.w0 - f.y)
    zero_part = [P * r0 for v, P in f.spaces if v == 0]
    const = zero_part[0] if zero_part else sp.zeros(f.X.rows, 1)
    r_t = _exp_sum(list(const), [(v, P * r0) for v, P in f.spaces])
    r_inf = ImmutableMatrix(residual_evolution(f.X, f.y, f.w0, sp.oo))
    share_steps, shares, kept = _shares(f)
    candidate = sp.MatAdd(*[sp.exp(-_eigenvalue(i) * t) * c for i, _v, c in shares], kept)
    steps = (
        _flow_prefix(f)
        + share_steps
        + [
            Step(
                Definition(rt_s, candidate),
                "the candidate: each share decays like $e^{-\\lambda_i t}$, the null space's "
                "share stays",
                label="candidate",
            ),
            Step(
                Identity(TimeDerivative(rt_s), -K_s * rt_s),
                "it solves $\\frac{dr}{dt} = -Kr$",
                label="ode",
            ),
            Step(
                Identity(sp.MatAdd(*[c for _i, _v, c in shares], kept), r0_s),
                "and starts at $r^{(0)}$",
                label="initial",
            ),
            Step(
                Identity(MatExp(-K_s * t) * r0_s, rt_s),
                "so it is $r(t) = e^{-Kt}r^{(0)}$ (000 eq 11)",
                label="matrix_form",
            ),
            Step(Identity(rt_s, r_t), "at your data", label="value"),
            Step(
                Identity(MatrixLimit(rt_s, t, sp.oo), r_inf),
                "as $t \\to \\infty$ the directions with $\\lambda_i > 0$ are fitted; what is "
                "left, $(I - KK^\\dagger)r^{(0)}$, lies in the null space of $K$"
                + (" (here 0: the data are fitted exactly)" if r_inf.is_zero_matrix else ""),
                label="limit",
            ),
        ]
    )
    formulas = {
        "r": Formula(
            rt_s, r_t, (t,), step="value", proof=("ode", "initial"), text="r(t) at the given data"
        ),
        "r_inf": Formula(
            sp.MatrixSymbol("r(oo)", f.X.rows, 1), r_inf, (), step="limit", text="r(oo)"
        ),
    }
    result: Claim = steps[-2].claim
    if f.t is not None:
        value = ImmutableMatrix(r_t.xreplace({t: f.t}))
        steps.append(
            Step(
                Identity(MatExp(-K_s * f.t) * r0_s, value),
                f"at $t = {latex(f.t)}$",
                label="at_t",
            )
        )
        formulas["r_at_t"] = Formula(
            sp.MatrixSymbol(f"r({f.t})", f.X.rows, 1), value, (), step="at_t", text="r at t"
        )
        result = steps[-1].claim
    rates = ", ".join(_approx(v) for v, _P in f.spaces if v != 0)
    return Derivation(
        id="flow.residual@let",
        title=title,
        source=source,
        assumptions=_assumptions(_flow_text(f)),
        steps=steps,
        summary=f"The residual decays at the rates ${rates}$ (the nonzero eigenvalues of "
        f"$K$) towards $r(\\infty) = {latex(r_inf)}$.",
        result=result,
        formulas=formulas,
    )


def _build_parameter_evolution(values: Mapping[str, object]) -> Derivation:
    f = _read_flow(values)
    title, source = _title("flow.parameter_evolution", _flow_words(f))
    X_s, y_s, w0_s = f.sym("X", "N", "D"), f.sym("y"), f.sym("w^(0)", "D")
    K_s, r0_s = f.sym("K", "N", "N"), f.sym("r^(0)")
    wt_s, winf_s = f.sym("w(t)", "D"), f.sym("w(oo)", "D")
    r0 = ImmutableMatrix(f.X * f.w0 - f.y)
    w_inf = ImmutableMatrix(parameter_evolution(f.X, f.y, f.w0, sp.oo))
    # w(t) = w0 - sum_i phi(lambda_i, t) X^T P_i r0
    #      = w(oo) + sum_i e^{-lambda_i t} X^T P_i r0 / lambda_i  (lambda_i > 0)
    terms = [(v, (f.X.T * P * r0) / v) for v, P in f.spaces if v != 0]
    w_t = _exp_sum(list(w_inf), terms)
    D_ = f.X.cols
    ID, IN = sp.Identity(D_), sp.Identity(f.X.rows)
    share_steps, shares, _kept = _shares(f)
    moves = []
    for i, _v, c_i in shares:
        d_i = f.sym(f"d_{i}", "D")
        moves.append((i, d_i))
        share_steps.append(
            Step(
                Definition(d_i, X_s.T * c_i / _eigenvalue(i)),
                f"how far direction {i} still has to move: $X^T c_{{{i}}}/\\lambda_{{{i}}}$",
                label=f"move_{i}",
            )
        )
    candidate = sp.MatAdd(winf_s, *[sp.exp(-_eigenvalue(i) * t) * d for i, d in moves])
    steps = (
        _flow_prefix(f)
        + share_steps
        + [
            Step(
                Definition(winf_s, (ID - Pinv(X_s) * X_s) * w0_s + Pinv(X_s) * y_s),
                "the limit: the part of $w_0$ in the null space of $X$ plus the minimum-norm "
                "solution $X^\\dagger y$",
                label="limit",
            ),
            Step(Identity(winf_s, w_inf), "at your data", label="limit_value"),
            Step(
                Definition(wt_s, candidate),
                "the candidate: $w(t) = w_0 - X^T\\varphi(K, t)r^{(0)}$ with $\\varphi(\\lambda, "
                "t) = (1 - e^{-\\lambda t})/\\lambda$, i.e. the limit plus one decaying term per "
                "nonzero eigenvalue of $K$",
                label="candidate",
            ),
            Step(
                Identity(TimeDerivative(wt_s), -X_s.T * (X_s * wt_s - y_s)),
                "it solves the flow ODE $\\frac{dw}{dt} = -X^T(Xw - y)$",
                label="ode",
            ),
            Step(
                Identity(sp.MatAdd(winf_s, *[d for _i, d in moves]), w0_s),
                "and starts at $w_0$",
                label="initial",
            ),
            Step(
                Identity(w0_s - X_s.T * Pinv(K_s) * (IN - MatExp(-K_s * t)) * r0_s, wt_s),
                "so it is 000 eq 16, $w(t) = w_0 - X^TK^\\dagger(I - e^{-Kt})(Xw_0 - y)$",
                label="matrix_form",
            ),
            Step(Identity(wt_s, w_t), "at your data", label="value"),
            Step(
                Identity(MatrixLimit(wt_s, t, sp.oo), winf_s),
                "and it is where $w(t)$ goes as $t \\to \\infty$",
                label="limit_check",
            ),
        ]
    )
    formulas = {
        "w": Formula(
            wt_s, w_t, (t,), step="value", proof=("ode", "initial"), text="w(t) at the given data"
        ),
        "w_inf": Formula(winf_s, w_inf, (), step="limit_value", text="w(oo)"),
    }
    result: Claim = steps[-2].claim
    if f.t is not None:
        value = ImmutableMatrix(w_t.xreplace({t: f.t}))
        steps.append(
            Step(
                Identity(
                    w0_s - X_s.T * Pinv(K_s) * (IN - MatExp(-K_s * f.t)) * r0_s,
                    value,
                ),
                f"at $t = {latex(f.t)}$",
                label="at_t",
            )
        )
        formulas["w_at_t"] = Formula(
            sp.MatrixSymbol(f"w({f.t})", D_, 1), value, (), step="at_t", text="w at t"
        )
        result = steps[-1].claim
    return Derivation(
        id="flow.parameter_evolution@let",
        title=title,
        source=source,
        assumptions=_assumptions(_flow_text(f)),
        steps=steps,
        summary=f"The parameters relax from $w_0$ to $w(\\infty) = {latex(w_inf)}$, "
        "one exponential per nonzero eigenvalue of $K$.",
        result=result,
        formulas=formulas,
    )


# -- ridge regression (001 §2.4) ------------------------------------------------------------------


def _build_ridge(values: Mapping[str, object]) -> Derivation:
    P = _matrix("Phi", values["Phi"])
    y = _matrix("t", values["t"], vector=True)
    if y.rows != P.rows:
        raise ValueError(f"t must have one entry per row of Phi ({P.rows}); got {y.rows}")
    N_, D_ = P.rows, P.cols
    if "N" in values:
        nv = _scalar("N", values["N"])
        if nv != N_:
            raise ValueError(f"N = {nv} but Phi has {N_} rows (N is the number of data points)")
    lv = _scalar("lambda", values["lambda"]) if "lambda" in values else None
    if lv is not None and not lv > 0:
        raise ValueError(
            f"lambda must be > 0 (for lambda = 0 the minimiser is Phi^+ t, ridge.limit); "
            f"got lambda = {lv}"
        )
    title, source = _title(
        "ridge.solution",
        f"Phi = {P.tolist()}, t = {list(y)}" + (f", lambda = {lv}" if lv is not None else ""),
    )
    Phi_s, t_s = sp.MatrixSymbol("Phi", N_, D_), sp.MatrixSymbol("t", N_, 1)
    A_s, b_s = sp.MatrixSymbol("A_lambda", D_, D_), sp.MatrixSymbol("b", D_, 1)
    wl_s = sp.MatrixSymbol("w_lambda", D_, 1)
    ID = sp.Identity(D_)
    rank = sp.Matrix(P).rank()
    A_val = ImmutableMatrix(P.T * P / N_ + lam * sp.eye(D_))
    b_val = ImmutableMatrix(-P.T * y / N_)
    w_sym = ImmutableMatrix(ridge_solution(P, y, lam).applyfunc(sp.factor))
    steps = [
        _data_step(Phi_s, P, "the features, one row per data point"),
        _data_step(t_s, y, "the targets"),
    ]
    if lv is not None:
        steps.append(_data_step(lam, lv, "the ridge strength"))
    deficient = (
        f"$\\Phi$ has rank {rank} < {D_}: $\\Phi^T\\Phi$ is singular, yet $A_\\lambda$ is "
        "positive definite for every $\\lambda > 0$"
        if rank < D_
        else f"$\\Phi$ has full column rank {rank}"
    )
    steps += [
        Step(
            Definition(A_s, Phi_s.T * Phi_s / N_ + lam * ID),
            f"the curvature of $J_\\lambda = \\frac{{1}}{{2N}}\\|\\Phi w - t\\|^2 + "
            f"\\frac{{\\lambda}}{{2}}\\|w\\|^2$, $N = {N_}$",
            label="curvature",
        ),
        Step(Identity(A_s, A_val), f"at your data; {deficient}", label="curvature_value"),
        Step(Definition(b_s, -Phi_s.T * t_s / N_), "the linear term", label="linear"),
        Step(Identity(b_s, b_val), "at your data", label="linear_value"),
        Step(
            Definition(wl_s, sp.Inverse(Phi_s.T * Phi_s + N_ * lam * ID) * Phi_s.T * t_s),
            "the minimiser (ridge.solution), with the N in the right place",
            label="solution",
        ),
    ]
    value = ImmutableMatrix(w_sym.xreplace({lam: lv}).applyfunc(_tidy)) if lv else w_sym
    steps += [
        Step(Identity(wl_s, value), "at your data", label="value"),
        Step(
            Identity(A_s * wl_s + b_s, sp.ZeroMatrix(D_, 1)),
            "it is the critical point, so the unique minimiser ($A_\\lambda \\succ 0$)",
            label="critical",
        ),
    ]
    result = Identity(wl_s, value)
    if lv is None:
        steps.append(
            Step(
                Identity(MatrixLimit(w_sym, lam, 0), Pinv(Phi_s) * t_s),
                "as $\\lambda \\to 0^+$: the minimum-norm least-squares solution "
                "$\\Phi^\\dagger t$ (ridge.limit)",
                label="limit",
            )
        )
    return Derivation(
        id="ridge.solution@let",
        title=title,
        source=source,
        assumptions=_assumptions(
            (
                "$J_\\lambda(w) = \\frac{1}{2N}\\|\\Phi w - t\\|^2 + \\frac{\\lambda}{2}\\|w\\|^2$ "
                "at the numbers given, read exactly",
                *(("$\\lambda > 0$ left symbolic",) if lv is None else ()),
            )
        ),
        steps=steps,
        summary=f"The ridge minimiser at your data is $w_\\lambda = {latex(value)}$.",
        result=result,
        formulas={
            "w": Formula(wl_s, value, (lam,) if lv is None else (), step="value", text="w_lambda")
        },
    )


# -- the table -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Spec:
    build: Callable[[Mapping[str, object]], Derivation]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


_SPECS: Mapping[str, _Spec] = {
    "gd.closed_form": _Spec(_build_closed_form, ("A", "b", "w0"), ("alpha", "k")),
    "gd.limit_projection": _Spec(_build_limit_projection, ("A", "b", "w0")),
    "gd.step_size_cases": _Spec(_build_step_size_cases, ("A",), ("alpha", "b")),
    "gd.loss_decay": _Spec(_build_loss_decay, ("A", "b", "w0"), ("alpha", "k")),
    "flow.residual": _Spec(_build_residual, ("X", "y", "w0"), ("t",)),
    "flow.parameter_evolution": _Spec(_build_parameter_evolution, ("X", "y", "w0"), ("t",)),
    "ridge.solution": _Spec(_build_ridge, ("Phi", "t"), ("lambda", "N")),
}


def supported() -> list[str]:
    """The derivation ids :func:`worked_example` instantiates."""
    return list(_SPECS)


def names(derivation_id: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(required, optional)`` names of a supported derivation's worked example (optional
    ones stay symbolic when left out)."""
    spec = _spec(derivation_id)
    return spec.required, spec.optional


def _spec(derivation_id: str) -> _Spec:
    if derivation_id not in _SPECS:
        raise ValueError(
            f"no worked example for {derivation_id!r}; --let works with: {', '.join(_SPECS)}"
        )
    return _SPECS[derivation_id]


def _canonical(derivation_id: str, values: Mapping[str, object]) -> dict[str, object]:
    spec = _spec(derivation_id)
    allowed = (*spec.required, *spec.optional)
    takes = ", ".join(spec.required) + (
        f" (and optionally {', '.join(spec.optional)})" if spec.optional else ""
    )
    out: dict[str, object] = {}
    for raw, value in values.items():
        name = _ALIASES.get(raw.strip(), raw.strip())
        if name not in allowed:
            raise ValueError(f"{derivation_id} takes no value named {raw!r}; it takes {takes}")
        if name in out:
            raise ValueError(f"{name} is given twice (as {raw!r} and another spelling)")
        out[name] = value
    missing = [n for n in spec.required if n not in out]
    if missing:
        raise ValueError(f"{derivation_id}: no value for {', '.join(missing)}; it takes {takes}")
    return out


def worked_example(derivation_id: str, values: Mapping[str, object]) -> Derivation:
    """The derivation ``derivation_id`` worked out at ``values`` and verified there: a
    :class:`~gdflow.derive.derivation.Derivation` with id ``derivation_id + "@let"``, concrete
    steps (data, eigendecomposition, the case of each eigendirection, limit, closed form,
    loss), each certified by :func:`gdflow.derive.verify.verify`, ``result`` the closed form at
    the data and ``formulas`` its value.

    ``values`` maps names as a user writes them (``A``, ``b``, ``w0`` or ``w^(0)``, ``alpha``,
    ``k``; ``X``, ``y``, ``t``; ``Phi``, ``lambda``, ``N``) to nested lists, numbers or their
    text (``"[[2,0],[0,0]]"``, ``"1/4"``, ``0.1`` = 1/10), read exactly.  The names each
    derivation takes: :func:`names`; left-out optional names stay symbolic (``alpha``, ``k``,
    ``t``, ``lambda``).  001 §2.2 (``gd.*``; :math:`J = \\frac12 w^TAw + b^Tw + c`), 000
    (``flow.*``; :math:`L = \\frac12\\|Xw - y\\|^2`), 001 §2.4 (``ridge.solution``; mean scale).

    ``ValueError`` naming the bad value for: an unsupported derivation (listing the supported
    ids), an unknown or missing name (listing the names it takes), a value that is not an
    exact number or list of numbers, a wrong shape, a matrix larger than :data:`MAX_SIZE`, A not
    symmetric or not positive semidefinite (naming the negative eigenvalue), b outside
    range(A), eigenvalues beyond quadratic irrationals (naming the numeric route), or building
    beyond :data:`BUILD_SECONDS` CPU seconds.

    >>> d = worked_example("gd.closed_form", {"A": [[2, 0], [0, 0]], "b": [-2, 0],
    ...                                        "w0": [3, 1], "alpha": "1/4"})
    >>> d.verified, d.formulas["w"].expr
    (True, Matrix([
    [1 + 2*(1/2)**k],
    [             1]]))
    """
    spec = _spec(derivation_id)
    canonical = _canonical(derivation_id, values)
    try:
        with deadline(BUILD_SECONDS):
            built = spec.build(canonical)
    except OutOfTime:
        raise ValueError(
            f"{derivation_id} at these values: building the exact worked example took more "
            f"than {BUILD_SECONDS:g} s; use the numeric evaluators ({_NUMERIC_GD}; "
            f"{_NUMERIC_FLOW})"
        ) from None
    return verify(built, timeout=STEP_SECONDS)
