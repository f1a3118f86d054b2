"""Grading a whole class (issue 14): one bad row never stops the class, spec errors name the
question, key and entry without computing, answers are timed by CPU in a reused pool of
workers, and the terminal output is readable."""

import io
import json

import pytest

from gdflow.checks.grade.cli import main
from gdflow.checks.grade.runner import FIELD_LIMIT, Row, grade_class, read_answers
from gdflow.checks.grade.spec import loads_spec

SPEC = """
title = "class"
[defaults]
timeout = 5
[[question]]
id = "1"
kind = "gd_step"
objective = "x**2 - 4*x + 5"
variables = ["x"]
start = [0]
learning_rate = "0.1"
[[question]]
id = "2"
kind = "gd_step"
start = [1, 2]
gradient = [2.5, -1.2]
learning_rate = 0.1
"""


@pytest.fixture(scope="module")
def spec():
    return loads_spec(SPEC)


def _class_file(tmp_path):
    """A class CSV (CRLF line ends) with a cell that is not UTF-8, a cell longer than the CSV
    field limit, a CRLF inside a quoted cell, a row with too few cells and good rows."""
    p = tmp_path / "class.csv"
    p.write_bytes(
        b"student,question,answer\r\n"
        b"ann,1,0.4\r\n"
        b'bob,1,"0.4 caf\xe9"\r\n'
        b'cid,2,"[0.75,\r\n 2.12]"\r\n'
        b"dan,1," + b"9" * (FIELD_LIMIT + 10) + b"\r\n"
        b"eve,1,-0.4\r\n"
        b"fay,1\r\n"
        b'gus,2,"[0.75, 2.12]"\r\n'
    )
    return p


def test_read_answers_keeps_every_row_and_names_the_bad_ones(tmp_path):
    rows = read_answers(_class_file(tmp_path))
    assert [r[0] for r in rows] == ["ann", "bob", "cid", "dan", "eve", "fay", "gus"]
    by = {r[0]: r for r in rows}
    assert all(isinstance(r, Row) for r in rows)
    # a row is a (student, question, answer) tuple: it compares and unpacks as one
    assert by["ann"] == ("ann", "1", "0.4") and by["ann"].problem is None
    assert by["bob"].problem.startswith("line 3 (student 'bob'):")
    assert "UTF-8" in by["bob"].problem and "0xE9" in by["bob"].problem
    # the CRLF inside the quoted cell is a line break of the answer, the row is fine
    assert by["cid"].problem is None and by["cid"][2] == "[0.75,\n 2.12]" and by["cid"].line == 4
    assert by["dan"].problem.startswith("line 6 (student 'dan'):")
    assert str(FIELD_LIMIT) in by["dan"].problem
    assert by["fay"].problem.startswith("line 8 (student 'fay'):")
    assert by["gus"].line == 9 and by["gus"].problem is None


def test_a_class_with_bad_rows_is_graded_row_by_row(spec, tmp_path):
    rows = read_answers(_class_file(tmp_path))
    buf = io.StringIO()
    counts = grade_class(spec, rows, None, "jsonl", stdout=buf, log=io.StringIO())
    recs = {r["student"]: r for r in map(json.loads, buf.getvalue().splitlines())}
    assert set(recs) == {"ann", "bob", "cid", "dan", "eve", "fay", "gus"}
    assert "error" not in counts
    assert {s: recs[s]["verdict"] for s in recs} == {
        "ann": "correct",
        "bob": "invalid",
        "cid": "correct",
        "dan": "invalid",
        "eve": "incorrect",
        "fay": "invalid",
        "gus": "correct",
    }
    assert "line 3" in recs["bob"]["feedback"] and "bob" in recs["bob"]["feedback"]
    assert "line 6" in recs["dan"]["feedback"]
    assert len(recs["dan"]["answer"]) < 300  # the record keeps a short head of the huge cell


def test_cli_grades_a_class_with_a_bad_row_and_exits_0(tmp_path, capsys):
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out.jsonl"
    assert main([str(spec), str(_class_file(tmp_path)), "-o", str(out)]) == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == 7 and not [r for r in recs if r["verdict"] == "error"]
    # a rerun finds all seven (the unreadable rows too) and grades nothing
    capsys.readouterr()
    assert main([str(spec), str(_class_file(tmp_path)), "-o", str(out)]) == 0
    assert len(out.read_text().splitlines()) == 7
    assert "7 of the 7 answer(s) are already graded" in capsys.readouterr().err


# ------------------------------------------------------------------------------ spec errors


def _spec(kind, body):
    return f'title = "t"\n[[question]]\nid = "q"\nkind = "{kind}"\n{body}\n'


def _errors(text):
    from gdflow.checks.grade.fields import SpecError

    with pytest.raises(SpecError) as info:
        loads_spec(text)
    return info.value.errors


@pytest.fixture
def no_slow_reference(monkeypatch):
    """The refusals below come from bound checks, not from running out of time: the deadline
    is made to fail the test if it ever fires."""
    import gdflow.checks.grade.spec as spec_module
    from gdflow.derive.timebox import OutOfTime

    class Never(OutOfTime):
        pass

    def fail(*a, **kw):
        raise AssertionError("the reference computation ran out of time instead of a bound")

    monkeypatch.setattr(spec_module, "REFERENCE_SECONDS", 60.0)
    real = spec_module.deadline

    from contextlib import contextmanager

    @contextmanager
    def guarded(seconds):
        try:
            with real(seconds):
                yield
        except OutOfTime:
            fail()

    monkeypatch.setattr(spec_module, "deadline", guarded)


CFI = "A = {A}\nb = {b}\nstart = {w}\nlearning_rate = {lr}\n"


@pytest.mark.parametrize(
    ("body", "key", "entry"),
    [
        (
            CFI.format(A="[[1, nan], [nan, 1]]", b="[0, 0]", w="[0, 0]", lr="0.1"),
            "A",
            "row 1, column 2",
        ),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, inf]", w="[0, 0]", lr="0.1"), "b", "entry 2"),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, -inf]", lr="0.1"), "start", "entry 2"),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, 0]", lr='"nan"'), "learning_rate", ""),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, 0]", lr='"inf"'), "learning_rate", ""),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, 0]", lr="nan"), "learning_rate", ""),
        (CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, 0]", lr='"eta"'), "learning_rate", ""),
        (
            CFI.format(A="[[1, 0], [0, " + "7" * 5000 + "]]", b="[0, 0]", w="[0, 0]", lr="0.1"),
            "A",
            "row 2, column 2",
        ),
        (CFI.format(A="[[1, 0], [0, 1]]", b='["1e400", 0]', w="[0, 0]", lr="0.1"), "b", "entry 1"),
        (
            CFI.format(A="[[1, 0], [0, 1]]", b="[0, 0]", w="[0, 0]", lr='"10^80"'),
            "learning_rate",
            "",
        ),
    ],
)
def test_a_bad_number_names_question_key_and_entry(body, key, entry, no_slow_reference):
    (err,) = _errors(_spec("closed_form_iterate", body))
    assert err.startswith(f"question q: key `{key}`"), err
    assert entry in err
    assert "Traceback" not in err


def test_an_integer_too_long_for_python_names_its_line():
    (err,) = _errors(
        _spec(
            "closed_form_iterate",
            CFI.format(A="[[1, 0], [0, " + "7" * 30000 + "]]", b="[0, 0]", w="[0, 0]", lr="0.1"),
        )
    )
    assert err.startswith("question q: key `A`") and "line 5" in err and "30000 digits" in err


def test_a_declared_symbol_is_still_a_learning_rate(no_slow_reference):
    ps = loads_spec(
        _spec(
            "closed_form_iterate",
            CFI.format(A="[[2, 0], [0, 1]]", b="[0, 0]", w="[1, 1]", lr='"eta"')
            + 'assume = ["0 < eta < 1"]',
        )
    )
    assert {s.name for s in ps.questions["q"].reference.value.free_symbols} == {"eta", "k"}


@pytest.mark.parametrize("steps", ["1000000", "-1", "1001", "1" + "0" * 40])
@pytest.mark.parametrize("kind", ["closed_form_iterate", "loss_after"])
def test_steps_are_bounded(kind, steps, no_slow_reference):
    from gdflow.checks.grade.kinds import MAX_STEPS

    (err,) = _errors(
        _spec(
            kind,
            CFI.format(A="[[2, 0], [0, 1]]", b="[0, 0]", w="[1, 1]", lr="0.1") + f"steps = {steps}",
        )
    )
    assert err.startswith("question q: key `steps`") and str(MAX_STEPS) in err


DENSE3 = "[[5, 2, 1], [2, 6, 3], [1, 3, 7]]"  # characteristic polynomial irreducible of degree 3


def _dense12() -> str:
    """MᵀM + I for a fixed integer 12×12 M: positive definite, dense, and its characteristic
    polynomial has an irreducible factor of degree 5."""
    import sympy as sp

    M = sp.Matrix(12, 12, lambda i, j: (i * i * 7 + j * 3 + i * j) % 5 - 2)
    return json.dumps([[int(x) for x in r] for r in (M.T * M + sp.eye(12)).tolist()])


DENSE12 = _dense12()


def test_the_dense_matrices_have_eigenvalues_without_closed_form():
    import sympy as sp

    from gdflow.checks.grade.fields import spectrum_degree

    assert spectrum_degree(sp.Matrix(json.loads(DENSE3))) == 3
    assert spectrum_degree(sp.Matrix(json.loads(DENSE12))) >= 3
    assert spectrum_degree(sp.Matrix([[2, 1], [1, 2]])) == 1
    assert spectrum_degree(sp.Matrix([[1, 1], [1, 2]])) == 2


@pytest.mark.parametrize("A", [DENSE3, DENSE12])
def test_dense_matrix_with_integer_steps_is_exact(A, no_slow_reference):
    import sympy as sp

    n = len(json.loads(A))
    b = [1] + [0] * (n - 1)
    w0 = [0] * n
    body = CFI.format(A=A, b=b, w=w0, lr='"1/100"') + "steps = 3"
    ref = loads_spec(_spec("closed_form_iterate", body)).questions["q"].reference.value
    Am, bm, w = sp.Matrix(json.loads(A)), sp.Matrix(b), sp.Matrix(w0)
    for _ in range(3):
        w = w - sp.Rational(1, 100) * (Am * w + bm)
    assert ref == w
    loss = loads_spec(_spec("loss_after", body)).questions["q"].reference.value
    assert loss == (w.T * Am * w / 2 + bm.T * w)[0, 0]


def test_dense_matrix_with_symbolic_rate_and_integer_steps_is_exact(no_slow_reference):
    import sympy as sp

    body = CFI.format(A=DENSE3, b=[1, 0, 0], w=[0, 0, 0], lr='"alpha"') + "steps = 2\n"
    body += 'assume = ["alpha > 0"]'
    ref = loads_spec(_spec("closed_form_iterate", body)).questions["q"].reference.value
    alpha = next(iter(ref.free_symbols))
    Am, b, w = sp.Matrix(json.loads(DENSE3)), sp.Matrix([1, 0, 0]), sp.zeros(3, 1)
    for _ in range(2):
        w = w - alpha * (Am * w + b)
    assert (ref - w).expand() == sp.zeros(3, 1)


@pytest.mark.parametrize("A", [DENSE3, DENSE12])
@pytest.mark.parametrize("kind", ["closed_form_iterate", "loss_after", "convergence_condition"])
def test_dense_matrix_needing_its_eigenvalues_is_refused_naming_A(A, kind, no_slow_reference):
    n = len(json.loads(A))
    body = f"A = {A}\n"
    if kind != "convergence_condition":
        body += f"b = {[1] + [0] * (n - 1)}\nstart = {[0] * n}\nlearning_rate = 0.01\n"
        body += 'assume = ["k >= 0 integer"]'
    (err,) = _errors(_spec(kind, body))
    assert err.startswith("question q: key `A`") and "degree" in err


def test_a_slow_reference_names_the_data_keys(monkeypatch):
    import gdflow.checks.grade.spec as spec_module
    from gdflow.derive.timebox import OutOfTime

    def boom(_f):
        raise OutOfTime(1.0)

    monkeypatch.setitem(
        spec_module.KINDS,
        "gd_step",
        spec_module.KINDS["gd_step"].__class__(
            "gd_step",
            spec_module.KINDS["gd_step"].required,
            spec_module.KINDS["gd_step"].optional,
            boom,
        ),
    )
    (err,) = _errors(_spec("gd_step", "start = [0]\nlearning_rate = 0.1\ngradient = [1]"))
    assert err.startswith("question q: computing the reference took longer than")
    assert "`start`" in err and "`gradient`" in err


# ------------------------------------------------------------------------------ the pool


def _pid():
    import os

    from gdflow.checks.grade.grader import result

    return result("s", "q", str(os.getpid()), "correct", "correct")


def _nap():
    import os
    import time

    time.sleep(1.5)  # wall-clock time, no CPU time
    from gdflow.checks.grade.grader import result

    return result("s", "q", str(os.getpid()), "correct", "slept")


def _spin():
    while True:
        pass


def test_a_pool_worker_grades_answer_after_answer():
    from gdflow.checks.grade.worker import Task, run_tasks

    tasks = [Task("s", "q", f"a{i}", 5.0, _pid) for i in range(6)]
    out = list(run_tasks(tasks, jobs=1))
    assert len(out) == 6 and len({r["answer"] for r in out}) == 1  # one process for all six
    out2 = list(run_tasks(tasks, jobs=2))
    assert len({r["answer"] for r in out2}) <= 2


def test_the_limit_is_cpu_time_and_a_killed_worker_is_replaced():
    from gdflow.checks.grade.worker import Task, run_tasks

    tasks = [
        Task("s", "q", "before", 5.0, _pid),
        Task("s", "q", "nap", 1.0, _nap),  # 1.5 s of wall clock against a 1 s limit: fine
        Task("s", "q", "spin", 0.5, _spin),  # CPU-bound past its limit: stopped
        Task("s", "q", "after", 5.0, _pid),
    ]
    out = list(run_tasks(tasks, jobs=1))
    assert [r["verdict"] for r in out] == ["correct", "correct", "timeout", "correct"]
    assert out[1]["feedback"] == "slept" and out[1]["answer"] == out[0]["answer"]
    assert "CPU time" in out[2]["feedback"]
    assert out[3]["answer"] != out[0]["answer"]  # a fresh worker after the kill


def test_the_same_answer_by_several_students_is_graded_once(spec, monkeypatch):
    import gdflow.checks.grade.runner as runner

    sent = []
    real = runner.run_tasks

    def spy(tasks, **kw):
        tasks = list(tasks)
        sent.extend((t.question, t.answer) for t in tasks)
        return real(tasks, **kw)

    monkeypatch.setattr(runner, "run_tasks", spy)
    rows = [("ann", "1", "0.4"), ("bob", "1", "0.4"), ("cid", "1", "2/5"), ("dan", "1", "0.4")]
    buf = io.StringIO()
    grade_class(spec, rows, None, "jsonl", stdout=buf, log=io.StringIO())
    recs = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert sorted(sent) == [("1", "0.4"), ("1", "2/5")]
    assert sorted(r["student"] for r in recs) == ["ann", "bob", "cid", "dan"]
    assert len({r["id"] for r in recs}) == 4 and {r["verdict"] for r in recs} == {"correct"}


# ------------------------------------------------------------------------------ the terminal


def test_readable_math_instead_of_latex():
    import sympy as sp

    from gdflow.checks.grade.runner import readable

    a, k = sp.symbols("alpha k")
    assert readable(sp.Matrix([2 * (1 - 2 * a) ** k + 1, 1])) == "(2·(1 - 2·α)^k + 1, 1)ᵀ"
    assert readable(sp.Contains(a, sp.Interval.Lopen(0, sp.Rational(1, 2)))) == "α ∈ (0, 1/2]"
    assert readable(sp.Matrix([[5, 4], [4, 4]])) == "[[5, 4], [4, 4]]"
    assert readable("bounded_oscillation") == "bounded oscillation"
    assert "\n" in readable(sp.Matrix([[5, 4], [4, 4]]), one_line=False)  # sympy.pretty


def test_the_table_shows_readable_math_and_the_totals(spec, tmp_path):
    rows = [
        ("ann", "1", "2/5"),
        ("bob", "2", r"$\begin{bmatrix}3/4\\ 2.12\end{bmatrix}$"),
        ("bob", "1", "zzz"),
        ("cid", "9", "1"),
    ]
    buf, log = io.StringIO(), io.StringIO()
    grade_class(spec, rows, None, "table", stdout=buf, log=log)
    table = buf.getvalue()
    assert "\\" not in table  # no LaTeX source
    assert "| (3/4, 53/25)ᵀ |" in table and "| 2/5 |" in table
    totals = {
        line.split()[0]: line.split()[1] for line in log.getvalue().splitlines() if line[:2] == "  "
    }
    assert totals == {"ann": "1", "bob": "1", "cid": "0"}


def test_rerun_messages_count_what_is_there(spec, tmp_path):
    out = tmp_path / "out.jsonl"
    rows = [("ann", "1", "2/5"), ("bob", "1", "1")]
    grade_class(spec, rows[:1], str(out), "jsonl", log=io.StringIO())
    log = io.StringIO()
    counts = grade_class(spec, rows, str(out), "jsonl", log=log)
    assert "1 of the 2 answer(s) are already graded" in log.getvalue()
    assert "grading the other 1" in log.getvalue()
    assert sum(counts.values()) == 2
    log = io.StringIO()
    counts = grade_class(spec, rows[1:], str(out), "jsonl", log=log)
    assert "1 of the 1 answer(s) are already graded" in log.getvalue()
    assert "nothing left to grade" in log.getvalue()
    assert "also holds 1 result(s) for another version" in log.getvalue()
    assert sum(counts.values()) == 1  # ann's answer is kept in the file, not counted


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ('kind = "expression"\nreference = "x"\nassume = ["sin(x) > 0"]', "assume"),
        ('kind = "convergence_condition"\nA = [[1]]\ntimeout = nan', "timeout"),
        ('kind = "convergence_condition"\nA = [[1]]\npoints = nan', "points"),
        ('kind = "convergence_condition"\nA = [[1]]\npoints = inf', "points"),
        ('kind = "step_size_case"\nlearning_rate = 0.1\ncurvature = -1', "curvature"),
        (
            'kind = "closed_form_iterate"\nA = [[1]]\nb = [1]\nstart = [1]\nlearning_rate = 0.1\n'
            'steps = "1k"',
            "steps",
        ),
        (
            'kind = "loss_after"\nA = [[1]]\nb = [1]\nstart = [1]\nlearning_rate = 0.1\nc = "nan"',
            "c",
        ),
        ('kind = "ridge_limit"\nPhi = [[1]]\nt = [1]\nridge = "inf"', "ridge"),
        ('kind = "gradient_flow"\nX = [[1]]\ny = [1]\nstart = [0]\ntime = "nan"', "time"),
    ],
)
def test_other_bad_values_name_their_key(body, key):
    (err,) = _errors(f'title = "t"\n[[question]]\nid = "q"\n{body}\n')
    assert err.startswith(f"question q: key `{key}`"), err


def test_an_unexpected_failure_is_a_named_spec_error(monkeypatch):
    import gdflow.checks.grade.spec as spec_module

    def broken(_f):
        raise KeyError("boom")  # a grader bug, not a spec error: still no traceback

    kind = spec_module.KINDS["gd_step"]
    monkeypatch.setitem(
        spec_module.KINDS,
        "gd_step",
        kind.__class__("gd_step", kind.required, kind.optional, broken),
    )
    (err,) = _errors(_spec("gd_step", "start = [0]\nlearning_rate = 0.1\ngradient = [1]"))
    assert err.startswith("question q: cannot compute the reference") and "KeyError" in err


# ------------------------------------------------------------------------------ variants


def test_variant_file_names():
    from gdflow.checks.grade.runner import variant_file

    assert variant_file("/nonexistent", "3") is None


def test_each_student_is_graded_against_their_own_variant(tmp_path, capsys):
    from gdflow.checks.grade.runner import variant_file

    d = tmp_path / "variants"
    d.mkdir()
    for i, rate in ((1, "0.1"), (2, "0.2")):  # x1 = 0.4 in variant 01, 0.8 in variant 02
        (d / f"variant-{i:02d}.toml").write_text(
            SPEC.replace('learning_rate = "0.1"', f'learning_rate = "{rate}"')
        )
    (d / "variant-03.toml").write_text("title = 1\n")  # an invalid variant
    assert variant_file(d, "variant-02") == variant_file(d, "2") == d / "variant-02.toml"
    assert variant_file(d, "02.toml") == d / "variant-02.toml"
    csv = tmp_path / "class.csv"
    csv.write_text(
        "student,variant,question,answer\n"
        "ann,1,1,0.4\nbob,02,1,0.8\ncid,variant-02,1,0.4\ndan,7,1,0.4\neve,,1,0.4\nfay,3,1,0.4\n"
    )
    out = tmp_path / "out.jsonl"
    assert main([str(d), str(csv), "-o", str(out)]) == 0
    recs = {r["student"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert {s: r["verdict"] for s, r in recs.items()} == {
        "ann": "correct",
        "bob": "correct",
        "cid": "incorrect",
        "dan": "invalid",
        "eve": "invalid",
        "fay": "invalid",
    }
    assert "line 5 (student 'dan')" in recs["dan"]["feedback"] and "'7'" in recs["dan"]["feedback"]
    assert "variant-03.toml" in recs["fay"]["feedback"]
    # a rerun finds them all
    capsys.readouterr()
    assert main([str(d), str(csv), "-o", str(out)]) == 0
    assert "6 of the 6 answer(s) are already graded" in capsys.readouterr().err


def test_the_watchdog_judges_cpu_time_not_the_clock(monkeypatch):
    import gdflow.checks.grade.worker as worker

    clock = {"now": 100.0}
    monkeypatch.setattr(worker.time, "monotonic", lambda: clock["now"])

    class FakeWorker:
        start_wall = last_change = 100.0
        last_cpu = 0.0
        cpu = 0.0

        def cpu_used(self):
            return self.cpu

    task = worker.Task("s", "q", "a", 5.0, lambda: {})
    w = FakeWorker()
    # a slow machine: 60 s of wall clock, the answer advancing by a little CPU now and then
    for step in range(60):
        clock["now"] += 1.0
        w.cpu = 0.01 * step
        assert worker._over_limit(w, task) is None
    w.cpu = 5.0  # its CPU time reaches the timeout
    out = worker._over_limit(w, task)
    assert out["verdict"] == "timeout" and "CPU time" in out["feedback"]
    # a blocked worker: no CPU at all for max(2 s, timeout) once timeout + 2 s have passed
    w = FakeWorker()
    w.start_wall = w.last_change = clock["now"]
    w.cpu = 0.5
    assert worker._over_limit(w, task) is None
    clock["now"] += 6.0
    w.cpu = 0.6
    assert worker._over_limit(w, task) is None  # it used some CPU since the last look
    clock["now"] += 4.0
    assert worker._over_limit(w, task) is None  # idle for 4 s < the 5 s timeout
    clock["now"] += 1.5
    assert worker._over_limit(w, task)["verdict"] == "timeout"
    # and whatever happens, WALL_FACTOR times the timeout is the end
    w = FakeWorker()
    w.start_wall = w.last_change = clock["now"]
    for step in range(1, worker.WALL_FACTOR * 5 + 1):
        clock["now"] += 1.0
        w.cpu = 0.001 * step
        got = worker._over_limit(w, task)
    assert got is not None and got["verdict"] == "timeout"


def test_a_latex_display_in_plain_notation():
    from gdflow.checks.grade.runner import _plain_latex

    assert _plain_latex(r"- \mathbf{A}^{-1} \mathbf{b}") == "- A⁻¹ b"
    assert _plain_latex(r"\left(\mathbf{X}^\top \mathbf{X}\right)^{-1}") == "(Xᵀ X)⁻¹"
    assert _plain_latex(r"\boldsymbol{\Phi}^{\dagger} \mathbf{t}") == "Φ† t"
    assert _plain_latex(r"\int_0^1 x") is None  # a command without a plain form: keep LaTeX
