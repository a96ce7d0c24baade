"""A synthetic city's other records: study credits of new recruits, the promotion gate's talks,
oaths and commitments, and principal leaders' yearly theory study and 廉政党课 — most done, some
missing, so a status list has both kinds of line."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from grader.city.plan import PRINCIPAL, PROMOTION, RECRUIT, CityPerson, CityPlan, month_start

Row = tuple[Any, ...]
GATE_COLUMNS = ("person_id", "kind", "action", "replaces", "happened_on", "recorded_by", "recorded_at", "notes",
                "text", "reason")
CREDIT_COLUMNS = ("learner_id", "module", "hours", "completed_at", "evidence")
RECORDER = "市委组织部（模拟数据）"
COMMITMENT = "本人郑重承诺：严格遵守党的纪律和国家法律法规，廉洁从政，秉公用权，自觉接受组织和群众监督。"
# (kind, chance it was recorded, days after passing the test)
_GATE = (("talk", 0.92, (3, 30)), ("oath", 0.88, (7, 45)), ("commitment", 0.85, (7, 60)))
_YEARLY = (("theory_study", 0.85), ("party_lecture", 0.8))


def _row(person: CityPerson, kind: str, on: date, rng: random.Random) -> Row:
    recorded = datetime(on.year, on.month, on.day, 16) + timedelta(days=rng.randrange(0, 5))
    text = COMMITMENT if kind == "commitment" else None
    return (person.id, kind, "record", None, on, RECORDER, recorded, "", text, "")


def gate_records(plan: CityPlan, person: CityPerson, passed_at: datetime | None) -> list[Row]:
    """The gate steps recorded for one person (GATE_COLUMNS): a cadre up for promotion has them
    after passing the test; a principal leader has the yearly ones for most years."""
    rng = random.Random(f"{plan.spec.seed}:gate:{person.id}")
    rows: list[Row] = []
    if person.category == PROMOTION and passed_at is not None:
        for kind, chance, (low, high) in _GATE:
            if rng.random() < chance:
                rows.append(_row(person, kind, passed_at.date() + timedelta(days=rng.randint(low, high)), rng))
    if person.category == PRINCIPAL:
        first = plan.spec.first_month
        last = month_start(first, plan.spec.months) - timedelta(days=1)
        for year in range(first.year, last.year + 1):
            start, end = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
            for kind, chance in _YEARLY:
                if rng.random() < chance:
                    rows.append(_row(person, kind, start + timedelta(days=rng.randrange((end - start).days + 1)), rng))
    return rows


def study_credits(plan: CityPlan, modules: Sequence[tuple[str, float]]) -> list[Row]:
    """CREDIT_COLUMNS rows for new recruits: most finished every module, some are missing one."""
    rng = random.Random(f"{plan.spec.seed}:study")
    rows = []
    for person in plan.people:
        if person.category != RECRUIT:
            continue
        for module, hours in modules:
            if rng.random() < 0.93:
                day = month_start(plan.spec.first_month, rng.randrange(plan.spec.months))
                at = datetime(day.year, day.month, 1, 8) + timedelta(days=rng.randrange(28), hours=rng.randrange(14))
                rows.append((person.id, module, hours, at, "全部自测题答对（模拟城市数据）"))
    return rows
