"""Review forms for JupyterLab (ipywidgets): screening, extraction and risk of bias.

Each form saves through the same checked, locked, atomic writers as a script would. The notebooks show them
only when their parameter ``show_forms`` is true; batch runs set it to False. No stage imports this package.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "screening_form": ["ScreeningForm"],
    "extraction_form": ["ExtractionForm"],
    "rob_form": ["RobForm"],
})
