"""What the protocol says of each outcome and of pooling: its type, effect measure and the form fields it reads.

Types and what they read from the extraction form (one field per value, named in ``protocol.yml``):

- ``proportion`` (single-arm): ``events_field``, ``total_field``; measure ``proportion``.
- ``dichotomous`` (two arms): ``events_t_field``, ``total_t_field``, ``events_c_field``, ``total_c_field``;
  measure ``RR``, ``OR`` or ``RD``.
- ``continuous`` (two arms): ``mean_t_field``, ``sd_t_field``, ``n_t_field`` and the same for ``_c``;
  measure ``MD`` or ``SMD`` (Hedges' g).
- ``generic`` (an effect each study reports): ``estimate_field`` with ``se_field``, or with ``ci_low_field`` and
  ``ci_high_field`` (a 95% interval); ``measure`` names it (``HR``, ``MD`` …), ``scale: log`` for ratios.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

OutcomeType = Literal["proportion", "dichotomous", "continuous", "generic"]
MEASURES: dict[str, tuple[str, ...]] = {
    "proportion": ("proportion",), "dichotomous": ("RR", "OR", "RD"), "continuous": ("MD", "SMD"),
}
DEFAULT_MEASURE = {"proportion": "proportion", "dichotomous": "RR", "continuous": "MD"}
ARM_FIELDS: dict[str, tuple[str, ...]] = {
    "proportion": ("events_field", "total_field"),
    "dichotomous": ("events_t_field", "total_t_field", "events_c_field", "total_c_field"),
    "continuous": ("mean_t_field", "sd_t_field", "n_t_field", "mean_c_field", "sd_c_field", "n_c_field"),
    "generic": ("estimate_field", "se_field", "ci_low_field", "ci_high_field"),
}
COUNT_FIELDS = {"events_field", "total_field", "events_t_field", "total_t_field", "events_c_field", "total_c_field",
                "n_t_field", "n_c_field"}  # whole numbers; the others may be decimals
METHODS = ("FE", "DL", "REML", "GLMM", "MH", "Peto")
SENSITIVITY = {
    "low_risk_of_bias": "only studies at low risk of bias overall",
    "exclude_high_risk_of_bias": "without studies at high risk of bias overall",
    "common_effect": "a common-effect (fixed-effect) model",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Outcome(_Strict):
    """An outcome to synthesise: its type and measure, the form fields holding its data, and how it reads."""

    id: str
    label: str
    type: OutcomeType = "proportion"
    measure: str = ""  # the type's default when not given (proportion, RR, MD); generic outcomes name theirs
    scale: Literal["identity", "log"] = "identity"  # generic outcomes: log for ratios (HR, RR, OR)
    method: Literal["FE", "DL", "REML", "GLMM", "MH", "Peto"] | None = None  # this outcome's own model
    events_field: str | None = None
    total_field: str | None = None
    events_t_field: str | None = None
    total_t_field: str | None = None
    events_c_field: str | None = None
    total_c_field: str | None = None
    mean_t_field: str | None = None
    sd_t_field: str | None = None
    n_t_field: str | None = None
    mean_c_field: str | None = None
    sd_c_field: str | None = None
    n_c_field: str | None = None
    estimate_field: str | None = None
    se_field: str | None = None
    ci_low_field: str | None = None
    ci_high_field: str | None = None
    desirable: bool = False  # whether more of it is better (decides which side of a forest plot favours which arm)
    critical: bool = True
    result_field: str | None = None  # text field: the finding in the reports' words (narrative synthesis)
    direction_field: str | None = None  # choice field: the direction of effect a study reports (SWiM)

    @model_validator(mode="before")
    @classmethod
    def _default_measure(cls, data: object) -> object:
        if isinstance(data, dict) and not data.get("measure") and data.get("type", "proportion") in DEFAULT_MEASURE:
            return {**data, "measure": DEFAULT_MEASURE[data.get("type", "proportion")]}
        return data

    @model_validator(mode="after")
    def _fields_for_type(self) -> "Outcome":
        wrong = [n for t, names in ARM_FIELDS.items() if t != self.type for n in names
                 if getattr(self, n) is not None and n not in ARM_FIELDS[self.type]]
        if wrong:
            raise ValueError(f"outcome {self.id!r} is {self.type}: {', '.join(wrong)} belong to another type")
        if self.type == "generic":
            missing = [] if self.estimate_field else ["estimate_field"]
            if not self.se_field and not (self.ci_low_field and self.ci_high_field):
                missing.append("se_field (or ci_low_field and ci_high_field)")
            if not self.measure:
                missing.append("measure (e.g. HR)")
            if self.method in ("GLMM", "MH", "Peto"):
                raise ValueError(f"outcome {self.id!r}: a generic outcome is pooled by inverse variance (FE, DL, REML)")
        else:
            missing = [n for n in ARM_FIELDS[self.type] if getattr(self, n) is None]
            if self.measure and self.measure not in MEASURES[self.type]:
                raise ValueError(f"outcome {self.id!r}: a {self.type} outcome's measure is one of "
                                 f"{', '.join(MEASURES[self.type])}, not {self.measure!r}")
        if missing:
            raise ValueError(f"outcome {self.id!r} ({self.type}) needs {', '.join(missing)}")
        if self.method == "GLMM" and self.type != "proportion" or self.method in ("MH", "Peto") and (
                self.type != "dichotomous"):
            raise ValueError(f"outcome {self.id!r}: method {self.method} does not apply to a {self.type} outcome")
        if self.method == "Peto" and self.measure != "OR":
            raise ValueError(f"outcome {self.id!r}: Peto's method pools odds ratios only (measure: OR)")
        if self.scale == "log" and self.type != "generic":
            raise ValueError(f"outcome {self.id!r}: scale is for generic outcomes (the measure sets it otherwise)")
        return self

    @property
    def comparative(self) -> bool:
        return self.type != "proportion"

    @property
    def fields(self) -> dict[str, str]:
        """The form fields this outcome reads its data from, by role (``events_t_field`` → the form's key)."""
        return {n: getattr(self, n) for n in ARM_FIELDS[self.type] if getattr(self, n) is not None}


class MetaAnalysis(_Strict):
    """How outcome data are pooled: the model and its test, the proportions' transform, the fewest studies to
    pool, subgroups, moderators for meta-regression, and the sensitivity analyses planned."""

    transform: Literal["logit", "arcsine", "freeman-tukey", "raw"] = "logit"  # proportions only
    method: Literal["FE", "DL", "REML", "GLMM", "MH", "Peto"] = "REML"
    test: Literal["z", "knha"] = "z"  # knha: the Hartung–Knapp–Sidik–Jonkman adjustment
    min_studies: int = Field(2, ge=2)
    group_by: str | None = None  # a form field whose value groups the studies (e.g. the condition)
    moderators: list[str] = Field(default_factory=list)  # form fields for a meta-regression
    sensitivity: list[Literal["low_risk_of_bias", "exclude_high_risk_of_bias", "common_effect"]] = Field(
        default_factory=list)
    intervention: str = "intervention"  # the arms' names on forest plots ("Favours …")
    control: str = "control"

    def method_for(self, outcome: Outcome) -> str:
        """The model an outcome is pooled with: its own, else the review's; GLMM, MH and Peto where they apply."""
        method = outcome.method or self.method
        if outcome.method is None and method == "GLMM" and outcome.comparative:
            return "REML"
        if outcome.method is None and method in ("MH", "Peto") and outcome.type != "dichotomous":
            return "REML"
        return method
