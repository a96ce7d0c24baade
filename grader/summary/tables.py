"""The summary tables (migration 0014): derived from ql_result, ql_paper, ql_person and nbgrader's
grade table, never edited by hand; grader.summary.maintain keeps them equal to a recount."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from grader.gradebook.models import Base

# period spans, and the key each gives a result's submission time ("" for all time)
SPANS = ("all", "year", "quarter", "month")
CITY_ROW = ""  # ql_summary_unit / ql_summary_examinees: the whole roster's figures


class PersonSummaryRow(Base):
    """A person's counted result for one programme in one period (key "", "2025", "2025-Q1" or
    "2025-03"): the best percentage, its score band, whether any result passed, how many results,
    the last submission; and the unit the person was in when it was summed (what to take back out
    of ql_summary_unit when the person changes)."""

    __tablename__ = "ql_summary_person"
    person_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(8), primary_key=True)
    programme: Mapped[str] = mapped_column(String(32), primary_key=True)
    span: Mapped[str] = mapped_column(String(8))
    unit: Mapped[str] = mapped_column(String(128))
    best: Mapped[float] = mapped_column(Float)
    band: Mapped[int] = mapped_column(Integer)
    passed: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    last: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class UnitSummaryRow(Base):
    """How many of a unit's own people (unit "": everyone on the roster) counted for a programme in
    a period with their best in a score band, how many of them passed, and the sum of their best
    percentages in millionths of a percent (an integer: adding and taking away never drifts)."""

    __tablename__ = "ql_summary_unit"
    unit: Mapped[str] = mapped_column(String(128), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(8), primary_key=True)
    programme: Mapped[str] = mapped_column(String(32), primary_key=True)
    band: Mapped[int] = mapped_column(Integer, primary_key=True)
    span: Mapped[str] = mapped_column(String(8))
    candidates: Mapped[int] = mapped_column(Integer)
    passed: Mapped[int] = mapped_column(Integer)
    best_micros: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_ql_summary_unit_period", "period_key"),)


class ExamineesSummaryRow(Base):
    """Distinct people of a unit (unit "": everyone) with a counted result of any programme in a period."""

    __tablename__ = "ql_summary_examinees"
    unit: Mapped[str] = mapped_column(String(128), primary_key=True)
    period_key: Mapped[str] = mapped_column(String(8), primary_key=True)
    people: Mapped[int] = mapped_column(Integer)


class StaleSummaryRow(Base):
    """A person whose raw rows changed since their summary rows were made: filled by triggers on
    the raw tables (whoever wrote them, formgrader included), emptied by grader.summary.settle."""

    __tablename__ = "ql_summary_stale"
    person_id: Mapped[str] = mapped_column(String(128), primary_key=True)
