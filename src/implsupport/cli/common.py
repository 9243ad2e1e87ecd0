"""What every subcommand shares: the usage error, the parser, reading a researcher's CSV,
turning library warnings into one-line notes, and the output options (`--json`, `--plot`, text
tables) that make each command scriptable.

A command that reads a CSV calls :func:`add_csv_options` on its parser and passes
``sep=args.sep, decimal=args.decimal`` to :func:`read_csv`. :func:`run_command` runs a command
so that a failure writes nothing to stdout and a library warning reaches the user only as an
``implsupport: note: ...`` line.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

#: How the CSV options name separators that are awkward to type.
SEPARATOR_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";"}


class UsageError(Exception):
    """A mistake in how the command was called or in the user's input."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


# ---- messages -------------------------------------------------------------------------------

_NUMPY_REPR = re.compile(
    r"np\.(?:int|uint|float|complex)\d*\(([^()]*)\)|np\.(?:str_|bool_?)\(([^()]*)\)"
)


def plain(text: str) -> str:
    """``text`` without numpy reprs: ``[np.int64(1), np.str_('a')]`` reads ``[1, 'a']``."""
    return _NUMPY_REPR.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)


def note(message: str) -> None:
    """Tell the user something that matters, as one line on stderr."""
    print(f"implsupport: note: {' '.join(plain(message).split())}", file=sys.stderr)


@contextlib.contextmanager
def warnings_as_notes() -> Iterator[list[str]]:
    """Collect the warnings raised inside, as the one-line notes to show (each once).

    A warning's text is kept (its first line, without numpy reprs); the file name, line number
    and category that Python prints with it are not, since they say nothing to a user.
    """
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        yield notes
    for warning in caught:
        text = str(warning.message).strip().splitlines()
        line = " ".join(plain(text[0]).split()) if text else type(warning.message).__name__
        if line not in notes:
            notes.append(line)


def run_command(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run a subcommand: its output reaches stdout only if it does not fail.

    A user's mistake (UsageError, or the ValueError / TypeError / OSError of a public function)
    is one ``implsupport: error:`` line on stderr and exit status 2, with nothing on stdout.
    Warnings become ``implsupport: note:`` lines.
    """
    output = io.StringIO()
    with warnings_as_notes() as notes:
        try:
            with contextlib.redirect_stdout(output):
                code = func(args)
        except (UsageError, ValueError, TypeError, OSError) as exc:
            # ValueError covers data.DataError and the argument checks of every public function.
            failure: Exception | None = exc
        else:
            failure = None
    if failure is not None:
        print(f"implsupport: error: {' '.join(plain(str(failure)).split())}", file=sys.stderr)
        return EXIT_USAGE
    sys.stdout.write(output.getvalue())
    sys.stdout.flush()
    for line in notes:
        note(line)
    return code


# ---- reading a researcher's CSV -------------------------------------------------------------


def _separator(text: str) -> str:
    sep = SEPARATOR_NAMES.get(text.lower(), text)
    if len(sep) != 1 or sep in "\"'\n\r" or sep.isalnum():
        raise argparse.ArgumentTypeError(
            f"give one character such as ',' or ';' (or 'tab'); got {text!r}"
        )
    return sep


def add_csv_options(parser: argparse.ArgumentParser) -> None:
    """``--sep`` and ``--decimal``, for CSV files saved with other conventions."""
    group = parser.add_argument_group("reading the CSV")
    group.add_argument(
        "--sep",
        type=_separator,
        default=",",
        metavar="CHAR",
        help="field separator (default ','; ';' for files saved by spreadsheets in many European "
        "locales; 'tab' for tab-separated)",
    )
    group.add_argument(
        "--decimal",
        choices=[".", ","],
        default=".",
        help="decimal mark in numbers (default '.'; ',' for numbers written like 3,5)",
    )


def _show(sep: str) -> str:
    return "tab" if sep == "\t" else repr(sep)


#: A blank line (nothing but white space) at the start, and one between two line breaks, in a
#: text whose only line breaks are "\n" (two patterns: each alone is searched quickly).
_BLANK_FIRST_LINE = re.compile(r"[^\S\n]*\n")
_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")
#: The first line of a text.
_FIRST_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*")


def _has_no_blank_line(text: str) -> bool:
    """True when the text surely has no blank line, found quickly for the usual files: ASCII
    with "\n" or "\r\n" line ends. False when it may have one (then look line by line)."""
    if not text.isascii() or any(c in text for c in "\v\f\x1c\x1d\x1e"):
        return False  # other characters that str.splitlines() takes as line breaks
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:
            return False
    return not _BLANK_FIRST_LINE.match(text) and not _BLANK_LINE.search(text)


def _check_blank_lines(path: str, text: str) -> None:
    """A blank line before the last line with content is refused: it would silently vanish."""
    if _has_no_blank_line(text):
        return
    lines = text.splitlines()
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for number, line in enumerate(lines[:last], start=1):
        if not line.strip():
            raise UsageError(
                f"{path}: line {number} is blank; a blank line inside the data is ambiguous "
                "(a missing value? a row left out?): delete it or fill in the value"
            )


_DECIMAL_COMMA = re.compile(r"^\s*[+-]?\d+(,\d+)?\s*$")


def _check_conventions(path: str, frame: Any, header: str, sep: str, decimal: str) -> None:
    """Refuse a file that was evidently saved with another separator or decimal mark."""
    import pandas as pd

    if frame.shape[1] == 1:
        for other in (";", ",", "\t"):
            if other != sep and other in header:
                kind = {";": "semicolon", ",": "comma", "\t": "tab"}[other]
                hint = "" if other != ";" else " (and --decimal ',' if numbers read like 3,5)"
                raise UsageError(
                    f"{path}: the file looks {kind}-separated (its header is {header.strip()!r}); "
                    f"read it with --sep {_show(other)}{hint}"
                )
    if decimal == ".":
        for name in frame.columns:
            values = frame[name].dropna()
            if pd.api.types.is_numeric_dtype(values):
                continue
            text = values.astype(str)
            with_comma = text[text.str.contains(",", regex=False)]
            # Every value a number, some written with a decimal comma: 3,5 or 12.
            if len(with_comma) and text.str.match(_DECIMAL_COMMA).all():
                raise UsageError(
                    f"{path}: column {name!r} holds numbers with a decimal comma (such as "
                    f"{with_comma.iloc[0].strip()!r}); read it with --decimal ','"
                )


def read_csv(
    path: str,
    dtype: dict[str, Any] | None = None,
    *,
    only_blank_is_missing: bool = False,
    sep: str = ",",
    decimal: str = ".",
    columns: Sequence[str] | None = None,
):
    """Read a researcher's CSV; any failure becomes a one-line UsageError naming the file.

    ``sep`` and ``decimal`` are the field separator and decimal mark (see
    :func:`add_csv_options`). A file that evidently uses another separator or decimal mark is
    refused with a message naming the option that reads it; so is a blank line inside the
    data. ``only_blank_is_missing`` keeps text such as "NA" as written (for coded data), so
    that only empty cells are missing values. ``columns``: the columns the command uses; only
    they are read and checked (when the file has them all), so other columns may hold
    anything.
    """
    import pandas as pd

    if sep == decimal:
        raise UsageError(f"--sep and --decimal cannot both be {_show(sep)}")
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a CSV file")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be opened ({exc.strerror or exc})") from exc
    if b"\x00" in raw[:65536]:
        raise UsageError(f"{path}: cannot be read as a CSV file (it contains binary data)")
    # UTF-8 (with or without a byte-order mark) first; files saved by spreadsheet programs in
    # a Western single-byte encoding are read as Latin-1 rather than refused.
    encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"
        text = raw.decode(encoding)
    _check_blank_lines(path, text)
    # No blank line comes before content, so the header is the first line (if any).
    header = _FIRST_LINE.match(text).group() if text.strip() else ""
    options: dict[str, Any] = {"dtype": dtype, "sep": sep, "decimal": decimal}
    if only_blank_is_missing:
        options.update(keep_default_na=False, na_values=[""])
    # The parser reads the bytes (quicker than the decoded text); ``usecols`` only when every
    # wanted column is in the header, so that a missing one gets the usual message.
    if columns is not None:
        names = pd.read_csv(io.StringIO(header), sep=sep, nrows=0).columns if header else []
        wanted = set(columns)
        if wanted <= set(names):
            options["usecols"] = lambda name: name in wanted
    try:
        frame = pd.read_csv(io.BytesIO(raw), encoding=encoding, **options)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        detail = " ".join(str(exc).split())
        hint = ""
        if sep == "," and ";" in header:
            hint = "; it looks semicolon-separated: read it with --sep ';' (and --decimal ',')"
        raise UsageError(f"{path}: cannot be read as a CSV file ({detail}){hint}") from exc
    if frame.empty:
        raise UsageError(f"{path}: the file has no data rows")
    _check_conventions(path, frame, header, sep, decimal)
    return frame


def column(frame: Any, name: str, path: str) -> Any:
    """The column ``name`` of ``frame``, or a UsageError naming the file and the columns found."""
    if name not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise UsageError(f"{path}: no column {name!r} (columns found: {found})")
    return frame[name]


def numbers(values: Any, name: str, path: str) -> Any:
    """A column as floats, or a UsageError naming the file line of the first empty or bad cell.

    Line numbers count the header as line 1 (:func:`read_csv` refuses blank lines, so row ``i``
    of the frame is line ``i + 2``).
    """
    import pandas as pd

    converted = pd.to_numeric(values, errors="coerce")
    bad = converted.isna().to_numpy()
    if bad.any():
        position = int(bad.argmax())
        raw = values.iloc[position]
        what = "is empty" if pd.isna(raw) else f"holds {str(raw)!r}, which is not a number"
        raise UsageError(f"{path}: line {position + 2}: column {name!r} {what}")
    return converted.astype(float)


def name_list(text: str, what: str) -> list[str]:
    """'A, B,C' -> ['A', 'B', 'C']; an empty list is a UsageError naming the option."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{what}: give one or more names separated by commas")
    return names


# ---- Output for scripts: --json, --plot and text tables ---------------------------------------

#: Version of the JSON documents the commands print. It changes only when a key is removed or
#: its meaning changes; new keys may be added within a version.
JSON_SCHEMA = 1

#: The suffixes --plot accepts, and the format each one means.
FIGURE_FORMATS = {".svg": "svg", ".png": "png"}

_JSON_HELP = (
    "print one JSON object instead of the text report (schema {schema}: every document has "
    "'schema', 'command' and 'implsupport_version'; counts are integers, a value that cannot "
    "be computed is null)"
)


def add_output_options(
    parser: argparse.ArgumentParser, plot: bool = False, *, fields: str | None = None
) -> None:
    """Add ``--json`` (and, with ``plot=True``, ``--plot FILE.svg|png``) to a subcommand.

    ``fields`` describes the command's own JSON keys; it is added to the command's ``--help``
    so that the schema is documented where a script's author looks for it.
    """
    parser.add_argument("--json", action="store_true", help=_JSON_HELP.format(schema=JSON_SCHEMA))
    if plot:
        parser.add_argument(
            "--plot",
            metavar="FILE.svg|FILE.png",
            type=figure_path,
            help="also draw the figure to FILE (SVG or PNG, chosen by the suffix); an existing "
            "file is replaced only once the new figure is complete, and not at all on failure",
        )
    if fields:
        schema = f"JSON keys (--json, schema {JSON_SCHEMA}): schema, command, " + (
            f"implsupport_version, {fields}"
        )
        parser.epilog = f"{parser.epilog} {schema}" if parser.epilog else schema


def figure_path(text: str) -> str:
    """Check a --plot file name before anything is computed: suffix, folder, not a folder."""
    suffix = os.path.splitext(text)[1].lower()
    if suffix not in FIGURE_FORMATS:
        raise argparse.ArgumentTypeError(
            f"the figure's file name must end in .svg or .png; got {text!r}"
        )
    folder = os.path.dirname(text) or "."
    if not os.path.isdir(folder):
        raise argparse.ArgumentTypeError(f"no such folder for the figure: {folder}")
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text} is a folder, not a file name")
    if not os.access(folder, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write to the folder {folder}")
    return text


def json_value(value: Any) -> Any:
    """``value`` as plain JSON: numpy and pandas scalars unwrapped, NaN and infinity as null.

    Integers stay integers (a numpy ``int64`` becomes ``int``); floats are not rounded.
    """
    import math

    import numpy as np

    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, np.ndarray):
        return [json_value(v) for v in value.tolist()]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    if value is None or isinstance(value, str):
        return value
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def frame_records(frame: Any) -> list[dict[str, Any]]:
    """A table as a list of row objects, with JSON types (see :func:`json_value`)."""
    return [json_value(row) for row in frame.to_dict(orient="records")]


def json_text(command: str, payload: dict[str, Any]) -> str:
    """The JSON document of ``command`` (e.g. ``"sustainment km"``), versioned."""
    import json

    from .. import __version__

    head = {"schema": JSON_SCHEMA, "command": command, "implsupport_version": __version__}
    clash = sorted(set(head) & set(payload))
    if clash:
        raise ValueError(f"payload keys {clash} are reserved for the document's header")
    return json.dumps(json_value({**head, **payload}), indent=2, allow_nan=False)


def emit_json(command: str, payload: dict[str, Any]) -> None:
    """Print the JSON document of ``command``. Call it last, once everything is computed."""
    print(json_text(command, payload))


def save_figure(fig: Any, path: str) -> str:
    """Write ``fig`` to ``path`` (.svg or .png) without ever leaving a partial file.

    The figure goes to a temporary file in the same folder, which then replaces ``path`` in one
    step: an existing file is kept if anything fails. SVG carries no date and fixed element ids,
    so the same figure gives the same bytes. The figure is closed afterwards.
    """
    import tempfile

    import matplotlib as mpl
    import matplotlib.pyplot as plt

    try:
        fmt = FIGURE_FORMATS[os.path.splitext(path)[1].lower()]
    except KeyError:
        raise UsageError(f"the figure's file name must end in .svg or .png; got {path!r}") from None
    folder = os.path.dirname(path) or "."
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".implsupport-", suffix="." + fmt)
    try:
        with os.fdopen(handle, "wb") as stream, mpl.rc_context({"svg.hashsalt": "implsupport"}):
            fig.savefig(stream, format=fmt, metadata=metadata, bbox_inches="tight")
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    finally:
        plt.close(fig)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def table_text(
    frame: Any,
    digits: int | dict[str, int | str] = 4,
    *,
    index: bool = False,
    missing: str = "NA",
) -> str:
    """A table for the terminal: floats to a fixed number of decimals, integers as integers.

    ``digits`` is one number of decimals for every float column, or one per column (a column
    not named gets 4); a text value such as ``".6g"`` is a format specification instead, for
    columns whose values differ in scale. Columns are right-aligned and two spaces apart; a
    missing value prints as ``missing``.
    """
    import pandas as pd

    columns = [str(c) for c in frame.columns]
    cells, right = [], []
    for name, values in zip(columns, (frame[c] for c in frame.columns), strict=True):
        places = digits.get(name, 4) if isinstance(digits, dict) else digits
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_object_dtype(values):
            cells.append([_cell(v, places, missing) for v in values])
            numeric = numeric or all(
                isinstance(v, int | float) and not isinstance(v, bool) for v in values.dropna()
            )
        else:
            cells.append([_cell(v, places, missing) for v in values])
        right.append(numeric)
    if index:
        columns.insert(0, "")
        cells.insert(0, [str(v) for v in frame.index])
        right.insert(0, False)
    widths = [max([len(n), *map(len, col)]) for n, col in zip(columns, cells, strict=True)]
    rows = [columns, *zip(*cells, strict=True)] if cells else [columns]
    return "\n".join(
        "  ".join(
            v.rjust(w) if r else v.ljust(w) for v, w, r in zip(row, widths, right, strict=True)
        ).rstrip()
        for row in rows
    )


def _cell(value: Any, places: int | str, missing: str) -> str:
    import math

    import numpy as np

    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return missing
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        return format(value, places) if isinstance(places, str) else f"{value:.{places}f}"
    return str(value)
