"""Review forms for JupyterLab (ipywidgets): screening, extraction and risk of bias.

Each form saves through the same checked, atomic writers as the rest of the workbook. The notebooks
show them only when their parameter ``show_forms`` is true; batch runs set it to False.
"""
from reviewkit.forms.extraction_form import ExtractionForm
from reviewkit.forms.rob_form import RobForm
from reviewkit.forms.screening_form import ScreeningForm

__all__ = ["ExtractionForm", "RobForm", "ScreeningForm"]
