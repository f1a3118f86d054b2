"""Gradient descent commutes with rigid changes of coordinates, and not with general linear ones.

Source: 001 §2.1, eq 6–8.  With :math:`\\mathcal{T}(\\mathbf{w}) = \\mathbf{Q}^\\top(\\mathbf{w} -
\\mathbf{s})`, Q orthogonal, and :math:`\\tilde J(\\tilde{\\mathbf{w}}) =
J(\\mathbf{Q}\\tilde{\\mathbf{w}}
+ \\mathbf{s})`, GD on :math:`\\tilde J` from :math:`\\mathcal{T}(\\mathbf{w}^{(0)})` produces
:math:`\\mathcal{T}(\\mathbf{w}^{(k)})`.  (001 writes the shift as t; here it is s, since t is the
target vector.)  For a general invertible T the chain rule brings :math:`\\mathbf{T}^\\top`
where the map needs :math:`\\mathbf{T}^{-1}`, and invariance fails: the derivation carries an
exact counterexample found by search.
"""

from __future__ import annotations

import sympy as sp

from .derivation import Assumptions, Definition, Derivation, Identity, Refuted, Source, Step
from .notation import A, Q, T, alpha, eps, s, v, w
from .quadratic import gradient_expr, objective_expr

__all__ = ["rigid_invariance", "DERIVATIONS"]

SOURCE = "001_76f73b0c2cfaffb7.txt"


def rigid_invariance() -> Derivation:
    """``gd.rigid_invariance``: T(GD step) = GD step of J̃ at T(w) for rigid T (001 eq 6–8)."""
    wt = sp.MatrixSymbol("w~", *w.shape)
    step_w = w - alpha * gradient_expr(w)
    grad_tilde = Q.T * gradient_expr(Q * wt + s)
    coords = Assumptions(definitions={wt: Q.T * (w - s)})
    general = Assumptions(matrices={T: "invertible"}, definitions={wt: T.I * (w - s)})
    steps = [
        Step(
            Definition(wt, Q.T * (w - s)),
            "the rigid change of coordinates $\\mathcal{T}$ (eq 6, which writes $w^{(0)}$ "
            "for $w$, a typo); its inverse is $Q\\tilde w + s$ (eq 7)",
        ),
        Step(
            Identity(Q * (Q.T * (w - s)) + s, w),
            "$\\mathcal{T}^{-1}(\\mathcal{T}(w)) = w$ since $QQ^T = I$",
        ),
        Step(
            Identity(
                objective_expr(Q * (wt + eps * v) + s),
                objective_expr(Q * wt + s)
                + eps * v.T * grad_tilde
                + eps**2 / 2 * (v.T * Q.T * A * Q * v),
            ),
            "chain rule for $\\tilde J(\\tilde w) = J(Q\\tilde w + s)$ (eq 8): the $\\epsilon$ "
            "coefficient along v gives $\\nabla\\tilde J(\\tilde w) = Q^T \\nabla J(Q\\tilde w + "
            "s)$",
        ),
        Step(
            Identity(grad_tilde, Q.T * gradient_expr(w)),
            "at $\\tilde w = \\mathcal{T}(w)$ the transformed gradient is $Q^T\\nabla J(w)$",
            given=coords,
        ),
        Step(
            Identity(wt - alpha * grad_tilde, Q.T * (step_w - s)),
            "inductive step: a GD step on $\\tilde J$ from $\\mathcal{T}(w^{(k)})$ lands on "
            "$\\mathcal{T}(w^{(k+1)})$; with $\\tilde w^{(0)} = \\mathcal{T}(w^{(0)})$, induction "
            "gives $\\tilde w^{(k)} = \\mathcal{T}(w^{(k)})$",
            given=coords,
        ),
    ]
    source_claims: list[Step] = []
    counter = [
        Step(
            Refuted(wt - alpha * T.T * gradient_expr(T * wt + s), T.I * (step_w - s)),
            "for a general invertible T, with $\\mathcal{T}(w) = T^{-1}(w - s)$, the chain rule "
            "gives $T^T\\nabla J$ and the step no longer maps to $\\mathcal{T}(w^{(k+1)})$ (the "
            "hint after eq 8)",
            given=general,
        )
    ]
    return Derivation(
        id="gd.rigid_invariance",
        title="Invariance of gradient descent under rigid transformations",
        source=Source(SOURCE, "§2.1, eq 6-8"),
        assumptions=Assumptions(
            matrices={Q: "orthogonal", A: "symmetric"},
            text=("$Q$ orthogonal, $s$ any shift, $A$ symmetric",),
        ),
        steps=steps + counter,
        source_claims=source_claims,
        result=steps[-1].claim,
        summary=(
            "Rotating, reflecting or translating the weights commutes with gradient descent; a "
            "general linear change of coordinates does not."
        ),
    )


DERIVATIONS = [rigid_invariance]
