"""show_table: tables a reader can read, with the same HTML on every run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from implsupport.display import show_table


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time_to_50": [1.23456, np.nan],
            "share": [0.5, 0.25],
            "count": pd.array([3, None], dtype="Int64"),
            "service": ["Metro City", None],
        }
    )


def test_no_meaningless_index_rounded_plain_headers_and_no_na_markers() -> None:
    table = show_table(frame(), digits=2)
    html = table._repr_html_()
    assert list(table.frame.columns) == ["Time to 50", "Share", "Count", "Service"]
    assert "1.23" in html and "1.2346" not in html
    for marker in ("NaN", "&lt;NA&gt;", "<NA>", "None", "dtype"):
        assert marker not in html and marker not in repr(table)
    assert 'class="row_heading' not in html  # the 0, 1 index is not shown


def test_a_named_index_is_kept_and_headers_can_be_renamed() -> None:
    data = frame().set_index("service")
    table = show_table(data, headers={"share": "Share of sites"})
    assert list(table.frame.columns)[:2] == ["Service", "Time to 50"]
    assert "Share of sites" in table._repr_html_()


def test_html_is_the_same_on_every_run_and_differs_between_tables() -> None:
    assert show_table(frame())._repr_html_() == show_table(frame())._repr_html_()
    other = frame().assign(share=[0.1, 0.2])
    assert show_table(frame())._repr_html_() != show_table(other)._repr_html_()
    assert "0x" not in repr(show_table(frame()))


def test_bad_input_is_named() -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        show_table([1, 2])
    with pytest.raises(ValueError, match="digits"):
        show_table(frame(), digits=-1)


def test_missing_cells_can_say_what_they_mean() -> None:
    table = show_table(frame(), digits=2, missing="—")
    assert table.frame.iloc[1].tolist() == ["—", "0.25", "—", "—"]


def test_decimals_per_column_and_significant_digits_for_rows_of_different_scales() -> None:
    data = pd.DataFrame({"estimate": [67980.908, 0.0065926, 0.638094], "t": [21.7364, 4.61, 15.4]})
    by_column = show_table(data, digits={"estimate": 1, "T": 2}).frame
    assert by_column["Estimate"].tolist() == ["67,980.9", "0.0", "0.6"]
    assert by_column["T"].tolist() == ["21.74", "4.61", "15.40"]
    assert show_table(data, digits={"t": 1}).frame["Estimate"].tolist()[0] == "67,980.908"
    significant = show_table(data, significant=4).frame
    assert significant["Estimate"].tolist() == ["67,981", "0.006593", "0.6381"]
    assert significant["T"].tolist() == ["21.74", "4.61", "15.4"]  # no meaningless zeros
    with pytest.raises(ValueError, match="significant"):
        show_table(data, significant=0)
    with pytest.raises(ValueError, match="digits"):
        show_table(data, digits={"t": -1})
