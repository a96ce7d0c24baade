"""Exam scores as a programme judges them: moved to grader.programmes.scores (the programmes read
the gradebook; the records write it). Kept so that existing imports keep working."""

from grader.programmes.scores import ExamScore, exam_history, exam_scores, manual_marks

__all__ = ["ExamScore", "exam_history", "exam_scores", "manual_marks"]
