"""The derivation data model: claims, steps, certificates, assumptions, derivations.

A derivation is data, not a script.  Each step holds one *claim* (a SymPy object wrapped in
one of the claim classes below) and the reason for it in words.  ``gdflow.derive.verify``
checks each claim and returns a copy of the derivation whose steps carry a
:class:`Certificate` naming the method that decided it and its :class:`Level`.  Steps and
derivations are frozen.  The LaTeX printer (``gdflow.derive.latex``) and the numeric
evaluators (``gdflow.checks.numeric``) read the same objects, so what is printed is what was
proved.

Claim kinds
-----------
- :class:`Identity`    ``lhs = rhs`` for scalar or matrix expressions (MatrixSymbols of
  symbolic size allowed).
- :class:`Holds`       a relation (or Boolean combination) that follows from the assumptions.
- :class:`Equivalent`  two conditions on one variable describe the same set.
- :class:`Recurrence`  a closed form solves a recurrence: checked by induction (base case and
  inductive step are both :class:`Identity` claims).
- :class:`Refuted`     an identity that is *false*: checked by an exact counterexample.  Used
  for source claims that fail and for "this does not generalise" statements.
- :class:`Definition`  a definition or a hypothesis; certified as such, never as proved.

Code that reads claims kind by kind is a :class:`ClaimVisitor` (``claim.accept(visitor)``),
not a chain of ``isinstance`` tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import lru_cache
from typing import Any, ClassVar, Protocol, TypeVar

import sympy as sp
from sympy import Basic
from sympy.codegen.rewriting import expm1_opt, log1p_opt, optimize

from .numbers import exact_number

__all__ = [
    "Assumptions",
    "Certificate",
    "Claim",
    "ClaimVisitor",
    "Identity",
    "Holds",
    "Equivalent",
    "Recurrence",
    "Refuted",
    "Definition",
    "Step",
    "Source",
    "DOCUMENTS",
    "Formula",
    "Derivation",
    "Level",
    "Method",
]


class Level(StrEnum):
    """How far a certificate may be trusted, strongest first (see :attr:`Certificate.level`).

    A ``StrEnum``: each level is its word (``Level.PROVED == "proved"``), so JSON output and
    comparisons with plain strings read the same.
    """

    PROVED = "proved"
    """A symbolic proof confirmed at exact instances, or an exact decision."""
    CHECKED = "checked"
    """Exact agreement on every stratum at the sizes the certificate names."""
    EVIDENCE = "evidence"
    """Numeric agreement only (rigorous balls)."""
    STATED = "stated"
    """A definition or hypothesis: stated, not proved."""

    @classmethod
    def weakest(cls, *levels: str) -> Level:
        """The weakest of ``levels`` (``weakest("proved", "checked")`` is ``CHECKED``).

        >>> print(Level.weakest("proved", "evidence", "checked"))
        evidence
        """
        if not levels:
            raise ValueError("Level.weakest needs at least one level")
        order = list(cls)
        return max((cls(level) for level in levels), key=order.index)


class Method(StrEnum):
    """How a claim was decided: the method named by its certificate.

    The first seven decide a claim (strongest first for identities: ``induction`` wraps two
    identity certificates, ``counterexample`` certifies a :class:`Refuted` claim,
    ``definition`` marks a definition or hypothesis, which is stated, not proved); the last
    three say why a claim was not passed.
    """

    SYMBOLIC = "symbolic"
    EXACT_INSTANTIATION = "exact instantiation"
    RIGOROUS_ENCLOSURE = "rigorous enclosure"
    HIGH_PRECISION = "high precision"
    INDUCTION = "induction"
    COUNTEREXAMPLE = "counterexample"
    DEFINITION = "definition"
    REJECTED = "rejected"
    """A method found the claim false."""
    UNVERIFIED = "unverified"
    """No method decided the claim (the detail says why; ``out of time`` when its bound ran
    out)."""
    VACUOUS = "vacuous"
    """The assumptions cannot all hold: nothing was decided."""


@dataclass(frozen=True)
class Certificate:
    """How a claim was decided.

    ``ok`` is True when the claim was proved (or the refutation was confirmed); ``method`` is a
    :class:`Method` (plain strings are read as one: ``"symbolic"``), ``REJECTED`` when a
    method found the claim false, ``UNVERIFIED`` when none decided, ``VACUOUS`` when the
    assumptions cannot hold; ``detail`` says what was done (instances tried, precision, the
    counterexample found).  An unknown method or level is a ``ValueError``.
    """

    ok: bool
    method: Method
    detail: str = ""
    counterexample: Mapping[str, Any] | None = None
    level: Level | None = None
    """How much a reader may trust it (:class:`Level`): ``proved`` (a symbolic proof confirmed
    at exact instances, or an exact decision), ``checked`` (exact agreement on every stratum at
    the sizes named in ``detail``), ``evidence`` (numeric agreement only), ``stated`` (a
    definition or hypothesis).  For a rejection it is the level of the refutation.  None when
    nothing was decided (``unverified``, ``vacuous``)."""
    sizes: Mapping[str, tuple[int, ...]] | None = None
    """The values each size symbol took at the instances that decided the claim
    (``{"n": (5, 6)}``); what a ``checked`` certificate is checked at.  None when no instance
    was drawn or the claim has no symbolic sizes."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "method", Method(self.method))
        if self.level is not None:
            object.__setattr__(self, "level", Level(self.level))

    def __str__(self) -> str:
        return f"{self.method}: {self.detail}" if self.detail else str(self.method)


@dataclass(frozen=True)
class Assumptions:
    """What a claim may assume, in a form both the prover and the instantiator can use.

    - ``conditions``: SymPy relations on scalar symbols (``0 < alpha*a``, ``alpha*a < 2``).
      Symbol-level facts (positive, integer, nonnegative) live on the symbols themselves.
    - ``matrices``: ``MatrixSymbol -> property`` (see ``gdflow.derive.matrices.MatrixProperty``).
    - ``definitions``: ``symbol -> expression`` substituted before anything is checked
      (``A -> Q D Q^T`` ties A to its eigendecomposition; ``b -> A c`` puts b in range(A)).
    - ``sizes``: ``size symbol -> values`` to instantiate (default 1..4).
    - ``text``: the assumptions in words, for the rendered derivation.
    """

    conditions: tuple[Basic, ...] = ()
    matrices: Mapping[Basic, str] = field(default_factory=dict)
    definitions: Mapping[Basic, Basic] = field(default_factory=dict)
    sizes: Mapping[Basic, tuple[int, ...]] = field(default_factory=dict)
    text: tuple[str, ...] = ()

    def merged(self, other: Assumptions | None) -> Assumptions:
        """These assumptions together with ``other`` (a step's own, added to its derivation's)."""
        if other is None:
            return self
        return Assumptions(
            conditions=self.conditions + other.conditions,
            matrices={**self.matrices, **other.matrices},
            definitions={**self.definitions, **other.definitions},
            sizes={**self.sizes, **other.sizes},
            text=self.text + other.text,
        )

    def substitute(self, expr: Any) -> Any:
        """Apply the definitions to ``expr`` until nothing changes (at most 10 rounds)."""
        if not self.definitions:
            return expr
        for _ in range(10):
            new = expr.xreplace(dict(self.definitions))
            if new == expr:
                return new
            expr = new
        return expr


def _sympify_fields(obj: Claim, *names: str) -> None:
    """Turn plain numbers in a frozen claim into SymPy objects (``Identity(x, 0)``)."""
    for name in names:
        object.__setattr__(obj, name, sp.sympify(getattr(obj, name)))


R = TypeVar("R", covariant=True)


class ClaimVisitor(Protocol[R]):
    """What reads a claim, kind by kind: one method per claim kind, each returning an ``R``.

    The engine (``gdflow.derive.verify``), the LaTeX printer (``gdflow.derive.latex``) and the
    plain-text printer of ``gdflow derive`` are visitors; ``claim.accept(visitor)`` calls the
    method of the claim's kind, so a new kind is a new method here, and a type checker names
    every reader that lacks it.
    """

    def identity(self, claim: Identity) -> R: ...
    def holds(self, claim: Holds) -> R: ...
    def equivalent(self, claim: Equivalent) -> R: ...
    def recurrence(self, claim: Recurrence) -> R: ...
    def refuted(self, claim: Refuted) -> R: ...
    def definition(self, claim: Definition) -> R: ...


T = TypeVar("T")


class Claim(ABC):
    """Base class of claims; subclasses are frozen dataclasses holding SymPy objects.

    Every kind names itself (``kind``), lists its SymPy parts (:meth:`parts`), gives the key
    its instances are seeded from (:meth:`key`) and dispatches to a :class:`ClaimVisitor`
    (:meth:`accept`).
    """

    kind: ClassVar[str]
    """The claim kind in words (``"identity"``, ``"recurrence"``, ...)."""

    @abstractmethod
    def accept(self, visitor: ClaimVisitor[T]) -> T:
        """``visitor``'s method for this kind, applied to this claim."""

    def parts(self) -> tuple[Any, ...]:
        """The values of the claim's fields, in order (SymPy objects, and for a recurrence its
        update rule)."""
        return tuple(getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    def key(self) -> tuple[Any, ...]:
        """What identifies the claim for seeding its instances: its class name and parts."""
        return (type(self).__name__, *self.parts())

    def defines(self) -> tuple[Basic, Basic] | None:
        """``(name, value)`` when the claim defines ``name`` as ``value`` (in scope for the
        steps after it), else None."""
        return None


@dataclass(frozen=True)
class Identity(Claim):
    """``lhs = rhs``: scalar expressions or matrix expressions of equal shape."""

    kind: ClassVar[str] = "identity"
    lhs: Basic
    rhs: Basic

    def __post_init__(self) -> None:
        _sympify_fields(self, "lhs", "rhs")

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.identity(self)


@dataclass(frozen=True)
class Holds(Claim):
    """``condition`` holds for every admissible value of its symbols."""

    kind: ClassVar[str] = "holds"
    condition: Basic

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.holds(self)


@dataclass(frozen=True)
class Equivalent(Claim):
    """``left`` and ``right``, conditions on the one real variable ``var``, define the same set
    (within the admissible values of ``var``)."""

    kind: ClassVar[str] = "equivalent"
    left: Basic
    right: Basic
    var: Basic

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.equivalent(self)


@dataclass(frozen=True)
class Recurrence(Claim):
    """``name = solution`` solves ``x_{k+1} = update(x_k, k)``, ``x_0 = initial``.

    ``update`` is a callable taking (previous value, k) and returning a SymPy expression; it is
    stored with its LaTeX form ``update_latex`` so the printed recurrence is the checked one.
    Proved by induction: ``solution|_{k=0} = initial`` and
    ``solution|_{k -> k+1} = update(solution, k)``.
    """

    kind: ClassVar[str] = "recurrence"
    name: Basic
    solution: Basic
    index: Basic
    update: Callable[[Basic, Basic], Basic]
    initial: Basic

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.recurrence(self)

    def key(self) -> tuple[Any, ...]:
        """The kind and the SymPy parts (the update rule is a function: its result at the
        solution is what the induction checks)."""
        return ("recurrence", self.name, self.solution, self.index, self.initial)

    def base_case(self) -> Identity:
        """``solution|_{k=0} = initial``."""
        return Identity(self.solution.subs(self.index, 0), self.initial)

    def inductive_step(self) -> Identity:
        """``solution|_{k -> k+1} = update(solution, k)``."""
        return Identity(
            self.solution.subs(self.index, self.index + 1), self.update(self.solution, self.index)
        )

    def update_expression(self) -> Basic:
        """The update applied to ``name`` itself, for printing ``x^{(k+1)} = update(x^{(k)})``."""
        return self.update(self.name, self.index)


@dataclass(frozen=True)
class Refuted(Claim):
    """``lhs = rhs`` is false: some admissible instance makes the two sides differ."""

    kind: ClassVar[str] = "refuted"
    lhs: Basic
    rhs: Basic

    def __post_init__(self) -> None:
        _sympify_fields(self, "lhs", "rhs")

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.refuted(self)


@dataclass(frozen=True)
class Definition(Claim):
    """``lhs := rhs`` (or a hypothesis when ``rhs`` is None and ``lhs`` is a relation)."""

    kind: ClassVar[str] = "definition"
    lhs: Basic
    rhs: Basic | None = None

    def accept(self, visitor: ClaimVisitor[T]) -> T:
        return visitor.definition(self)

    def defines(self) -> tuple[Basic, Basic] | None:
        return None if self.rhs is None else (self.lhs, self.rhs)


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a claim, the reason for it, the step's own extra assumptions,
    and (on the copy :func:`gdflow.derive.verify.verify` returns) its certificate."""

    claim: Claim
    reason: str
    given: Assumptions | None = None
    certificate: Certificate | None = None
    label: str = ""
    """A stable handle for code that reads this step (``Derivation.step(label)``)."""

    @property
    def verified(self) -> bool:
        """True when the step carries a passing certificate."""
        return self.certificate is not None and self.certificate.ok

    def __repr__(self) -> str:
        """One line: ``<Step 'closed_form': recurrence, proved>``."""
        from .display import step_repr

        return step_repr(self)

    def _repr_latex_(self) -> str:
        """The step for Jupyter: its reason and certificate above its math, for MathJax."""
        from .display import step_latex

        return step_latex(self)

    def _repr_markdown_(self) -> str:
        """The step in Markdown: its claim in ``$$...$$``, its reason and its certificate."""
        from .display import step_markdown

        return step_markdown(self)


DOCUMENTS: Mapping[str, str] = {
    "000": "Gradient descent in the linear model (blog, part I of a series on the neural "
    "tangent kernel)",
    "001": "Chapter 1, A Toy Model: Linear Regression (R. Grosse, lecture notes)",
    "002": "Gradient Descent Dynamics, Neural Tangent Kernel (A. Bhaskara, CS 5966/6966 "
    "Theory of Machine Learning, lecture notes)",
    "003": "Gradient descent: gradients, learning rates, exercises (slides)",
}
"""The source documents by the number their seed file starts with (``001_....txt``): the
title on the document's first line (001, 002); 000 and 003 carry no title line in their
extracted text, so they are named by what they are."""


@dataclass(frozen=True)
class Source:
    """Where a derivation comes from: the seed file and the equation or section.

    ``str()`` is the file and the place (``001_76f73b0c2cfaffb7.txt, §2.2, eq 13``), as the
    JSON output has always written it; :attr:`title` names the document for readers."""

    seed: str
    where: str

    @property
    def title(self) -> str:
        """The source document's title (:data:`DOCUMENTS`), else its file name."""
        return DOCUMENTS.get(self.seed.split("_", 1)[0], self.seed)

    def __str__(self) -> str:
        return f"{self.seed}, {self.where}"


@dataclass(frozen=True)
class Formula:
    """The closed form a derivation proves, as data: ``name = expr`` in the parameters ``params``.

    Everything that prints or computes the formula reads it from here: the JSON output of
    ``gdflow derive``, the numeric evaluators in :mod:`gdflow.checks` (which lambdify
    ``spectral`` once and apply it to an eigen- or singular-value decomposition) and the
    grader's exact references (which instantiate ``expr``); the LaTeX document prints the step
    that proves it, whose right-hand side is ``expr`` itself.  ``step`` is the label of the
    step whose claim proves ``name = expr`` (its right-hand side, or a recurrence's solution,
    is ``expr`` itself); ``spectral_step`` is the label of the step proving the per-eigenvalue
    form.

    - ``name``: the quantity (``w^{(k)}``, ``w(t)``), a symbol or matrix symbol.
    - ``expr``: its closed form, a SymPy (matrix) expression in ``params``.
    - ``params``: the symbols the formula is a function of, in the order evaluators take them.
    - ``spectral``: the same formula along one eigendirection: a scalar expression in
      ``eigenvalue`` (and scalar stand-ins for the projected data), or None.
    - ``spectral_params``: the symbols of ``spectral``, in the order its lambdified function
      takes them (the eigenvalue first).
    """

    name: Basic
    expr: Basic
    params: tuple[Basic, ...] = ()
    step: str = ""
    spectral: Basic | None = None
    spectral_params: tuple[Basic, ...] = ()
    spectral_step: str = ""
    text: str = ""
    """The formula in words, for readers of the JSON output."""
    proof: tuple[str, ...] = ()
    """When ``step`` defines a candidate (``w(t) := ...``), the labels of the steps proving that
    the candidate is the quantity (it solves the ODE and starts at w0; it is the minimiser
    closest to w0): the formula is as strong as the weakest of them
    (:func:`gdflow.derive.report.formula_status`)."""

    def instantiate(self, values: Mapping[Basic, Any]) -> Any:
        """``expr`` with the parameters replaced by ``values``, evaluated: the grader's exact
        reference.  Matrix symbols take explicit matrices; plain numbers are read exactly
        (:func:`gdflow.derive.numbers.exact_number`: 0.1 is 1/10)."""
        missing = [p for p in self.params if p not in values]
        if missing:
            raise KeyError(f"formula for {self.name}: no value for {', '.join(map(str, missing))}")
        out = self.expr.xreplace({k: _exact_value(v) for k, v in values.items()})
        return out.doit()

    def spectral_function(self, modules: str = "numpy") -> Callable[..., Any]:
        """``spectral`` lambdified (arguments ``spectral_params``): the numeric evaluators'
        per-eigenvalue kernel.  Rewritten first with SymPy's ``expm1``/``log1p`` rules
        (``sympy.codegen.rewriting``): :math:`1 - e^{-\\lambda t}` becomes
        ``-expm1(-lambda*t)``, the same function without the cancellation that loses
        :math:`\\log_{10}(1/\\lambda t)` digits for tiny :math:`\\lambda t`.  Built once per
        formula and module set (cached), so evaluators share it."""
        return _spectral_function(self, modules)

    def _repr_latex_(self) -> str:
        """The formula for Jupyter: ``$$name = expr$$`` in the package's notation."""
        from .display import formula_latex

        return formula_latex(self)


def _exact_value(value: Any) -> Basic:
    """A value for :meth:`Formula.instantiate`: SymPy objects (matrices included) as they are,
    plain numbers exactly."""
    if isinstance(value, Basic | sp.MatrixBase):
        return sp.sympify(value)
    return exact_number(value)


@lru_cache(maxsize=128)
def _spectral_function(formula: Formula, modules: str) -> Callable[..., Any]:
    if formula.spectral is None:
        raise ValueError(f"formula for {formula.name} has no spectral (per-eigenvalue) form")
    stable = optimize(formula.spectral, [expm1_opt, log1p_opt])
    return sp.lambdify(formula.spectral_params, stable, modules=modules)


@dataclass(frozen=True)
class Derivation:
    """A derivation: id, title, source, assumptions, steps, and the result numeric code uses.

    ``result`` is the claim the derivation establishes (usually its last step's claim); numeric
    evaluators lambdify its right-hand side.  ``source_claims`` hold statements of the source
    that the package checked and found false (as :class:`Refuted` steps), reported apart from
    the package's own results.

    A derivation is frozen: ``steps`` and ``source_claims`` are stored as tuples, and
    :func:`gdflow.derive.verify.verify` returns a certified copy (``dataclasses.replace``)
    instead of changing this one.
    """

    id: str
    title: str
    source: Source
    assumptions: Assumptions
    steps: Sequence[Step]
    summary: str = ""
    result: Claim | None = None
    source_claims: Sequence[Step] = ()
    formulas: Mapping[str, Formula] = field(default_factory=dict)
    """The closed forms this derivation proves, by key (``"w"``, ``"mean"``, ``"variance"``)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "steps", tuple(self.steps))
        object.__setattr__(self, "source_claims", tuple(self.source_claims))
        if not self.steps:
            raise ValueError(f"derivation {self.id!r} has no steps")
        if self.result is None:
            object.__setattr__(self, "result", self.steps[-1].claim)

    @property
    def formula(self) -> Formula:
        """The derivation's one closed form (``KeyError`` when it has none or several)."""
        if len(self.formulas) != 1:
            raise KeyError(
                f"derivation {self.id!r} has formulas {sorted(self.formulas)}; use .formulas[key]"
            )
        return next(iter(self.formulas.values()))

    @property
    def all_steps(self) -> tuple[Step, ...]:
        """The steps, then the source claims."""
        return (*self.steps, *self.source_claims)

    def step(self, label: str) -> Step:
        """The step with this label; ``KeyError`` naming the labels there are."""
        for s in self.all_steps:
            if s.label == label:
                return s
        known = [s.label for s in self.all_steps if s.label]
        raise KeyError(f"derivation {self.id!r} has no step labelled {label!r}; labels: {known}")

    @property
    def verified(self) -> bool:
        """True when every step (and every recorded source claim) carries a passing certificate."""
        return all(step.verified for step in self.all_steps)

    def __repr__(self) -> str:
        """One line: ``<Derivation gd.closed_form: 6 steps, verified>``."""
        from .display import derivation_repr

        return derivation_repr(self)

    def _repr_latex_(self) -> str:
        """The derivation for Jupyter (MathJax): title, source, assumptions and each step with
        its reason and level mark, in one ``$$\\begin{aligned}`` block
        (:func:`gdflow.derive.display.derivation_latex`)."""
        from .display import derivation_latex

        return derivation_latex(self)

    def _repr_markdown_(self) -> str:
        """The derivation in Markdown: title, source, assumptions, summary, then each step's
        claim, reason and certificate (:func:`gdflow.derive.display.derivation_markdown`)."""
        from .display import derivation_markdown

        return derivation_markdown(self)
