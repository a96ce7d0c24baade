"""Simulated candidates: submission notebooks written from a released paper, for the demo,
tests and benchmarks. Each simulated candidate answers right with their own probability and
writes answers the way people do (lower case, spaces, full-width letters, shuffled letters)."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from grader.paper.notebook import NOTEBOOK_NAME, answered_notebook
from grader.paper.store import PaperKey, PaperKeys
from grader.workspace import write_submission

_FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(ord("A"), ord("Z") + 1)}


@dataclass(frozen=True)
class Candidate:
    student_id: str
    last_name: str
    first_name: str


def _choice_text(letters: str, rng: random.Random) -> str:
    shown = list(letters)
    rng.shuffle(shown)
    text = "".join(shown)
    style = rng.random()
    if style < 0.15:
        return text.lower()
    if style < 0.25:
        return "".join(_FULL_WIDTH.get(c, c) for c in text)
    if style < 0.35:
        return "，".join(text)
    if style < 0.40:
        return f" {text} "
    return text


def _wrong_letters(key: PaperKey, rng: random.Random) -> str:
    others = [c for c in key.options if c not in str(key.key)]
    if key.type == "multiple":
        return "".join(sorted(rng.sample(key.options, rng.randint(1, len(key.options)))))
    return rng.choice(others) if others else ""


def simulated_answer(key: PaperKey, skill: float, rng: random.Random) -> str:
    """One answer: right with probability `skill`, sometimes blank, otherwise wrong."""
    roll = rng.random()
    if key.type == "essay":
        return "" if roll < 0.1 else "坚持教育、制度、监督并重，标本兼治、综合治理、惩防并举、注重预防。"
    if roll < 0.05:
        return ""
    right = roll < 0.05 + skill * 0.95
    if key.type == "fill":
        accepted = key.key if isinstance(key.key, tuple) else ()
        return rng.choice(accepted) if right and accepted else "不清楚"
    letters = str(key.key) if right else _wrong_letters(key, rng)
    return _choice_text(letters, rng)


def simulate_submissions(root: Path, keys: PaperKeys, students: Sequence[str], seed: int) -> list[Path]:
    """One submission per student for the released paper `keys.assignment`."""
    released = json.loads((root / "release" / keys.assignment / f"{NOTEBOOK_NAME}.ipynb").read_text(encoding="utf-8"))
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    paths = []
    for number, student in enumerate(students):
        rng = random.Random(f"{seed}:{keys.assignment}:{student}")
        skill = rng.betavariate(5, 2)
        answers = {key.name: simulated_answer(key, skill, rng) for key in keys.items}
        at = start + timedelta(seconds=number * 7 + rng.randint(0, 3600))
        paths.append(write_submission(root, keys.assignment, student, answered_notebook(released, answers), at))
    return paths


_SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
             "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林斌宇浩凯鹏晨阳欣怡佳琪子涵梓萱一诺雨桐"


def demo_candidates(count: int, seed: int) -> list[Candidate]:
    """Made-up candidates with Chinese names and admission-number-like ids."""
    rng = random.Random(seed)
    return [Candidate(f"2026{number:05d}", rng.choice(_SURNAMES),
                      "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2)))))
            for number in range(1, count + 1)]
