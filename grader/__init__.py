"""qinglian (清廉): integrity-education courses, exams and records on Jupyter and nbgrader."""

__version__ = "0.1.0"
