"""For every pytest run in the repository, the tests' and the chapters' (nbval) alike.

The chapters' kernels talk to pytest over socket files instead of TCP ports. A TCP port is
chosen free, released, and only then bound by the new kernel; when several test sessions start
kernels at once (`make test` runs four), two of them can be handed the same port, and a kernel
dies before it answers ("Kernel died before replying to kernel_info"). Socket files in a folder
of this session's own cannot collide. The grader's sandboxed kernels do the same
(implsupport.course.sandbox).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nbval.kernel
from jupyter_client.manager import KernelManager

_SOCKETS = Path(tempfile.mkdtemp(prefix="implsupport-kernels-"))
atexit.register(shutil.rmtree, _SOCKETS, ignore_errors=True)


class SocketFileKernelManager(KernelManager):
    """A kernel manager whose kernels listen on socket files in this session's folder."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.transport, self.ip = "ipc", str(_SOCKETS / "kernel")


nbval.kernel.KernelManager = SocketFileKernelManager
