"""Programmes as data: what a person must have done, read from `exams/programmes/*.yaml`
(grader.programmes.spec), and what a person has done against it (grader.programmes.status)."""

from grader.programmes.spec import *  # noqa: F403
from grader.programmes.spec import (
    STEP_KINDS,
    ModuleLike,
    Programme,
    ProgrammeError,
    ProgrammeStatus,
    StepSpec,
    StepStatus,
    load_programme,
    load_programmes,
    people_status,
    person_status,
    unit_status,
)

__all__ = ["STEP_KINDS", "ModuleLike", "Programme", "ProgrammeError", "ProgrammeStatus", "StepSpec", "StepStatus",
           "load_programme", "load_programmes", "people_status", "person_status", "unit_status"]
