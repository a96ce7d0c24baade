"""Autograde: parse submitted notebooks as data, score them, write the gradebook."""

from grader.autograde.run import AutogradeReport, FailedSubmission, autograde
from grader.autograde.store import NotReleasedError

__all__ = ["AutogradeReport", "FailedSubmission", "NotReleasedError", "autograde", "warm_grading"]


def warm_grading() -> None:
    """Import now what grading a submission loads lazily (nbformat and nbgrader for the notebook,
    the audit log, the scoreboard summaries): a process that will grade (the exam room's) pays the
    seconds at start, not at the first 交卷. Kept here, beside the lazy imports it mirrors."""
    import nbformat  # noqa: F401
    import nbgrader.utils  # noqa: F401

    import grader.audit.log
    import grader.audit.tables
    import grader.summary  # noqa: F401
