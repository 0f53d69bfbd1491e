"""reviewkit: a Jupyter workbook for reproducible systematic reviews.

One subpackage per stage of the review, in the order the review runs: ``records``, ``screening``, ``extraction``,
``appraisal`` (risk of bias), ``synthesis``, ``report``; what they share is in ``core``, the JupyterLab forms in
``forms``, and what runs them all (the stage registry, the pipeline, the command line) in ``workbook``.
"""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reviewkit")
except PackageNotFoundError:  # run from a source tree that is not installed
    __version__ = "unknown"

__all__ = ["__version__"]
