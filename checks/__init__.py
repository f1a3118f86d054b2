"""gdflow's numeric layer: real gradient-descent iterations, fast closed-form evaluators
lambdified from the derivations, hypothesis strategies and the registry of property checks.

Layer rule: ``checks`` imports ``derive``, never the reverse.

- :mod:`gdflow.checks.simulate`   GD iterations in float64 and mpmath; input validation
- :mod:`gdflow.checks.numeric`    closed forms from one eigendecomposition (any rank, k = inf)
- :mod:`gdflow.checks.strategies` hypothesis strategies (PSD, rank-deficient, ill-conditioned,
  alpha at 2/a_max)
- :mod:`gdflow.checks.properties` named property checks, ``run_checks`` and ``format_results``
"""

from .numeric import (
    CASES,
    CONVERGING_CASES,
    Iterates,
    LossCurve,
    NoLimitError,
    eigenbasis,
    eigendirections,
    gd_iterates,
    gd_loss,
    least_squares_iterates,
    limit_point,
    step_size_cases,
)
from .simulate import (
    Trajectory,
    gd_trajectory,
    gd_trajectory_mp,
    least_squares_b_rounding,
    least_squares_quadratic,
    quadratic_value,
    validate_quadratic,
)

_LAZY_NAMES = (
    "PROPERTIES",
    "PROPERTY_MODULES",
    "Property",
    "PropertyResult",
    "format_results",
    "load_properties",
    "register",
    "run_checks",
)
"""Names of :mod:`gdflow.checks.properties` exported here and imported on first use."""

__all__ = [
    # closed forms
    "CASES",
    "CONVERGING_CASES",
    "Iterates",
    "LossCurve",
    "NoLimitError",
    "eigenbasis",
    "eigendirections",
    "gd_iterates",
    "gd_loss",
    "least_squares_iterates",
    "limit_point",
    "step_size_cases",
    # property checks (imported lazily, see __getattr__)
    *_LAZY_NAMES,
    # iterations
    "Trajectory",
    "gd_trajectory",
    "gd_trajectory_mp",
    "least_squares_b_rounding",
    "least_squares_quadratic",
    "quadratic_value",
    "validate_quadratic",
]

_LAZY = {name: "properties" for name in _LAZY_NAMES}


def __getattr__(name: str) -> object:
    """The property registry and the grader are imported on first use (they pull in
    hypothesis and scipy)."""
    import importlib

    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name == "grade":
        return importlib.import_module(f"{__name__}.grade")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
