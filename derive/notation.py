"""Shared symbols, so every derivation, printer and evaluator speaks of the same objects.

Sizes are symbolic (``n``, ``N``, ``D``); matrices and vectors are ``MatrixSymbol`` s whose
names follow the printer's convention (``gdflow.derive.latex.render_name``): ``w^(k)`` is the k-th
iterate, ``~`` marks eigenbasis coordinates, ``_star`` a minimiser.

Loss scales (DESIGN.md, conventions): 001 writes :math:`J = \\frac{1}{2N}\\|\\Phi w - t\\|^2`
(``A = Φ^T Φ / N``, ``b = -Φ^T t / N``); 000 writes :math:`L = \\frac12\\|Xw - y\\|^2`
(``K = X X^T``).  Functions take the scale explicitly.
"""

from __future__ import annotations

import sympy as sp

__all__ = [
    "n",
    "N",
    "D",
    "k",
    "j",
    "t",
    "alpha",
    "eps",
    "lam",
    "A",
    "b",
    "c",
    "w",
    "v",
    "w0",
    "wk",
    "winf",
    "s",
    "Q",
    "Dg",
    "T",
    "I",
    "Phi",
    "tt",
    "a_j",
    "bt_j",
    "wt0_j",
    "wt_j",
    "wstar_j",
    "x_j",
    "a_max",
    "a_min",
    "kappa",
]

# sizes and indices
n = sp.Symbol("n", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
D = sp.Symbol("D", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
j = sp.Symbol("j", integer=True, positive=True)

# scalars
t = sp.Symbol("t", nonnegative=True)  # time (gradient flow)
alpha = sp.Symbol("alpha", positive=True)  # learning rate
eps = sp.Symbol("epsilon", real=True)
lam = sp.Symbol("lambda", positive=True)  # ridge strength

# the quadratic J(w) = 1/2 w^T A w + b^T w + c on R^n
A = sp.MatrixSymbol("A", n, n)
b = sp.MatrixSymbol("b", n, 1)
c = sp.MatrixSymbol("c", n, 1)  # b = A c puts b in range(A)
w = sp.MatrixSymbol("w", n, 1)
v = sp.MatrixSymbol("v", n, 1)
w0 = sp.MatrixSymbol("w^(0)", n, 1)
wk = sp.MatrixSymbol("w^(k)", n, 1)
winf = sp.MatrixSymbol("w^(inf)", n, 1)
s = sp.MatrixSymbol("s", n, 1)
Q = sp.MatrixSymbol("Q", n, n)
Dg = sp.MatrixSymbol("D", n, n)
T = sp.MatrixSymbol("T", n, n)
I = sp.Identity(n)

# least squares, rows of Phi are data points (N x D)
Phi = sp.MatrixSymbol("Phi", N, D)
tt = sp.MatrixSymbol("t", N, 1)

# one eigendirection: curvature a_j = \tilde a_j >= 0, \tilde b_j, \tilde w_j
a_j = sp.Symbol("a~_j", nonnegative=True)
bt_j = sp.Symbol("b~_j", real=True)
wt0_j = sp.Symbol("w~_j^(0)", real=True)
wt_j = sp.Symbol("w~_j^(k)", real=True)
wstar_j = sp.Symbol("w~_star,j", real=True)
x_j = sp.Symbol("x", positive=True)  # the product alpha * a_j for a_j > 0
a_max = sp.Symbol("a~_max", positive=True)
a_min = sp.Symbol("a~_min", positive=True)
kappa = sp.Symbol("kappa", positive=True)

# gradient flow on least squares (000): L = 1/2 ||X w - y||^2, rows of X are data, K = X X^T
X = sp.MatrixSymbol("X", N, D)
y = sp.MatrixSymbol("y", N, 1)
K = sp.MatrixSymbol("K", N, N)
eta = sp.Symbol("eta", positive=True)  # learning rate of 002
__all__ += ["X", "y", "K", "eta"]
