"""gdflow's symbolic layer: derivations of gradient-descent dynamics, verified step by step.

>>> from gdflow import derive
>>> d = derive.get("gd.closed_form")
>>> d.verified
True
"""

from .catalogue import catalogue, get, ids
from .derivation import (
    Assumptions,
    Certificate,
    Definition,
    Derivation,
    Equivalent,
    Holds,
    Identity,
    Level,
    Method,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .latex import latex, render_derivation, render_document
from .matrices import MatExp, Pinv
from .report import Status
from .verify import verify, verify_claim

__all__ = [
    "catalogue",
    "get",
    "ids",
    "Assumptions",
    "Certificate",
    "Definition",
    "Derivation",
    "Equivalent",
    "Holds",
    "Identity",
    "Level",
    "Method",
    "Recurrence",
    "Refuted",
    "Source",
    "Step",
    "Status",
    "latex",
    "render_derivation",
    "render_document",
    "MatExp",
    "Pinv",
    "verify",
    "verify_claim",
]
