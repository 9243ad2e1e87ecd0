"""The warm kernels of the other-machine notebook passes (tools/forked_kernel.py).

A forked kernel must look, to a notebook, like a fresh one: the checks here compare what a
notebook can see in each, side by side, and that a forked kernel can be interrupted.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.manager import KernelManager
from nbval.kernel import CURRENT_ENV_KERNEL_NAME, NbvalKernelspecManager
from scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
forked_kernel = load_script(ROOT / "tools" / "forked_kernel.py")

CHAPTERS = ROOT / "chapters"
# What a notebook sees of its kernel, as JSON on stdout.
PROBE = """
import json, os, sys, warnings
import matplotlib, pandas as pd
print(json.dumps({
    "cwd": os.getcwd(),
    "path": sys.path,
    "argv0": os.path.basename(sys.argv[0]),
    "env": sorted(k for k in os.environ if not k.startswith(("JPY_", "PYTEST_"))),
    "max_columns": pd.get_option("display.max_columns"),
    "encoding": pd.get_option("display.encoding"),
    "backend": matplotlib.get_backend(),
    "stdout": type(sys.stdout).__name__,
    "filters": [(f[0], str(f[2])) for f in warnings.filters][:6],
    "ipython": type(get_ipython()).__name__,
}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[object]:
    with forked_kernel.ForkServer(
        dict(os.environ), CHAPTERS, ["numpy", "pandas", "matplotlib.pyplot"]
    ) as started:
        yield started


def start(kernel_name: str) -> tuple[KernelManager, object]:
    # Kernelspecs as nbval finds them: CURRENT_ENV_KERNEL_NAME is this Python's own kernel, as
    # the default notebook pass starts it (--nbval-current-env).
    manager = KernelManager(kernel_name=kernel_name, kernel_spec_manager=NbvalKernelspecManager())
    manager.start_kernel(cwd=str(CHAPTERS))
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return manager, client


def run(client: object, code: str, timeout: float = 60) -> str:
    """Run ``code``; return what it printed."""
    printed: list[str] = []

    def output(message: dict) -> None:
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])

    client.execute_interactive(code, output_hook=output, timeout=timeout)
    return "".join(printed)


def test_a_forked_kernel_looks_like_a_fresh_one_and_can_be_interrupted(server, monkeypatch) -> None:
    fresh_manager, fresh = start(CURRENT_ENV_KERNEL_NAME)
    try:
        seen_fresh = run(fresh, PROBE)
    finally:
        fresh.stop_channels()
        fresh_manager.shutdown_kernel(now=True)
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)  # where the kernelspec of the forked kernels is
    manager, client = start(server.kernel_name)
    try:
        seen_forked = run(client, PROBE)
        assert json.loads(seen_forked) == json.loads(seen_fresh)
        assert json.loads(seen_forked)["max_columns"] == 20  # as in a kernel, not a terminal
        # It was forked: it did not start a Python of its own.
        pid = run(client, "import os; print(os.getpid(), os.getppid())")
        assert int(pid.split()[1]) == server.process.pid
        # Interrupted as jupyter_client interrupts a kernel (SIGINT), it goes on working.
        client.execute("import time; time.sleep(60)")
        while client.get_iopub_msg(timeout=10)["content"].get("execution_state") != "busy":
            pass
        time.sleep(0.5)  # into the sleep
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=10)
        assert reply["content"]["status"] == "error"
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        answer = run(client, "print(6 * 7)")
        assert answer.strip() == "42"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert not manager.is_alive()


def test_modules_are_read_from_the_notebooks_imports(tmp_path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_code_cell("%matplotlib inline\nimport numpy as np\nfrom pandas import DataFrame"),
            new_code_cell("from . import nothing\nimport os.path"),
            new_code_cell("this is not Python"),
        ]
    )
    nbformat.write(nb, tmp_path / "a.ipynb")
    found = forked_kernel.modules_imported_by([tmp_path / "a.ipynb"])
    assert found == ["numpy", "pandas", "pandas.DataFrame", "os.path"]


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "noisy.py").write_text("import sys\nsys.stdout.write('hello')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    with pytest.raises(forked_kernel.ServerError) as caught:
        forked_kernel.ForkServer(env, CHAPTERS, ["noisy"], timeout=60)
    assert "stdout" in str(caught.value)
