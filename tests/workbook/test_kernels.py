"""Warm kernels: the next notebook's imports are made before it runs, without binding a name it did not bind."""
from __future__ import annotations

import os

import nbformat
from conftest import ROOT

from reviewkit.workbook.kernels import WarmKernel, notebook_imports
from reviewkit.workbook.pipeline import execute


def test_the_imports_are_the_notebooks_top_level_ones():
    imports = notebook_imports(ROOT / "notebooks" / "02_screening.ipynb")
    assert "from reviewkit.workbook import open_review" in imports
    assert not any("ScreeningForm" in line for line in imports)  # imported inside `if show_forms:`, not warmed


def test_a_warm_kernel_runs_the_notebook_with_its_modules_loaded_and_its_namespace_untouched(tmp_path):
    notebook = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('review_dir = ""\nout_dir = ""')
    parameters.metadata["tags"] = ["parameters"]
    notebook.cells = [
        parameters,
        nbformat.v4.new_code_cell('import sys\nprint("wave" in sys.modules, "wave" in globals(), "_reviewkit_warm_up" in globals())'),
        nbformat.v4.new_code_cell("import wave"),
    ]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "warm.ipynb"
    nbformat.write(notebook, path)
    kernel = WarmKernel(path)
    try:
        execute(path, tmp_path / "out.ipynb", {"review_dir": "r", "out_dir": "o"}, kernel)
    finally:
        kernel.shutdown()
    ran = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    printed = [o["text"] for c in ran.cells for o in c.get("outputs", []) if o.get("name") == "stdout"]
    assert printed == ["True False False\n"]
    assert [c.execution_count for c in ran.cells if c.cell_type == "code"] == [1, 2, 3, 4]  # parameters injected


def test_notebooks_run_in_their_folder_without_moving_the_process(tmp_path, monkeypatch):
    """Study notebooks run in threads: a process-wide chdir would leave the process in another's folder."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import os\nprint(os.getcwd())")])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "where.ipynb")

    here, chdir = os.getcwd(), os.chdir

    def stay(path):  # papermill's file handler "changes" to the folder it is in around each read and write
        if os.path.realpath(path) != os.path.realpath(here):
            raise AssertionError(f"the process was moved to {path}")
        chdir(path)

    monkeypatch.setattr(os, "chdir", stay)
    execute(folder / "where.ipynb", tmp_path / "out.ipynb", {})
    ran = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert ran.cells[-1].outputs[0]["text"].strip() == str(folder)


def test_batch_kernels_talk_over_local_sockets_without_a_plain_text_warning(tmp_path, capfd):
    """ipykernel warns at every start of a kernel reached over TCP in plain text; a batch run's kernels (warm or
    started by papermill) use local sockets, so a run prints no such warning."""
    notebook = tmp_path / "n.ipynb"
    cell = nbformat.v4.new_code_cell('review_dir = ""\nout_dir = ""')
    cell.metadata["tags"] = ["parameters"]
    made = nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_code_cell("x = 1")])
    made.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(made, notebook)
    execute(notebook, tmp_path / "out1.ipynb", {"review_dir": "", "out_dir": ""})
    warm = WarmKernel(notebook)
    try:
        assert warm.km.transport == ("ipc" if os.name == "posix" else "tcp")
        execute(notebook, tmp_path / "out2.ipynb", {"review_dir": "", "out_dir": ""}, warm)
    finally:
        warm.shutdown()
    assert "without encryption" not in capfd.readouterr().err


def test_a_runtime_folder_too_long_for_a_socket_falls_back_to_a_short_one(tmp_path, monkeypatch):
    """Unix socket paths are short (108 bytes): a long runtime folder puts the sockets in the temporary folder, or
    the kernel on TCP, never a kernel that cannot start."""
    from reviewkit.workbook import kernels

    long_folder = tmp_path / ("x" * 120)
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(long_folder))
    prefix = kernels.socket_prefix()
    if os.name == "posix":
        assert prefix is not None and len(os.fsencode(prefix)) <= kernels.SOCKET_PATH_MAX
        assert not prefix.startswith(str(long_folder))
    monkeypatch.setattr(kernels.tempfile, "gettempdir", lambda: str(long_folder))
    assert kernels.socket_prefix() is None
    manager = kernels.BatchKernelManager(kernel_name=kernels.KERNEL)
    assert (manager.transport, manager.ip) == ("tcp", "127.0.0.1")
