"""Shared fixtures: paths of the repository and a scratch copy of its data folder."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Figures a test leaves open are closed, so that a worker does not pile them up."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A private copy of data/ that a test may damage without touching the real one."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


# ---- sharing the work between the test workers (pytest-xdist) -----------------------------

#: Modules that build something once for all their tests (a graded batch of submissions, the
#: PDF, the learner site): each runs on one worker.
ONE_WORKER_MODULES = (
    "tests/test_course.py",
    "tests/website/test_pdf.py",
    "tests/test_course_handouts.py",
)
#: Work that takes longest starts first, so that no worker is left waiting at the end:
#: those modules, then the chapters, then the site's pages.
LONGEST_FIRST = (*ONE_WORKER_MODULES, "chapters/", "tests/website/")
#: The page a site test is about, when its parameter names one ("chapters/x.html", "390-...").
PAGE_PARAMETER = re.compile(r"\[(?:[^\]]*-)?([\w/.-]+\.html)\]$")


def work_unit(nodeid: str) -> str:
    """The unit a test belongs to; the tests of one unit run on one worker, in order.

    A notebook's cells run in order in one kernel; a module of ONE_WORKER_MODULES shares what
    it built; the tests of one page share one visit to it (tests/website/surveys.py). Any
    other test is a unit of its own.
    """
    path = nodeid.split("::", 1)[0]
    if path.endswith(".ipynb") or path in ONE_WORKER_MODULES:
        return path
    page = PAGE_PARAMETER.search(nodeid)
    return f"page {page.group(1)}" if page else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadscope``, with the units of :func:`work_unit` as its scopes."""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class WorkUnitScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return WorkUnitScheduling(config, log)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def start(item: pytest.Item) -> int:
        return next(
            (i for i, prefix in enumerate(LONGEST_FIRST) if item.nodeid.startswith(prefix)),
            len(LONGEST_FIRST),
        )

    items.sort(key=start)  # stable: the order within a unit is kept
