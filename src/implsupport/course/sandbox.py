"""Running a learner's notebook: a fresh kernel in a bubblewrap sandbox, under a time limit.

The kernel runs inside ``bwrap`` (Debian's ``bubblewrap``) with

- a filesystem of its own: the system's programs and libraries (``/usr``), the Python
  installation and the packages the book needs, all read-only, and one writable folder (the
  submission's temporary folder, also its ``HOME``) holding a copy of the book's data. Nothing
  else of the trainer's exists there: no home folder, no book folder (so no answer keys), no
  keys, no other submissions, no ``/etc`` beyond fonts and the library cache;
- its own process namespace (``/proc`` shows only the sandbox's processes, not the grader's
  command line), no network (the kernel talks to the grader over Unix sockets in its folder),
  no capabilities, and a new session; it dies with the grader.

Without bubblewrap the kernel can run only if the trainer asks for it explicitly
(``sandbox=False``), and it then runs as the trainer, who is warned.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import nbformat

#: Largest file a graded notebook's kernel may write (bytes); beyond it the kernel is stopped.
MAX_FILE_BYTES = 64 * 1024 * 1024
KERNEL_NAME = "implsupport-grading"


def bubblewrap() -> str | None:
    """The path of a working ``bwrap``, or None if it is missing or cannot make a sandbox."""
    found = shutil.which("bwrap")
    if found is None:
        return None
    probe = [*sandbox_argv(found, None), "/usr/bin/true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return found if done.returncode == 0 else None


def _python_roots() -> list[Path]:
    """Folders the kernel's Python needs: the installation, the environment, the package."""
    import implsupport

    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    package = Path(implsupport.__file__).resolve().parent.parent  # site-packages or src/
    roots.add(package)
    kept: list[Path] = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        if not any(root.is_relative_to(k) for k in kept) and not root.is_relative_to("/usr"):
            kept.append(root)
    return kept


def sandbox_argv(bwrap: str, work: Path | None) -> list[str]:
    """The ``bwrap`` command line that runs a kernel with only ``work`` writable."""
    argv = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    # The grader's process id means nothing in the sandbox's process namespace: without this
    # the kernel would take its parent for gone and stop (it dies with the grader anyway).
    argv += ["--unsetenv", "JPY_PARENT_PID", "--hostname", "grading", "--ro-bind", "/usr", "/usr"]
    for link in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / link
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    for extra in ("/etc/fonts", "/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime"):
        if Path(extra).exists():
            argv += ["--ro-bind", extra, extra]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for root in _python_roots():
        argv += ["--ro-bind", str(root), str(root)]
    if work is not None:
        argv += ["--bind", str(work), str(work), "--chdir", str(work / "chapters")]
    return argv


def _limit_resources() -> None:  # runs in the kernel's process before it starts
    import resource

    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def kernel_env(work: Path, sandboxed: bool) -> dict[str, str]:
    """A small environment: HOME and every cache in the temporary folder, no other secrets."""
    env = {
        "HOME": str(work),
        "TMPDIR": str(work / "tmp"),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(work / "tmp" / "matplotlib"),
        "IPYTHONDIR": str(work / "tmp" / "ipython"),
        "XDG_CACHE_HOME": str(work / "tmp" / "cache"),
        "XDG_CONFIG_HOME": str(work / "tmp" / "config"),
        "IMPLSUPPORT_DATA": str(work / "data"),
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if not sandboxed and os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    for name in OPENBLAS_SETTINGS:  # the machine's numerical library settings
        if os.environ.get(name):
            env[name] = os.environ[name]
    (work / "tmp").mkdir(parents=True, exist_ok=True)
    return env


OPENBLAS_SETTINGS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OMP_NUM_THREADS")


def error_text(output: dict) -> str:
    return f"{output.get('ename', 'Error')}: {output.get('evalue', '')}".strip().rstrip(":")


def _kernel_manager(work: Path, bwrap: str | None):
    """A kernel manager whose kernel runs in the sandbox (Unix sockets) or, unsafely, not."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    run = work / "run"
    spec_dir = run / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    launch = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    argv = [*sandbox_argv(bwrap, work), *launch] if bwrap else launch
    spec = {"argv": argv, "display_name": "Python 3 (grading)", "language": "python"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    specs = KernelSpecManager(kernel_dirs=[str(run / "kernels")])
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    km.connection_file = str(run / "connection.json")
    if bwrap:  # no network in the sandbox: Unix sockets in the shared folder
        km.transport, km.ip = "ipc", str(run / "kernel")
    return km


def execute(
    nb: nbformat.NotebookNode, work: Path, timeout: float, bwrap: str | None
) -> tuple[str, str]:
    """Run ``nb`` in a fresh kernel in ``work``; return (status, detail). Outputs land in nb."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    cwd = work / "chapters"
    cwd.mkdir(parents=True, exist_ok=True)
    km = _kernel_manager(work, bwrap)
    client = NotebookClient(
        nb,
        km=km,
        timeout=max(1, math.ceil(timeout)),
        allow_errors=True,
        record_timing=False,
        shutdown_kernel="immediate",
        startup_timeout=120,
        resources={"metadata": {"path": str(cwd)}},
    )
    status, detail = "completed", ""
    pgid = None
    try:
        with (
            warnings.catch_warnings(),
            client.setup_kernel(
                env=kernel_env(work, bwrap is not None),
                cwd=str(cwd),
                preexec_fn=_limit_resources,
                stdout=subprocess.DEVNULL,  # the kernel's own console chatter
                stderr=subprocess.DEVNULL,
            ),
        ):
            warnings.simplefilter("ignore")
            pgid = getattr(km.provisioner, "pgid", None)
            deadline = time.monotonic() + timeout
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CellTimeoutError("time limit reached")
                client.timeout = max(1, math.ceil(remaining))
                client.execute_cell(cell, index)
    except CellTimeoutError:
        status, detail = "timeout", f"stopped after the time limit of {timeout:g} s"
    except DeadKernelError:
        status, detail = "kernel-died", "the kernel died while running the notebook"
    except Exception as exc:  # the batch goes on whatever one notebook does
        status, detail = "error", f"could not run the notebook: {type(exc).__name__}: {exc}"
    finally:
        # Stop anything the notebook started in the kernel's process group.
        if pgid is not None and pgid != os.getpgid(0):
            with contextlib.suppress(OSError):
                os.killpg(pgid, signal.SIGKILL)
    return status, detail
