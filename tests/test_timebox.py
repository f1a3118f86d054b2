"""gdflow.derive.timebox: CPU-time bounds that interrupt pure-Python (SymPy) work and nest."""

from __future__ import annotations

import time

import pytest

from gdflow.derive.timebox import OutOfTime, deadline, remaining


def _spin():
    while True:
        pass


def test_a_bound_interrupts_a_busy_loop_even_through_except_exception():
    start = time.process_time()
    with pytest.raises(OutOfTime):
        with deadline(0.3):
            try:
                _spin()
            except Exception:  # noqa: BLE001 - SymPy's habit; the bound must pass through it
                pytest.fail("OutOfTime was caught as an Exception")
    assert time.process_time() - start < 2.0


def test_an_inner_bound_never_outlives_the_outer_one_and_the_outer_is_rearmed():
    with pytest.raises(OutOfTime):
        with deadline(0.3):
            with deadline(100):
                _spin()
    with pytest.raises(OutOfTime):
        with deadline(0.6):
            try:
                with deadline(0.1):
                    _spin()
            except OutOfTime:
                assert remaining() is not None and remaining() > 0
            _spin()  # the outer bound still holds after the inner one ran out
    assert remaining() is None


def test_the_bound_is_cpu_time_not_wall_clock():
    with deadline(0.2):
        time.sleep(0.4)  # waiting uses no CPU: a loaded machine does not change a verdict


def test_a_bound_must_be_positive():
    with pytest.raises(ValueError):
        with deadline(0):
            pass


def test_a_bound_survives_an_exception_swallowed_by_a_callback():
    """Python prints and drops an exception raised inside a gc callback; the alarm repeats."""
    import signal

    from gdflow.derive import timebox

    swallowed = []

    def spin_swallowing_once():
        try:
            _spin()
        except OutOfTime:
            swallowed.append(1)  # as a gc callback would: dropped
        until = time.process_time() + 3.0
        while time.process_time() < until:  # the repeated alarm must end this
            pass
        pytest.fail("the bound was lost with the swallowed exception")

    start = time.process_time()
    with pytest.raises(OutOfTime):
        with deadline(0.2):
            spin_swallowing_once()
    assert swallowed == [1] and time.process_time() - start < 2.0
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0) and timebox.remaining() is None
