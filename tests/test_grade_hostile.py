"""A corpus of hostile answers: every one is `invalid`, nothing is executed
(a canary file that any injection would create stays absent), and the batch never stops."""

import json
import os
import signal
import time

import pytest

from gdflow.checks.grade.grader import result
from gdflow.checks.grade.runner import grade_class
from gdflow.checks.grade.spec import loads_spec
from gdflow.checks.grade.worker import Task, run_tasks

SPEC = """
title = "hostile"
[defaults]
timeout = 4
[[question]]
id = "e"
kind = "expression"
reference = "(1 - alpha*a)^(2*k)"
assume = ["alpha > 0", "a > 0", "k >= 0 integer"]
[[question]]
id = "m"
kind = "fixed_point"
A = [[1, 1], [1, 1]]
b = [-2, -2]
start = [3, 1]
"""


def corpus(canary: str) -> list[str]:
    c = canary
    return [
        f"__import__('os').system('touch {c}')",
        f"open('{c}', 'w')",
        f"exec(\"open('{c}', 'w')\")",
        f"eval(\"open('{c}', 'w')\")",
        f"(lambda: open('{c}', 'w'))()",
        f"lambda: open('{c}', 'w')",
        f"[open('{c}', 'w') for _ in 'x']",
        f"f\"{{open('{c}', 'w')}}\"",
        f"alpha if open('{c}', 'w') else a",
        "().__class__.__base__.__subclasses__()",
        "alpha.__class__",
        "A.__init__.__globals__",
        "getattr(alpha, '__class__')",
        "__builtins__",
        "import os",
        f"sympify(\"open('{c}', 'w')\")",
        "Symbol('x')",
        "alpha[0]",
        "{'a': 1}",
        "alpha := 1",
        f"$\\input{{{c}}}$",
        f"$\\write18{{touch {c}}}$",
        f"\\immediate\\write18{{touch {c}}}",
        "$\\def\\a{\\a}\\a$",
        "$\\csname alpha\\endcsname$",
        "$\\catcode`\\^=12$",
        f"\\openout1={c}",
        "\\newcommand{\\x}{1}",
        "9**9**9**9",
        "10^10^10",
        "2**2**2**2**2**2",
        "$10^{10^{10}}$",
        "factorial(100000)",
        "$100000!$",
        "1e99999",
        "x" * 100_000,
        "(" * 500 + "1" + ")" * 500,
        "-" * 1000 + "1",
        "[" * 300 + "1" + "]" * 300,
        "аlpha",  # Cyrillic a
        "alpha\u202e",  # right-to-left override
        "al\u200dpha",  # zero-width joiner
        "alpha\x00",
        "ａｌｐｈａ",  # full-width letters
        "1/0",
        "$\\frac{1}{0}$",
        "0**-1",
        "[[2, 1], [1, 2]]^1000000",
        "[[2, 1], [1, 2]]^-1000000",  # a negative exponent is bounded too
        "factorial(factorial(3000))",  # the inner n! is within bounds, the outer is not
        "(170!)!",
        "$\\begin{bmatrix}2 & 1\\\\ 1 & 2\\end{bmatrix}^{10^{6}}$",
        "$\\binom{10^{6}}{500000}$",
        "$\\int_0^1 x dx$",
        "$\\sum_{i=1}^{10^{9}} i$",
        "$\\lim_{x \\to 0} x$",
        "$" + "\\sqrt" * 150 + "{4}$",  # nesting without braces: bounded in the lowering
        "$x^" + "-" * 500 + "1$",
        "$" + "{" * 300 + "1" + "}" * 300 + "$",
        "$" + "|" * 400 + "$",
    ]


NASTY_BUT_VALID = [
    "exp(exp(exp(exp(100))))",
    "(1 - alpha*a)^1000",
    "sin(10^400)",
    "exp(exp(exp(exp(10))))",
    "sin(10^9999)",  # printing 10^9999 in decimal is refused by Python: must not be an error
]


@pytest.fixture(scope="module")
def spec():
    return loads_spec(SPEC)


def test_corpus_is_refused_executes_nothing_and_the_batch_goes_on(spec, tmp_path):
    canary = str(tmp_path / "canary")
    rows = [(f"h{i:03d}", "e", text) for i, text in enumerate(corpus(canary))]
    rows += [(f"m{i:03d}", "m", text) for i, text in enumerate(corpus(canary)[:20])]
    rows += [(f"v{i}", "e", text) for i, text in enumerate(NASTY_BUT_VALID)]
    rows += [("last", "e", "((1 - alpha*a)^2)^k")]  # a right answer after all of that
    out = tmp_path / "out.jsonl"
    counts = grade_class(spec, rows, str(out), "jsonl", jobs=2, memory_mb=512)
    assert not os.path.exists(canary)
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == len(rows) == sum(counts.values())
    by = {r["student"]: r for r in recs}
    for r in recs:
        if r["student"][0] in "hm":
            # refused by the bounds before any work (each well under 0.5 s, also the long and
            # the tower rows: length and digit estimates), so never a timeout
            assert r["verdict"] == "invalid", r
            assert r["feedback"]
    # a tower of exponentials is read, but its value cannot be enclosed in any finite interval:
    # invalid, with why (it was an `error`, then a timeout)
    for tower in ("v0", "v3"):
        assert by[tower]["verdict"] == "invalid", by[tower]
        assert "overflows" in by[tower]["feedback"] and by[tower]["method"] == "overflow"
    assert by["v1"]["verdict"] == by["v2"]["verdict"] == by["v4"]["verdict"] == "incorrect", (
        by["v1"],
        by["v2"],
        by["v4"],
    )
    assert not [r for r in recs if r["verdict"] == "error"]
    assert by["last"]["verdict"] == "correct"


def _sleep_forever():
    while True:
        time.sleep(0.05)


def _eat_memory():
    hog = []
    while True:
        hog.append(bytearray(50 * 1024 * 1024))


def _crash():
    os.kill(os.getpid(), signal.SIGSEGV)


def _fine():
    return result("s", "q", "ok", "correct", "correct")


def test_worker_kills_at_timeout_bounds_memory_and_survives_crashes():
    tasks = [
        Task("s", "q", "loop", 1.0, _sleep_forever),
        Task("s", "q", "mem", 10.0, _eat_memory),
        Task("s", "q", "crash", 5.0, _crash),
        Task("s", "q", "ok", 5.0, _fine),
    ]
    t0 = time.monotonic()
    out = {r["answer"]: r for r in run_tasks(tasks, jobs=2, memory_mb=256)}
    assert time.monotonic() - t0 < 8
    assert out["loop"]["verdict"] == "timeout" and "longer than 1 s" in out["loop"]["feedback"]
    assert out["mem"]["verdict"] == "timeout" and "memory" in out["mem"]["feedback"]
    assert out["crash"]["verdict"] == "error" and "exit code" in out["crash"]["feedback"]
    assert out["ok"]["verdict"] == "correct"


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from gdflow.checks.grade.parse import DomainAnswerError, ParseError, Scope, parse_answer  # noqa: E402

_TOKENS = [
    "x",
    "alpha",
    "a",
    "A",
    "b",
    "I",
    "k",
    "1",
    "2",
    "0",
    "0.5",
    "9",
    "+",
    "-",
    "*",
    "/",
    "^",
    "**",
    "(",
    ")",
    "[",
    "]",
    ",",
    "!",
    "=",
    "<",
    "<=",
    " ",
    "sqrt(",
    "exp(",
    "inv(",
    "pinv(",
    "\\frac{",
    "}{",
    "}",
    "{",
    "$",
    "\\alpha",
    "\\cdot",
    "\\left(",
    "\\right)",
    "\\begin{bmatrix}",
    "\\end{bmatrix}",
    "&",
    "\\\\",
    "e",
    "oo",
    "__",
    ".",
    "'",
    "lambda",
    "α",
    "²",
    "−",
    "а",
    "\u200b",
    "|",
    "_",
    "^{",
    "\\sqrt",
    "\\sqrt[",
    "\\sin",
    "\\log_",
    "\\in",
    "\\top",
    "\\le",
    "in",
    "f(",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), min_size=1, max_size=14).map("".join))
def test_fuzzed_answers_are_read_or_refused_never_crash(text):
    import sympy as sp

    scope = Scope(
        symbols={
            "x": sp.Symbol("x", real=True),
            "alpha": sp.Symbol("alpha", positive=True),
            "a": sp.Symbol("a", real=True),
            "k": sp.Symbol("k", integer=True, nonnegative=True),
        },
        matrices={"A": sp.Matrix([[2, 0], [0, 0]]), "b": sp.Matrix([1, 0])},
        dimension=2,
    )
    for expect in ("any", "set"):
        try:
            parse_answer(text, scope, expect)
        except (ParseError, DomainAnswerError):
            pass
