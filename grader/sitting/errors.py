"""The one error of the sitting rules."""

from __future__ import annotations


class SittingError(Exception):
    """A rule refused the request; the message is Chinese, for the candidate or the staff member."""
