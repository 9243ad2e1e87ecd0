"""Warm Jupyter kernels, forked from a server that has already imported the heavy libraries.

A fresh kernel spends about a second of CPU starting ipykernel and importing numpy, pandas,
scipy, matplotlib, statsmodels and implsupport before its first cell has run. For a set of
notebook sessions that all run under one environment, this module pays that cost once:

- ``serve``: the fork server. Started under the sessions' environment (so that numpy and
  OpenBLAS pick their kernels at import exactly as a fresh kernel would), it imports what a
  kernel imports at start and what the notebooks' cells import, then listens on a unix socket.
  For each connection it receives the caller's stdin/stdout/stderr, cwd, argv and environment,
  forks, and the child becomes an ipykernel on that connection file, as ``python -m
  ipykernel_launcher`` would. It reports the child's pid and exit status, and kills the child if
  the caller goes away.
- ``stub``: the command of the kernelspec. A few milliseconds of stdlib Python, it hands its
  fds, cwd, argv and environment to the server, forwards the signals jupyter_client sends (SIGINT
  interrupts a kernel) to the child, and exits with the child's status.

The child is made to look like a fresh kernel: same cwd, environment, ``sys.path``, ``sys.argv``,
fds, session and signal handlers, its own random seeds; matplotlib is imported under the inline
backend ipykernel would select; ipykernel's parent poller watches the server. A fresh kernel
imports the notebooks' modules in a cell, with a shell and ipykernel's sys.stdout and sys.stderr;
``ImportWatch`` notes what those imports learn of either in the server and puts it right in each
child, and makes the server refuse to start if it cannot. A request the preloaded state does not
fit (another cwd, an environment differing in more than the variables jupyter_client and pytest
set) is answered "fresh": the stub then execs a real kernel and the server logs why. What stays
different: modules a notebook never imports are already imported, OpenBLAS starts its threads at
the first call rather than at import, and all forked kernels share the server's string hash seed
(``PYTHONHASHSEED``), so iteration over a set of strings is ordered alike in each.

``ForkServer`` starts a server in a temporary folder with a kernelspec pointing at the stub, and
removes both when closed. When its stdin closes (its starter is done, or was killed) the server
takes no new kernels, and exits once those running have ended (their sessions stop them at the end
of a notebook), removing that folder: it cannot outlive its starter by more than a notebook.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from gc import get_referrers as gc_referrers
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
KERNEL_NAME = "forked-python3"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# What a kernel imports before ipykernel puts its own sys.stdout and sys.stderr in place. What it
# imports later (debugpy, the completer) saw those streams in a fresh kernel: a child imports it.
KERNEL_MODULES = (
    "ipykernel.kernelapp",
    "IPython.core.debugger",
    "IPython.core.logger",
    "pdb",
    "psutil",
    "resource",
    "runpy",
    "tornado.gen",
    "tornado.platform.asyncio",
)
# Variables jupyter_client and pytest add to a kernel's environment; nothing reads them at import
# except ipykernel's parent_handle default, which the child sets itself.
VARYING_ENV = frozenset(
    {"JPY_PARENT_PID", "JPY_SESSION_NAME", "PYTEST_CURRENT_TEST", "PYTEST_VERSION"}
)
FORWARDED_SIGNALS = (
    signal.SIGINT,
    signal.SIGTERM,
    signal.SIGHUP,
    signal.SIGQUIT,
    signal.SIGUSR1,
    signal.SIGUSR2,
)
STREAMS = ("stdout", "stderr")  # what ipykernel replaces (it keeps sys.stdin)
_LENGTH = struct.Struct("!I")


def _log(text: str) -> None:
    print(f"forked_kernel[{os.getpid()}]: {text}", file=sys.stderr, flush=True)


def _send(conn: socket.socket, message: dict[str, object]) -> None:
    with contextlib.suppress(OSError):  # the stub is gone; the server loop sees its EOF
        conn.sendall(json.dumps(message).encode() + b"\n")


def _signal_group(pid: int, signum: int) -> None:
    """Signal a kernel's process group, as jupyter_client signals a kernel's."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


# --------------------------------------------------------------------------------------- stub


def stub(args: list[str]) -> int:
    """Run one kernel through the server at ``--socket``; return the exit status to exit with.

    Arguments: ``--socket PATH [--restore NAME[=VALUE]]... -f CONNECTION_FILE``. ``--restore``
    sets (or, without a value, removes) a variable the runner changed only to find this kernelspec,
    so that the kernel gets the environment a fresh kernel would.
    """
    path = ""
    kernel_argv: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--socket":
            path = rest.pop(0)
        elif arg == "--restore":
            name, sep, value = rest.pop(0).partition("=")
            if sep:
                os.environ[name] = value
            else:
                os.environ.pop(name, None)
        else:
            kernel_argv = [arg, *rest]
            break

    child: int | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        if child is None:
            pending.append(signum)
        else:
            _signal_group(child, signum)

    original = {signum: signal.signal(signum, forward) for signum in FORWARDED_SIGNALS}

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        request = json.dumps({"cwd": os.getcwd(), "argv": kernel_argv, "env": dict(os.environ)})
        data = _LENGTH.pack(len(request.encode())) + request.encode()
        sent = socket.send_fds(sock, [data], [0, 1, 2])
        sock.sendall(data[sent:])
    except OSError as error:
        print(f"forked kernel: no fork server at {path}: {error}", file=sys.stderr)
        return 1

    # Like ipykernel's parent poller: end the kernel if the process that started us goes away.
    parent = os.getppid() if int(os.environ.get("JPY_PARENT_PID") or 0) > 1 else 0
    sock.settimeout(1.0)
    buffer = b""
    while True:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            if parent and os.getppid() != parent:
                if child is not None:
                    _signal_group(child, signal.SIGKILL)
                return 1
            continue
        if not chunk:
            print("forked kernel: the fork server went away", file=sys.stderr)
            if child is not None:
                _signal_group(child, signal.SIGKILL)
            return 1
        buffer += chunk
        while b"\n" in buffer:
            line, buffer = buffer.split(b"\n", 1)
            message = json.loads(line)
            if "pid" in message:
                child = int(message["pid"])
                for signum in pending:
                    _signal_group(child, signum)
                pending.clear()
            elif "exit" in message:
                code = int(message["exit"])
                if code < 0:  # killed by a signal: die the same way
                    with contextlib.suppress(OSError, ValueError):  # SIGKILL has no handler
                        signal.signal(-code, signal.SIG_DFL)
                    os.kill(os.getpid(), -code)
                return code
            elif "fresh" in message:
                # The server cannot stand in for a fresh kernel here: become one.
                sock.close()
                for signum, handler in original.items():
                    signal.signal(signum, handler)
                python = sys.executable
                os.execv(python, [python, "-m", "ipykernel_launcher", *kernel_argv])


# ------------------------------------------------------------------------------------- server


def preload(modules: Iterable[str]) -> list[str]:
    """Import ``modules`` (``pkg.name`` may name an attribute, not a module); return failures."""
    import importlib

    failures = []
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as error:
            parent = name.rpartition(".")[0]
            if not (error.name == name and parent in sys.modules):  # not `from pkg import attr`
                failures.append(f"{name}: {error}")
        except Exception as error:
            failures.append(f"{name}: {type(error).__name__}: {error}")
    return failures


class Server:
    """The fork server's state: listening socket, connections and running children."""

    def __init__(
        self,
        path: str,
        start_env: dict[str, str],
        library_fds: set[int],
        watch: ImportWatch,
    ) -> None:
        import selectors

        self.watch = watch
        self.env = start_env  # the environment the server was started with
        # What the server set as ipykernel will (MPLBACKEND) and what the imports set: a child
        # applies it over the stub's environment, as a fresh kernel would have set it.
        self.import_env = {
            name: os.environ.get(name)
            for name in set(os.environ) | set(start_env)
            if os.environ.get(name) != start_env.get(name)
        }
        self.cwd = os.getcwd()
        self.library_fds = library_fds
        self.selector = selectors.DefaultSelector()
        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(path)
        self.listener.listen(64)
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.selector.register(self.listener, selectors.EVENT_READ, "listen")
        self.selector.register(self.wake_r, selectors.EVENT_READ, "wake")
        self.selector.register(sys.stdin.fileno(), selectors.EVENT_READ, "stdin")
        self.children: dict[int, socket.socket | None] = {}  # pid -> its stub's connection
        self.launcher = self._launcher_path()

    @staticmethod
    def _launcher_path() -> str:
        import importlib.util

        spec = importlib.util.find_spec("ipykernel_launcher")
        return spec.origin if spec and spec.origin else "ipykernel_launcher.py"

    def sockets(self) -> list[socket.socket]:
        conns = [c for c in self.children.values() if c is not None]
        return [s for s in [self.listener, self.wake_r, self.wake_w, *conns] if s.fileno() >= 0]

    def run(self) -> None:
        """Serve until stdin closes, then until the kernels running then have ended."""
        signal.set_wakeup_fd(self.wake_w.fileno())
        signal.signal(signal.SIGCHLD, lambda *_: None)
        accepting = True
        while accepting or self.children:
            for key, _ in self.selector.select():
                if key.data == "stdin":
                    if not os.read(sys.stdin.fileno(), 4096):
                        # The starter is done or gone: no new kernels (their stubs fail at once),
                        # but a session still running keeps its kernel to the end of the notebook.
                        accepting = False
                        self.selector.unregister(sys.stdin.fileno())
                        self.selector.unregister(self.listener)
                        self.listener.close()
                        os.unlink(self.path)
                elif key.data == "listen":
                    try:
                        conn, _ = self.listener.accept()
                    except OSError as error:
                        _log(f"accept failed: {error}")
                        continue
                    self.handle(conn)
                elif key.data == "wake":
                    try:
                        while self.wake_r.recv(4096):
                            pass
                    except BlockingIOError:
                        pass
                    self.reap()
                else:  # a running kernel's stub closed its connection (or sent stray bytes)
                    pid = key.data
                    conn = self.children.get(pid)
                    try:
                        gone = conn is not None and not conn.recv(4096)
                    except OSError:
                        gone = True
                    if conn is not None and gone:
                        _signal_group(pid, signal.SIGKILL)
                        self.selector.unregister(conn)
                        conn.close()
                        self.children[pid] = None

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                _send(conn, {"exit": os.waitstatus_to_exitcode(status)})
                self.selector.unregister(conn)
                conn.close()

    def refusal(self, request: dict) -> str | None:
        """Why a fork cannot stand in for a fresh kernel for ``request``, or None."""
        if request["cwd"] != self.cwd:
            return f"cwd {request['cwd']} is not the server's {self.cwd}"
        env: dict[str, str] = request["env"]
        differing = sorted(
            name
            for name in (set(env) | set(self.env)) - VARYING_ENV
            if env.get(name) != self.env.get(name)
        )
        if differing:
            return f"environment differs in {', '.join(differing)}"
        return None

    def handle(self, conn: socket.socket) -> None:
        """Read one stub's request and fork its kernel."""
        import selectors

        conn.settimeout(10)
        fds: list[int] = []
        try:
            data, fds, _flags, _addr = socket.recv_fds(conn, 1 << 16, 3)
            while (
                len(data) < _LENGTH.size
                or len(data) - _LENGTH.size < _LENGTH.unpack(data[: _LENGTH.size])[0]
            ):
                chunk = conn.recv(1 << 16)
                if not chunk:
                    raise ConnectionError("request cut short")
                data += chunk
            if len(fds) != 3:
                raise ConnectionError(f"{len(fds)} fds received, not 3")
            request = json.loads(data[_LENGTH.size :])
            reason = self.refusal(request)
            pid = None
            if reason is None:
                sys.stdout.flush()
                sys.stderr.flush()
                try:
                    pid = os.fork()
                except OSError as error:
                    reason = f"fork failed: {error}"
                if pid == 0:
                    self.become_kernel(conn, request, fds)  # never returns
        except (OSError, ValueError) as error:
            _log(f"bad request: {error}")
            conn.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        if pid is None:
            _log(f"fresh kernel for {request['argv']}: {reason}")
            _send(conn, {"fresh": reason})
            conn.close()
            return
        conn.settimeout(None)
        self.children[pid] = conn
        self.selector.register(conn, selectors.EVENT_READ, pid)
        _send(conn, {"pid": pid})

    def become_kernel(self, conn: socket.socket, request: dict, fds: list[int]) -> None:
        """In the forked child: turn into a fresh-looking ipykernel and run it, then exit."""
        code = 1
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            os.setsid()  # jupyter_client starts kernels in a new session, and signals the group
            # The fds a fresh kernel has: the stub's 0, 1, 2 and whatever the libraries opened.
            for sock in [conn, *self.sockets()]:
                os.close(sock.detach())
            self.selector.close()
            for i, fd in enumerate(fds):
                os.dup2(fd, i)
            for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else []:
                if int(name) > 2 and int(name) not in self.library_fds:
                    with contextlib.suppress(OSError):
                        os.close(int(name))
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            for name, value in self.import_env.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            argv = list(request["argv"])
            sys.argv = [self.launcher, *argv]
            sys.orig_argv = [sys.executable, "-m", "ipykernel_launcher", *argv]
            # Per-process randomness a fresh kernel would have drawn for itself.
            if "numpy.random" in sys.modules:
                sys.modules["numpy.random"].seed()
            if "multiprocessing.process" in sys.modules:
                sys.modules["multiprocessing.process"].current_process().authkey = os.urandom(32)

            from ipykernel.kernelapp import IPKernelApp

            # ipykernel read JPY_PARENT_PID at import, in the server; a fork's parent is the server.
            poll_parent = int(os.environ.get("JPY_PARENT_PID") or 0) > 1
            app = IPKernelApp.instance(parent_handle=os.getppid() if poll_parent else 0)
            app.initialize(argv)
            # multiprocessing aliased the server's __main__ at import; a kernel's is the shell's.
            if "__mp_main__" in sys.modules:
                sys.modules["__mp_main__"] = sys.modules["__main__"]
            self.watch.apply(app.shell)
            app.start()
            code = 0
        except SystemExit as error:
            code = error.code if isinstance(error.code, int) else (0 if error.code is None else 1)
        except BaseException:
            import traceback

            traceback.print_exc(file=sys.__stderr__)  # not to ipykernel's stream
        finally:
            # What interpreter exit would do, without unwinding into the server's frames.
            import atexit

            atexit._run_exitfuncs()
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(Exception):
                    stream.flush()
            os._exit(code)


class _WatchedStream:
    """Stands in for sys.stdout or sys.stderr while the notebooks' modules are imported."""

    __slots__ = ("name", "questions", "stream")

    def __init__(self, name: str, stream: object, questions: list[str]) -> None:
        self.name, self.stream = name, stream
        self.questions: list[str] | None = questions  # None once the imports are over

    def __getattr__(self, attr: str) -> object:
        if self.questions is not None:
            caller = sys._getframe(1)
            where = f"{caller.f_globals.get('__name__')}.{caller.f_code.co_name}"
            self.questions.append(f"sys.{self.name}.{attr} in {where}")
        return getattr(self.stream, attr)


def _pandas_in_a_kernel(shell: object) -> None:
    """pandas' import-time choices, made again in the kernel: display.max_columns (0 to fit a
    terminal, 20 in a kernel) and display.encoding (sys.stdout's, now ipykernel's)."""
    from pandas._config import config, display

    choices: dict[str, object] = {"display.encoding": display.detect_console_encoding()}
    if hasattr(shell, "kernel"):
        choices["display.max_columns"] = 20
    for key, value in choices.items():
        option = config._registered_options.get(key)
        if option is not None and option.defval != value:
            config._registered_options[key] = option._replace(defval=value)
            config.set_option(key, value)


# The questions the notebooks' modules ask at import that a fork answers again, in the kernel.
IMPORT_REPAIRS: dict[str, Callable[[object], None]] = {
    "get_ipython() in pandas.core.config_init.is_terminal": _pandas_in_a_kernel,
    "sys.stdout.encoding in pandas._config.display.detect_console_encoding": _pandas_in_a_kernel,
}


class ImportWatch:
    """What the notebooks' modules learn at import that a fork would get wrong, and its repair.

    A fresh kernel imports them in a cell, where ``get_ipython()`` is defined and sys.stdout and
    sys.stderr are ipykernel's streams. In the server, ``get_ipython`` is undefined as in plain
    Python and the streams are stand-ins that pass everything through and note who uses them.
    A stream a module kept (a default argument, a logging handler) is pointed at the kernel's in
    the child; the questions in ``IMPORT_REPAIRS`` are answered again there. Anything else (another
    question, output during an import, a stream kept where it cannot be replaced) is a problem:
    the server refuses to start, and the passes use fresh kernels.
    """

    def __init__(self) -> None:
        import builtins

        self.questions: list[str] = []
        self.streams = {n: _WatchedStream(n, getattr(sys, n), self.questions) for n in STREAMS}
        self.kept: list[tuple[Any, str, Any, str]] = []  # (holder, how, key, stream name)
        self.unreplaceable: list[str] = []
        self.filters = list(warnings.filters)  # the imports' filters come before the kernel's
        builtins.get_ipython = self._get_ipython  # type: ignore[attr-defined]
        for name in STREAMS:
            setattr(sys, name, self.streams[name])

    def _get_ipython(self) -> None:
        caller = sys._getframe(1)
        self.questions.append(
            f"get_ipython() in {caller.f_globals.get('__name__')}.{caller.f_code.co_name}"
        )
        raise NameError("name 'get_ipython' is not defined")

    def stop(self) -> None:
        """Put the server's own streams back and find who kept a stand-in."""
        import builtins
        import types

        del builtins.get_ipython  # type: ignore[attr-defined]
        for name in STREAMS:
            setattr(sys, name, self.streams[name].stream)
            self.streams[name].questions = None
        added = len(warnings.filters) - len(self.filters)
        front = warnings.filters[:added] if warnings.filters[added:] == self.filters else []
        self.filters = front
        for name in STREAMS:
            for holder in gc_referrers(self.streams[name]):
                if holder is not self.streams and not isinstance(holder, types.FrameType):
                    self._note_kept(holder, name)

    def _note_kept(self, holder: object, name: str) -> None:
        """Note where ``holder`` keeps the stand-in for sys.<name>, to replace it in a child."""
        import types

        proxy = self.streams[name]
        # No comprehensions here: their closures would keep the stand-in too.
        found = len(self.kept)
        if isinstance(holder, dict):  # module globals, kwdefaults
            for key, value in holder.items():
                if value is proxy:
                    self.kept.append((holder, "item", key, name))
        elif isinstance(holder, list):
            for index, value in enumerate(holder):
                if value is proxy:
                    self.kept.append((holder, "item", index, name))
        elif isinstance(holder, types.CellType):  # a closure's variable
            self.kept.append((holder, "attr", "cell_contents", name))
        elif isinstance(holder, tuple):  # a function's default arguments
            for function in gc_referrers(holder):
                if isinstance(function, types.FunctionType) and function.__defaults__ is holder:
                    self.kept.append((function, "defaults", None, name))
        elif hasattr(holder, "__dict__"):  # an instance's attribute (a logging handler's stream)
            for key, value in vars(holder).items():
                if value is proxy:
                    self.kept.append((holder, "attr", key, name))
        if len(self.kept) == found:
            self.unreplaceable.append(f"sys.{name} kept in a {type(holder).__name__}")

    def problems(self) -> list[str]:
        unknown = sorted(set(self.questions) - set(IMPORT_REPAIRS))
        if unknown:
            return [f"at import: {', '.join(unknown)}", *self.unreplaceable]
        return self.unreplaceable

    def apply(self, shell: object) -> None:
        """In the child, once ipykernel's streams are in place: repair what the imports learnt."""
        for holder, kind, key, name in self.kept:
            proxy, stream = self.streams[name], getattr(sys, name)
            if kind == "defaults":
                defaults = tuple(stream if v is proxy else v for v in holder.__defaults__)
                holder.__defaults__ = defaults  # type: ignore[attr-defined]
            elif kind == "attr":
                setattr(holder, key, stream)
            else:
                holder[key] = stream  # type: ignore[index]
        for repair in {IMPORT_REPAIRS[q] for q in self.questions}:
            repair(shell)
        # A fresh kernel's own warning filters were in place before the notebook's imports added
        # theirs in front; in a child they came after.
        if self.filters:
            rest = [f for f in warnings.filters if f not in self.filters]
            warnings.filters[:] = [*self.filters, *rest]
            warnings._filters_mutated()  # type: ignore[attr-defined]


def serve(args: list[str]) -> int:
    """The server: ``serve --socket PATH [MODULE ...]``; prints one JSON line when ready.

    It stops when its stdin closes and its kernels have ended, or at once on SIGTERM or SIGINT
    (killing its kernels), and removes the socket's folder.
    """
    import shutil
    import threading

    if args[:1] != ["--socket"] or len(args) < 2:
        print("usage: forked_kernel.py serve --socket PATH [MODULE ...]", file=sys.stderr)
        return 2
    path, modules = args[1], args[2:]
    folder = os.path.dirname(path)
    # The starter's pipe gets the one line; anything else the server prints goes to its log.
    ready = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # As ipykernel_launcher does: the script's folder is not on a kernel's path.
    if sys.path and os.path.abspath(sys.path[0]) == HERE:
        del sys.path[0]
    start_env = dict(os.environ)
    if not os.environ.get("MPLBACKEND"):  # as ipykernel sets it before a notebook's imports
        os.environ["MPLBACKEND"] = INLINE_BACKEND
    fds_before = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()
    failures = preload(KERNEL_MODULES)
    watch = ImportWatch()
    try:
        failures += preload(modules)
    finally:
        watch.stop()
    fds_after = set(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else set()
    library_fds = {int(fd) for fd in fds_after - fds_before}
    for failure in failures:
        _log(f"could not preload {failure}")
    # State a fork would inherit wrongly: Python threads, and an inline backend without a shell.
    problems = []
    if threading.active_count() > 1:
        problems.append(f"{threading.active_count()} threads running after the imports")
    if "matplotlib_inline.backend_inline" in sys.modules:
        problems.append("the inline backend was imported before a shell existed")
    problems += watch.problems()
    if problems:
        print(json.dumps({"error": "; ".join(problems)}), file=ready, flush=True)
        ready.close()
        return 1
    import gc

    gc.collect()  # less garbage for every child to copy on write
    server = Server(path, start_env, library_fds, watch)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(json.dumps({"ready": os.getpid(), "notes": failures}), file=ready, flush=True)
        ready.close()
        server.run()
    finally:
        for pid in list(server.children):
            _signal_group(pid, signal.SIGKILL)
        for pid in list(server.children):
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        for sock in server.sockets():
            sock.close()
        # Not atexit: a forked kernel runs the exit functions it inherits.
        shutil.rmtree(folder, ignore_errors=True)
    return 0


# ------------------------------------------------------------------------------------- runner


def modules_imported_by(notebooks: Iterable[os.PathLike[str] | str]) -> list[str]:
    """Every module the code cells of ``notebooks`` import, in order of first appearance.

    ``from pkg import name`` gives ``pkg`` and ``pkg.name``: the server finds out which is a module.
    """
    import ast

    found: dict[str, None] = {}
    for notebook in notebooks:
        with open(notebook, encoding="utf-8") as file:
            cells = json.load(file).get("cells", [])
        for cell in cells:
            if cell.get("cell_type") != "code":
                continue
            source = "".join(cell.get("source", []))
            lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
            try:
                tree = ast.parse("\n".join(lines))
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        found.setdefault(alias.name)
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    found.setdefault(node.module)
                    for alias in node.names:
                        if alias.name != "*":
                            found.setdefault(f"{node.module}.{alias.name}")
    return list(found)


class ServerError(RuntimeError):
    """The fork server could not start: ``args[0]`` says why, ``log`` is the end of its log."""

    def __init__(self, reason: str, log: str = "") -> None:
        super().__init__(reason)
        self.log = log


class ForkServer:
    """A fork server under ``env`` in ``cwd``, with a kernelspec for its stub in a temporary folder.

    ``env`` (add it to the sessions' environment) makes jupyter_client find the kernelspec
    ``kernel_name``. Close it (or use it as a context manager) to stop the server and remove the
    folder; ``notes`` then lists what a run should mention (kernels started fresh, failed imports).
    """

    def __init__(
        self,
        env: dict[str, str],
        cwd: os.PathLike[str] | str,
        modules: Sequence[str],
        timeout: float = 120,
    ) -> None:
        import select
        import subprocess
        import tempfile

        self.folder = tempfile.mkdtemp(prefix="forked-kernel-")
        self.socket = os.path.join(self.folder, "server.sock")
        self.log = os.path.join(self.folder, "server.log")
        self.kernel_name = KERNEL_NAME
        self.notes: list[str] = []  # what a run should mention
        self.messages: list[str] = []  # everything the server logged
        self.process: subprocess.Popen[str] | None = None
        try:
            jupyter = os.path.join(self.folder, "jupyter")
            old = env.get("JUPYTER_PATH")
            self.env = {"JUPYTER_PATH": jupyter + (os.pathsep + old if old else "")}
            self._write_kernelspec(jupyter, old)
            with open(self.log, "w") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        os.path.abspath(__file__),
                        "serve",
                        "--socket",
                        self.socket,
                        *modules,
                    ],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    text=True,
                    start_new_session=True,  # Ctrl-C reaches the runner, which closes stdin
                )
            assert self.process.stdout is not None
            readable, _, _ = select.select([self.process.stdout], [], [], timeout)
            line = self.process.stdout.readline() if readable else ""
            self.process.stdout.close()
            try:
                message = json.loads(line) if line.strip() else {}
            except ValueError:
                message = {"error": f"it said {line.strip()!r}"}
            if "ready" not in message:
                reason = message.get("error") or (
                    f"no answer in {timeout:.0f} s" if not readable else "it exited"
                )
                raise ServerError(reason, self._log_tail())
            self.notes += [f"could not preload {m}" for m in message.get("notes", [])]
        except BaseException:
            self.close()
            raise

    def _write_kernelspec(self, jupyter: str, old_jupyter_path: str | None) -> None:
        import ipykernel.kernelspec

        spec = ipykernel.kernelspec.get_kernel_dict()
        restore = f"JUPYTER_PATH={old_jupyter_path}" if old_jupyter_path else "JUPYTER_PATH"
        spec["argv"] = [
            sys.executable,
            "-I",  # the stub needs the standard library only
            "-S",
            os.path.abspath(__file__),
            "stub",
            "--socket",
            self.socket,
            "--restore",
            restore,
            "-f",
            "{connection_file}",
        ]
        spec["display_name"] = "Python 3 (forked warm kernel)"
        folder = os.path.join(jupyter, "kernels", self.kernel_name)
        os.makedirs(folder)
        with open(os.path.join(folder, "kernel.json"), "w") as file:
            json.dump(spec, file, indent=1)

    def _log_tail(self, lines: int = 20) -> str:
        try:
            with open(self.log) as file:
                tail = file.read().splitlines()[-lines:]
        except OSError:
            return ""
        return "".join(f"\n  {line}" for line in tail)

    def close(self) -> None:
        """Stop the server (its kernels die with it) and remove the folder."""
        import shutil
        import subprocess

        if self.process is not None:
            # The log first: the server removes its folder as it stops.
            status = self.process.poll()
            if status is not None:
                self.notes.append(f"the fork server exited early, with status {status}")
            try:
                with open(self.log) as file:
                    self.messages = [
                        ln.split(": ", 1)[-1].strip()
                        for ln in file
                        if ln.startswith("forked_kernel[")
                    ]
            except OSError:
                pass
            self.notes += [
                m for m in self.messages if m.startswith(("fresh kernel", "bad request"))
            ]
            if self.process.stdin is not None:
                with contextlib.suppress(OSError):
                    self.process.stdin.close()  # the server's signal to stop
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # kernels still running: SIGTERM kills them
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> ForkServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


if __name__ == "__main__":
    command, *arguments = sys.argv[1:] or [""]
    if command == "stub":
        sys.exit(stub(arguments))
    elif command == "serve":
        sys.exit(serve(arguments))
    print("usage: forked_kernel.py stub|serve ...", file=sys.stderr)
    sys.exit(2)
