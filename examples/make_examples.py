"""Write the simulated example files of this folder (run from the repository root).

    .venv/bin/python examples/make_examples.py

Each file is drawn from a documented function of the package with a fixed seed, so running the
script again gives the same bytes (tests/test_readme.py checks that it does).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from implsupport import diffusion

HERE = Path(__file__).resolve().parent

#: Parameters of the simulated adoption series: 300 sites, p = 0.03, q = 0.4, 12 years.
ADOPTIONS = {"p": 0.03, "q": 0.4, "n_sites": 300, "years": 12, "seed": 2024}


def adoptions() -> pd.DataFrame:
    """Sites adopting a practice each year, simulated with :func:`diffusion.simulate_bass`."""
    sim = diffusion.simulate_bass(**ADOPTIONS)
    counts = sim.period_adoptions(0)
    return pd.DataFrame({"year": range(1, len(counts) + 1), "new_sites": counts})


def write(folder: Path = HERE) -> list[Path]:
    """Write every example file into ``folder``; return their paths."""
    target = folder / "adoptions.csv"
    adoptions().to_csv(target, index=False, lineterminator="\n")
    return [target]


if __name__ == "__main__":
    for path in write():
        print(f"wrote {path}")
