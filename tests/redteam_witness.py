"""Independent witnesses for the red-team suite (tests/test_redteam.py).

Nothing here imports the package's verifier or its samplers: matrices are drawn with
``numpy.random.default_rng`` and built to the stratum a case needs (singular symmetric,
rank-deficient, orthogonal with eigenvalue -1, ...); expressions are evaluated in float64 by
:func:`ev`, a small evaluator of SymPy matrix expressions written on numpy / scipy
(``numpy.linalg.pinv`` for ``Pinv``, ``scipy.linalg.expm`` for ``MatExp``), so that what a
witness says about a claim shares no code with the engine that decides it.  The package's node
classes are recognised by their class name only.
"""

from __future__ import annotations

import cmath

import numpy as np
import scipy.linalg
import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixExpr


class Undefined(Exception):
    """A side has no value at the instance (a singular inverse, a division by zero)."""


# -- matrices drawn for witnesses -------------------------------------------------------------


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded from a case name (stable across runs and processes)."""
    import zlib

    return np.random.default_rng(zlib.crc32(name.encode()) + 12345)


def any_matrix(rng, m: int, n: int, rank: int | None = None) -> np.ndarray:
    """An m x n Gaussian matrix of the given rank (default full), not normal in general."""
    r = min(m, n) if rank is None else rank
    if r == 0:
        return np.zeros((m, n))
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def orthogonal(rng, n: int, minus_one: bool = False) -> np.ndarray:
    """A Haar-like orthogonal matrix; with ``minus_one`` one with eigenvalue -1 (a reflection
    composed with nothing that removes it: Q = H R where R is a rotation in the orthogonal
    complement of the reflected direction)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(r))
    if not minus_one:
        return q
    # U diag(-1, R') U^T with R' a rotation block: eigenvalue -1 exactly
    u, _ = np.linalg.qr(rng.standard_normal((n, n)))
    inner, _ = np.linalg.qr(rng.standard_normal((n - 1, n - 1)))
    block = np.zeros((n, n))
    block[0, 0] = -1.0
    block[1:, 1:] = inner
    return u @ block @ u.T


def symmetric(rng, n: int, rank: int | None = None, signs: str = "mixed") -> np.ndarray:
    """A symmetric n x n matrix of the given rank with eigenvalues of mixed sign ("mixed"),
    positive ("psd") or ``signs`` given as explicit eigenvalues via :func:`with_eigenvalues`."""
    r = n if rank is None else rank
    vals = np.zeros(n)
    mags = rng.uniform(0.5, 3.0, size=r)
    if signs == "mixed":
        mags = mags * np.where(np.arange(r) % 2 == 0, 1.0, -1.0)
    vals[:r] = mags
    return with_eigenvalues(rng, vals)


def with_eigenvalues(rng, values) -> np.ndarray:
    """Q diag(values) Q^T with a random orthogonal Q."""
    q = orthogonal(rng, len(values))
    return q @ np.diag(np.asarray(values, dtype=float)) @ q.T


def psd(rng, n: int, rank: int | None = None) -> np.ndarray:
    return symmetric(rng, n, rank, signs="psd")


# -- evaluation of SymPy expressions in float64 ---------------------------------------------


def _is_matrix(e) -> bool:
    return bool(getattr(e, "is_Matrix", False))


def _size(d, env) -> int:
    return int(
        sp.sympify(d).xreplace({k: sp.Integer(v) for k, v in env.items() if isinstance(v, int)})
    )


def _scalar_env(env) -> dict:
    out = {}
    for k, v in env.items():
        if isinstance(k, sp.Symbol):
            out[k] = (
                sp.Integer(v)
                if isinstance(v, int)
                else sp.Float(v, 30)
                if isinstance(v, float)
                else sp.sympify(v)
            )
    return out


def _inv(m: np.ndarray) -> np.ndarray:
    if m.shape[0] != m.shape[1]:
        raise Undefined("inverse of a non-square matrix")
    s = np.linalg.svd(m, compute_uv=False)
    if s.size and s[-1] <= 1e-10 * max(1.0, s[0]):
        raise Undefined(f"inverse of a singular matrix (smallest singular value {s[-1]:.2e})")
    return np.linalg.inv(m)


_CMATH = {
    "exp": "exp",
    "cosh": "cosh",
    "sinh": "sinh",
    "cos": "cos",
    "sin": "sin",
    "log": "log",
    "tanh": "tanh",
}


def ev(e, env: dict):
    """Evaluate ``e`` at ``env`` (symbols and MatrixSymbols to numbers and numpy arrays, size
    symbols to ints).  Matrices come back as 2-D arrays, scalars as complex numbers.  Raises
    :class:`Undefined` where a side has no value."""
    if isinstance(e, sp.MatrixSymbol) and e in env:
        return np.asarray(env[e], dtype=float)
    name = type(e).__name__
    if name == "TimeDerivative" or isinstance(e, sp.Derivative):
        return _central_difference(
            e.args[0], e.args[1][0] if isinstance(e, sp.Derivative) else e.args[1], env
        )
    if name == "MatrixLimit":
        return _limit(e.args[0], e.args[1], e.args[2], env)
    if _is_matrix(e):
        if isinstance(e, sp.MatrixSymbol):
            raise KeyError(f"no value for the matrix {e}")
        if isinstance(e, sp.Identity):
            return np.eye(_size(e.rows, env))
        if isinstance(e, sp.ZeroMatrix):
            return np.zeros((_size(e.rows, env), _size(e.cols, env)))
        if isinstance(e, sp.MatrixBase):
            return np.array([[complex(ev(x, env)) for x in row] for row in e.tolist()]).real
        if isinstance(e, sp.MatAdd):
            vals = [ev(a, env) for a in e.args]
            out = vals[0]
            for v in vals[1:]:
                out = out + v
            return out
        if isinstance(e, sp.MatMul):
            out = None
            for a in e.args:
                v = _num(ev(a, env))
                if out is None:
                    out = v
                elif np.ndim(out) == 2 and np.ndim(v) == 2:
                    out = out @ v
                else:
                    out = out * v
            return _real(out)
        if isinstance(e, sp.MatPow):
            base = ev(e.args[0], env)
            p = int(ev(e.args[1], env).real)
            if p < 0:
                return np.linalg.matrix_power(_inv(base), -p)
            return np.linalg.matrix_power(base, p)
        if isinstance(e, sp.Transpose):
            return ev(e.args[0], env).T
        if isinstance(e, sp.Inverse):
            return _inv(ev(e.args[0], env))
        if name == "Pinv":
            return np.linalg.pinv(ev(e.args[0], env), rcond=1e-10)
        if name == "MatExp":
            return scipy.linalg.expm(ev(e.args[0], env))
        raise NotImplementedError(f"no float evaluation for {name}")
    # scalars
    if not e.has(MatrixExpr):
        v = sp.N(e.xreplace(_scalar_env(env)), 30)
        if v.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise Undefined(f"{e} is not finite at this instance")
        if v.free_symbols:
            raise KeyError(f"no value for {v.free_symbols}")
        return complex(v)
    if isinstance(e, sp.Add):
        return sum(ev(a, env) for a in e.args)
    if isinstance(e, sp.Mul):
        out = 1
        for a in e.args:
            out = out * ev(a, env)
        return out
    if isinstance(e, sp.Pow):
        return ev(e.args[0], env) ** ev(e.args[1], env).real
    if isinstance(e, sp.Function) and len(e.args) == 1 and type(e).__name__ in _CMATH:
        return getattr(cmath, _CMATH[type(e).__name__])(ev(e.args[0], env))
    if isinstance(e, sp.Trace):
        return complex(np.trace(ev(e.args[0], env)))
    if isinstance(e, sp.Determinant):
        return complex(np.linalg.det(ev(e.args[0], env)))
    raise NotImplementedError(f"no float evaluation for {name}")


def _central_difference(inner, var, env, h: float = 1e-5):
    """d/dvar of ``inner`` at ``env[var]`` by a central difference (float witnesses)."""
    at = float(complex(env[var]).real)
    up = ev(inner, {**env, var: at + h})
    down = ev(inner, {**env, var: at - h})
    return (np.asarray(up) - np.asarray(down)) / (2 * h)


def _limit(inner, var, point, env):
    """A one-sided limit from the right, read off two evaluations close to the point (each
    case's witness keeps its spectra well away from the scales used here)."""
    if point == sp.oo:
        near, nearer = 2e3, 4e3
    else:
        near, nearer = float(point) + 1e-7, float(point) + 5e-8
    a = np.asarray(ev(inner, {**env, var: near}))
    b = np.asarray(ev(inner, {**env, var: nearer}))
    if np.max(np.abs(a - b), initial=0.0) > 1e-5 * max(1.0, float(np.max(np.abs(b), initial=0.0))):
        raise Undefined("the limit has not settled")
    return b


def _num(v):
    """A complex scalar with no imaginary part as a float (matrices unchanged)."""
    if isinstance(v, complex) and abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)):
        return v.real
    return v


def _real(v):
    if isinstance(v, np.ndarray) and np.iscomplexobj(v):
        if np.max(np.abs(v.imag), initial=0.0) > 1e-9 * max(
            1.0, np.max(np.abs(v.real), initial=0.0)
        ):
            raise Undefined("complex matrix")
        return v.real
    return v


def agree(lhs, rhs, env: dict, rtol: float = 1e-7) -> bool:
    """Whether the two sides have the same value at ``env`` (relative to their size).  A side
    that is undefined where the other is defined disagrees; both undefined agree."""
    try:
        lv = ev(lhs, env)
    except Undefined:
        lv = None
    try:
        rv = ev(rhs, env)
    except Undefined:
        rv = None
    if lv is None or rv is None:
        return lv is None and rv is None
    lv, rv = np.asarray(lv), np.asarray(rv)
    if lv.shape != rv.shape:
        if lv.ndim == 0 and np.all(lv == 0):
            lv = np.zeros(rv.shape)
        elif rv.ndim == 0 and np.all(rv == 0):
            rv = np.zeros(lv.shape)
        else:
            return False
    scale = max(1.0, float(np.max(np.abs(lv), initial=0.0)), float(np.max(np.abs(rv), initial=0.0)))
    return bool(np.max(np.abs(lv - rv), initial=0.0) <= rtol * scale)
