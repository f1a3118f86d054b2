"""gdflow figures: the seeds' figures, written and checked against independent witnesses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.linalg import expm

from gdflow.checks import figures
from gdflow.cli import main

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
BUILT = [n for n in figures.NAMES if n != "001-fig4"]


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == PNG_MAGIC
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("figs") / "new" / "dir"  # created by the command
    assert main(["figures", "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", BUILT)
def test_every_figure_is_written_as_a_real_png(written: Path, name: str) -> None:
    path = written / f"{name}.png"
    width, height = _png_size(path)
    assert width >= 500 and height >= 400
    assert path.stat().st_size > 20_000  # a blank canvas of that size compresses to a few kB


def test_all_writes_nothing_else_and_reports_missing_double_descent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "o"
    assert main(["figures", "-o", str(out), "--only", "000-fig5"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["000-fig5.png"]
    captured = capsys.readouterr()
    assert str(out / "000-fig5.png") in captured.out
    assert "000-fig5" in captured.err  # progress on stderr


@pytest.mark.parametrize("name", ["001-fig3", "001-fig3.png"])
def test_only_accepts_the_name_with_or_without_suffix(tmp_path: Path, name: str) -> None:
    assert main(["figures", "-o", str(tmp_path), "--only", name]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["001-fig3.png"]


def test_unknown_name_exits_2_listing_the_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["figures", "-o", str(tmp_path), "--only", "001-fig9"]) == 2
    err = capsys.readouterr().err
    assert "001-fig9" in err
    for name in figures.NAMES:
        assert name in err
    assert list(tmp_path.iterdir()) == []


def test_fig4_is_the_double_descent_experiment(tmp_path: Path) -> None:
    """001-fig4 comes from the experiment (a few trials here: the figure, not the numbers)."""
    from gdflow.checks import double_descent

    out = double_descent.figure(tmp_path / "001-fig4.png", trials=3)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_resolve_rejects_unknown_names() -> None:
    assert figures.resolve("000-fig6.png") == "000-fig6"
    with pytest.raises(KeyError, match="000-fig1"):
        figures.resolve("000-fig1")


# ---- one fact per figure against an independent witness ----------------------------------


def _plain_gd(A: np.ndarray, b: np.ndarray, w0: np.ndarray, alpha: float, n: int) -> np.ndarray:
    w, out = np.array(w0, dtype=float), [np.array(w0, dtype=float)]
    for _ in range(n):
        w = w - alpha * (A @ w + b)
        out.append(w)
    return np.array(out)


def test_001_fig2_iterates_are_plain_gd_and_low_rank_limit_is_the_closest_minimiser() -> None:
    data = figures.fig2_001_data()
    problems = figures.fig2_001_problems()
    for key, runs in data.items():
        A, b = problems[key]
        for run in runs:
            witness = _plain_gd(A, b, figures.W0_2, run.alpha, len(run.ks) - 1)
            np.testing.assert_allclose(run.w, witness, rtol=1e-12, atol=1e-12)
    # the divergent run grows, the converging ones approach w*
    full = data["full"]
    assert np.linalg.norm(full[2].w[-1] - figures.W_STAR2) > np.linalg.norm(
        figures.W0_2 - figures.W_STAR2
    )
    # low rank: many more plain steps reach the point of the minimiser line nearest w0
    A, b = problems["low"]
    far = _plain_gd(A, b, figures.W0_2, 0.1, 400)[-1]
    q = figures.Q2[:, 0]  # the flat direction: the minimiser line is w* + s q
    nearest = figures.W_STAR2 + q * (q @ (figures.W0_2 - figures.W_STAR2))
    np.testing.assert_allclose(far, nearest, atol=1e-12)


def test_001_fig3_curves_equal_plain_gd_losses() -> None:
    ks, total, low = figures.fig3_001_data()
    A, b, w0 = figures.fig3_001_problem()
    ws = _plain_gd(A, b, w0, figures.FIG3_ALPHA, int(ks[-1]))
    w_star = np.linalg.solve(A, -b)

    # J(w) - J* = ½ (w - w*)ᵀA(w - w*) for b = -Aw* (no cancellation of two large J values)
    witness = np.array([0.5 * (w - w_star) @ A @ (w - w_star) for w in ws])
    np.testing.assert_allclose(total, witness, rtol=1e-8, atol=1e-15)
    # the lowest-curvature part: the share of the eigenvector with eigenvalue 1
    lam, V = np.linalg.eigh(A)
    assert lam[0] == pytest.approx(1.0)
    share = 0.5 * lam[0] * ((V[:, 0] @ (ws - w_star).T) ** 2)
    np.testing.assert_allclose(low, share, rtol=1e-8, atol=1e-15)
    assert np.all(low <= total * (1 + 1e-12))
    assert total[-1] / low[-1] == pytest.approx(1.0, abs=1e-3)  # it dominates at the end


def test_000_fig2_surface_is_the_loss_and_least_squares_sits_at_its_minimum() -> None:
    icpt, slope, L = figures.loss_surface_000()
    i, j = 37, 120
    w = np.array([slope[i, j], icpt[i, j]])
    r = figures.X3 @ w - figures.Y3
    assert L[i, j] == pytest.approx(0.5 * r @ r, rel=1e-12)
    w_ls = np.linalg.lstsq(figures.X3, figures.Y3, rcond=None)[0]
    r_ls = figures.X3 @ w_ls - figures.Y3
    assert L.min() >= 0.5 * r_ls @ r_ls - 1e-15


def test_000_fig3_outputs_match_the_matrix_exponential() -> None:
    ts = np.array([0.0, 0.3, 2.0, 15.0])
    f = figures.outputs_000(ts)
    X, y, w0 = figures.X3, figures.Y3, figures.W03
    K = X @ X.T
    for t, row in zip(ts, f, strict=True):
        np.testing.assert_allclose(row, y + expm(-K * t) @ (X @ w0 - y), atol=1e-12)


def test_000_fig4_path_matches_the_matrix_exponential_and_ends_at_lstsq() -> None:
    ts = np.array([0.0, 1.0, 7.5, np.inf])
    w = figures.parameters_000(ts)
    X, y, w0 = figures.X3, figures.Y3, figures.W03
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    for t, row in zip(ts[:-1], w[:-1], strict=True):
        np.testing.assert_allclose(row, w_ls + expm(-X.T @ X * t) @ (w0 - w_ls), atol=1e-12)
    np.testing.assert_allclose(w[-1], w_ls, atol=1e-12)


def test_000_fig5_prediction_at_infinity_is_the_least_squares_line() -> None:
    xg, pred = figures.predictions_000()
    assert np.isinf(figures.TIMES_000[-1])
    w_ls = np.linalg.lstsq(figures.X3, figures.Y3, rcond=None)[0]
    np.testing.assert_allclose(pred[-1], w_ls[0] * xg + w_ls[1], atol=1e-12)
    np.testing.assert_allclose(pred[0], figures.W03[0] * xg + figures.W03[1], atol=1e-12)


def test_000_fig6_moments_under_the_zero_mean_prior() -> None:
    # f(x*, t) = x*ᵀ w(t), w(t) = (I - E) w_ls + E w0, E = exp(-XᵀX t), w0 ~ N(0, s² I):
    # mean x*ᵀ(I - E) w_ls, sd s‖E x*‖
    xg, mean, sd = figures.uncertainty_000()
    X, y = figures.X3, figures.Y3
    w_ls = np.linalg.lstsq(X, y, rcond=None)[0]
    xs = np.column_stack([xg, np.ones_like(xg)])
    s = np.sqrt(figures.PRIOR_VARIANCE)
    for t, m_row, sd_row in zip(figures.TIMES_000, mean, sd, strict=True):
        if np.isinf(t):
            np.testing.assert_allclose(m_row, xs @ w_ls, atol=1e-12)
            np.testing.assert_allclose(sd_row, 0.0, atol=1e-12)
            continue
        E = expm(-X.T @ X * t)
        np.testing.assert_allclose(m_row, xs @ ((np.eye(2) - E) @ w_ls), atol=1e-12)
        np.testing.assert_allclose(sd_row, s * np.linalg.norm(xs @ E.T, axis=1), atol=1e-12)


# ---- seed 003 -------------------------------------------------------------------------------


def test_003_lr_runs_are_003s_update_and_eps_1_cycles_0_4_0() -> None:
    data = figures.lr_003_data()
    assert [eps for eps, _ in data.values()] == [0.01, 0.1, 1.0, 1.1]
    for eps, xs in data.values():
        assert xs[0] == 0.0
        k = np.arange(len(xs))
        # x - 2 is multiplied by 1 - 2 eps per step (f'(x) = 2x - 4)
        np.testing.assert_allclose(xs, 2.0 - 2.0 * (1.0 - 2.0 * eps) ** k, rtol=1e-12, atol=1e-12)
    cycle = data["too large: ε = 1 (cycles)"][1]
    assert cycle.tolist() == [0.0, 4.0] * 5 + [0.0]  # exactly, no rounding
    assert figures.f_003(4.0) == figures.f_003(0.0) == 5.0
    right = data["right: ε = 0.1 (003's exercise)"][1]
    assert right[1] == pytest.approx(0.4, abs=1e-15)  # the exercise's answer: x = 0 + 0.1 * 4
    small = data["too small: ε = 0.01"][1]
    assert abs(small[-1] - 2.0) > 1.6 > abs(right[-1] - 2.0) * 5  # 0.98^10 against 0.8^10
    big = data["too large: ε = 1.1 (diverges)"][1]
    assert np.all(np.diff(np.abs(big - 2.0)) > 0)  # moving away every step


def _companion_loss(matrix: object, a: np.ndarray, steps: int) -> np.ndarray:
    """½ Σ a_j e_j(k)², e_j(k) the first entry of C_j^k (1, 1) (started at rest, w0 = 1)."""
    out = np.zeros(steps + 1)
    for aj in a:
        C = np.array(matrix(aj), dtype=float)  # type: ignore[operator]
        state = np.array([1.0, 1.0])
        for k in range(steps + 1):
            out[k] += 0.5 * aj * state[0] ** 2
            state = C @ state
    return out


def test_003_momentum_curves_are_the_companion_closed_forms_and_rates_are_proved_ones() -> None:
    from gdflow.derive import momentum

    runs = {r.method: r for r in figures.momentum_003_data()}
    a = np.array(figures.MOMENTUM_CURVATURES)
    assert a.max() / a.min() == 100.0
    # the rates drawn are the derivation's helpers at m = 1, M = 100 (exactly 99/101, 9/11, 9/10)
    assert runs["gd"].rate == 99 / 101 and runs["gd"].rate_text == "99/101"
    assert runs["heavy_ball"].rate == 9 / 11 and runs["heavy_ball"].rate_text == "9/11"
    assert runs["nesterov"].rate == 9 / 10 and runs["nesterov"].rate_text == "9/10"
    assert runs["heavy_ball"].params == pytest.approx({"alpha": 4 / 121, "beta": 81 / 121})
    assert runs["nesterov"].params == pytest.approx({"alpha": 1 / 100, "beta": 9 / 11})
    steps = len(runs["gd"].ks) - 1
    # the iterates agree with the per-direction companion matrices of gdflow.derive.momentum
    hb = _companion_loss(lambda aj: momentum.heavy_ball_matrix("4/121", "81/121", aj), a, steps)
    nes = _companion_loss(lambda aj: momentum.nesterov_matrix("1/100", "9/11", aj), a, steps)
    np.testing.assert_allclose(runs["heavy_ball"].loss, hb, rtol=1e-9)
    np.testing.assert_allclose(runs["nesterov"].loss, nes, rtol=1e-9)
    # the dashed lines are loss0 * rho^(2k): the loss rate is the square of the iterate rate
    for r in runs.values():
        np.testing.assert_allclose(figures.rate_line(r), r.loss[0] * r.rate ** (2 * r.ks))
    # GD's line is a bound it meets to within the middle curvature's share
    assert np.all(runs["gd"].loss <= figures.rate_line(runs["gd"]) * (1 + 1e-12))
    # observed per-step loss ratio over k = 100..200 against the proved rho^2, tolerance 2 %
    # (the double roots add a factor polynomial in k: about 4^(1/100) = 1.014 here)
    for r in runs.values():
        observed = (r.loss[200] / r.loss[100]) ** (1 / 100)
        assert observed == pytest.approx(r.rate**2, rel=0.02), r.method
    hb_obs = (runs["heavy_ball"].loss[200] / runs["heavy_ball"].loss[100]) ** (1 / 100)
    assert hb_obs < runs["nesterov"].rate ** 2 < runs["gd"].rate ** 2  # the ordering seen


def test_003_rotation_gd_paths_coincide_and_adams_part() -> None:
    data = figures.rotation_003_data()
    Q = figures._rotation(figures.ROTATION_THETA)
    w0 = np.array(figures.ROTATION_W0)
    assert np.linalg.norm(Q.T @ w0 - w0) > 1.0  # the rotated run really starts elsewhere
    gd_plain, gd_back = data["gd"]
    adam_plain, adam_back = data["adam"]
    assert np.max(np.linalg.norm(gd_plain - gd_back, axis=1)) < 1e-12
    assert np.max(np.linalg.norm(adam_plain - adam_back, axis=1)) > 0.1
    for path in (gd_back, adam_back):
        np.testing.assert_allclose(path[0], w0, atol=1e-15)
    # GD on J is plain GD with A = diag(1, 10), b = -A w*
    A = np.diag(figures.ROTATION_CURVATURES)
    b = -A @ np.array(figures.ROTATION_W_STAR)
    witness = _plain_gd(A, b, w0, figures.ROTATION_PARAMS["gd"]["alpha"], len(gd_plain) - 1)
    np.testing.assert_allclose(gd_plain, witness, rtol=1e-12, atol=1e-12)
