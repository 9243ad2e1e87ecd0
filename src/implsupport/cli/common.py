"""What every subcommand shares: the usage error, the parser and reading a researcher's CSV."""

from __future__ import annotations

import argparse
import os
from typing import Any, NoReturn

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A mistake in how the command was called or in the user's input."""


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def read_csv(
    path: str, dtype: dict[str, Any] | None = None, *, only_blank_is_missing: bool = False
):
    """Read a researcher's CSV; any failure becomes a one-line UsageError naming the file.

    ``only_blank_is_missing`` keeps text such as "NA" as written (for coded data), so that only
    empty cells are missing values.
    """
    import pandas as pd

    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    if os.path.isdir(path):
        raise UsageError(f"{path}: is a folder, not a CSV file")
    try:
        with open(path, "rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        raise UsageError(f"{path}: cannot be opened ({exc.strerror or exc})") from exc
    if b"\x00" in head:
        raise UsageError(f"{path}: cannot be read as a CSV file (it contains binary data)")
    na_options = {"keep_default_na": False, "na_values": [""]} if only_blank_is_missing else {}
    # UTF-8 (with or without a byte-order mark) first; files saved by spreadsheet programs in
    # a Western single-byte encoding are read as Latin-1 rather than refused.
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            frame = pd.read_csv(path, encoding=encoding, dtype=dtype, **na_options)
            break
        except UnicodeDecodeError:
            continue
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            detail = " ".join(str(exc).split())
            raise UsageError(f"{path}: cannot be read as a CSV file ({detail})") from exc
    if frame.empty:
        raise UsageError(f"{path}: the file has no data rows")
    return frame


def column(frame: Any, name: str, path: str) -> Any:
    """The column ``name`` of ``frame``, or a UsageError naming the file and the columns found."""
    if name not in frame.columns:
        found = ", ".join(map(str, frame.columns))
        raise UsageError(f"{path}: no column {name!r} (columns found: {found})")
    return frame[name]


def name_list(text: str, what: str) -> list[str]:
    """'A, B,C' -> ['A', 'B', 'C']; an empty list is a UsageError naming the option."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError(f"{what}: give one or more names separated by commas")
    return names
