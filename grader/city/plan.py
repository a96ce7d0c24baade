"""The shape of a synthetic city, decided from a seed alone: its units in a hierarchy (市直单位,
县（市、区）, 乡（镇、街道）) and the people on its roster. Pure: no database."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from grader.city import names

DEPARTMENT, COUNTY, TOWNSHIP = "市直单位", "县（市、区）", "乡（镇、街道）"
# 六个必须 1 names 党政主要领导; 2 names 拟提任 cadres; 3 names 新录用 civil servants.
PRINCIPAL, PROMOTION, RECRUIT, SERVING = "党政主要领导", "拟提任领导干部", "新录用公务员", "公务员"
_SERVING_RANKS = (("四级主任科员", 5), ("三级主任科员", 4), ("二级主任科员", 3), ("一级主任科员", 3),
                  ("一级科员", 4), ("四级调研员", 2), ("三级调研员", 1))
# people directly in a unit, relative: a county's own organs are large, a township's small
_SIZE = {DEPARTMENT: 40.0, COUNTY: 150.0, TOWNSHIP: 25.0}


@dataclass(frozen=True)
class CitySpec:
    """How big a city to make. The defaults are the realistic city of issue 5."""

    seed: int = 2026
    units: int = 500
    people: int = 20_000
    attempts: int = 100_000
    first_month: date = date(2024, 1, 1)
    months: int = 34
    item_results: bool = True  # per-item rows (about 44 per attempt); off for a roster-and-scores-only city

    def __post_init__(self) -> None:
        if self.people < 1 or self.attempts < 0 or self.months < 1:
            raise CityError("人数至少为 1，考试次数不能为负，月数至少为 1")
        unit_counts(self.units)  # refuses too few units


@dataclass(frozen=True)
class CityUnit:
    name: str
    parent: str | None
    kind: str
    region: str  # the 6-digit region code that begins its people's ID numbers


@dataclass(frozen=True)
class CityPerson:
    id: str
    name: str
    id_number: str
    unit: str
    rank: str
    category: str
    skill: float  # the simulated ability behind their scores; never stored


@dataclass(frozen=True)
class CityPlan:
    spec: CitySpec
    units: tuple[CityUnit, ...]
    people: tuple[CityPerson, ...]


class CityError(ValueError):
    pass


def month_start(first: date, months: int) -> date:
    """The first day of the month `months` after `first`'s."""
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def unit_counts(total: int) -> tuple[int, int, int]:
    """(departments, counties, townships) adding up to `total`: about 12 % municipal departments,
    one county-level division per 30 units, the rest townships (about 25 per county at 500 units)."""
    counties = max(2, round(total / 30))
    departments = min(len(names.DEPARTMENTS), max(3, round(total * 0.12)))
    townships = total - counties - departments
    if townships < counties:
        raise CityError(f"单位数 {total} 太少：至少需要 {2 * counties + departments} 个单位（每个县区至少一个乡镇）")
    return departments, counties, townships


def plan_units(seed: int, total: int) -> list[CityUnit]:
    rng = random.Random(f"{seed}:units")
    departments, counties, townships = unit_counts(total)
    units = [CityUnit(name, None, DEPARTMENT, "410500") for name in names.DEPARTMENTS[:departments]]
    taken = {u.name for u in units}
    county_names = names.county_names(rng, counties, taken)
    units += [CityUnit(name, None, COUNTY, f"4105{number:02d}") for number, name in enumerate(county_names, 1)]
    weights = [rng.uniform(0.6, 1.4) for _ in county_names]
    # every county gets one township, the rest go by weight
    owners = list(county_names) + rng.choices(county_names, weights, k=townships - counties)
    region = {u.name: u.region for u in units}
    for county in sorted(owners, key=county_names.index):
        (name,) = names.place_names(rng, 1, names.township_suffixes(county), taken)
        units.append(CityUnit(name, county, TOWNSHIP, region[county]))
    return units


def _rank(rng: random.Random, category: str, kind: str) -> str:
    township = kind == TOWNSHIP
    if category == PRINCIPAL:
        return "乡科级正职" if township else "县处级正职"
    if category == PROMOTION:
        return rng.choice(("乡科级副职", "一级主任科员") if township else ("乡科级正职", "四级调研员"))
    if category == RECRUIT:
        return rng.choice(("一级科员", "二级科员"))
    ranks = [rank for rank, _ in _SERVING_RANKS]
    return rng.choices(ranks, [weight for _, weight in _SERVING_RANKS])[0]


def _person(rng: random.Random, number: int, unit: CityUnit, category: str, skill_shift: float,
            on: date, ids: set[str]) -> CityPerson:
    male = rng.random() < 0.6
    youngest, oldest = {RECRUIT: (22, 35), PRINCIPAL: (38, 58)}.get(category, (26, 58))
    while True:
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        number_id = names.id_number(unit.region, names.birth_date(rng, on, youngest, oldest), sequence)
        if number_id not in ids:
            ids.add(number_id)
            break
    skill = min(0.99, max(0.3, rng.betavariate(8, 2.5) + skill_shift + rng.gauss(0, 0.03)))
    return CityPerson(f"P{number:06d}", names.person_name(rng, male), number_id, unit.name,
                      _rank(rng, category, unit.kind), category, round(skill, 4))


def plan_people(seed: int, units: list[CityUnit], total: int, on: date) -> list[CityPerson]:
    """Each unit's first person is its principal leader; the others are serving civil servants (65 %),
    new recruits (20 %) and cadres proposed for promotion (15 %). Units differ a little in how well
    their people do, so a ranking has something to show."""
    rng = random.Random(f"{seed}:people")
    sizes = [_SIZE[u.kind] * rng.lognormvariate(0, 0.4) for u in units]
    shift = {u.name: rng.gauss(0, 0.05) for u in units}
    first = units[: min(total, len(units))]
    homes = first + rng.choices(units, sizes, k=total - len(first))
    people: list[CityPerson] = []
    ids: set[str] = set()
    seen: set[str] = set()
    for number, unit in enumerate(homes, 1):
        if unit.name not in seen:
            category = PRINCIPAL
            seen.add(unit.name)
        else:
            category = rng.choices((SERVING, RECRUIT, PROMOTION), (65, 20, 15))[0]
        people.append(_person(rng, number, unit, category, shift[unit.name], on, ids))
    return people


def plan_city(spec: CitySpec) -> CityPlan:
    units = plan_units(spec.seed, spec.units)
    return CityPlan(spec, tuple(units), tuple(plan_people(spec.seed, units, spec.people, spec.first_month)))
