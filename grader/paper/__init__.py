"""Papers: items drawn from banks by a blueprint, written as nbgrader source notebooks."""

from grader.paper.draw import DrawError, Paper, PaperItem, PaperSection, draw_papers
from grader.paper.notebook import NOTEBOOK_NAME, paper_notebook

__all__ = ["NOTEBOOK_NAME", "DrawError", "Paper", "PaperItem", "PaperSection", "draw_papers",
           "paper_notebook"]
