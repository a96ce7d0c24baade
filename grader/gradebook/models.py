"""qinglian's own tables. nbgrader's tables live beside them, untouched in shape."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class PaperRow(Base):
    """A built paper (one nbgrader assignment). Keys live here, on the server, never in a release."""

    __tablename__ = "ql_paper"
    assignment: Mapped[str] = mapped_column(String(128), primary_key=True)
    blueprint: Mapped[str] = mapped_column(String(128))
    programme: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(256))
    version: Mapped[str] = mapped_column(String(8))
    seed: Mapped[int] = mapped_column(Integer)
    total_points: Mapped[float] = mapped_column(Float)
    pass_mark: Mapped[float] = mapped_column(Float)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    show_score: Mapped[bool] = mapped_column(Boolean)
    built_at: Mapped[datetime] = mapped_column(DateTime)


class PaperItemRow(Base):
    __tablename__ = "ql_paper_item"
    assignment: Mapped[str] = mapped_column(ForeignKey("ql_paper.assignment", ondelete="CASCADE"),
                                            primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32))
    item_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    area: Mapped[str] = mapped_column(String(32))
    points: Mapped[float] = mapped_column(Float)
    options: Mapped[str] = mapped_column(String(8))
    key: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    source: Mapped[str] = mapped_column(Text)


class GradingRunRow(Base):
    """One `autograde` over an assignment: who ran it and when (the audit trail of grades)."""

    __tablename__ = "ql_grading_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment: Mapped[str] = mapped_column(String(128), index=True)
    actor: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    graded: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)


class ResultRow(Base):
    """A graded submission. A regrade adds a new row and marks the old one not current."""

    __tablename__ = "ql_result"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ql_grading_run.id"))
    assignment: Mapped[str] = mapped_column(String(128))
    student_id: Mapped[str] = mapped_column(String(128))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    auto_score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    needs_manual: Mapped[bool] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean)
    current: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_ql_result_lookup", "assignment", "student_id", "current"),)


class ItemResultRow(Base):
    __tablename__ = "ql_item_result"
    result_id: Mapped[int] = mapped_column(ForeignKey("ql_result.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[str] = mapped_column(String(128))
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    verdict: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    max_score: Mapped[float] = mapped_column(Float)


class GradingIssueRow(Base):
    """Something a grader must look at: a broken submission, a tampered cell, a non-literal answer."""

    __tablename__ = "ql_grading_issue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("ql_grading_run.id"))
    student_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)


class StudyVisitRow(Base):
    """A learner opened a course module (who, which module, when: the server's clock)."""

    __tablename__ = "ql_study_visit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(String(128), index=True)
    module: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime)


class StudyAttemptRow(Base):
    """One answer to a course self-check, judged on the server."""

    __tablename__ = "ql_study_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    learner_id: Mapped[str] = mapped_column(String(128))
    module: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[str] = mapped_column(String(128))
    answer: Mapped[str] = mapped_column(Text)
    correct: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_ql_study_attempt_learner", "learner_id", "module"),)


class StudyCreditRow(Base):
    """Study hours credited for a module, once, on server-side evidence (every self-check of the
    module answered correctly)."""

    __tablename__ = "ql_study_credit"
    learner_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    module: Mapped[str] = mapped_column(String(64), primary_key=True)
    hours: Mapped[float] = mapped_column(Float)
    completed_at: Mapped[datetime] = mapped_column(DateTime)
    evidence: Mapped[str] = mapped_column(Text)
