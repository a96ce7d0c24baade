"""Programmes as data: what a person must have done, read from `exams/programmes/*.yaml`
(spec), and what a person has done against it (status; case_status for promotion cases), from
what the gradebook holds (evidence, scores). This package only reads: the records that are
written by hand live in grader.records, which builds on it."""

from grader.programmes.case_status import CaseStatus, Tries, case_statuses, open_case_statuses, tries_of
from grader.programmes.evidence import Case, GateRecord, cases_of, for_people, in_force, records_of
from grader.programmes.scores import ExamScore, exam_history, exam_scores
from grader.programmes.spec import (
    CASE_DATES,
    RECORD_KINDS,
    STEP_KINDS,
    Basis,
    Programme,
    ProgrammeError,
    ResitRule,
    ReviewRule,
    Rule,
    StepSpec,
    load_programme,
    load_programmes,
)
from grader.programmes.status import (
    ModuleLike,
    ProgrammeStatus,
    StepStatus,
    people_status,
    person_status,
    unit_status,
    valid_until,
)

__all__ = ["CASE_DATES", "RECORD_KINDS", "STEP_KINDS", "Basis", "Case", "CaseStatus", "ExamScore", "GateRecord",
           "ModuleLike", "Programme", "ProgrammeError", "ProgrammeStatus", "ResitRule", "ReviewRule", "Rule",
           "StepSpec", "StepStatus", "Tries", "case_statuses", "cases_of", "exam_history", "exam_scores",
           "for_people", "in_force", "load_programme", "load_programmes", "open_case_statuses", "people_status",
           "person_status", "records_of", "tries_of", "unit_status", "valid_until"]
