"""Messy and wrong input through the command line: each fails safely, or is read correctly.

Failing safely means: exit status 2, nothing on stdout, one ``implsupport: error:`` line on
stderr that names the problem, and no traceback, library warning or numpy repr.
"""

from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from implsupport import cli
from implsupport.cli import common

COUNTS = [130, 182, 277, 365, 460, 530, 595, 587, 508, 411, 306, 197]


def counts_csv(sep: str = ",", blank_after: int | None = None) -> str:
    rows = [f"year{sep}adoptions"] + [f"{2000 + i}{sep}{c}" for i, c in enumerate(COUNTS, 1)]
    if blank_after is not None:
        rows.insert(blank_after, "")
    return "\n".join(rows) + "\n"


FILES: dict[str, str | bytes] = {
    "counts.csv": counts_csv(),
    "european.csv": counts_csv(";"),
    "european_decimal.csv": "year;adoptions\n"
    + "".join(f"{2000 + i};{c},0\n" for i, c in enumerate(COUNTS, 1)),
    "one_column_blank.csv": "adoptions\n"
    + "\n".join(map(str, COUNTS[:3]))
    + "\n\n"
    + "\n".join(map(str, COUNTS[3:]))
    + "\n",
    "trailing_blank.csv": "adoptions\n" + "\n".join(map(str, COUNTS)) + "\n\n\n",
    "missing_count.csv": counts_csv().replace("2003,277", "2003,"),
    "text_count.csv": counts_csv().replace("2003,277", "2003,n/a yet"),
    "binary.csv": b"\x00\x01\x02adoptions\n",
    "header_only.csv": "year,adoptions\n",
    "services.csv": "service,years,closed\nA,2,1\nB,5,1\nC,12,0\n",
    "services_events.csv": "service,years,closed\nA,2,1\nB,5,2\nC,12,0\n",
    "qca.csv": "case,A,B,Y\nc1,1,0,1\nc2,0,1,0\nc3,1,1,1\nc4,0,0,0\n",
    "qca_missing.csv": "case,A,B,Y\nc1,1,0,1\nc2,,1,0\nc3,1,1,1\nc4,0,0,0\n",
    "qca_raw.csv": "case,A,B,Y\nc1,1,0,1\nc2,7,1,0\nc3,1,1,1\nc4,0,0,0\n",
    "qca_european.csv": "case;A;B;Y\nc1;1;0;1\nc2;0,5;1;0\nc3;1;1;1\nc4;0;0;0\n",
    "pathways_european.csv": "practitioner;stage;model\np1;1;push\np1;2;pull\n",
}


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, content in FILES.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (tmp_path / "folder.csv").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


FIT = ["diffusion", "fit"]
QCA = ["cases", "qca", "--conditions", "A,B", "--outcome", "Y", "--case-column", "case"]

#: (arguments, words the one error line must contain)
FAILURES = [
    ([*FIT, "european.csv", "--counts", "adoptions"], ["semicolon-separated", "--sep ';'"]),
    (
        [*FIT, "european_decimal.csv", "--counts", "adoptions", "--sep", ";"],
        ["decimal comma", "--decimal ','"],
    ),
    (
        [*FIT, "european_decimal.csv", "--counts", "adoptions"],
        ["semicolon-separated", "--sep ';'", "--decimal ','"],
    ),
    ([*FIT, "counts.csv", "--counts", "adoptions", "--sep", ";"], ["comma-separated", "--sep ','"]),
    ([*FIT, "one_column_blank.csv", "--counts", "adoptions"], ["line 5 is blank"]),
    ([*FIT, "missing_count.csv", "--counts", "adoptions"], ["line 4", "'adoptions' is empty"]),
    ([*FIT, "text_count.csv", "--counts", "adoptions"], ["line 4", "'n/a yet'", "not a number"]),
    ([*FIT, "counts.csv", "--counts", "sales"], ["no column 'sales'", "year, adoptions"]),
    ([*FIT, "counts.csv", "--counts", "adoptions", "--time", "when"], ["no column 'when'"]),
    ([*FIT, "nothing.csv", "--counts", "adoptions"], ["nothing.csv: no such file"]),
    ([*FIT, "folder.csv", "--counts", "adoptions"], ["is a folder"]),
    ([*FIT, "binary.csv", "--counts", "adoptions"], ["binary data"]),
    ([*FIT, "header_only.csv", "--counts", "adoptions"], ["no data rows"]),
    ([*FIT, "counts.csv", "--counts", "adoptions", "--sep", ",", "--decimal", ","], ["both"]),
    ([*FIT, "counts.csv", "--counts", "adoptions", "--start", "2000"], ["--start needs --time"]),
    (
        [*FIT, "counts.csv", "--counts", "adoptions", "--time", "year", "--start", "2001"],
        ["must start before it ends"],
    ),
    ([*FIT, "counts.csv", "--counts", "adoptions", "--method", "ols", "--time", "year"], ["ols"]),
    (
        [
            "sustainment",
            "km",
            "services.csv",
            "--duration",
            "years",
            "--event",
            "closed",
            *["--horizon", "20"],
        ],
        ["horizon", "beyond the last observation"],
    ),
    (
        ["sustainment", "km", "services_events.csv", "--duration", "years", "--event", "closed"],
        ["column 'closed'", "0 (censored) or 1", "found 2"],
    ),
    (["sustainment", "km", "european.csv", "--duration", "year", "--event", "x"], ["--sep ';'"]),
    ([*QCA[:2], "qca_missing.csv", *QCA[2:]], ["row 'c2'", "condition 'A'", "missing"]),
    ([*QCA[:2], "qca_raw.csv", *QCA[2:]], ["row 'c2'", "outside [0, 1]", "calibrate"]),
    (
        [*QCA[:2], "qca_european.csv", *QCA[2:], "--sep", ";"],
        ["'A'", "decimal comma", "--decimal ','"],
    ),
    (["careers", "transitions", "pathways_european.csv"], ["semicolon-separated", "--sep ';'"]),
]


@pytest.mark.parametrize(("args", "words"), FAILURES, ids=[" ".join(a) for a, _ in FAILURES])
def test_bad_input_fails_safely(
    files: Path, args: list[str], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no library warning may escape the command line
        code = cli.main(args)
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("implsupport: error: ")
    for word in words:
        assert word in lines[0]
    for leak in ("Traceback", "np.", "Warning", "numpy"):
        assert leak not in lines[0]


def run_ok(args: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_a_european_file_read_with_its_options_gives_the_same_fit(files, capsys) -> None:
    plain = run_ok([*FIT, "counts.csv", "--counts", "adoptions"], capsys)
    european = run_ok(
        [*FIT, "european_decimal.csv", "--counts", "adoptions", "--sep", ";", "--decimal", ","],
        capsys,
    )
    assert european == plain
    semicolon = run_ok(
        [*FIT, "european.csv", "--counts", "adoptions", "--sep", "semicolon"], capsys
    )
    assert semicolon == plain


def test_blank_lines_at_the_end_are_harmless(files, capsys) -> None:
    assert run_ok([*FIT, "trailing_blank.csv", "--counts", "adoptions"], capsys) == run_ok(
        [*FIT, "counts.csv", "--counts", "adoptions"], capsys
    )


def test_calendar_years_as_time(files, capsys) -> None:
    calendar = run_ok([*FIT, "counts.csv", "--counts", "adoptions", "--time", "year"], capsys)
    assert calendar == run_ok([*FIT, "counts.csv", "--counts", "adoptions"], capsys)


def test_every_command_that_reads_a_csv_takes_sep_and_decimal() -> None:
    parser = cli.build_parser()
    readers = 0

    def walk(p: argparse.ArgumentParser, path: list[str]) -> None:
        nonlocal readers
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    walk(child, [*path, name])
        positional = [a for a in p._actions if not a.option_strings and a.dest != "help"]
        takes_csv = any("csv" in f"{a.help} {a.metavar}".lower() for a in positional)
        # logic-model reads YAML or CSV with its own reader, which keeps line numbers.
        if takes_csv and path[:1] != ["logic-model"]:
            readers += 1
            options = {s for a in p._actions for s in a.option_strings}
            assert {"--sep", "--decimal"} <= options, " ".join(path)

    walk(parser, [])
    assert readers >= 7


def fake_command(messages: list[str], fail: bool):
    def command(args: argparse.Namespace) -> int:
        print("a table the user should not see if the command fails")
        for message in messages:
            warnings.warn(message, RuntimeWarning, stacklevel=1)
        if fail:
            raise ValueError(f"bad value {[__import__('numpy').int64(1)]}")
        return 0

    return command


def test_library_warnings_become_one_note_each(capsys) -> None:
    messages = [
        "invalid value encountered in sqrt\nsecond line",
        "invalid value encountered in sqrt\nsecond line",
        "divide by zero",
    ]
    assert common.run_command(fake_command(messages, fail=False), argparse.Namespace()) == 0
    out, err = capsys.readouterr()
    assert out.startswith("a table")
    assert err.splitlines() == [
        "implsupport: note: invalid value encountered in sqrt",
        "implsupport: note: divide by zero",
    ]


def test_a_failing_command_prints_only_its_error(capsys) -> None:
    assert common.run_command(fake_command(["x"], fail=True), argparse.Namespace()) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == "implsupport: error: bad value [1]\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("got [np.int64(1), np.int64(2)]", "got [1, 2]"),
        ("got np.float64(0.5) and np.str_('a')", "got 0.5 and 'a'"),
        ("np.True_ stays", "np.True_ stays"),
        ("plain text (with brackets)", "plain text (with brackets)"),
    ],
)
def test_numpy_reprs_are_removed_from_messages(text: str, expected: str) -> None:
    assert common.plain(text) == expected


def _blank_line_by_line(text: str) -> bool:
    lines = text.splitlines()
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    return any(not line.strip() for line in lines[:last])


@pytest.mark.parametrize("seed", range(4))
def test_quick_blank_line_check_never_misses_one(seed: int) -> None:
    # Random short texts from the characters that matter: line breaks of every kind (str
    # splitlines' list), white space that is not a break, and content.
    rng = np.random.default_rng(seed)
    alphabet = ["a", ",", " ", "\t", "\n", "\r", "\r\n", "\v", "\x1c", "\x85", "\u2028", "\xa0"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet, size=rng.integers(0, 9)))
        if _blank_line_by_line(text):
            assert not common._has_no_blank_line(text), repr(text)
            with pytest.raises(common.UsageError, match="is blank"):
                common._check_blank_lines("f.csv", text)
        else:
            common._check_blank_lines("f.csv", text)


def test_moderation_reads_only_the_columns_it_uses(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=40), rng.normal(size=40)
    rows = ["note;y;x;w"] + [
        f"{i},5;{1 + x[i] * w[i] + rng.normal():.4f};{x[i]:.4f};{w[i]:.4f}" for i in range(40)
    ]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    args = ["moderation", str(tmp_path / "d.csv"), "--sep", ";"]
    args += ["--outcome", "y", "--predictor", "x", "--moderator", "w", "--json"]
    # The unused column "note" holds numbers with a decimal comma; only the used ones count.
    assert cli.main(args) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 40
    assert cli.main([*args[:-1], "--covariates", "note"]) == 2
    assert "decimal comma" in capsys.readouterr().err
