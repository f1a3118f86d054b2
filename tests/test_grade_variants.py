"""`gdflow variants`: variant specs drawn under each question's constraints, each loading, with
keys the grader grades correct.

The cases each variant must keep (rank, b in range(A), the step-size case of the learning rate,
a start with a null-space part, ...) are checked here by independent witnesses (numpy
eigenvalues, ranks, least squares on the TOML data as written), not by the generator's own
bookkeeping.
"""

import contextlib
import csv
import decimal
import io
import re
import shutil
import tomllib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from gdflow.checks.grade.grader import grade_answer
from gdflow.checks.grade.spec import load_spec
from gdflow.checks.grade.variants import dumps
from gdflow.cli import main

ROOT = Path(__file__).resolve().parent.parent
HOMEWORK = ROOT / "examples" / "homework" / "problem_set.toml"
COUNT, SEED = 20, 7

EDGE = """
title = "edge cases"

[[question]]
id = "a"
kind = "fixed_point"
A = [[2, 1, 0], [1, 2, 0], [0, 0, 0]]
b = [1, 1, 0]
start = [0, 0, 5]

[[question]]
id = "b"
kind = "loss_after"
A = [[2, 1, 0], [1, 2, 0], [0, 0, 0]]
b = [1, 1, 0]
start = [0, 0, 5]
learning_rate = "2/3"
steps = 3
c = 2

[[question]]
id = "c"
kind = "convergence_condition"
A = [[1, 1], [1, 1]]
b = [1, 0]

[[question]]
id = "d"
kind = "step_size_case"
learning_rate = 0.5
curvature = 2

[[question]]
id = "e"
kind = "step_size_case"
learning_rate = "1"
curvature = 3

[[question]]
id = "f"
kind = "gd_step"
objective = "x**4"
variables = ["x"]
start = [1]
learning_rate = "0.1"

[[question]]
id = "g"
kind = "ridge_limit"
Phi = [[1, 0], [0, 1], [1, 1]]
t = [1, 2, 4]
"""


def run_cli(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["variants", *map(str, argv)])
    return code, out.getvalue(), err.getvalue()


def read(path):
    return tomllib.loads(Path(path).read_text(encoding="utf-8"), parse_float=decimal.Decimal)


@pytest.fixture(scope="module")
def homework(tmp_path_factory):
    out = tmp_path_factory.mktemp("variants")
    code, stdout, stderr = run_cli(HOMEWORK, "--count", COUNT, "--seed", SEED, "-o", out)
    assert code == 0, stderr
    return out, stdout


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    d = tmp_path_factory.mktemp("edge")
    (d / "edge.toml").write_text(EDGE)
    code, stdout, stderr = run_cli(d / "edge.toml", "--count", 3, "--seed", 2, "-o", d / "out")
    assert code == 0, stderr
    return d / "edge.toml", d / "out", stdout


# ------------------------------------------------------------------------------ witnesses


def F(v):
    """An exact number from a TOML value as written."""
    return Fraction(v.strip()) if isinstance(v, str) else Fraction(v)


def arr(v):
    a = np.array([[float(F(x)) for x in r] for r in v]) if isinstance(v[0], list) else None
    return a if a is not None else np.array([float(F(x)) for x in v])


def rank(M):
    return int(np.linalg.matrix_rank(arr(M), tol=1e-9))


def psd(M):
    a = arr(M)
    return np.allclose(a, a.T) and np.linalg.eigvalsh(a).min() >= -1e-9


def diagonal(M):
    a = arr(M)
    return np.count_nonzero(a - np.diag(np.diag(a))) == 0


def in_range(M, v):
    a, x = arr(M), arr(v)
    sol = np.linalg.lstsq(a, x, rcond=None)[0]
    return np.linalg.norm(a @ sol - x) < 1e-9


def null_part(M, w):
    a = arr(M)
    P = np.eye(a.shape[1]) - np.linalg.pinv(a) @ a
    return np.linalg.norm(P @ arr(w)) > 1e-9


def lam_max(M):
    return float(np.linalg.eigvalsh(arr(M)).max())


def rate_case(x):
    """001 §2.2's cases of x = α·λ, decided in floating point with a tolerance."""
    for edge_value, name in ((1, "one step"), (2, "bounded")):
        if abs(x - edge_value) < 1e-9:
            return name
    return "monotone" if x < 1 else "oscillating" if x < 2 else "divergent"


def is_symbol(v):
    return isinstance(v, str) and re.fullmatch(r"[A-Za-z]\w*", v.strip()) is not None


def upper_bound(assume, name):
    for item in assume:
        m = re.fullmatch(rf"\s*0\s*<\s*{name}\s*<\s*([0-9./]+)\s*", item)
        if m:
            return float(Fraction(m.group(1)))
    return None


def hessian(q):
    syms = [sp.Symbol(n) for n in q["variables"]]
    expr = sp.parse_expr(q["objective"], local_dict={s.name: s for s in syms})
    return [[float(x) for x in row] for row in sp.hessian(expr, syms).tolist()]


def keeps_case(q0, q):
    """Every property of the original question ``q0`` that its variant ``q`` must keep,
    as (name, original, variant) triples."""
    kind = q0["kind"]
    out = [("kind", q0["kind"], q["kind"])]
    if "A" in q0:
        out += [
            ("A psd", True, psd(q["A"])),
            ("rank A", rank(q0["A"]), rank(q["A"])),
            ("A diagonal", diagonal(q0["A"]), diagonal(q["A"])),
        ]
        if "b" in q0:
            out.append(("b in range(A)", in_range(q0["A"], q0["b"]), in_range(q["A"], q["b"])))
        if "start" in q0:
            out.append(
                ("w0 null part", null_part(q0["A"], q0["start"]), null_part(q["A"], q["start"]))
            )
    if kind in ("closed_form_iterate", "loss_after"):
        if is_symbol(q0["learning_rate"]):
            name = q0["learning_rate"].strip()
            u0, u = upper_bound(q0.get("assume", []), name), upper_bound(q.get("assume", []), name)
            if u0 is not None:
                out.append(("α bound · λmax", u0 * lam_max(q0["A"]), u * lam_max(q["A"])))
        else:
            out.append(
                (
                    "α·λmax case",
                    rate_case(float(F(q0["learning_rate"])) * lam_max(q0["A"])),
                    rate_case(float(F(q["learning_rate"])) * lam_max(q["A"])),
                )
            )
    if kind == "step_size_case":
        out.append(
            (
                "α·a case",
                rate_case(float(F(q0["learning_rate"]) * F(q0["curvature"]))),
                rate_case(float(F(q["learning_rate"]) * F(q["curvature"]))),
            )
        )
    if kind == "gd_step" and "objective" in q0 and q0 != q:
        H0, H = hessian(q0), hessian(q)
        out += [
            ("Hessian psd", True, psd(H)),
            ("rank H", rank(H0), rank(H)),
            (
                "α·λmax case",
                rate_case(float(F(q0["learning_rate"])) * lam_max(H0)),
                rate_case(float(F(q["learning_rate"])) * lam_max(H)),
            ),
        ]
    for M, v in (("X", "y"), ("Phi", "t")):
        if M in q0:
            out += [
                ("shape " + M, arr(q0[M]).shape, arr(q[M]).shape),
                ("rank " + M, rank(q0[M]), rank(q[M])),
                (f"{v} in range({M})", in_range(q0[M], q0[v]), in_range(q[M], q[v])),
                (  # a line fit stays one (a column of ones appearing by chance is harmless)
                    "ones columns kept",
                    True,
                    {j for j, c in enumerate(arr(q0[M]).T) if np.all(c == 1)}
                    <= {j for j, c in enumerate(arr(q[M]).T) if np.all(c == 1)},
                ),
            ]
    if kind == "gaussian_affine":
        out += [
            ("Σ psd", True, psd(q["covariance"])),
            ("rank Σ", rank(q0["covariance"]), rank(q["covariance"])),
            ("Σ diagonal", diagonal(q0["covariance"]), diagonal(q["covariance"])),
            ("rank B", rank(q0["B"]), rank(q["B"])),
            ("μ zero", not arr(q0["mean"]).any(), not arr(q["mean"]).any()),
        ]
    for key in ("target", "time", "part", "variable", "steps", "ridge"):
        if key in q0:
            out.append((key, q0[key], q[key]))
    return out


def show(v):
    """A number as a prompt writes it: 3, 0.15, 1/3."""
    x = F(v)
    if x.denominator == 1:
        return str(x.numerator)
    for places in range(7):
        if (x * 10**places).denominator == 1:
            return f"{float(x):.{places}f}"
    return f"{x.numerator}/{x.denominator}"


def show_list(v):
    return "[" + ", ".join(show_list(x) if isinstance(x, list) else show(x) for x in v) + "]"


def fragments(q):
    """Data of a redrawn question that its prompt must state."""
    out = []
    for key in ("A", "b", "X", "y", "Phi", "t", "B", "c", "gradient"):
        if key in q:
            out.append(show_list(q[key]))
    if "start" in q:
        out.append(show(q["start"][0]) if "objective" in q else show_list(q["start"]))
    for key in ("learning_rate", "curvature"):
        if key in q and not is_symbol(q[key]):
            out.append(show(q[key]))
    if "covariance" in q:
        out += [show(r[i]) for i, r in enumerate(q["covariance"])]
    return out


def variant_files(out):
    return sorted(Path(out).glob("variant-*.toml"))


# ------------------------------------------------------------------------------ tests


@pytest.mark.slow
def test_twenty_variants_each_load(homework):
    out, stdout = homework
    files = variant_files(out)
    assert [f.name for f in files] == [f"variant-{i:02d}.toml" for i in range(1, COUNT + 1)]
    original = load_spec(HOMEWORK)
    for f in files:
        ps = load_spec(f)  # raises SpecError if a variant does not load
        assert list(ps.questions) == list(original.questions)
    assert "question 12: kept with its original data" in stdout


@pytest.mark.slow
def test_each_variant_keeps_its_questions_cases(homework):
    out, _ = homework
    original = read(HOMEWORK)["question"]
    varied = 0
    for f in variant_files(out):
        for q0, q in zip(original, read(f)["question"], strict=True):
            for name, want, got in keeps_case(q0, q):
                assert got == pytest.approx(want) if isinstance(want, float) else got == want, (
                    f"{f.name} question {q['id']}: {name} is {got}, the original's {want}"
                )
            if q0["kind"] == "expression":
                assert q == q0  # kept as written
            else:
                varied += 1
                assert q["prompt"] != q0["prompt"]
                for piece in fragments(q):
                    assert piece in q["prompt"], (f.name, q["id"], piece)
    assert varied == COUNT * 11


@pytest.mark.slow
def test_questions_sharing_data_share_it_in_each_variant(homework):
    out, _ = homework
    original = read(HOMEWORK)["question"]
    # a vector is shared with the matrix it belongs to: b and start go with A, y and start with X
    groups = {"A": ("A",), "b": ("A", "b"), "X": ("X",), "y": ("X", "y")}

    def data(q, key):
        if key == "start":
            base = ("A",) if "A" in q else ("X",)
            return tuple(repr(q.get(k)) for k in (*base, "start"))
        return tuple(repr(q.get(k)) for k in groups[key])

    pairs = [
        (i, j, key)
        for i, a in enumerate(original)
        for j, b in enumerate(original)
        if i < j
        for key in ("A", "b", "start", "X", "y")
        if key in a and key in b and data(a, key) == data(b, key)
    ]
    assert {(original[i]["id"], original[j]["id"]) for i, j, _ in pairs} == {("5", "9"), ("7", "8")}
    for f in variant_files(out):
        qs = read(f)["question"]
        for i, j, key in pairs:
            assert qs[i][key] == qs[j][key], (f.name, qs[i]["id"], qs[j]["id"], key)


@pytest.mark.slow
def test_variants_differ_from_each_other(homework):
    out, _ = homework
    datas = [read(f)["question"] for f in variant_files(out)]
    for idx in range(len(datas[0])):
        if datas[0][idx]["kind"] == "expression":
            continue
        distinct = {repr(sorted((k, str(v)) for k, v in d[idx].items())) for d in datas}
        assert len(distinct) > 1, datas[0][idx]["id"]


@pytest.mark.slow
def test_key_csv_answers_are_graded_correct(homework):
    out, _ = homework
    with open(out / "key.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["variant", "question", "answer"]
    body = rows[1:]
    ids = list(load_spec(HOMEWORK).questions)
    assert [(r[0], r[1]) for r in body] == [
        (f"{i:02d}", qid) for i in range(1, COUNT + 1) for qid in ids
    ]
    for vid in ("01", "13"):  # graded here again, independently of the command's own check
        ps = load_spec(out / f"variant-{vid}.toml")
        for _, qid, answer in (r for r in body if r[0] == vid):
            assert grade_answer(ps.questions[qid], answer)["verdict"] == "correct", (vid, qid)
    # the key is about the variant's data: question 3's answers are not all the original's
    assert {r[2] for r in body if r[1] == "3"} != {"[2, 0]"}


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("pdflatex"), reason="pdflatex is not installed")
def test_key_tex_compiles_without_overfull_boxes(homework, tmp_path):
    from gdflow.derive.latex import build_pdf

    out, _ = homework
    tex = (out / "key.tex").read_text(encoding="utf-8")
    assert tex.count(r"\section*{Variant ") == COUNT
    built = build_pdf(tex, tmp_path / "key.pdf")
    assert (tmp_path / "key.pdf").stat().st_size > 0
    assert not built.overfull


@pytest.mark.slow
def test_same_seed_same_output_different_seed_different_data(homework, tmp_path):
    out, _ = homework
    code, _, err = run_cli(HOMEWORK, "--count", 2, "--seed", SEED, "-o", tmp_path / "same")
    assert code == 0, err
    for name in ("variant-01.toml", "variant-02.toml"):
        assert (tmp_path / "same" / name).read_bytes() == (out / name).read_bytes()
    with open(out / "key.csv", encoding="utf-8") as fh:
        head = fh.read().splitlines()[: 1 + 2 * 12]
    assert (tmp_path / "same" / "key.csv").read_text(encoding="utf-8").splitlines() == head
    code, _, err = run_cli(HOMEWORK, "--count", 2, "--seed", SEED + 1, "-o", tmp_path / "other")
    assert code == 0, err
    for name in ("variant-01.toml", "variant-02.toml"):
        a, b = read(out / name)["question"], read(tmp_path / "other" / name)["question"]
        assert sum(x != y for x, y in zip(a, b, strict=True)) >= 8  # all but a few questions


def test_edge_cases_keep_their_case_and_kept_questions_are_named(edge):
    spec, out, stdout = edge
    original = read(spec)["question"]
    labels = {}
    for f in variant_files(out):
        ps = load_spec(f)
        for q0, q in zip(original, read(f)["question"], strict=True):
            for name, want, got in keeps_case(q0, q):
                assert got == want, f"{f.name} question {q['id']}: {name} {got} != {want}"
            labels.setdefault(q["id"], set()).add(str(ps.questions[q["id"]].reference.value))
    # one step, divergent, and b outside range(A) (no α converges) stay so in every variant
    assert labels["d"] == {"one_step"} and labels["e"] == {"divergent"}
    assert labels["c"] == {"EmptySet"}
    assert "question f: kept with its original data" in stdout
    assert "not a convex quadratic" in stdout
    assert read(out / "variant-01.toml")["question"][5] == original[5]


@pytest.mark.parametrize(
    "args, needle",
    [
        (["/nonexistent/spec.toml", "-o", "{tmp}/o"], "/nonexistent/spec.toml"),
        ([str(HOMEWORK), "--count", "0", "-o", "{tmp}/o"], "--count"),
        ([str(HOMEWORK), "--count", "-3", "-o", "{tmp}/o"], "-3"),
        ([str(HOMEWORK), "--count", "1000", "-o", "{tmp}/o"], "1000"),
        ([str(HOMEWORK), "-o", "{tmp}/afile/sub"], "afile"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(tmp_path, args, needle):
    (tmp_path / "afile").write_text("not a directory")
    code, out, err = run_cli(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 2
    assert needle.replace("{tmp}", str(tmp_path)) in err
    assert "Traceback" not in err
    assert not list(tmp_path.glob("**/variant-*.toml"))


def test_invalid_spec_exits_2_naming_the_question(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('title = "t"\n[[question]]\nid = "q1"\nkind = "fixed_point"\nA = [[1, 2]]\n')
    code, _, err = run_cli(bad, "-o", tmp_path / "o")
    assert code == 2
    assert "question q1" in err


def test_help_teaches_with_an_example(capsys):
    with pytest.raises(SystemExit) as info:
        main(["variants", "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "gdflow variants examples/homework/problem_set.toml --count 20 --seed 7 -o" in text
    assert "key.csv" in text and "exit status" in text


def test_dumps_reads_back_every_value():
    data = {
        "title": 'quote " backslash \\ newline \n tab \t del \x7f unicode λ ᵀ',
        "defaults": {"timeout": 10, "tolerance": decimal.Decimal("0.001")},
        "question": [
            {
                "id": "1",
                "A": [[1, -2], [decimal.Decimal("0.5"), decimal.Decimal("2.0")]],
                "learning_rate": "1/4",
                "feedback": {"incorrect": "see §2.2", "key with space": "x"},
                "assume": [],
            }
        ],
    }
    text = dumps(data, header=["a header"], comments=["a comment\nover two lines"])
    assert tomllib.loads(text, parse_float=decimal.Decimal) == data
    assert "A = [[1, -2], [0.5, 2.0]]" in text  # a matrix on one line, as people write it
    assert text.startswith("# a header\n")


def test_variant_path_reads_the_ids_a_class_csv_may_write(tmp_path):
    from gdflow.checks.grade.variants import variant_path

    for i in (1, 2, 10):
        (tmp_path / f"variant-{i:02d}.toml").write_text("")
    for name in ("3", "variant-3", "x1"):
        with pytest.raises(FileNotFoundError, match=name):
            variant_path(tmp_path, name)
    for name in ("2", "02", "variant-02", " variant-02.toml"):
        assert variant_path(tmp_path, name) == tmp_path / "variant-02.toml"
    assert variant_path(tmp_path, "10").name == "variant-10.toml"
