"""gdflow's numeric layer: real gradient-descent iterations, fast closed-form evaluators
lambdified from the derivations, hypothesis strategies and the registry of property checks.

Layer rule: ``checks`` imports ``derive``, never the reverse.
"""

from .numeric import (
    CASES,
    NoLimitError,
    eigendirections,
    gd_iterates,
    gd_loss,
    limit_point,
    step_size_cases,
)
from .simulate import gd_trajectory, gd_trajectory_mp, least_squares_quadratic, validate_quadratic

__all__ = [
    "CASES",
    "NoLimitError",
    "eigendirections",
    "gd_iterates",
    "gd_loss",
    "limit_point",
    "step_size_cases",
    "gd_trajectory",
    "gd_trajectory_mp",
    "least_squares_quadratic",
    "validate_quadratic",
]
