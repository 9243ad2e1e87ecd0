"""Benchmark: moderated mediation with a bootstrap, and moderation on a million rows from CSV.

Usage: python tools/bench_mediation.py [--n 1000] [--boot 5000] [--rows 1000000] [--runs 3]

1. PROCESS model 7 with 5,000 percentile-bootstrap resamples on n = 1,000 simulated rows:
   :func:`implsupport.moderation.fit_mediation` beside pyprocessmacro 2.2.0 on the same data
   (each the median of a few runs), when it is installed (it is a test oracle, not a
   dependency; the line says "not installed" otherwise). Before timing, the script checks
   that both give the same conditional indirect effects (to 1e-8).
   Targets: at most 3 seconds, and at least 20 times faster than pyprocessmacro.
2. ``implsupport moderation`` on a CSV of 1,000,000 rows, end to end in a fresh process
   (start-up, reading the CSV, fitting, probing, printing).
   Target: at most 2 seconds.
"""

from __future__ import annotations

import argparse
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


def _median_time(function, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_model_7(n: int, boot: int, runs: int) -> list[tuple[str, str, str]]:
    frame = _data(n)

    def ours():
        return moderation.fit_mediation(
            frame, "y", "x", "m", moderator="w", model=7, n_boot=boot, seed=1
        )

    result = ours()
    ours_time = _median_time(ours, runs)
    rows = [
        (f"model 7, {boot} resamples, n = {n}", "implsupport", f"{ours_time:.2f} s"),
    ]
    try:
        from pyprocessmacro import Process
    except ImportError:
        rows.append(("", "pyprocessmacro 2.2.0", "not installed"))
        return rows
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
    theirs_time = _median_time(theirs, runs)
    effects = fitted.indirect_model.coeff_summary()["Effect"].to_numpy()
    if not np.allclose(effects, result.indirect["estimate"], rtol=1e-8, atol=0):
        raise SystemExit("the two programs disagree on the conditional indirect effects")
    rows.append(("", "pyprocessmacro 2.2.0", f"{theirs_time:.2f} s"))
    rows.append(("", "speed-up", f"{theirs_time / ours_time:.0f}x"))
    return rows


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

        elapsed = _median_time(run, runs)
    return [
        (f"moderation from CSV, {rows_n:,} rows", "implsupport (end to end)", f"{elapsed:.2f} s")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--boot", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = bench_model_7(args.n, args.boot, args.runs) + bench_csv(args.rows, args.runs)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    print("Targets: model 7 at most 3 s and 20x pyprocessmacro; 1,000,000 rows at most 2 s.")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


if __name__ == "__main__":
    main()
