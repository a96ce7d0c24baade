"""Item analysis for trainers: which questions work (Moodle's quiz statistics as the reference).

stats.py computes (pure), load.py reads the gradebook, export.py writes .xlsx/.csv, view.py is the
Voila page (voila_apps/item_analysis.ipynb)."""

from grader.item_analysis.load import GradedPaper, ItemAnalysisError, graded_papers, item_analysis, paper_responses
from grader.item_analysis.stats import ItemAnalysis, ItemSpec, ItemStats, PaperResponses, PaperStats, Sheet, analyse

__all__ = ["GradedPaper", "ItemAnalysis", "ItemAnalysisError", "ItemSpec", "ItemStats", "PaperResponses",
           "PaperStats", "Sheet", "analyse", "graded_papers", "item_analysis", "paper_responses"]
