"""The workbook over all stages: the stage registry, opening a review for a notebook, validate and status, the
papermill pipeline and the command line.
"""
from reviewkit.core.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "stages": ["STAGES", "Stage", "stage"],
    "review": ["Review", "open_review"],
    "validate": ["validate_review"],
    "status": ["review_status"],
    "pipeline": ["StageFailed", "run"],
})
