"""Autograde: parse submitted notebooks as data, score them, write the gradebook."""

from grader.autograde.run import AutogradeReport, FailedSubmission, autograde
from grader.autograde.store import NotReleasedError

__all__ = ["AutogradeReport", "FailedSubmission", "NotReleasedError", "autograde"]
