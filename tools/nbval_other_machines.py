"""Run the chapter notebook tests (nbval, strict) as other machines would compute them.

A reader's machine may use other OpenBLAS kernels and other numpy SIMD loops than the machine
that saved the notebooks; their results differ in the last bits of a float. Each set-up below
re-runs every chapter under one such configuration, and every stored output must still match.

- ``haswell``: OpenBLAS's Haswell kernels (AVX2 + FMA), as on most Intel laptops and servers.
- ``sandybridge``: OpenBLAS's Sandy Bridge kernels (AVX, no FMA), as on older machines.
- ``zen-avx2``: an AMD Zen 2/3 machine: OpenBLAS's Zen kernels and numpy without AVX-512.

A set-up the running CPU cannot execute, or one that would repeat the default configuration,
is skipped with a one-line note. Usage: ``python tools/nbval_other_machines.py [NAME ...]``.

These passes use warm kernels forked from one server per set-up (``tools/forked_kernel.py``),
started under that set-up's environment so that numpy and OpenBLAS choose their kernels as a
fresh kernel would. Starting a kernel and importing numpy, pandas, scipy, matplotlib, statsmodels
and implsupport costs about a second of CPU per notebook, a third of a pass; forked, it is paid
once per set-up. The state a notebook can see is a fresh kernel's (see that module), and every
stored output is still compared. The default pass of ``make test`` keeps real, fresh kernels, so
the book is still proved to run from nothing. If a server cannot start, its pass uses fresh
kernels and says so in a one-line note.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import forked_kernel

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
PYTHON = sys.executable


@dataclass(frozen=True)
class Setup:
    name: str
    coretype: str  # OPENBLAS_CORETYPE
    cpu_flags: tuple[str, ...]  # /proc/cpuinfo flags the kernels need
    numpy_without_avx512: bool = False
    env: dict[str, str] = field(default_factory=dict)


SETUPS = [
    Setup("haswell", "Haswell", ("avx2", "fma")),
    Setup("sandybridge", "Sandybridge", ("avx",)),
    Setup("zen-avx2", "Zen", ("avx2",), numpy_without_avx512=True),
]


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def probe(env: dict[str, str]) -> tuple[str, list[str]]:
    """The OpenBLAS core numpy loads under ``env`` and the AVX-512 targets numpy dispatches."""
    code = (
        "from numpy._core._multiarray_umath import __cpu_features__ as f, __cpu_dispatch__ as d\n"
        "print(' '.join(t for t in d if f.get(t) and (t.startswith('AVX512') or t == 'X86_V4')))"
    )
    result = subprocess.run(
        [PYTHON, "-c", code],
        env={**os.environ, **env, "OPENBLAS_VERBOSE": "2"},
        capture_output=True,
        text=True,
        check=False,
    )
    core = next(
        (line.split(":", 1)[1].strip() for line in result.stderr.splitlines() if "Core:" in line),
        "unknown",
    )
    return core, result.stdout.split()


def environment(setup: Setup, flags: set[str]) -> tuple[dict[str, str] | None, str]:
    """The environment that runs ``setup``, or None and the reason it cannot run here."""
    missing = [f for f in setup.cpu_flags if f not in flags]
    if missing:
        return None, f"this CPU lacks {', '.join(missing)}"
    env = {"OPENBLAS_CORETYPE": setup.coretype, **setup.env}
    default_core, avx512 = probe({})
    core, _ = probe(env)
    described = [f"OpenBLAS {core} kernels"]
    if setup.numpy_without_avx512:
        if avx512:
            env["NPY_DISABLE_CPU_FEATURES"] = " ".join(avx512)
            described.append("numpy without AVX-512")
        else:
            described.append("numpy without AVX-512 (as by default on this CPU)")
    if core == default_core and "NPY_DISABLE_CPU_FEATURES" not in env:
        return None, f"OpenBLAS already uses its {core} kernels by default here"
    return env, ", ".join(described)


class Sessions:
    """The pytest sessions running, so that Ctrl-C can stop each once, and no new one starts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: list[subprocess.Popen[str]] = []
        self.stopping = False

    def stop(self) -> None:
        with self.lock:
            self.stopping = True
            for process in self.running:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGINT)


def pytest(env: dict[str, str], kernel: list[str], sessions: Sessions) -> tuple[int, str]:
    """One nbval session over the chapters, with ``kernel`` naming the kernels it starts."""
    with sessions.lock:
        if sessions.stopping:
            return 130, "interrupted before it started"
        process = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "--nbval",
                "--nbval-sanitize-with",
                "tests/nbval_sanitize.cfg",
                *kernel,
                "chapters",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # Ctrl-C reaches it once, through Sessions.stop
        )
        sessions.running.append(process)
    try:
        output, _ = process.communicate()
    finally:
        with sessions.lock:
            sessions.running.remove(process)
    return process.returncode, output


def run(
    env: dict[str, str], modules: list[str], sessions: Sessions
) -> tuple[int, str, float, list[str]]:
    """A set-up's pass: its status, output, seconds and notes (e.g. fresh kernels, and why)."""
    start = time.monotonic()
    env = {**os.environ, **env}
    try:
        server = forked_kernel.ForkServer(env, CHAPTERS, modules)
    except (forked_kernel.ServerError, OSError) as error:
        notes = [f"fresh kernels: the fork server did not start: {error}"]
        code, output = pytest(env, ["--nbval-current-env"], sessions)
        if code != 0 and getattr(error, "log", ""):
            output += f"fork server's log:{error.log}\n"
    else:
        with server:
            kernel = ["--nbval-kernel-name", server.kernel_name]
            code, output = pytest({**env, **server.env}, kernel, sessions)
        notes = server.notes
        if code != 0 and server.messages:
            output += "fork server:\n" + "".join(f"  {m}\n" for m in server.messages)
    return code, output, time.monotonic() - start, notes


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - {s.name for s in SETUPS})
    if unknown:
        print(f"unknown set-up(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    flags = cpu_flags()
    planned: list[tuple[Setup, dict[str, str], str]] = []
    for setup in SETUPS:
        if names and setup.name not in names:
            continue
        env, text = environment(setup, flags)
        if env is None:
            print(f"nbval {setup.name}: skipped ({text})")
        else:
            planned.append((setup, env, text))
    notebooks = [
        p for p in sorted(CHAPTERS.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts
    ]
    modules = forked_kernel.modules_imported_by(notebooks)
    sessions = Sessions()
    failed = 0
    interrupted = False
    # One session per set-up, all at once: each runs its notebooks one after another.
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(planned))) as pool:
        futures = {
            pool.submit(run, env, modules, sessions): (s, env, text) for s, env, text in planned
        }
        try:
            for future in concurrent.futures.as_completed(futures):
                setup, env, text = futures[future]
                code, output, seconds, notes = future.result()
                settings = " ".join(f"{k}={v!r}" for k, v in env.items())
                status = "passed" if code == 0 else "FAILED"
                print(f"nbval {setup.name} ({text}; {settings}): {status} in {seconds:.0f} s")
                for note in notes:
                    print(f"nbval {setup.name}: {note}")
                if code != 0:
                    failed += 1
                    print(output)
        except KeyboardInterrupt:
            # The sessions stop their kernels; leaving the pool waits for them, and each pass
            # then stops its fork server.
            interrupted = True
            sessions.stop()
    if interrupted:
        print("nbval: interrupted", file=sys.stderr)
        return 130
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
