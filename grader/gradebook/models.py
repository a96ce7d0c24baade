"""qinglian's own tables. nbgrader's tables live beside them, untouched in shape."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    text,
)
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
    # what the exam room shows (never the key): the stem and the option texts in paper order
    stem: Mapped[str | None] = mapped_column(Text, nullable=True)
    option_texts: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


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


class SittingRow(Base):
    """A sitting (场次): released papers, a window in which attempts may start, a duration."""

    __tablename__ = "ql_sitting"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(256))
    opens_at: Mapped[datetime] = mapped_column(DateTime)
    closes_at: Mapped[datetime] = mapped_column(DateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    attempts_allowed: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # tab switches / window blurs after which the attempt is submitted (None: never; migration 0009)
    switch_limit: Mapped[int | None] = mapped_column(Integer, nullable=True)


class SittingCandidateRow(Base):
    """A candidate's seat: admission number, the hash of their exam code, their paper version and
    the seed of their question and option order."""

    __tablename__ = "ql_sitting_candidate"
    admission_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    sitting_id: Mapped[str] = mapped_column(ForeignKey("ql_sitting.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[str] = mapped_column(String(128))
    assignment: Mapped[str] = mapped_column(String(128))
    # "hmac:<hex>" under the workspace's secret; "pbkdf2:<hex>" marks a seat whose code must be reissued
    code_hash: Mapped[str] = mapped_column(String(128))
    seed: Mapped[int] = mapped_column(Integer)
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes since the last success or lock
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AttemptRow(Base):
    """One attempt; its clock is the server's (started_at, deadline)."""

    __tablename__ = "ql_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    admission_no: Mapped[str] = mapped_column(ForeignKey("ql_sitting_candidate.admission_no"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    deadline: Mapped[datetime] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # candidate | timeout | switches | proctor | void (a twin closed by migration 0009)
    submitted_how: Mapped[str | None] = mapped_column(String(16), nullable=True)

    # one attempt per (seat, number), and at most one open attempt per seat, whatever two browsers do
    __table_args__ = (Index("uq_ql_attempt_number", "admission_no", "number", unique=True),
                      Index("ux_ql_attempt_open", "admission_no", unique=True,
                            sqlite_where=text("submitted_at IS NULL"),
                            postgresql_where=text("submitted_at IS NULL")))


class AnswerRow(Base):
    """The current answer to one item of an attempt, canonical (paper order, paper letters)."""

    __tablename__ = "ql_answer"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("ql_attempt.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    saved_at: Mapped[datetime] = mapped_column(DateTime)


class AnswerEventRow(Base):
    """Every change of an answer, accepted or refused (and why): nothing a candidate sent is lost."""

    __tablename__ = "ql_answer_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("ql_attempt.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(Text)
    accepted: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime)


# --- Sitting integrity: submissions, marks, sign-ins, events, proctor actions (migration 0009) ---


class SubmissionRow(Base):
    """What an attempt handed in, kept by attempt and never updated: the canonical answers (paper
    item name -> value) at submission. A reopened attempt submits again as the next seq."""

    __tablename__ = "ql_submission"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("ql_attempt.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    how: Mapped[str] = mapped_column(String(16))
    answers: Mapped[dict[str, str]] = mapped_column(JSON)


class MarkRow(Base):
    """An item the candidate marked for review (标记)."""

    __tablename__ = "ql_mark"
    attempt_id: Mapped[int] = mapped_column(ForeignKey("ql_attempt.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)


class SignInRow(Base):
    """Every sign-in try, good or bad: ok | hub | wrong_code | unknown | locked | throttled | stale_code | closed."""

    __tablename__ = "ql_sign_in"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    admission_no: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (Index("ix_ql_sign_in_client", "client", "at"),
                      Index("ix_ql_sign_in_admission", "admission_no", "at"))


class AttemptEventRow(Base):
    """A tab switch or window blur the page reported during an attempt."""

    __tablename__ = "ql_attempt_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("ql_attempt.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # blur | hidden
    at: Mapped[datetime] = mapped_column(DateTime)


class ProctorActionRow(Base):
    """A proctor's action on a seat (unlock | extend | force_submit | reopen): who, when and why."""

    __tablename__ = "ql_proctor_action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sitting_id: Mapped[str] = mapped_column(ForeignKey("ql_sitting.id", ondelete="CASCADE"), index=True)
    admission_no: Mapped[str] = mapped_column(String(32))
    attempt_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime] = mapped_column(DateTime)


class UnitRow(Base):
    """单位, in a hierarchy (a township under its county, a county under the city)."""

    __tablename__ = "ql_unit"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    parent: Mapped[str | None] = mapped_column(ForeignKey("ql_unit.name"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))  # 市直单位 | 县（市、区） | 乡（镇、街道）
    position: Mapped[int] = mapped_column(Integer, server_default="0")  # first seen in the roster: lists follow it


class PersonRow(Base):
    """A person on the roster; the same id is their nbgrader student id."""

    __tablename__ = "ql_person"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number: Mapped[str] = mapped_column(String(18))
    unit: Mapped[str] = mapped_column(ForeignKey("ql_unit.name"), index=True)
    rank: Mapped[str] = mapped_column(String(32))  # 职级
    category: Mapped[str] = mapped_column(String(32))  # 人员类别


# --- Records: programmes and promotion-gate steps (migration 0005) ---


class GateRecordRow(Base):
    """A recorded gate step (谈话, 宣誓, 承诺, 理论学习…). Never updated: a correction or a
    withdrawal is a new row naming the row it replaces, who made it, when and why."""

    __tablename__ = "ql_gate_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("ql_person.id"))
    kind: Mapped[str] = mapped_column(String(32))  # talk | oath | commitment | theory_study | party_lecture
    action: Mapped[str] = mapped_column(String(16))  # record | correct | withdraw
    replaces: Mapped[int | None] = mapped_column(ForeignKey("ql_gate_record.id"), nullable=True)
    happened_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # None for a withdrawal
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)
    notes: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text, nullable=True)  # the commitment's own words
    reason: Mapped[str] = mapped_column(Text, default="")  # why a correction or withdrawal was made
    # the promotion case the step was recorded for (migration 0011); None: not for a case
    case_id: Mapped[int | None] = mapped_column(ForeignKey("ql_promotion_case.id"), nullable=True, index=True)

    # a row is replaced at most once, so two people correcting the same record cannot both win
    __table_args__ = (Index("ix_ql_gate_record_person", "person_id", "kind"),
                      Index("ix_ql_gate_record_replaces", "replaces", unique=True))


# --- Records: promotion cases and score reviews (migration 0011) ---


class PromotionCaseRow(Base):
    """任职事项: the organisation department opens a case for a person up for promotion; the gate
    steps are recorded for it. A case is closed or cancelled once (who, when, why), never reopened."""

    __tablename__ = "ql_promotion_case"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("ql_person.id"), index=True)
    programme: Mapped[str] = mapped_column(String(32))
    position: Mapped[str] = mapped_column(String(128))  # 拟任职务
    notice_start: Mapped[date] = mapped_column(Date)  # 公示
    notice_end: Mapped[date] = mapped_column(Date)
    decision_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # 任职决定 (planned or made)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(16))  # open | closed | cancelled
    ended_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    end_reason: Mapped[str] = mapped_column(Text, default="")

    # one open case per person and programme, whatever two browsers do at once
    __table_args__ = (Index("ux_ql_promotion_case_open", "person_id", "programme", unique=True,
                            sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),)


class ScoreReviewRow(Base):
    """成绩复核 of one graded result: who asked (the candidate, or the department for them) and
    why, the first marks as they stood, the second marker's marks (given without seeing the
    first), the outcome and who decided. Nothing here is overwritten."""

    __tablename__ = "ql_score_review"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    result_id: Mapped[int] = mapped_column(ForeignKey("ql_result.id"))
    person_id: Mapped[str] = mapped_column(String(128), index=True)
    assignment: Mapped[str] = mapped_column(String(128))
    requested_by: Mapped[str] = mapped_column(String(64))
    on_behalf: Mapped[bool] = mapped_column(Boolean)  # the department asked for the candidate
    requested_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)
    first_marks: Mapped[dict[str, float]] = mapped_column(JSON)  # essay -> points, when asked
    first_score: Mapped[float] = mapped_column(Float)
    marker: Mapped[str | None] = mapped_column(String(64), nullable=True)
    second_marks: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    marked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)  # upheld | changed
    final_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    # a result is reviewed once
    __table_args__ = (Index("ux_ql_score_review_result", "result_id", unique=True),)


# --- Certificates: issued certificates, keys and revocations (migration 0006) ---


class CertificateRow(Base):
    """An issued certificate: the full facts it states, its QR text, the signed PDF exactly as
    handed out, the key that signed it, who issued it and when. Never changed: a correction
    revokes it (ql_certificate_revocation) and issues a new one."""

    __tablename__ = "ql_certificate"
    serial: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(128))
    programme: Mapped[str] = mapped_column(String(32))  # induction | promotion_test | promotion_gate
    facts: Mapped[dict[str, str]] = mapped_column(JSON)
    payload: Mapped[str] = mapped_column(Text)  # the QR text
    key_id: Mapped[str] = mapped_column(String(32))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    issued_by: Mapped[str] = mapped_column(String(128))

    __table_args__ = (Index("ix_ql_certificate_person", "person_id", "programme"),)


class CertificateRevocationRow(Base):
    """A revoked certificate: when, by whom and why (a record it rested on was corrected)."""

    __tablename__ = "ql_certificate_revocation"
    serial: Mapped[str] = mapped_column(ForeignKey("ql_certificate.serial"), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_by: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)


class ResultFlagClearanceRow(Base):
    """A person looked at a result flagged 待复核 and cleared it: who, when and why (migration
    0010). One per result: a regrade is a new result, flagged or not afresh. Until its flag is
    cleared a result earns no certificate."""

    __tablename__ = "ql_result_flag_clearance"
    result_id: Mapped[int] = mapped_column(ForeignKey("ql_result.id"), primary_key=True)
    cleared_by: Mapped[str] = mapped_column(String(128))
    cleared_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(Text)


# --- Staff accounts and the audit log (migration 0012) ---


class StaffRow(Base):
    """A staff account: a role, and how the person is known (an OS user for the CLI, a JupyterHub
    user, and/or a local password hashed with argon2). Disabled, never deleted: the log names it."""

    __tablename__ = "ql_staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # trainer | recorder | organiser | auditor
    os_user: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    hub_user: Mapped[str | None] = mapped_column(String(128), unique=True, nullable=True)
    password_hash: Mapped[str | None] = mapped_column(String(256), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)  # wrong passwords since the last success
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditRow(Base):
    """One entry of the hash-chained audit log; only ever appended (grader.audit.log)."""

    __tablename__ = "ql_audit"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(128), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(Text)  # canonical JSON of the object's new state ("null": deleted)
    outcome: Mapped[str] = mapped_column(String(16))  # ok | refused
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_ql_audit_object", "object_type", "object_id"),)


class AuditHeadRow(Base):
    """The chain's head (one row): held while appending, so appends from any process form one chain."""

    __tablename__ = "ql_audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class StudyCodeRow(Base):
    """A learner's personal study code (HMAC under the workspace secret, like exam codes), with lockout."""

    __tablename__ = "ql_study_code"
    person_id: Mapped[str] = mapped_column(ForeignKey("ql_person.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(DateTime)
    failed_tries: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- Essay marking (grader.marking, migration 0014) ---


class MarkingSettingRow(Base):
    """How a paper's essays are marked: by one marker, or by two (double marking) with the difference
    beyond `threshold` points flagged for a third marker. Fixed once the paper's first mark is given."""

    __tablename__ = "ql_marking_setting"
    assignment: Mapped[str] = mapped_column(ForeignKey("ql_paper.assignment", ondelete="CASCADE"), primary_key=True)
    double_marking: Mapped[bool] = mapped_column(Boolean)
    threshold: Mapped[float] = mapped_column(Float)
    set_by: Mapped[str] = mapped_column(String(128))
    set_at: Mapped[datetime] = mapped_column(DateTime)


class EssayMarkRow(Base):
    """A mark of one essay answer: round 1 (the only one under single marking, whoever marked last),
    2 (double marking's second marker) or 3 (the third marking of a flagged answer). A revision
    changes the row; every state is in the audit log. The score recorded in nbgrader's grade table
    follows from the rows (grader.marking.marks)."""

    __tablename__ = "ql_essay_mark"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    assignment: Mapped[str] = mapped_column(String(128))
    student_id: Mapped[str] = mapped_column(String(128))
    item: Mapped[str] = mapped_column(String(32))  # the essay's name on the paper (q46)
    marker_id: Mapped[int] = mapped_column(ForeignKey("ql_staff.id"))
    marker: Mapped[str] = mapped_column(String(128))
    round: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text)
    marked_at: Mapped[datetime] = mapped_column(DateTime)

    # one mark per answer and round: two markers racing for the second round cannot both have it
    __table_args__ = (Index("uq_ql_essay_mark_round", "assignment", "item", "student_id", "round", unique=True),)
