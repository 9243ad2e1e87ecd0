"""The one precision at which numbers are stored for display."""

from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from implsupport import display
from implsupport.display import SIGNIFICANT_DIGITS, glue_number, round_sig


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (67980.87687553997, 6, 67980.9),
        (0.059648817897326345, 6, 0.0596488),
        (1.1713381918317594, 3, 1.17),
        (-0.5793886416286037, 4, -0.5794),
        (123456789.0, 2, 120000000.0),
        (0.0, 6, 0.0),
        (2.5, 1, 2.0),  # decimal round-half-even on the exact value 2.5
        (0.35, 1, 0.3),  # 0.35 is stored as 0.34999..., so it rounds down
    ],
)
def test_round_sig_scalars(value: float, digits: int, expected: float) -> None:
    assert round_sig(value, digits) == expected
    assert isinstance(round_sig(value, digits), float)


def test_two_machines_that_disagree_in_the_last_bits_store_the_same_number() -> None:
    # The values two BLAS kernels gave for one glued number.
    assert round_sig(1.1713381918317594) == round_sig(1.1713381918317616) == 1.17134
    assert repr(round_sig(0.059648817897326345)) == repr(round_sig(0.059648817897326234))


def test_non_finite_values_pass_through() -> None:
    assert math.isnan(round_sig(float("nan")))
    assert round_sig(float("inf")) == float("inf")


def test_round_sig_keeps_tables_and_leaves_other_columns_alone() -> None:
    frame = pd.DataFrame(
        {"name": ["a", "b"], "n": [1234567, 2], "value": [67980.87687553997, 0.006593939386457]}
    )
    out = round_sig(frame, 3)
    assert out["name"].tolist() == ["a", "b"]
    assert out["n"].tolist() == [1234567, 2]
    assert out["value"].tolist() == [68000.0, 0.00659]
    assert frame["value"].iloc[0] == 67980.87687553997  # the input is not changed
    series = round_sig(frame["value"], 2)
    assert isinstance(series, pd.Series) and series.tolist() == [68000.0, 0.0066]
    array = round_sig(np.array([[1.23456789, -9.87654321]]), 3)
    assert array.shape == (1, 2) and array.tolist() == [[1.23, -9.88]]


@pytest.mark.parametrize("digits", [0, -1, 2.5, True])
def test_round_sig_refuses_a_meaningless_precision(digits: object) -> None:
    with pytest.raises(ValueError, match="digits"):
        round_sig(1.0, digits)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["1.5", None, True])
def test_round_sig_refuses_what_is_not_a_number(value: object) -> None:
    with pytest.raises(TypeError, match="number"):
        round_sig(value)  # type: ignore[arg-type]


def test_glue_number_stores_the_rounded_value(monkeypatch: pytest.MonkeyPatch) -> None:
    stored: dict[str, tuple[object, bool]] = {}

    def fake_glue(name: str, value: object, display: bool = True) -> None:
        stored[name] = (value, display)

    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", fake_glue)
    assert glue_number("m", np.float64(67980.87687553997)) == 67980.9
    assert glue_number("n", np.int64(123456789)) == 123456789
    assert glue_number("p", 0.00021359148870918215, digits=3) == 0.000214
    assert glue_number("F5", np.asarray(0.3311986424913736)) == 0.331199
    assert stored == {
        "m": (67980.9, False),
        "n": (123456789, False),
        "p": (0.000214, False),
        "F5": (0.331199, False),
    }
    assert type(stored["n"][0]) is int and type(stored["m"][0]) is float
    with pytest.raises(TypeError, match="truth value"):
        glue_number("flag", np.True_)
    with pytest.raises(TypeError, match="needs a number"):
        glue_number("text", "1.0")


def test_glued_output_is_the_short_repr_nbval_compares(monkeypatch: pytest.MonkeyPatch) -> None:
    # myst-nb stores the text/plain repr; the rounded float's repr is the short decimal.
    from IPython.core.formatters import PlainTextFormatter

    text = PlainTextFormatter()(round_sig(0.059648817897326345))
    assert text == "0.0596488"
    assert json.loads(json.dumps(text)) == text


def test_the_precision_is_documented_where_it_is_defined() -> None:
    assert SIGNIFICANT_DIGITS == 6
    assert "six significant digits" in display.__doc__.lower()


def test_table_has_no_index_left_headers_and_shows_missing_cells():
    table = display.table
    html = table(pd.DataFrame({"Strategy": ["A", "B"], "Level": [1, None]}), missing="below 2").data
    assert "<th>Strategy</th>" in html and "text-align: left" in html
    assert "below 2" in html and "<th></th>" not in html  # no index column
    with pytest.raises(TypeError, match="needs a DataFrame"):
        table([1, 2])


# ---- the chapters store what a reader sees --------------------------------------------------

CHAPTERS = sorted((Path(__file__).resolve().parents[1] / "chapters").glob("*.ipynb"))
GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`(\w+)(?::([^`]+))?`")


def stored_glue(path: Path) -> dict[str, object]:
    nb = nbformat.read(path, as_version=4)
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            if text is not None:
                try:
                    values[output["metadata"]["scrapbook"]["name"]] = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    values[output["metadata"]["scrapbook"]["name"]] = text
    return values


def significant_digits(shown: str) -> int:
    digits = re.sub(r"[^0-9]", "", shown).lstrip("0")
    return len(digits)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_glued_floats_are_stored_at_the_display_precision(path: Path) -> None:
    for name, value in stored_glue(path).items():
        if isinstance(value, float):
            assert value == round_sig(value), f"{path.name}: {name} = {value!r} (use glue_number)"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_prose_shows_no_more_digits_than_are_stored(path: Path) -> None:
    values = stored_glue(path)
    markdown = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)
    for name, spec in GLUE_ROLE.findall(markdown):
        value = values[name]
        if isinstance(value, float):
            shown = format(value, spec or "")
            assert significant_digits(shown) <= SIGNIFICANT_DIGITS, f"{name}: {shown}"


def test_significant_digits_of_shown_numbers() -> None:
    assert significant_digits("67,981") == 5
    assert significant_digits("0.0066") == 2
    assert significant_digits("-12%") == 2
    assert significant_digits("+0.450") == 3
