"""nbgrader's gradebook tables as qinglian reads and writes them, without importing nbgrader.

Importing `nbgrader.api` loads all of nbgrader (its apps, server extensions, nbformat and jsonschema):
seconds for every command. These Core tables name the same columns with the same types; nbgrader itself
still creates the tables (grader.gradebook.database), and tests/test_nbgrader_tables.py checks that
every column here is nbgrader's."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Enum, Float, Interval, MetaData, String, Table, Text

metadata = MetaData()


def _id() -> Column[str]:
    return Column("id", String(32), primary_key=True)


assignment = Table("assignment", metadata, _id(), Column("name", String(128), nullable=False),
                   Column("duedate", DateTime()), Column("course_id", String(128), nullable=False))
notebook = Table("notebook", metadata, _id(), Column("name", String(128), nullable=False),
                 Column("assignment_id", String(32)), Column("kernelspec", String(1024)))
base_cell = Table("base_cell", metadata, _id(), Column("name", String(128), nullable=False),
                  Column("notebook_id", String(32), nullable=False), Column("type", String(50)))
grade_cells = Table("grade_cells", metadata, _id(), Column("max_score", Float(), nullable=False),
                    Column("cell_type", Enum("code", "markdown", name="grade_cell_type"), nullable=False))
solution_cells = Table("solution_cells", metadata, _id())
student = Table("student", metadata, Column("id", String(128), primary_key=True),
                Column("first_name", String(128)), Column("last_name", String(128)), Column("email", String(128)),
                Column("lms_user_id", String(128)))
submitted_assignment = Table("submitted_assignment", metadata, _id(), Column("assignment_id", String(32)),
                             Column("student_id", String(128)), Column("timestamp", DateTime()),
                             Column("extension", Interval()))
submitted_notebook = Table("submitted_notebook", metadata, _id(), Column("assignment_id", String(32)),
                           Column("notebook_id", String(32)), Column("flagged", Boolean()),
                           Column("late_submission_penalty", Float(0)))
grade = Table("grade", metadata, _id(), Column("notebook_id", String(32)), Column("cell_id", String(32)),
              Column("auto_score", Float()), Column("manual_score", Float()), Column("extra_credit", Float()),
              Column("needs_manual_grade", Boolean(), nullable=False))
# what a release writes (grader.paper.nbgrader_rows): the course, and source and task cells
course = Table("course", metadata, Column("id", String(128), primary_key=True))
source_cell = Table("source_cell", metadata, _id(), Column("name", String(128), nullable=False),
                    Column("cell_type", Enum("code", "markdown", name="source_cell_type"), nullable=False),
                    Column("locked", Boolean(), nullable=False), Column("source", Text()),
                    Column("checksum", String(128)), Column("notebook_id", String(32)))
task_cells = Table("task_cells", metadata, _id(), Column("max_score", Float(), nullable=False),
                   Column("cell_type", Enum("code", "markdown", name="grade_cell_type"), nullable=False))
comment = Table("comment", metadata, _id(), Column("notebook_id", String(32)), Column("cell_id", String(32)),
                Column("auto_comment", Text()), Column("manual_comment", Text()))
