"""A synthetic city's exam history: one induction and one promotion sitting a month, each with
the A and B papers drawn from the real blueprints and banks, and graded results item by item.

Scores come from a simple model: a person answers an item right with their ability minus the
item's difficulty, a little better each year; 2 % of answers are left blank. Essays wait for a
human grader after autograde, as real ones do; for the current result of each paper a grader has
marked most of them in nbgrader's gradebook (formgrader's manual score), the rest still wait.
Everything is seeded per person, so a city is the same whatever the chunk size or the database."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from grader.bank import Item
from grader.blueprint import Blueprint
from grader.city.plan import PROMOTION, RECRUIT, CityPerson, CityPlan, month_start
from grader.city.records import gate_records
from grader.paper.draw import Paper, draw_papers

ESSAY_ANSWER = "坚持教育、制度、监督并重，惩防并举、注重预防，从思想上筑牢拒腐防变的防线。"
RESULT_COLUMNS = ("id", "run_id", "assignment", "student_id", "submitted_at", "auto_score", "max_score",
                  "needs_manual", "flagged", "current")
ITEM_COLUMNS = ("result_id", "position", "item_id", "response", "verdict", "score", "max_score")
Row = tuple[Any, ...]


@dataclass(frozen=True)
class CityItem:
    position: int
    name: str  # q01…: the answer variable and nbgrader's grade cell
    item_id: str
    type: str
    points: float
    right: str  # a canonical right answer (the key's letters, an accepted fill)
    wrong: str
    difficulty: float


@dataclass(frozen=True)
class CityPaper:
    paper: Paper
    programme: str
    month: int  # months after the city's first month
    items: tuple[CityItem, ...]

    @property
    def assignment(self) -> str:
        return self.paper.assignment

    @property
    def max_score(self) -> float:
        return sum(item.points for item in self.items)

    @property
    def pass_mark(self) -> float:
        return self.paper.blueprint.pass_mark


@dataclass(frozen=True)
class Chunk:
    results: list[Row]  # RESULT_COLUMNS
    items: list[Row]  # ITEM_COLUMNS
    gates: list[Row]  # grader.city.records.GATE_COLUMNS
    essays: list[Row]  # (assignment, student, submitted at, item name, mark or None): current results only
    attempts: int


def _answers(item: Item) -> tuple[str, str]:
    if item.type == "essay":
        return ESSAY_ANSWER, ""
    if item.type == "fill":
        return (item.key[0] if isinstance(item.key, tuple) and item.key else ""), "不清楚"
    key = str(item.key)
    others = [letter for letter in item.letters if letter not in key]
    wrong = key[:-1] if item.type == "multiple" and len(key) > 1 else (others[0] if others else "")
    return key, wrong


def city_papers(seed: int, first: date, months: int, blueprints: Sequence[Blueprint],
                items: Sequence[Item]) -> list[CityPaper]:
    """Every blueprint's papers for every month: `promotion-202403-a` and so on."""
    papers = []
    for month in range(months):
        start = month_start(first, month)
        for blueprint in blueprints:
            # a month's own draw (its own assignment names), recorded as built from the blueprint itself
            monthly = dataclasses.replace(blueprint, id=f"{blueprint.id}-{start:%Y%m}")
            titled = dataclasses.replace(blueprint, title=f"{blueprint.title}（{start.year}年{start.month}月）")
            for drawn in draw_papers(monthly, items):
                paper = dataclasses.replace(drawn, blueprint=titled)
                city_items = []
                for entry in paper.items:
                    right, wrong = _answers(entry.item)
                    hard = random.Random(f"{seed}:difficulty:{entry.item.id}").gauss(0.0, 0.1)
                    city_items.append(CityItem(entry.position, entry.name, entry.item.id, entry.item.type, entry.points,
                                               right, wrong, hard + (0.08 if entry.item.type == "multiple" else 0)))
                papers.append(CityPaper(paper, blueprint.programme, month, tuple(city_items)))
    return papers


def programme_of(person: CityPerson) -> str:
    """New recruits sit the induction exam; everyone else the promotion (integrity knowledge) test."""
    return "induction" if person.category == RECRUIT else "promotion"


def attempt_counts(plan: CityPlan) -> list[int]:
    """How many attempts each person makes: `spec.attempts` in all, cadres up for promotion more often."""
    rng = random.Random(f"{plan.spec.seed}:attempt-counts")
    weights = [1.5 if p.category == PROMOTION else 1.0 for p in plan.people]
    counts = [0] * len(plan.people)
    for index in rng.choices(range(len(plan.people)), weights, k=plan.spec.attempts):
        counts[index] += 1
    return counts


def _grade(paper: CityPaper, ability: float, rng: random.Random, result_id: int,
           items: list[Row] | None) -> tuple[float, list[CityItem]]:
    """Answer and grade every item of the paper; append the item rows. (auto score, the essays
    answered: they wait for a grader)."""
    score, essays, rand = 0.0, [], rng.random
    for it in paper.items:
        roll = rand()
        if it.type == "essay":
            blank = roll < 0.05
            if not blank:
                essays.append(it)
            row: Row = ((result_id, it.position, it.item_id, None, "blank", 0.0, it.points) if blank else
                        (result_id, it.position, it.item_id, it.right, "manual", None, it.points))
        elif roll < 0.02:
            row = (result_id, it.position, it.item_id, None, "blank", 0.0, it.points)
        elif roll < 0.02 + 0.98 * (ability - it.difficulty):
            score += it.points
            row = (result_id, it.position, it.item_id, it.right, "correct", it.points, it.points)
        else:
            row = (result_id, it.position, it.item_id, it.wrong, "wrong", 0.0, it.points)
        if items is not None:
            items.append(row)
    return score, essays


def essay_mark(item: CityItem, ability: float, rng: random.Random) -> float | None:
    """A grader's mark for an answered essay, in whole points; None for the 12 % not marked yet."""
    if rng.random() < 0.12:
        return None
    return float(round(item.points * min(1.0, max(0.0, ability + rng.gauss(0.0, 0.1)))))


def _person_attempts(plan: CityPlan, person: CityPerson, count: int,
                     papers: dict[tuple[str, int], list[CityPaper]]) -> list[tuple[datetime, CityPaper]]:
    rng = random.Random(f"{plan.spec.seed}:attempts:{person.id}")
    programme = programme_of(person)
    chosen = []
    for _ in range(count):
        month = rng.randrange(plan.spec.months)
        paper = rng.choice(papers[programme, month])
        day = month_start(plan.spec.first_month, month) + timedelta(days=rng.randrange(28))
        at = datetime(day.year, day.month, day.day, 9) + timedelta(minutes=rng.randrange(30, 150),
                                                                   seconds=rng.randrange(60))
        chosen.append((at, paper))
    return sorted(chosen, key=lambda pair: pair[0])


def result_chunks(plan: CityPlan, papers: Sequence[CityPaper], runs: dict[str, int], first_id: int,
                  size: int = 5000) -> Iterator[Chunk]:
    """Result rows with ids from `first_id`, in chunks of about `size` attempts. A person's later
    attempt at the same paper supersedes the earlier one, which stays as history (not current)."""
    by_month: dict[tuple[str, int], list[CityPaper]] = {}
    for paper in papers:
        by_month.setdefault((paper.programme, paper.month), []).append(paper)
    result_id = first_id
    results: list[Row] = []
    items: list[Row] = []
    gates: list[Row] = []
    essays: list[Row] = []
    attempted = 0
    for person, count in zip(plan.people, attempt_counts(plan), strict=True):
        attempts = _person_attempts(plan, person, count, by_month)
        last = {paper.assignment: index for index, (_, paper) in enumerate(attempts)}
        rng = random.Random(f"{plan.spec.seed}:answers:{person.id}")
        first_pass: datetime | None = None
        for index, (at, paper) in enumerate(attempts):
            ability = min(0.99, person.skill + 0.015 * paper.month / 12 + rng.gauss(0.0, 0.04))
            score, answered = _grade(paper, ability, rng, result_id, items if plan.spec.item_results else None)
            current = last[paper.assignment] == index
            results.append((result_id, runs[paper.assignment], paper.assignment, person.id, at, score,
                            paper.max_score, bool(answered), False, current))
            result_id += 1
            if current:  # nbgrader holds the latest submission only: its essays are the ones marked
                marks = [(essay, essay_mark(essay, ability, rng)) for essay in answered]
                essays += [(paper.assignment, person.id, at, essay.name, mark) for essay, mark in marks]
                score += sum(mark or 0.0 for _, mark in marks)
            if first_pass is None and score >= paper.pass_mark:
                first_pass = at
        gates += gate_records(plan, person, first_pass)
        attempted += len(attempts)
        if attempted >= size:
            yield Chunk(results, items, gates, essays, attempted)
            results, items, gates, essays, attempted = [], [], [], [], 0
    if attempted or gates:
        yield Chunk(results, items, gates, essays, attempted)
