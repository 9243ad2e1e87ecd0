"""Nonlinear least-squares fits of the Bass model against R's minpack.lm (nlsLM).

The reference values were computed by tests/oracle/bass_nls.R on chapter 11's ten-period teaching
series, for both forms of the mean, and stored in tests/oracle/bass_nls.json, so these tests need
no R. Re-run the script to refresh them. R was run at ftol = ptol = 1e-14; scipy's curve_fit stops
at its default tolerances, a few parts in a million from R's optimum, so estimates are compared at
a relative 1e-5, finer than the chapter prints them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from implsupport import diffusion

R = json.loads((Path(__file__).parent / "oracle" / "bass_nls.json").read_text())


@pytest.mark.parametrize("form", ["density", "interval"])
def test_nls_matches_r(form: str) -> None:
    expected = R[form]
    fit = diffusion.fit_bass_nls(R["counts"], form=form)
    for name in ("m", "p", "q"):
        assert fit.params[name] == pytest.approx(expected["estimate"][name], rel=1e-5), name
        assert fit.bse[name] == pytest.approx(expected["std_error"][name], rel=1e-4), name
    assert fit.resid_se == pytest.approx(expected["resid_se"], rel=1e-8)
    assert fit.df_resid == expected["df_resid"]


def test_the_two_forms_are_different_fits() -> None:
    """The values usually quoted for the series are the density form's, not the interval form's."""
    assert R["density"]["estimate"]["p"] == pytest.approx(0.006594, abs=5e-7)
    assert R["interval"]["estimate"]["p"] == pytest.approx(0.008789, abs=5e-7)
