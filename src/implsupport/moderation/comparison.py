"""Three nested models: strategy only, relationship as a direct effect, relationship as
moderator."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ._common import INTERCEPT, _design


@dataclass(frozen=True, eq=False)
class ModelComparison:
    """Three nested OLS models fitted to the same rows.

    1. *strategy only*: y ~ x (+ covariates);
    2. *relationship as a direct effect*: y ~ x + w (+ covariates);
    3. *relationship as moderator*: y ~ x + w + x*w (+ covariates).

    ``table`` gives each model's number of parameters, R², ΔR² over the previous model with
    its F test (classical), AIC and BIC (from the Gaussian log-likelihood; lower is better).
    """

    outcome: str
    predictor: str
    moderator: str
    covariates: tuple[str, ...]
    n: int
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def __repr__(self) -> str:
        return (
            f"ModelComparison({self.outcome}; x = {self.predictor}, w = {self.moderator}; "
            f"n = {self.n})\n" + self.table.round(4).to_string(index=False)
        )

    def plot(self, ax: Any = None) -> Any:
        """R² of the three models as bars, annotated with ΔR² and its p."""
        from .. import plotting

        if ax is None:
            fig, ax = plotting.figure(width=7, height=3.6)
        else:
            fig = ax.figure
        colours = [plotting.PALETTE[c] for c in ("sky", "orange", "blue")]
        ax.barh(self.table["model"], self.table["r2"], color=colours)
        for i, row in self.table.iterrows():
            note = f"R² = {row['r2']:.3f}"
            if i > 0:
                note += f"  (ΔR² = {row['r2_change']:.3f}, p = {row['p']:.3g})"
            ax.text(row["r2"], i, "  " + note, va="center", fontsize=9)
        ax.invert_yaxis()
        ax.set_xlim(0, max(self.table["r2"]) * 1.8)
        ax.set_xlabel("R² (share of variance in the outcome explained)")
        return fig


def compare_models(
    frame: pd.DataFrame,
    outcome: str,
    predictor: str,
    moderator: str,
    covariates: Sequence[str] = (),
    missing: str = "drop",
) -> ModelComparison:
    """Fit and compare strategy only, relationship as a direct effect, relationship as
    moderator (see :class:`ModelComparison`). All three use the same complete rows."""
    import statsmodels.api as sm

    design = _design(frame, outcome, predictor, moderator, covariates, "none", missing)
    X = design.X
    cov_names = list(X.columns[4:])
    interaction = f"{predictor}:{moderator}"
    specs = [
        ("strategy only", [INTERCEPT, predictor, *cov_names]),
        ("relationship as a direct effect", [INTERCEPT, predictor, moderator, *cov_names]),
        ("relationship as moderator", [INTERCEPT, predictor, moderator, interaction, *cov_names]),
    ]
    rows = []
    previous = None
    for label, columns in specs:
        fit = sm.OLS(design.y, X[columns]).fit()
        row = {
            "model": label,
            "terms": " + ".join(c for c in columns if c != INTERCEPT),
            "k": len(columns),
            "r2": float(fit.rsquared),
            "r2_change": np.nan,
            "F": np.nan,
            "df1": np.nan,
            "df2": float(fit.df_resid),
            "p": np.nan,
            "aic": float(fit.aic),
            "bic": float(fit.bic),
        }
        if previous is not None:
            df1 = len(columns) - previous["k"]
            change = row["r2"] - previous["r2"]
            F = (change / df1) / ((1 - row["r2"]) / fit.df_resid)
            row.update(r2_change=change, F=F, df1=df1, p=float(stats.f.sf(F, df1, fit.df_resid)))
        rows.append(row)
        previous = row
    return ModelComparison(
        outcome, predictor, moderator, tuple(cov_names), len(design.y), pd.DataFrame(rows)
    )
