"""Reference values from pyprocessmacro 2.2.0 for tests/test_mediation.py (a test oracle only).

pyprocessmacro is not a dependency of the package. To re-run this script, install it into the
environment (``.venv/bin/python -m pip install pyprocessmacro==2.2.0``) and run, from the
repository root, ``.venv/bin/python tests/oracle/mediation_pyprocessmacro.py``. It fits PROCESS
models 4, 7 and 14 to tests/oracle/mediation_data.csv with a percentile bootstrap
(``percent=True``; its default is the bias-corrected interval of PROCESS 2) at the moderator
values this package probes (its default is mean and one SD either side, also PROCESS 2), and
writes mediation_pyprocessmacro.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyprocessmacro
from pyprocessmacro import Process

HERE = Path(__file__).parent
B = 20000


def main() -> None:
    data = pd.read_csv(HERE / "mediation_data.csv")
    probes = np.percentile(data["w"], [16, 50, 84], method="weibull").tolist()
    common = {
        "data": data,
        "x": "x",
        "y": "y",
        "m": ["m"],
        "controls": ["age"],
        "boot": B,
        "seed": 31415,
        "percent": True,
        "suppr_init": True,
    }
    out: dict = {"pyprocessmacro_version": pyprocessmacro.__version__, "B": B, "probes": probes}
    for model in (4, 7, 14):
        # pyprocessmacro names the second-stage moderator of model 14 "v".
        role = {7: "w", 14: "v"}.get(model)
        extra = {} if role is None else {role: "w", "modval": {"w": probes}}
        fit = Process(model=model, **common, **extra)
        indirect = fit.indirect_model.coeff_summary()
        if model == 4:
            indirect = indirect.iloc[[0]]
        entry = {
            "estimate": indirect["Effect"].tolist(),
            "boot_se": indirect["Boot SE"].tolist(),
            "boot_ci_low": indirect["BootLLCI"].tolist(),
            "boot_ci_high": indirect["BootULCI"].tolist(),
            "direct": float(fit.direct_model.coeff_summary()["Effect"].iloc[0]),
        }
        if model != 4:
            index = fit.indirect_model.MM_index_summary()
            entry["index"] = {
                "estimate": float(index["Index"].iloc[0]),
                "boot_se": float(index["Boot SE"].iloc[0]),
                "boot_ci_low": float(index["LLCI"].iloc[0]),
                "boot_ci_high": float(index["ULCI"].iloc[0]),
            }
        out[f"m{model}"] = entry
    (HERE / "mediation_pyprocessmacro.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
