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
    Formula,
    Holds,
    Identity,
    Level,
    Method,
    Recurrence,
    Refuted,
    Source,
    Step,
)
from .eigencases import StepCase
from .latex import latex, render_derivation, render_document
from .matrices import MatExp, Pinv
from .numbers import exact_number
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
    "Formula",
    "Holds",
    "Identity",
    "Level",
    "Method",
    "Recurrence",
    "Refuted",
    "Source",
    "Step",
    "Status",
    "StepCase",
    "exact_number",
    "latex",
    "render_derivation",
    "render_document",
    "MatExp",
    "Pinv",
    "verify",
    "verify_claim",
]
