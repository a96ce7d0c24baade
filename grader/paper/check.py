"""Papers that give their own answers away: two items of one fact, an item whose stem or options
write out another item's answer, the same (or nearly the same) stem twice.

`clash(a, b)` says why two items must not share a paper (the drawer asks it of every pair it
would put together); `check_paper` reports every such pair of a paper, naming both items."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING

from grader.bank import Item

if TYPE_CHECKING:
    from grader.paper.draw import Paper, PaperItem

NEAR_SAME = 0.9  # stems this similar (after the common lead-in) count as the same question
CONTEXT = 3  # characters either side of a fill blank that, written around the answer, give it away
CUE = 4  # a short answer leaks only beside this many characters of its own question
LONG_ANSWER = 8  # an answer this long leaks wherever it is written
STATEMENT = 8  # a true statement this long, written in another item, answers it
_NUMERALS = set("〇零一二三四五六七八九十百千万两0123456789")
_LEAD = re.compile(r"^(根据|按照|依照)[^，,。？]*[，,]")
_TITLE = re.compile(r"《[^》]*》")
_ASKING = re.compile(r"下列|以下|哪一项|哪一类|哪一种|哪一次|哪些|哪个|哪里|哪|什么|多少|是指|的是|表述|正确|错误"
                     r"|符合原文|应当|怎样|如何|根据|实施意见")


def plain(text: str) -> str:
    """NFKC, lower case, without whitespace, punctuation or symbols: what two texts share."""
    text = unicodedata.normalize("NFKC", text).lower()
    return "".join(c for c in text if not (c.isspace() or unicodedata.category(c)[0] in "PSZ"))


def _body(stem: str) -> str:
    """The question without its lead-in ("根据《实施意见》，") and document titles."""
    return plain(_TITLE.sub("", _LEAD.sub("", stem.strip())))


@dataclass(frozen=True)
class _Answer:
    text: str  # plain, as it would stand in another item (a fill answer with the words beside its blank)
    needs_cue: bool  # true: leaks only where words of its own question stand too
    shown: str  # what the message quotes


@dataclass(frozen=True)
class _View:
    """One item as the checks read it, computed once."""

    body: str
    letters: Counter[str]
    answers: tuple[_Answer, ...]
    places: tuple[tuple[str, str], ...]  # where a candidate reads it: stem and (choices) each option


def _answers(item: Item, body: str) -> tuple[_Answer, ...]:
    """What an item's candidate must know, as it would be written elsewhere."""
    if item.type == "fill" and isinstance(item.key, tuple):
        before, _, after = item.stem.partition("____")
        left, right = plain(before)[-CONTEXT:], plain(after)[:CONTEXT]
        found: list[_Answer] = []
        for key in dict.fromkeys(plain(k) for k in item.key):
            if len(left + key + right) > CONTEXT + 1:  # the words either side of the blank, and the answer
                found.append(_Answer(left + key + right, False, key))
            if len(key) >= LONG_ANSWER:
                found.append(_Answer(key, False, key))
        return tuple(found)
    if item.type in ("single", "multiple") and isinstance(item.key, str):
        options = dict(item.options)
        texts = [options[letter] for letter in item.key if letter in options]
        return tuple(_Answer(plain(t), len(plain(t)) < LONG_ANSWER, t) for t in texts if len(plain(t)) >= 2)
    if item.type == "truefalse" and item.key == "A" and len(body) >= STATEMENT:
        return (_Answer(body, False, "正确：" + item.stem.strip()),)
    return ()


@lru_cache(maxsize=8192)
def _view(item: Item) -> _View:
    body = _body(item.stem)
    places = [("题干", plain(item.stem))]
    if item.type in ("single", "multiple"):
        places += [(f"选项 {letter}", plain(text)) for letter, text in item.options]
    return _View(body, Counter(body), _answers(item, body), tuple(places))


def _occurs(answer: str, text: str) -> bool:
    """`answer` stands in `text` as itself: "十日" is not in "三十日", nor "一次" in "十一次"."""
    start = text.find(answer)
    while start >= 0:
        end = start + len(answer)
        before, after = text[start - 1:start], text[end:end + 1]
        if not (before and before in _NUMERALS and answer[0] in _NUMERALS) and not (
                after and after in _NUMERALS and answer[-1] in _NUMERALS):
            return True
        start = text.find(answer, start + 1)
    return False


def _cue(question: str, place: str) -> bool:
    """The two texts share a run of CUE characters besides the answer and the asking words."""
    a, b = _ASKING.sub("\0", question), _ASKING.sub("\1", place)  # separators that never match
    return SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size >= CUE


def leak(giver: Item, taker: Item) -> tuple[str, str] | None:
    """Where `giver`'s stem or options write out `taker`'s answer: (place, answer text), or None."""
    question = _view(taker).body
    for answer in _view(taker).answers:
        for place, text in _view(giver).places:
            if text == answer.text or not _occurs(answer.text, text):  # an option that just *is* the answer is a choice
                continue
            if not answer.needs_cue or _cue(question.replace(answer.text, "\0"), text.replace(answer.text, "\1")):
                return place, answer.shown
    return None


def near_same(a: Item, b: Item) -> bool:
    first, second = _view(a), _view(b)
    total = len(first.body) + len(second.body)
    if not total or 2 * min(len(first.body), len(second.body)) < NEAR_SAME * total:
        return False
    if 2 * sum((first.letters & second.letters).values()) < NEAR_SAME * total:  # SequenceMatcher's quick_ratio
        return False
    return SequenceMatcher(None, first.body, second.body, autojunk=False).ratio() >= NEAR_SAME


@dataclass(frozen=True)
class Clash:
    """Why two items must not share a paper: `kind` is fact, stem or leak (giver shows taker's answer)."""

    kind: str
    giver: Item
    taker: Item
    place: str = ""
    text: str = ""

    def describe(self, name: Callable[[Item], str]) -> str:
        giver, taker = name(self.giver), name(self.taker)
        if self.kind == "fact":
            return f"{giver} 与 {taker} 考同一知识点“{self.giver.fact}”"
        if self.kind == "stem":
            return f"{giver} 与 {taker} 题干相同或几乎相同"
        return f"{giver} 的{self.place}写出了 {taker} 的答案“{self.text}”"


def clash(a: Item, b: Item) -> Clash | None:
    """Why `a` and `b` must not be on one paper, or None."""
    if a.fact and a.fact == b.fact:
        return Clash("fact", a, b)
    if near_same(a, b):
        return Clash("stem", a, b)
    leaks = [Clash("leak", giver, taker, *found) for giver, taker in ((a, b), (b, a))
             if (found := leak(giver, taker))]
    return max(leaks, key=lambda c: len(c.text), default=None)  # both ways: name the longer answer


@dataclass(frozen=True)
class PaperProblem:
    assignment: str
    first: str  # the earlier item's name, e.g. "q01"
    second: str
    message: str

    def __str__(self) -> str:
        return f"{self.assignment}: {self.message}"


def check_paper(paper: Paper) -> tuple[PaperProblem, ...]:
    """Every pair of the paper's items that gives an answer away or asks one thing twice,
    each naming both items (`q40（bases-044）`)."""
    return check_items(paper.assignment, paper.items)


def check_items(assignment: str, items: Sequence[PaperItem]) -> tuple[PaperProblem, ...]:
    """`check_paper` for the items of a paper as recorded (grader.paper.store.recorded_items)."""
    names = {entry.item.id: f"{entry.name}（{entry.item.id}）" for entry in items}
    problems = []
    for i, first in enumerate(items):
        for second in items[i + 1:]:
            found = clash(first.item, second.item)
            if found:
                problems.append(PaperProblem(assignment, first.name, second.name,
                                             found.describe(lambda item: names[item.id])))
    return tuple(problems)
