"""Public scoreboards: pass rates by unit (sub-units rolled up), programme and period, the score
distribution, a ranking of units and a drill-down to a unit's sub-units and (masked) people.

Who counts, and with which result — the same rule everywhere:
- only current results count (a regrade replaces a result; the old row is history), and only
  people on the roster (ql_person), for their own unit;
- a person counts once per programme (induction, promotion) within the chosen period: with the
  best of their current results for that programme's papers submitted in the period. Their score
  is the best percentage (auto score / max score), and they passed if any of those results reached
  its paper's pass mark. With no programme chosen a person who sat both counts once in each;
- the score is the automatic score plus what graders' marks in formgrader add (essays), counted as
  grader.records.exam_scores counts them for a programme's status; an essay still waiting for a
  grader adds nothing yet.

The figures come from summary tables kept up to date as results, marks and the roster change
(grader.summary: per person, per unit and score band, per period), so a question reads a few
hundred rows at a million attempts; grader.scoreboard.recount counts the same from the raw rows
(what the summaries are checked against). Rolling units up into their parents, ranking and the
distribution are then done on those rows."""

from grader.scoreboard.model import (
    ALL_TIME,
    BIN_EDGES,
    CITY,
    EVERYTHING,
    GRANULARITIES,
    MIN_CANDIDATES,
    Band,
    Board,
    DrillDown,
    Filters,
    Period,
    PublicScore,
    Ranked,
    Rate,
    Tally,
    band_labels,
    distribution,
    programme_title,
    ranking,
)
from grader.scoreboard.query import board, by_period, by_programme, drill_down, people_scores, subtree

__all__ = ["ALL_TIME", "BIN_EDGES", "CITY", "EVERYTHING", "GRANULARITIES", "MIN_CANDIDATES", "Band", "Board",
           "DrillDown", "Filters", "Period", "PublicScore", "Ranked", "Rate", "Tally", "band_labels", "board",
           "by_period", "by_programme", "distribution", "drill_down", "people_scores", "programme_title", "ranking",
           "subtree"]
