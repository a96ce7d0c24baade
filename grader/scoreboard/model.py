"""The scoreboard's values: filters, periods, a unit's figures, and what is derived from a board
without the database (the score distribution, the ranking). Plain frozen dataclasses."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from grader.blueprint import PROGRAMMES
from grader.summary.count import BIN_EDGES as _BIN_EDGES

BIN_EDGES = _BIN_EDGES  # lower bounds, in percent; the last band ends at 100 (grader.summary keeps these)
MIN_CANDIDATES = 10
CITY = "全市"
GRANULARITIES = {"year": "按年", "quarter": "按季度", "month": "按月"}


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month (key "2025", "2025-Q1", "2025-03"), or all time (key "")."""

    key: str = ""
    start: datetime | None = None
    end: datetime | None = None  # exclusive

    @classmethod
    def parse(cls, key: str) -> Period:
        match = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(0[1-9]|1[0-2]))?", key.strip())
        if not key.strip():
            return cls()
        if match is None:
            raise ValueError(f"无法识别的统计期间 {key!r}（应为 2025、2025-Q1 或 2025-03）")
        year, quarter, month = match.groups()
        if quarter:
            start = datetime(int(year), 3 * int(quarter) - 2, 1)
            return cls(match.group(0), start, _months_after(start, 3))
        if month:
            start = datetime(int(year), int(month), 1)
            return cls(match.group(0), start, _months_after(start, 1))
        return cls(year, datetime(int(year), 1, 1), datetime(int(year) + 1, 1, 1))

    @property
    def label(self) -> str:
        if not self.key:
            return "全部时间"
        if "-Q" in self.key:
            return f"{self.key[:4]}年第{self.key[6:]}季度"
        if len(self.key) == 7:
            return f"{self.key[:4]}年{int(self.key[5:])}月"
        return f"{self.key}年"


def _months_after(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1)


ALL_TIME = Period()


@dataclass(frozen=True)
class Filters:
    programme: str | None = None  # None: every programme
    period: Period = ALL_TIME

    @property
    def label(self) -> str:
        return f"{programme_title(self.programme)} · {self.period.label}"


EVERYTHING = Filters()


def verdict_text(passed: bool | None) -> str:
    return "未参考" if passed is None else "通过" if passed else "未通过"


def programme_title(programme: str | None) -> str:
    return "全部考试" if programme is None else PROGRAMMES.get(programme, programme)


@dataclass(frozen=True)
class Tally:
    """A unit's figures, its sub-units included (the city's: everyone's)."""

    unit: str
    kind: str
    parent: str | None
    depth: int  # 0 for a top-level unit
    people: int  # on the roster
    candidates: int  # counted once per programme, see the module docstring
    passed: int
    bins: tuple[int, ...]  # candidates per score band
    examinees: int = 0  # distinct people with a counted result (a person who sat two programmes: once)

    @property
    def rate(self) -> float | None:
        return self.passed / self.candidates if self.candidates else None


@dataclass(frozen=True)
class Board:
    filters: Filters
    edges: tuple[float, ...]
    city: Tally
    units: tuple[Tally, ...]  # every unit, parents before their sub-units

    def tally(self, unit: str | None) -> Tally:
        if unit is None or unit == CITY:
            return self.city
        for tally in self.units:
            if tally.unit == unit:
                return tally
        raise KeyError(f"没有名为 {unit} 的单位")

    def children(self, unit: str | None) -> tuple[Tally, ...]:
        parent = None if unit == CITY else unit
        return tuple(t for t in self.units if t.parent == parent)


@dataclass(frozen=True)
class Band:
    label: str
    low: float
    high: float  # exclusive, except the last band which includes 100
    count: int
    share: float


@dataclass(frozen=True)
class Ranked:
    rank: int | None  # None: too few candidates to rank
    tally: Tally
    note: str


@dataclass(frozen=True)
class Rate:
    """A pass rate for one programme or one period."""

    key: str
    label: str
    candidates: int
    passed: int
    mean: float | None  # mean best percentage

    @property
    def rate(self) -> float | None:
        return self.passed / self.candidates if self.candidates else None


@dataclass(frozen=True)
class PublicScore:
    """One person's line on a public list: a masked name, never an ID number."""

    name: str  # masked: 张*明
    rank: str
    programme: str
    best: float | None  # percent; None: no result in the period
    passed: bool | None
    attempts: int
    last: datetime | None


@dataclass(frozen=True)
class DrillDown:
    tally: Tally
    sub_units: tuple[Tally, ...]
    people: tuple[PublicScore, ...]  # the unit's own people (sub-units have theirs); () when withheld
    headcount: int = 0  # distinct people on the unit's own roster
    examinees: int = 0  # of them, distinct people with a counted result
    withheld: str = ""  # why no per-person list is shown (fewer than k people): aggregates only


def band_labels(edges: Sequence[float] = BIN_EDGES) -> list[str]:
    bounds = [*edges, 100.0]
    return [f"{low:g}–{bounds[i + 1] - 1:g}" if i + 1 < len(edges) else f"{low:g}–100"
            for i, low in enumerate(edges)]


def tally_of(unit: str, kind: str, parent: str | None, depth: int, figures: Sequence[int]) -> Tally:
    """figures: [people, candidates, passed, examinees, *bands]."""
    return Tally(unit, kind, parent, depth, figures[0], figures[1], figures[2], tuple(figures[4:]), figures[3])


def withheld_note(headcount: int, minimum: int) -> str:
    return (f"本单位人员 {headcount} 人，少于 {minimum} 人：为免识别到个人，只公布统计数字，不列个人成绩。"
            if headcount < minimum else "")


def distribution(board: Board, unit: str | None = None) -> tuple[Band, ...]:
    """How a unit's (or the city's) candidates spread over the score bands."""
    tally = board.tally(unit)
    total = sum(tally.bins)
    bounds = [*board.edges, 100.0]
    return tuple(Band(label, bounds[i], bounds[i + 1], count, count / total if total else 0.0)
                 for i, (label, count) in enumerate(zip(band_labels(board.edges), tally.bins, strict=True)))


def ranking(board: Board, kind: str | None = None, minimum: int = MIN_CANDIDATES) -> tuple[Ranked, ...]:
    """Units (of one kind, or all) by pass rate, then by candidates. Equal rates share a rank
    (1, 2, 2, 4). Units with fewer than `minimum` candidates are listed after, unranked: a rate
    over three people says little and would name them."""
    if minimum < 1:
        raise ValueError("排名所需的最少参考人数至少为 1")
    units = [t for t in board.units if kind is None or t.kind == kind]
    eligible = sorted((t for t in units if t.candidates >= minimum),
                      key=lambda t: (-Fraction(t.passed, t.candidates), -t.candidates, t.unit))
    ranked: list[Ranked] = []
    for position, tally in enumerate(eligible, 1):
        tied = ranked and Fraction(ranked[-1].tally.passed, ranked[-1].tally.candidates) == Fraction(
            tally.passed, tally.candidates)
        ranked.append(Ranked(ranked[-1].rank if tied else position, tally, ""))
    note = f"参考人数少于 {minimum} 人，不参与排名"
    return tuple(ranked) + tuple(Ranked(None, t, note) for t in sorted(units, key=lambda t: t.unit)
                                 if t.candidates < minimum)
