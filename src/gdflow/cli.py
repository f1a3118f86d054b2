"""The ``gdflow`` command: list, derive (verify and render), check (property tests), grade.

Exit status is 0 only when everything asked for was verified / passed / graded.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command imports SymPy and the derivations only when it needs them
    from gdflow.derive.derivation import (
        Derivation,
        Formula,
        Step,
    )

EPILOG = """\
examples:
  gdflow list                                  the derivations, one per line
  gdflow derive --all -o derivations.pdf       verify everything, write lecture notes (PDF)
  gdflow derive gd.closed_form --format latex  one derivation as LaTeX on stdout
  gdflow derive --all --format json            per derivation: steps, reasons, methods
  gdflow check --examples 200                  property-test the closed forms numerically
  gdflow check -k invariance --seed 3          only the properties whose name matches
  gdflow grade SPEC.toml answers.csv -o out.jsonl   grade a class of homework answers
  gdflow verify notes.tex                      check every step of your own LaTeX derivation
  gdflow derive gd.closed_form --let 'A=[[2,0],[0,0]]' --let 'b=[-2,0]' --let 'w0=[3,1]' \\
      --let alpha=1/4                          worked out at your numbers, every step verified
  gdflow figures -o figs/                      the seeds' figures, regenerated (PNG)
  gdflow experiment double-descent -o dd.png   001 §4's experiment with the exact risk
  gdflow experiment conditioning -o cond.png   001 §3: kappa of A against D

Each derivation step shows its level: proved (a symbolic proof confirmed at exact
instances, or an exact decision), checked (exact agreement on every rank stratum at the
sizes it names), evidence (numeric agreement only), or stated (a definition or hypothesis);
the method that decided it follows the level. A step no method decides is unverified
(unverified (time) when its time bound ran out), one whose assumptions cannot all hold is
vacuous, one found false is rejected; any of these makes the command exit 1. The last line
counts every step by level.
"""

DERIVE_EPILOG = """\
worked examples at your data (--let, one ID; names left out stay symbolic):
  gdflow derive gd.closed_form --let 'A=[[2,0],[0,0]]' --let 'b=[-2,0]' \\
      --let 'w0=[3,1]' --let alpha=1/4       w^(k) = (1 + 2 (1/2)^k, 1), each step proved
  gdflow derive flow.residual --let 'X=[[0.2,1],[0.4,1],[0.8,1]]' \\
      --let 'y=[-0.1,0.15,0.3]' --let 'w0=[-0.05,-0.4]'    r(t) with t symbolic
  names ([optional], symbolic when left out): gd.closed_form, gd.loss_decay: A b w0
  [alpha k]; gd.limit_projection: A b w0; gd.step_size_cases: A [alpha b];
  flow.residual, flow.parameter_evolution: X y w0 [t]; ridge.solution: Phi t [lambda]

your notation (equations and reasons alike, in every format):
  gdflow derive ridge.solution --rename Phi=X --rename lambda=gamma -o ridge.pdf
  gdflow derive --all --notation mine.toml     with [rename] Phi = "X", alpha = "eta"
  a new name already used in a derivation, or a name that is not one, is refused

exit status: 0 when every requested derivation is verified, 1 when a step is not, 2 on a
usage or LaTeX error (a bad --let value is a usage error naming it)
"""


def _usage_error(message: str) -> None:
    """Print ``message`` to stderr and exit with status 2, as argparse does for usage errors."""
    print(message, file=sys.stderr)
    raise SystemExit(2)


def _ids(requested: list[str], everything: bool) -> list[str]:
    from gdflow.derive import ids

    known = ids()
    if everything:
        return known
    if not requested:
        _usage_error("gdflow derive: name derivation ids or pass --all (gdflow list shows the ids)")
    for r in requested:
        if r not in known:
            close = difflib.get_close_matches(r, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; gdflow list shows the ids"
            _usage_error(f"gdflow derive: no derivation with id {r!r}{hint}")
    return requested


def cmd_list(args: argparse.Namespace) -> int:
    from gdflow.derive.catalogue import builders

    rows: list[dict[str, Any]] = []
    for id_, build in builders().items():
        d = build()
        rows.append({"id": id_, "title": d.title, "source": str(d.source), "steps": len(d.steps)})
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        width = max(len(r["id"]) for r in rows)
        for r in rows:
            print(f"{r['id']:<{width}}  {r['title']}  [{r['source']}]")
    return 0


def _derivation_json(d: Derivation) -> dict[str, Any]:
    from gdflow.derive.display import result_latex, result_sympy
    from gdflow.derive.latex import claim_latex, latex
    from gdflow.derive.report import counts, formula_status, mark, step_status
    from gdflow.derive.typeset import names_of, text

    in_d = names_of(d)

    def formula(f: Formula) -> dict[str, Any]:
        spectral_proof = d.step(f.spectral_step) if f.spectral_step else None
        return {
            "name": latex(f.name),
            "latex": latex(f.expr),
            "params": [str(p) for p in f.params],
            "text": f.text,
            "step": f.step or None,
            "proof": list(f.proof),
            "status": formula_status(d, f) if f.step else None,
            "spectral": latex(f.spectral) if f.spectral is not None else None,
            "spectral_params": [str(p) for p in f.spectral_params],
            "spectral_step": f.spectral_step or None,
            "spectral_status": step_status(spectral_proof) if spectral_proof else None,
        }

    def step(s: Step) -> dict[str, Any]:
        c = s.certificate
        return {
            "latex": claim_latex(s),
            "reason": s.reason,
            # the reason in the equations' notation (bold names, renames applied)
            "reason_latex": text(s.reason, in_d),
            "verified": s.verified,
            "level": c.level if c else None,
            "status": step_status(s),
            "mark": mark(c),
            "method": c.method if c else None,
            "detail": c.detail if c else None,
            "sizes": {k: list(v) for k, v in c.sizes.items()} if c and c.sizes else None,
            **({"counterexample": dict(c.counterexample)} if c and c.counterexample else {}),
        }

    sympy_text, names = result_sympy(d.result)
    return {
        "id": d.id,
        "title": d.title,
        "source": str(d.source),
        "source_title": d.source.title,
        "verified": d.verified,
        "levels": counts(d.all_steps),
        "assumptions": list(d.assumptions.text),
        "steps": [step(s) for s in d.steps],
        "source_claims": [step(s) for s in d.source_claims],
        "formulas": {key: formula(f) for key, f in d.formulas.items()},
        "result": {"latex": result_latex(d), "sympy": sympy_text, "names": names},
    }


def _markdown(ds: Sequence[Derivation]) -> str:
    """The derivations in Markdown (``gdflow.derive.display.derivation_markdown``: the same
    content as the LaTeX, with assumptions, certificates and counterexamples), then the level
    counts of them all."""
    from gdflow.derive.display import derivation_markdown
    from gdflow.derive.report import summary

    out = [derivation_markdown(d) for d in ds]
    if len(ds) > 1:
        out.append(f"**All derivations:** {summary(ds)}\n")
    return "\n".join(out)


def _lets(args: argparse.Namespace, wanted: list[str]) -> dict[str, object] | None:
    """The ``--let NAME=VALUE`` values (VALUE read by ``gdflow.derive.worked.parse_value``,
    never evaluated), or None without ``--let``; a usage error (exit 2) naming the bad one."""
    if not args.let:
        return None
    from gdflow.derive.worked import parse_value

    if args.all or len(wanted) != 1:
        _usage_error(
            "gdflow derive: --let works out one derivation at your values; name exactly one id "
            f"(got {'--all' if args.all else ', '.join(wanted)})"
        )
    values: dict[str, object] = {}
    for item in args.let:
        name, eq, text = item.partition("=")
        if not eq or not name.strip():
            _usage_error(f"gdflow derive: --let {item!r} is not NAME=VALUE (e.g. alpha=1/4)")
        if name.strip() in values:
            _usage_error(f"gdflow derive: --let {name.strip()} is given twice")
        try:
            values[name.strip()] = parse_value(text, name.strip())
        except ValueError as exc:
            _usage_error(f"gdflow derive: --let {exc}")
    return values


def _worked(id_: str, values: dict[str, object]) -> Derivation:
    """``id_`` worked out at ``values`` (``gdflow.derive.worked.worked_example``); a bad value
    is a usage error (exit 2) naming it."""
    from gdflow.derive.worked import worked_example

    try:
        return worked_example(id_, values)
    except ValueError as exc:
        _usage_error(f"gdflow derive --let: {exc}")
        raise  # not reached: _usage_error exits


def _rename(args: argparse.Namespace) -> dict[str, str]:
    """The renames of ``--notation FILE`` then ``--rename OLD=NEW`` (exit 2 naming a bad one)."""
    from gdflow.derive.typeset import NotationError, parse_rename, read_notation

    try:
        rename = read_notation(args.notation) if args.notation else {}
        rename.update(parse_rename(item) for item in args.rename)
    except NotationError as exc:
        _usage_error(f"gdflow derive: {exc}")
    return rename


def cmd_derive(args: argparse.Namespace) -> int:
    from gdflow.derive.catalogue import get
    from gdflow.derive.latex import OverfullError, build_pdf, render_document, render_fragment
    from gdflow.derive.report import summary
    from gdflow.derive.text import mark_and_method
    from gdflow.derive.typeset import NotationError, check_rename, renamed

    wanted = _ids(args.ids, args.all)
    rename = _rename(args)
    if rename:  # before the (slow) verification: unverified derivations name the same objects
        try:
            for warning in check_rename(rename, [get(i, verified=False) for i in wanted]):
                print(f"gdflow derive: warning: {warning}", file=sys.stderr)
        except NotationError as exc:
            _usage_error(f"gdflow derive: {exc}")
    fmt = args.format
    out_path = Path(args.output) if args.output else None
    if out_path is not None and fmt is None:
        fmt = {".tex": "latex", ".pdf": "pdf", ".md": "markdown", ".json": "json"}.get(
            out_path.suffix, "text"
        )
    fmt = fmt or ("latex" if args.fragment else "text")
    if args.fragment and fmt != "latex":
        _usage_error(
            f"gdflow derive: --fragment writes LaTeX only (the format here is {fmt}); "
            "use --format latex or -o FILE.tex"
        )
    if fmt == "pdf" and out_path is None:
        _usage_error("gdflow derive: a PDF needs -o FILE.pdf")
    lets = _lets(args, wanted)
    ds: list[Derivation] = []
    start = time.perf_counter()
    for i, id_ in enumerate(wanted, 1):
        t0 = time.perf_counter()
        d = get(id_) if lets is None else _worked(id_, lets)
        ds.append(d)
        bad = [s for s in d.all_steps if not s.verified]
        status = "verified" if not bad else f"NOT VERIFIED ({len(bad)} step(s))"
        seconds = time.perf_counter() - t0
        print(
            f"[{i}/{len(wanted)}] {id_}: {status} ({seconds:.1f} s): {summary([d])}",
            file=sys.stderr,
        )
        for s in bad:
            print(
                f"    [{mark_and_method(s.certificate)}] {s.reason}\n      -> {s.certificate}",
                file=sys.stderr,
            )
    with renamed(rename):
        if fmt == "json":
            text = json.dumps([_derivation_json(d) for d in ds], indent=2)
        elif fmt == "markdown":
            text = _markdown(ds)
        elif fmt == "latex" and args.fragment:
            text = render_fragment(ds)
        elif fmt in ("latex", "pdf"):
            text = render_document(ds)
        else:
            from gdflow.derive.text import derivation_text

            text = "\n\n".join(derivation_text(d) for d in ds)
    if fmt == "pdf" and out_path is not None:
        try:
            build_pdf(text, out_path, strict=True)
        except OverfullError as exc:  # a line off the page is a failed build, named
            for box in exc.boxes:
                print(f"gdflow derive: {box}", file=sys.stderr)
            print(
                f"gdflow derive: {len(exc.boxes)} line(s) stick out of the page; "
                f"the PDF is written to {exc.path} for a look",
                file=sys.stderr,
            )
            return 2
        except RuntimeError as exc:
            print(f"gdflow derive: {exc}", file=sys.stderr)
            return 2
    elif out_path is not None:
        out_path.write_text(text + ("\n" if not text.endswith("\n") else ""))
    else:
        print(text)
    ok = all(d.verified for d in ds)
    where = f" -> {out_path}" if out_path else ""
    seconds = time.perf_counter() - start
    print(
        f"{sum(d.verified for d in ds)}/{len(ds)} derivations verified in {seconds:.1f} s"
        f"{where}; {summary(ds)}",
        file=sys.stderr,
    )
    return 0 if ok else 1


def cmd_check(args: argparse.Namespace) -> int:
    from gdflow.checks.properties import format_results, run_checks

    tty = sys.stderr.isatty()

    def progress(name: str, done: int, total: int) -> None:
        if done == total:
            return
        line = f"[{done + 1}/{total}] {name} ({args.examples} examples)"
        # on a terminal one line is rewritten; in a log each property gets its own line
        print(
            f"\r\033[K{line}" if tty else line, end="" if tty else "\n", file=sys.stderr, flush=True
        )

    results = run_checks(args.k, args.examples, args.seed, progress)
    if tty:
        print(file=sys.stderr)
    if not results:
        print(f"gdflow check: no property matches {args.k!r}", file=sys.stderr)
        return 2
    print(format_results(results, args.format))
    return 0 if all(r.passed for r in results) else 1


def cmd_figures(args: argparse.Namespace) -> int:
    from gdflow.checks import figures

    if args.only is None:
        names = list(figures.NAMES)
    else:
        try:
            names = [figures.resolve(args.only)]
        except KeyError:
            print(
                f"gdflow figures: no figure {args.only!r}; names: {', '.join(figures.NAMES)}",
                file=sys.stderr,
            )
            return 2
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] {name}.png", file=sys.stderr, flush=True)
        print(figures.build(name, args.output))
    return 0


def cmd_experiment_conditioning(args: argparse.Namespace) -> int:
    """``gdflow experiment conditioning``: kappa of A = (1/N)[Phi 1]^T[Phi 1] against D for
    uncentred, centred and whitened data, with the proved bound (001 §3, eq 17)."""
    from gdflow.checks.conditioning import conditioning, format_table, plot

    try:
        result = conditioning(args.D, mean=args.mean, seed=args.seed)
    except ValueError as exc:
        print(f"gdflow experiment conditioning: {exc}", file=sys.stderr)
        return 2
    if args.output:
        try:
            plot(result, args.output)
        except (OSError, ValueError) as exc:
            print(
                f"gdflow experiment conditioning: cannot write {args.output}: {exc}",
                file=sys.stderr,
            )
            return 2
    if args.format == "json":
        print(json.dumps(result.to_json(), indent=2))
    else:
        print(format_table(result))
    return 0


def add_experiment_conditioning(experiments: Any) -> None:
    """Add ``conditioning`` to the ``experiment`` subparsers."""
    p = experiments.add_parser(
        "conditioning",
        help="kappa of the curvature against D: uncentred, centred, whitened (001 §3)",
        description="The condition number of A = (1/N)[Phi 1]^T[Phi 1] (001 eq 17) against the "
        "feature dimension D for uncentred, centred and whitened data (N = 4D + 50 seeded "
        "samples), with the proved lower bound (||mu||^2 + 1)/sigma_max^2 "
        "(normalisation.outlier).",
    )
    p.add_argument(
        "--D",
        type=_positive,
        nargs="+",
        default=[1, 2, 4, 8, 16, 32, 64, 128],
        help="feature dimensions (default 1 2 4 ... 128)",
    )
    p.add_argument("--mean", type=float, default=1.0, help="the features' common mean (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.add_argument("-o", "--output", metavar="FIG.png", default=None, help="write the figure")
    p.set_defaults(func=cmd_experiment_conditioning)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    from gdflow import __version__

    parser = argparse.ArgumentParser(
        prog="gdflow",
        description="Derive, prove, render and property-check the dynamics of gradient descent "
        "and gradient flow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gdflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "list",
        help="list the derivations by id",
        description="List every derivation: id, title, source.",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "derive",
        help="verify derivations and render them",
        description="Verify derivations step by step and render them (text, LaTeX, PDF, "
        "Markdown, JSON). The format follows the -o suffix (.tex, .pdf, .md, .json) unless "
        "--format is given.",
        epilog=DERIVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("ids", nargs="*", metavar="ID", help="derivation ids (gdflow list)")
    p.add_argument("--all", action="store_true", help="every derivation in the catalogue")
    p.add_argument("--format", choices=["text", "latex", "markdown", "json", "pdf"], default=None)
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (.tex, .pdf, .md, .json, or text)"
    )
    p.add_argument(
        "--fragment",
        action="store_true",
        help="LaTeX only: write the derivations' bodies without preamble, for \\input into "
        "your own document (its first line names the packages it needs)",
    )
    p.add_argument(
        "--let",
        action="append",
        metavar="NAME=VALUE",
        help="work the derivation out at your numbers and verify every step there (repeatable; "
        "one ID). VALUE is a number (-3, 0.1, 1/4: read exactly, 0.1 = 1/10) or a list "
        "([-2,0], or [[2,0],[0,0]] for a matrix); quote it for the shell. Names left out stay "
        "symbolic (alpha, k, t, lambda). E.g. --let 'A=[[2,0],[0,0]]' --let 'b=[-2,0]' "
        "--let 'w0=[3,1]' --let alpha=1/4",
    )
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="write the derivations in your notation: rename a name (repeatable; e.g. Phi=X, "
        "alpha=eta, w=theta, J=L), in equations and reasons alike; w renames every iterate",
    )
    p.add_argument(
        "--notation",
        metavar="FILE.toml",
        help='renames from a TOML file: [rename] then lines such as Phi = "X" (--rename wins)',
    )
    p.set_defaults(func=cmd_derive)

    p = sub.add_parser(
        "check",
        help="property-test the closed forms against real iterations",
        description="Run the named property checks (hypothesis) that hold each closed form "
        "against numeric gradient descent / gradient flow. Shrunk counterexamples are printed "
        "as matrices.",
    )
    p.add_argument(
        "-k", metavar="PATTERN", default=None, help="only properties whose name contains PATTERN"
    )
    p.add_argument(
        "--examples",
        type=_positive,
        default=100,
        help="hypothesis examples per property (default 100)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="random seed (default 0); the same seed gives the same run",
    )
    p.add_argument("--format", choices=["table", "json"], default="table")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "figures",
        help="regenerate the seeds' figures (PNG) from gdflow's evaluators",
        description="Regenerate the figures of the seeds (001 Figs 2-4, 000 Figs 2-6, 003's "
        "learning-rate, momentum and rotation slides) from "
        "gdflow's own closed-form evaluators and write them as PNG files (001-fig2.png, ...). "
        "001-fig4 runs 001 §4's double-descent experiment (200 trials per N, about 20 s).",
    )
    p.add_argument(
        "-o", "--output", metavar="DIR", default=".", help="directory to write to (created)"
    )
    p.add_argument(
        "--only", metavar="NAME", default=None, help="one figure, e.g. 001-fig3 (.png optional)"
    )
    p.set_defaults(func=cmd_figures)

    p = sub.add_parser(
        "experiment",
        help="run the seeds' numeric experiments, next to the exact formulas",
        description="Run a numeric experiment of the seeds next to the exact formula the "
        "package proves, as a table, JSON or a figure.",
    )
    experiments = p.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")
    add_experiment_conditioning(experiments)
    from gdflow.checks.double_descent import add_parser as add_double_descent

    add_double_descent(experiments)

    from gdflow.checks.grade.cli import add_parser as add_grade

    add_grade(sub)
    from gdflow.checks.grade.variants import add_parser as add_variants

    add_variants(sub)
    from gdflow.checks.verify_tex.cli import add_parser as add_verify

    add_verify(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("gdflow: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (gdflow ... | head): stop quietly, as other tools do
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
