"""Benchmark: moderated mediation with a bootstrap, and moderation on a million rows from CSV.

Usage: python tools/bench_mediation.py [--n 1000] [--boot 5000] [--rows 1000000] [--runs 5]

1. PROCESS model 7 with 5,000 percentile-bootstrap resamples on n = 1,000 simulated rows:
   :func:`implsupport.moderation.fit_mediation` beside pyprocessmacro 2.2.0 on the same data,
   when it is installed (it is a test oracle, not a dependency; the line says "not
   installed" otherwise). Before timing, the script checks that both give the same
   conditional indirect effects (to 1e-8). The two are timed in turn, run after run, so that
   a change in the machine's load reaches both. Ours uses the processor cores available
   (its numbers do not depend on how many); pyprocessmacro runs on one.
   Targets: at most 3 seconds, and at least 20 times faster than pyprocessmacro.
2. ``implsupport moderation`` on a CSV of 1,000,000 rows, end to end in a fresh process
   (start-up, reading the CSV, fitting, probing, printing).
   Target: at most 2 seconds.

Each figure is the median over the runs of the wall-clock time, with the median CPU time
(all threads; for the command, the child process) beside it. Wall-clock time depends on
what else the machine runs, so the load average is printed first.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from implsupport import moderation


def _data(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    w = rng.gamma(3.0, 1.0, size=n)
    m = 0.3 + 0.2 * x + 0.3 * w + 0.15 * x * w + rng.normal(size=n)
    y = 1 + 0.2 * x + 0.5 * m + rng.normal(size=n)
    return pd.DataFrame({"x": x, "w": w, "m": m, "y": y})


def _timed(function) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one call (CPU of this process and of its children)."""

    def cpu() -> float:
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return time.process_time() + children.ru_utime + children.ru_stime

    start, start_cpu = time.perf_counter(), cpu()
    function()
    return time.perf_counter() - start, cpu() - start_cpu


def _figure(times: list[tuple[float, float]]) -> str:
    wall = statistics.median(t[0] for t in times)
    cpu = statistics.median(t[1] for t in times)
    return f"{wall:.3f} s (CPU {cpu:.3f} s)"


def bench_model_7(n: int, boot: int, runs: int) -> list[tuple[str, str, str]]:
    frame = _data(n)

    def ours():
        return moderation.fit_mediation(
            frame, "y", "x", "m", moderator="w", model=7, n_boot=boot, seed=1
        )

    result = ours()
    label = f"model 7, {boot} resamples, n = {n}"
    try:
        from pyprocessmacro import Process
    except ImportError:
        ours_times = [_timed(ours) for _ in range(runs)]
        return [
            (label, "implsupport", _figure(ours_times)),
            ("", "pyprocessmacro 2.2.0", "not installed"),
        ]
    probes = result.indirect["moderator_value"].tolist()

    def theirs():
        return Process(
            data=frame,
            model=7,
            x="x",
            y="y",
            m=["m"],
            w="w",
            modval={"w": probes},
            boot=boot,
            seed=1,
            percent=True,
            suppr_init=True,
        )

    fitted = theirs()
    effects = fitted.indirect_model.coeff_summary()["Effect"].to_numpy()
    if not np.allclose(effects, result.indirect["estimate"], rtol=1e-8, atol=0):
        raise SystemExit("the two programs disagree on the conditional indirect effects")
    ours_times, theirs_times = [], []
    for _ in range(runs):  # in turn, so that both meet the same load
        ours_times.append(_timed(ours))
        theirs_times.append(_timed(theirs))
    ratio = statistics.median(t[0] for t in theirs_times) / statistics.median(
        t[0] for t in ours_times
    )
    cpu_ratio = statistics.median(t[1] for t in theirs_times) / statistics.median(
        t[1] for t in ours_times
    )
    return [
        (label, "implsupport", _figure(ours_times)),
        ("", "pyprocessmacro 2.2.0", _figure(theirs_times)),
        ("", "speed-up", f"{ratio:.1f}x (CPU time: {cpu_ratio:.1f}x)"),
    ]


def bench_csv(rows_n: int, runs: int) -> list[tuple[str, str, str]]:
    frame = _data(rows_n, seed=2)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        frame.round(6).to_csv(path, index=False)
        command = [
            sys.executable,
            "-m",
            "implsupport.cli",
            "moderation",
            str(path),
            "--outcome",
            "y",
            "--predictor",
            "x",
            "--moderator",
            "w",
        ]

        def run():
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

        times = [_timed(run) for _ in range(runs)]
    label = f"moderation from CSV, {rows_n:,} rows"
    return [(label, "implsupport (end to end)", _figure(times))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--boot", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"Load average {load} (1, 5, 15 min) on {cores} cores; medians of {args.runs} runs.")
    rows = bench_model_7(args.n, args.boot, args.runs) + bench_csv(args.rows, args.runs)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("Targets: model 7 at most 3 s and 20x pyprocessmacro; 1,000,000 rows at most 2 s.")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
