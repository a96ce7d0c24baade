"""How the statistics read to a trainer: the same figures in the terminal, the page and the docs."""

from __future__ import annotations

from grader.item_analysis.stats import GROUP_FRACTION, PaperStats

DASH = "—"


def ratio(value: float | None) -> str:
    """A facility, correlation or alpha: two decimals, "—" where it is undefined."""
    return DASH if value is None else f"{value:.2f}"


def percent(value: float | None) -> str:
    return DASH if value is None else f"{value * 100:.1f}%"


def score(value: float | None) -> str:
    return DASH if value is None else f"{value:.2f}"


def short(text: str, width: int = 30) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def summary_text(paper: PaperStats) -> str:
    parts = [f"人数 {paper.candidates}", f"平均分 {score(paper.mean)}/{paper.max_score:g}",
             f"标准差 {score(paper.sd)}", f"及格率 {percent(paper.pass_rate)}（及格线 {paper.pass_mark:g}）",
             f"α {ratio(paper.alpha)}", f"测量标准误 {score(paper.sem)}"]
    text = "，".join(parts)
    if paper.left_out:
        text += f"。未评完的题（{'、'.join(paper.left_out)}）不计入总分、α 和区分度，及格率待评完后给出"
    return text


def groups_text(paper: PaperStats) -> str:
    return (f"高分组、低分组各 {paper.group_size} 人：按总分排序的前、后 {GROUP_FRACTION:.0%}"
            "（四舍五入，至少 1 人，不超过半数；同分按考生编号）")
