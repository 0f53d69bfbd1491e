"""Bad input to the comparative meta-analysis is refused with a ReviewInputError naming the study and the field."""

import numpy as np
import pandas as pd
import pytest

from reviewkit.core.errors import ReviewInputError, ReviewInputErrors
from reviewkit.synthesis import (
    egger_test,
    leave_one_out,
    meta_regression,
    pool_binary,
    pool_continuous,
    pool_generic,
    subgroup_test,
    trim_and_fill,
)

TABLES = dict(events_t=[4, 6, 3], total_t=[123, 306, 231], events_c=[11, 29, 11], total_c=[139, 303, 220])
MEANS = dict(mean_t=[55, 27, 64], sd_t=[47, 7, 17], n_t=[155, 31, 75], mean_c=[75, 29, 119], sd_c=[64, 4, 29],
             n_c=[156, 32, 71])


def binary(**changes):
    return {**TABLES, **changes}


def means(**changes):
    return {**MEANS, **changes}


@pytest.mark.parametrize("arguments,options,message", [
    (binary(total_t=[123, 0, 231]), {}, "record 'study 2', field 'total_t': the total must be positive, not 0"),
    (binary(events_c=[11, 29, 221]), {}, "record 'study 3', field 'events_c': 221 events is more than the total of 220"),
    (binary(events_t=[4, -1, 3]), {}, "record 'study 2', field 'events_t': events must not be negative"),
    (binary(events_t=[4, 6.5, 3]), {}, "record 'study 2', field 'events_t': a count must be a whole number, not 6.5"),
    (binary(events_t=[4, None, 3]), {}, "record 'study 2', field 'events_t': the value is missing"),
    (binary(total_c=[139, "many", 220]), {}, "record 'study 2', field 'total_c': the value is not a number \\('many'\\)"),
    (binary(total_c=[139, 303]), {}, "field 'total_c': 3 values of events_t but 2 of total_c"),
    (binary(), {"labels": ["a", "b"]}, "field 'labels': 2 labels for 3 studies"),
    (binary(), {"measure": "RR", "method": "Peto"}, "field 'measure': Peto's method pools odds ratios only"),
    (binary(), {"method": "MH", "test": "knha"}, "field 'test': the Mantel–Haenszel method has z tests only"),
    (binary(), {"method": "HKSJ"}, "field 'method': unknown method 'HKSJ'"),
    (binary(), {"measure": "HR"}, "field 'measure': unknown measure 'HR'"),
    ({k: v[:1] for k, v in TABLES.items()}, {"method": "REML"}, "random effects \\(REML\\) needs at least 2 studies, not 1"),
    ({k: v[:1] for k, v in TABLES.items()}, {"method": "FE", "test": "knha"}, "Knapp–Hartung test needs at least 2"),
    (binary(events_t=[0, 0, 0]), {"measure": "RR", "method": "MH"},
     "field 'method': the Mantel–Haenszel risk ratio cannot be estimated: no events in the treatment arms"),
    (binary(events_t=[0, 0, 0], events_c=[0, 0, 0]), {"measure": "OR", "method": "Peto"},
     "field 'method': the Peto odds ratio cannot be estimated: one of the two outcomes never occurred"),
    (binary(events_t=[0, 0, 0], events_c=[0, 0, 0]), {"measure": "RD", "method": "MH"},
     "the Mantel–Haenszel risk difference cannot be estimated: no participant in any study had an event"),
    (binary(events_t=5, events_c=[0, 0, 0]), {}, "field 'events_t': give one value per study \\(a list or column\\), not 5"),
])
def test_bad_binary_input_names_the_study_and_field(arguments, options, message):
    with pytest.raises(ReviewInputError, match=f"^pool_binary[,:] .*{message}"):
        pool_binary(*arguments.values(), **options)


def test_labels_name_the_studies_and_every_problem_is_reported():
    with pytest.raises(ReviewInputErrors) as caught:
        pool_binary(*binary(total_t=[123, 0, 231], events_c=[11, 29, 221]).values(), labels=["Aronson", "Ferguson", "Rosenthal"])
    assert {(e.record, e.field) for e in caught.value.errors} == {("Ferguson", "total_t"), ("Rosenthal", "events_c")}


@pytest.mark.parametrize("arguments,options,message", [
    (means(sd_t=[47, -7, 17]), {}, "record 'study 2', field 'sd_t': the SD must be positive, not -7"),
    (means(sd_c=[64, 4, 0]), {}, "record 'study 3', field 'sd_c': the SD must be positive, not 0"),
    (means(n_c=[156, 1, 71]), {"measure": "SMD"}, "record 'study 2', field 'n_c': SMD needs at least 2 participants per arm"),
    (means(n_t=[155, 0, 75]), {"measure": "MD"}, "record 'study 2', field 'n_t': MD needs at least 1 participant per arm"),
    (means(), {"method": "MH"}, "field 'method': the Mantel–Haenszel method pools 2×2 tables"),
    (means(), {"method": "Peto"}, "field 'method': the Peto method pools 2×2 tables"),
    (means(mean_t=[55, float("inf"), 64]), {}, "record 'study 2', field 'mean_t': the value inf is not finite"),
])
def test_bad_continuous_input_names_the_study_and_field(arguments, options, message):
    with pytest.raises(ReviewInputError, match=f"^pool_continuous, .*{message}"):
        pool_continuous(*arguments.values(), **options)


def test_bad_generic_input_names_the_study_and_field():
    with pytest.raises(ReviewInputError, match="record 'b', field 'std_errors': a standard error must be positive, not 0"):
        pool_generic([0.1, 0.2], [0.1, 0.0], labels=["a", "b"])
    with pytest.raises(ReviewInputError, match="field 'scale': unknown scale 'logit'"):
        pool_generic([0.1, 0.2], [0.1, 0.1], scale="logit")
    with pytest.raises(ReviewInputError, match="field 'method'"):
        pool_generic([0.1, 0.2], [0.1, 0.1], method="MH")


def test_tests_that_need_more_studies_say_how_many():
    two = pool_binary([4, 6], [123, 306], [11, 29], [139, 303])
    with pytest.raises(ReviewInputError, match="^egger_test: Egger's test .* needs at least 3 studies, not 2"):
        egger_test(two)
    with pytest.raises(ReviewInputError, match="^trim_and_fill: trim-and-fill needs at least 3 studies, not 2"):
        trim_and_fill(two)
    with pytest.raises(ReviewInputError, match="^leave_one_out: .*REML.* needs at least 3 studies, not 2"):
        leave_one_out(two)
    with pytest.raises(ReviewInputError, match="field 'method': trim-and-fill refits by inverse variance"):
        trim_and_fill(pool_binary(*TABLES.values(), method="MH"))
    with pytest.raises(ReviewInputError, match="^subgroup_test: .* at least 2 subgroups, not 1"):
        subgroup_test({"all": two})
    with pytest.raises(ReviewInputError, match="different measures"):
        subgroup_test({"a": two, "b": pool_binary([4, 6], [123, 306], [11, 29], [139, 303], measure="OR")})


def test_bad_moderators_name_the_study_and_the_column():
    y, se = [0.1, 0.3, 0.2, 0.5], [0.1, 0.2, 0.15, 0.1]
    with pytest.raises(ReviewInputError, match="record 'study 3', field 'dose': the moderator is missing"):
        meta_regression(y, se, pd.DataFrame({"dose": [1, 2, np.nan, 4]}))
    with pytest.raises(ReviewInputError, match="record 'c', field 'arm': the moderator is missing"):
        meta_regression(y, se, pd.DataFrame({"arm": ["x", "y", None, "x"]}), labels=["a", "b", "c", "d"])
    with pytest.raises(ReviewInputError, match="field 'moderators': 3 rows of moderators for 4 studies"):
        meta_regression(y, se, pd.DataFrame({"dose": [1, 2, 3]}))
    with pytest.raises(ReviewInputError, match="field 'moderators': the moderators are collinear"):
        meta_regression(y, se, pd.DataFrame({"dose": [1, 2, 3, 4], "twice": [2, 4, 6, 8]}))
    with pytest.raises(ReviewInputError, match="needs more studies than that, not 4"):
        meta_regression(y, se, pd.DataFrame({"a": [1, 2, 3, 5], "b": [0, 1, 1, 3], "c": [1, 0, 2, 2]}))
    with pytest.raises(ReviewInputError, match="field 'arm': the moderator takes one value only \\('x'\\)"):
        meta_regression(y, se, pd.DataFrame({"arm": ["x"] * 4}))
    with pytest.raises(ReviewInputError, match="record 'study 1', field 'std_errors'"):
        meta_regression(y, [-1, 0.2, 0.15, 0.1], pd.DataFrame({"dose": [1, 2, 3, 4]}))
