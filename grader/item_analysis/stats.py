"""Item analysis of one paper by classical test theory, computed as Moodle's quiz statistics
report computes it. Pure: the responses come in as plain data (see load.py), nothing is read here.

The formulas follow Moodle's code (question/classes/statistics/questions/calculator.php and
mod/quiz/report/statistics/classes/calculator.php), with s candidates, x an item's scores, T the
totals and R = T - x the rest of the test:

- facility = mean(x) / max score (Moodle's "facility index");
- item SD and test SD are sample standard deviations (divisor s - 1), as Moodle's;
- discrimination = Pearson r(x, R), the corrected item-total correlation (Moodle's "discrimination
  index", shown there as a percentage);
- discriminative efficiency = cov(x, R) / cov(sorted x, sorted R): the discrimination as a share of
  the most this item could have with these score distributions (Moodle's "discriminative efficiency");
- Cronbach's alpha = k / (k - 1) * (1 - sum var(x_i) / var(T)) (Moodle's "coefficient of internal
  consistency"); for items scored 0 or full marks it is KR-20. Moodle divides every variance by
  s - 1; any common divisor cancels in the ratio, so it is the same number as KR-20 written with
  p*q and population variances. What must not happen is mixing the two, which we never do;
- standard error of measurement = SD(T) * sqrt(1 - alpha) (Moodle's "standard error").

Like Moodle, alpha (and so the standard error) needs at least 3 candidates and 2 items.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from grader.scoring import CHOICE_TYPES, is_blank, normalize_choice

# Kelley's upper and lower 27% by total score, the usual groups for distractor analysis. Candidates
# are ranked by total, ties broken by student id, so the groups never depend on input order; each
# group holds round(0.27 * n) candidates (at least 1, at most half of them so they never overlap).
GROUP_FRACTION = 0.27

# Why these bounds: The Open University's guide to Moodle's quiz statistics ("Moodle Quiz (iCMA)
# reports", section 4.2; its reading of the test statistics is the text of Moodle's "Quiz report
# statistics" page) grades a facility index of 11-20% as "difficult" (lower as very or extremely
# difficult), 90-94% as "very easy" and 95-100% as "extremely easy": outside 20%-90% nearly everyone
# scores the same, so the item separates nobody.
TOO_HARD = 0.2
TOO_EASY = 0.9
# Why 0.2: the discrimination index is a correlation with the rest of the test and classical test
# theory treats r < 0.2 as weak; a negative r means stronger candidates did worse on the item than
# weaker ones, the mark of a flawed question (often a wrong key).
# Moodle's own table marks a question dubious when its discriminative efficiency is below 15%
# (is_dubious_question in mod/quiz/report/statistics/statistics_table.php); we report that figure.
LOW_DISCRIMINATION = 0.2

FLAG_TOO_EASY = "过易"
FLAG_TOO_HARD = "过难"
FLAG_LOW = "区分度低"
FLAG_NEGATIVE = "区分度为负"
FLAG_PENDING = "待评分"
BLANK = "未作答"
INVALID = "无效"


@dataclass(frozen=True)
class ItemSpec:
    """One item of the paper as the trainer knows it (never its key)."""

    position: int
    name: str
    item_id: str
    type: str
    stem: str
    max_score: float
    options: tuple[tuple[str, str], ...] = ()  # (letter, text) in paper order; choice items only


@dataclass(frozen=True)
class Sheet:
    """One candidate's current result: per item (paper order) the score, None while not yet
    scored (an essay waiting for a grader), and the response as stored."""

    student_id: str
    scores: tuple[float | None, ...]
    responses: tuple[str | None, ...]


@dataclass(frozen=True)
class PaperResponses:
    assignment: str
    title: str
    pass_mark: float
    items: tuple[ItemSpec, ...]
    sheets: tuple[Sheet, ...]


@dataclass(frozen=True)
class OptionCount:
    """How many in the upper group, the lower group and in all chose this option (a multiple-choice
    answer counts once for each letter in it)."""

    option: str  # a letter, BLANK or INVALID
    text: str
    upper: int
    lower: int
    everyone: int


@dataclass(frozen=True)
class ItemStats:
    position: int
    name: str
    item_id: str
    type: str
    stem: str
    max_score: float
    scored: int  # candidates with a score for this item
    pending: int  # candidates whose answer still waits for a grader; the figures below wait too
    mean: float | None
    sd: float | None
    facility: float | None
    discrimination: float | None
    efficiency: float | None
    options: tuple[OptionCount, ...]  # empty unless a choice item
    flags: tuple[str, ...]


@dataclass(frozen=True)
class PaperStats:
    assignment: str
    title: str
    candidates: int
    items_in_total: int  # items whose scores make the totals (all but those pending)
    max_score: float  # of those items
    mean: float | None
    sd: float | None
    pass_mark: float
    pass_rate: float | None  # None while some answer waits for a grader
    alpha: float | None
    sem: float | None
    group_size: int
    left_out: tuple[str, ...]  # names of items left out of the totals (pending scores)


@dataclass(frozen=True)
class ItemAnalysis:
    paper: PaperStats
    items: tuple[ItemStats, ...]

    def item(self, name: str) -> ItemStats:
        return next(i for i in self.items if i.name == name)


def mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def sample_variance(values: Sequence[float]) -> float:
    m = mean(values)
    return math.fsum((v - m) ** 2 for v in values) / (len(values) - 1)


def _constant(values: Sequence[float]) -> bool:
    # compared exactly, not by a variance that float rounding can leave a hair above zero
    return min(values) == max(values)


def _covariance_sum(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = mean(xs), mean(ys)
    return math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either side does not vary (or fewer than 2 values)."""
    if len(xs) < 2 or _constant(xs) or _constant(ys):
        return None
    r = _covariance_sum(xs, ys) / math.sqrt(_covariance_sum(xs, xs) * _covariance_sum(ys, ys))
    return max(-1.0, min(1.0, r))


def efficiency(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Moodle's discriminative efficiency: cov(x, y) over the covariance of both sorted."""
    if len(xs) < 2 or _constant(xs) or _constant(ys):
        return None
    most = _covariance_sum(sorted(xs), sorted(ys))
    return _covariance_sum(xs, ys) / most if most > 0 else None


def cronbach_alpha(columns: Sequence[Sequence[float]]) -> float | None:
    """k/(k-1) * (1 - sum of item variances / variance of totals), all with divisor n - 1."""
    if len(columns) < 2 or len(columns[0]) < 3:  # Moodle: only from 3 attempts (calculator.php)
        return None
    totals = [math.fsum(row) for row in zip(*columns, strict=True)]
    if _constant(totals):
        return None
    k = len(columns)
    items = math.fsum(0.0 if _constant(c) else sample_variance(c) for c in columns)
    return k / (k - 1) * (1 - items / sample_variance(totals))


def group_size(candidates: int) -> int:
    if candidates < 2:
        return 0
    return min(candidates // 2, max(1, math.floor(GROUP_FRACTION * candidates + 0.5)))


def _flags(facility: float | None, discrimination: float | None, pending: int) -> tuple[str, ...]:
    flags = []
    if pending:
        flags.append(FLAG_PENDING)
    if facility is not None and facility > TOO_EASY:
        flags.append(FLAG_TOO_EASY)
    if facility is not None and facility < TOO_HARD:
        flags.append(FLAG_TOO_HARD)
    if discrimination is not None and discrimination < 0:
        flags.append(FLAG_NEGATIVE)
    elif discrimination is not None and discrimination < LOW_DISCRIMINATION:
        flags.append(FLAG_LOW)
    return tuple(flags)


def _chosen(offered: str, response: str | None) -> tuple[str, ...]:
    if is_blank(response):
        return (BLANK,)
    letters = normalize_choice(response, offered)
    return (INVALID,) if letters is None else tuple(letters)


def option_counts(spec: ItemSpec, responses: Sequence[str | None], upper: Sequence[int],
                  lower: Sequence[int]) -> tuple[OptionCount, ...]:
    """Distractor table of a choice item: every option, then blank and invalid answers."""
    if spec.type not in CHOICE_TYPES:
        return ()
    offered = "".join(letter for letter, _ in spec.options)
    parsed: dict[str | None, tuple[str, ...]] = {}  # a paper's answers repeat: parse each once
    chosen = [parsed.get(r) or parsed.setdefault(r, _chosen(offered, r)) for r in responses]
    everyone = Counter(option for c in chosen for option in c)
    top = Counter(option for i in upper for option in chosen[i])
    bottom = Counter(option for i in lower for option in chosen[i])
    return tuple(OptionCount(option, text, top[option], bottom[option], everyone[option])
                 for option, text in [*spec.options, (BLANK, ""), (INVALID, "")])


def _item_stats(spec: ItemSpec, index: int, sheets: Sequence[Sheet], rest: Sequence[float] | None,
                groups: tuple[Sequence[int], Sequence[int]]) -> ItemStats:
    """`rest` holds each candidate's total without this item, None when the item is not in the totals."""
    scores = [s.scores[index] for s in sheets]
    known = [x for x in scores if x is not None]
    pending = len(scores) - len(known)
    # until every answer is scored the figures would describe only the answers scored first (the
    # blank ones, scored 0 at once): they wait with the rest
    xs = known if not pending else []
    item_mean = mean(xs) if xs else None
    facility = item_mean / spec.max_score if item_mean is not None and spec.max_score > 0 else None
    sd = math.sqrt(0.0 if _constant(xs) else sample_variance(xs)) if len(xs) >= 2 else None
    discrimination = correlation(xs, rest) if rest is not None else None
    moodle_efficiency = efficiency(xs, rest) if rest is not None else None
    options = option_counts(spec, [s.responses[index] for s in sheets], *groups)
    return ItemStats(spec.position, spec.name, spec.item_id, spec.type, spec.stem, spec.max_score, len(known),
                     pending, item_mean, sd, facility, discrimination, moodle_efficiency, options,
                     _flags(facility, discrimination, pending))


def _paper_stats(data: PaperResponses, totals: Sequence[float], columns: Sequence[Sequence[float]],
                 left_out: Sequence[str], groups: int) -> PaperStats:
    n = len(totals)
    sd = math.sqrt(0.0 if _constant(totals) else sample_variance(totals)) if n >= 2 else None
    alpha = cronbach_alpha(columns)
    sem = sd * math.sqrt(1 - alpha) if sd is not None and alpha is not None else None
    passed = sum(t >= data.pass_mark for t in totals)
    included = [i for i in data.items if i.name not in left_out]
    return PaperStats(data.assignment, data.title, n, len(included), math.fsum(i.max_score for i in included),
                      mean(totals) if n else None, sd, data.pass_mark,
                      passed / n if n and not left_out else None, alpha, sem, groups, tuple(left_out))


def analyse(data: PaperResponses) -> ItemAnalysis:
    """Item and paper statistics. Items with answers still waiting for a grader are left out of the
    totals (and so of alpha, the groups and every discrimination) until they are all scored."""
    sheets = data.sheets
    complete = [i for i, _ in enumerate(data.items) if all(s.scores[i] is not None for s in sheets)]
    columns = [[float(s.scores[i] or 0.0) for s in sheets] for i in complete]
    totals = [math.fsum(row) for row in zip(*columns, strict=True)] if columns else [0.0] * len(sheets)
    size = group_size(len(sheets))
    ranked = sorted(range(len(sheets)), key=lambda j: (-totals[j], sheets[j].student_id))
    groups = (ranked[:size], ranked[len(ranked) - size:] if size else [])
    rests = {i: [t - c for t, c in zip(totals, column, strict=True)] for i, column in zip(complete, columns,
                                                                                        strict=True)}
    items = tuple(_item_stats(spec, i, sheets, rests.get(i), groups) for i, spec in enumerate(data.items))
    left_out = [spec.name for i, spec in enumerate(data.items) if i not in rests]
    return ItemAnalysis(_paper_stats(data, totals, columns, left_out, size), items)

