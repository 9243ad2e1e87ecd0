"""Shared fixtures: paths of the repository and a scratch copy of its data folder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may damage without touching the real one."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target
