"""Warm kernels for a batch run: the next notebook's kernel is started, and its imports made, while the
notebook before it runs.

Each notebook still runs in a kernel of its own, started for it and shut down after it. Only the start-up moves
off the critical path: the kernel's launch, and the notebook's own top-level import statements, made silently
inside a function so that they bind no name in the notebook's namespace (the notebook's import cell then runs
as written and finds the modules loaded). An import that fails here fails again, visibly, in the notebook.
"""
from __future__ import annotations

import ast
import json
import os
import tempfile
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import run_sync
from traitlets import List, Unicode, default

KERNEL = "python3"
HISTORY = "--HistoryManager.hist_file=:memory:"  # as nbclient starts its kernels: no history file written


def notebook_imports(notebook: Path) -> list[str]:
    """The import statements at the top level of the notebook's code cells, in order (cells that are not
    plain Python, such as those with IPython magics, are passed over)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found: list[str] = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        found += [ast.unparse(node) for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return found


def warm_up_code(imports: list[str]) -> str:
    """Code that makes ``imports`` inside a function and leaves nothing behind in the namespace."""
    body = "\n".join(f"    {line}" for line in imports) or "    pass"
    return f"def _reviewkit_warm_up():\n{body}\ntry:\n    _reviewkit_warm_up()\nexcept Exception:\n    pass\n" \
           "del _reviewkit_warm_up\n"


SOCKET_PATH_MAX = 100  # bytes: a Unix socket's path must fit in 108 (104 on macOS), with "-<n>" added


def socket_prefix() -> str | None:
    """An absolute prefix for a kernel's local socket files, in Jupyter's runtime folder or, where that path is too
    long for a socket, the temporary folder; None where the system has no local sockets or neither fits."""
    if os.name != "posix":
        return None
    name = f"reviewkit-{uuid.uuid4().hex[:12]}-ipc"
    for folder in (jupyter_runtime_dir(), tempfile.gettempdir()):
        path = os.path.join(os.path.abspath(folder), name)
        if len(os.fsencode(path)) <= SOCKET_PATH_MAX:
            os.makedirs(folder, exist_ok=True)
            return path
    return None


class BatchKernelManager(AsyncKernelManager):
    """nbclient's kind of kernel manager, keeping the clients it hands out: nbclient closes its client only
    when it started the kernel itself, so here they are closed with the kernel. Where it can, the kernel talks
    over local (IPC) sockets, which no other machine can reach, rather than over TCP in plain text (which ipykernel
    warns about at every start); the sockets' files have absolute paths, since the kernel starts in its notebook's
    folder."""

    handed_out = List()
    _prefix = Unicode(allow_none=True)

    @default("_prefix")
    def _socket_prefix(self) -> str | None:
        return socket_prefix()

    @default("transport")
    def _local_sockets(self) -> str:
        return "ipc" if self._prefix else "tcp"

    @default("ip")
    def _socket_files(self) -> str:
        return self._prefix if self.transport == "ipc" and self._prefix else "127.0.0.1"

    def client(self, **kwargs: Any) -> AsyncKernelClient:
        made = super().client(**kwargs)
        self.handed_out.append(made)
        return made


class WarmKernel:
    """A kernel started for ``notebook`` (in its folder), its imports already on their way.

    The manager is nbclient's own kind (asynchronous, driven on this thread's event loop as nbclient drives it),
    so that papermill takes the kernel over as if it had started it; the warm-up goes over a shell channel of
    its own, which reads no output."""

    def __init__(self, notebook: Path) -> None:
        self.km = BatchKernelManager(kernel_name=KERNEL)
        run_sync(self.km.start_kernel)(cwd=str(notebook.parent), extra_arguments=[HISTORY])
        self.kc = BlockingKernelClient()
        self.kc.load_connection_info(self.km.get_connection_info())
        self.kc.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        self.kc.execute(warm_up_code(notebook_imports(notebook)), silent=True, store_history=False)

    def shutdown(self) -> None:
        """Stop the kernel and close the channels (after its notebook, or unused after a failure)."""
        for client in [self.kc, *self.km.handed_out]:
            client.stop_channels()
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)
