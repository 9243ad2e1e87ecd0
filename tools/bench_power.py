"""Benchmark: simulated power for an interaction, vectorised versus loops of statsmodels fits.

Usage: python tools/bench_power.py [--reps 10000] [--n 200] [--loop-reps 500] [--runs 5]

Times :func:`implsupport.power.simulate_power` (10,000 replications at n = 200, the median of
a few runs) and compares it with two loops that fit the same simulated data sets one at a
time with statsmodels and read the interaction's t statistic:

- the formula interface, ``smf.ols("y ~ x1 * x2", data=frame).fit()``, the way simulation
  power analyses are usually written (in R, InteractionPoweR calls ``lm()`` in the same way);
- the array interface, ``sm.OLS(y, X).fit()``, the fastest way to loop with statsmodels.

Each loop is timed on a subset of replications and scaled to the full number; the time to
generate the data (vectorised, timed on the subset and scaled) is added to each. Before
timing, the script checks that every way gives the same estimates (to 1e-10) and the same
significance decisions.
Targets: under 2 seconds, and at least 50 times faster than a loop of statsmodels fits.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from implsupport.power import (
    InteractionScenario,
    batched_ols,
    power_interaction,
    simulate_interaction_data,
    simulate_power,
)

SCENARIO = InteractionScenario(r_x1_y=0.2, r_x2_y=0.1, r_x1_x2=0.2, r_x1x2_y=0.15)
SEED = 1


def median_time(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def array_loop(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One ``sm.OLS`` fit per replication: coefficients and the interaction's t."""
    params, t = [], []
    for i in range(len(y)):
        fit = sm.OLS(y[i], X[i]).fit()
        params.append(fit.params)
        t.append(fit.tvalues[3])
    return np.array(params), np.array(t)


def formula_loop(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One ``smf.ols("y ~ x1 * x2")`` fit per replication: coefficients and the interaction's t."""
    params, t = [], []
    for i in range(len(y)):
        frame = pd.DataFrame({"y": y[i], "x1": X[i, :, 1], "x2": X[i, :, 2]})
        fit = smf.ols("y ~ x1 * x2", data=frame).fit()
        params.append(fit.params[["Intercept", "x1", "x2", "x1:x2"]].to_numpy())
        t.append(fit.tvalues["x1:x2"])
    return np.array(params), np.array(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--loop-reps", type=int, default=500, help="subset for the array loop")
    parser.add_argument("--formula-reps", type=int, default=100, help="subset, formula loop")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    critical = stats.t.isf(0.025, args.n - 4)

    # 1. Every way gives the same estimates and decisions on the same simulated data sets.
    X, y = simulate_interaction_data(SCENARIO, args.n, args.loop_reps, seed=SEED)
    batched = batched_ols(X, y)
    decisions = np.abs(batched.tvalues[:, 3]) > critical
    checks = {}
    for name, loop, count in (
        ("array", array_loop, args.loop_reps),
        ("formula", formula_loop, args.formula_reps),
    ):
        params, t = loop(X[:count], y[:count])
        largest = float(np.abs(batched.params[:count] - params).max())
        same = bool(np.array_equal(decisions[:count], np.abs(t) > critical))
        if largest > 1e-10 or not same:
            raise SystemExit(f"{name} loop differs: largest difference {largest:.3g}")
        checks[name] = (count, largest)

    # 2. Timings (medians).
    simulate_power(SCENARIO, args.n, reps=100, seed=SEED)  # warm up imports and caches
    vectorised = median_time(
        lambda: simulate_power(SCENARIO, args.n, reps=args.reps, seed=SEED), args.runs
    )
    # Data generation, timed on the subset and scaled like the loops (so all use the same).
    generate = median_time(
        lambda: simulate_interaction_data(SCENARIO, args.n, args.loop_reps, seed=SEED), args.runs
    ) * (args.reps / args.loop_reps)
    fit_batched = median_time(lambda: batched_ols(X, y), args.runs)
    array_time = median_time(lambda: array_loop(X, y), 3)
    formula_time = median_time(
        lambda: formula_loop(X[: args.formula_reps], y[: args.formula_reps]), 3
    )
    array_total = generate + array_time * args.reps / args.loop_reps
    formula_total = generate + formula_time * args.reps / args.formula_reps

    result = simulate_power(SCENARIO, args.n, reps=args.reps, seed=SEED)
    analytic = power_interaction(SCENARIO, args.n).power
    print(f"Simulated power for an interaction: {args.reps:,} replications at n = {args.n}")
    print(
        f"  power: simulated {result.power:.4f} (MC SE {result.mc_se:.4f}), analytic {analytic:.4f}"
    )
    for name, (count, largest) in checks.items():
        print(
            f"  check: batched OLS and the {name} loop agree on {count} replications "
            f"(largest coefficient difference {largest:.1e}; same decisions)"
        )
    print(f"  vectorised simulate_power, median of {args.runs} runs: {vectorised:.3f} s")
    print(f"  data generation alone, scaled to {args.reps:,}: {generate:.3f} s")
    print(
        f"  formula loop smf.ols('y ~ x1 * x2'): {formula_time:.3f} s for "
        f"{args.formula_reps} fits, scaled to {args.reps:,} (+ data): {formula_total:.1f} s"
    )
    print(
        f"  array loop sm.OLS(y, X): {array_time:.3f} s for {args.loop_reps} fits, "
        f"scaled to {args.reps:,} (+ data): {array_total:.1f} s"
    )
    print(
        f"  fitting only, {args.loop_reps} replications: batched {fit_batched * 1000:.1f} ms, "
        f"array loop {array_time * 1000:.0f} ms ({array_time / fit_batched:.0f}x)"
    )
    print(f"  speed-up over the formula loop: {formula_total / vectorised:.0f}x")
    print(f"  speed-up over the array loop:   {array_total / vectorised:.0f}x")
    print(
        f"  targets: under 2 s {'met' if vectorised < 2 else 'NOT met'}; at least 50x: "
        f"{'met' if formula_total / vectorised >= 50 else 'NOT met'} against the formula loop, "
        f"{'met' if array_total / vectorised >= 50 else 'NOT met'} against the array loop"
    )


if __name__ == "__main__":
    main()
