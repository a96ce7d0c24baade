"""Summary tables for the scoreboard at a million attempts (issue 15 part 5): every scoreboard
question reads a few hundred summary rows instead of grouping every result.

What is kept (grader.summary.tables, migration 0015): per person, programme and period (all time,
each calendar year, quarter and month with results) the counted result — best percentage, band,
passed, attempts, last submission — as grader.scoreboard says who counts; per unit (and for the
whole roster) and period and programme and score band the number of candidates, of passes and the
sum of best percentages; per unit and period the distinct people with any counted result.

How they stay right — the choice, and why:
- Summary tables, not PostgreSQL materialized views: SQLite has none, and a view refreshed whole
  costs what the query it replaces costs. One design for both databases.
- Triggers do not compute figures (the counting rule — best current result, graders' essay marks
  from nbgrader's tables, pass marks of papers — would have to be written twice, in SQLite's and
  PostgreSQL's procedural dialects). They only mark a person stale (ql_summary_stale) whenever a
  row the person's figures rest on is written: a result, a grader's mark, the roster, a paper. So
  no writer can be forgotten: formgrader, nbgrader's own commands and a hand-made UPDATE mark
  people too (grader.summary.triggers).
- The library's writers call settle(session) after their writes, in their own transaction: the
  stale people are counted again from the raw rows (the same SQL as the recount) and their old
  figures moved out of their units' rows, the new ones in. A page never waits for that.
- Reads write nothing: people still stale when a page asks (formgrader marked an essay a moment
  ago) are taken out of the figures as summed and put back as counted now (grader.summary.read),
  so a page is right before anyone settles, only slower while many people are stale.
- Sums of percentages are kept as integers (millionths of a percent): adding and taking away
  people never drifts, so the mean equals a recount's to within a millionth of a percent.
"""

from grader.summary.maintain import rebuild, refresh, settle, stale_count

__all__ = ["rebuild", "refresh", "settle", "stale_count"]
