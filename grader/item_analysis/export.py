"""Item analysis as rows people read and files Excel opens: `.xlsx` (items, options, paper
summary on three sheets) or `.csv` (the item table, UTF-8 with BOM)."""

from __future__ import annotations

from pathlib import Path

from grader.bank import ITEM_TYPES
from grader.export import write_csv
from grader.item_analysis.load import ItemAnalysisError
from grader.item_analysis.stats import GROUP_FRACTION, ItemAnalysis
from grader.workbook import workbook

Cell = str | float | int | None
ITEM_COLUMNS = ("题号", "题目", "题型", "满分", "已评分人数", "待评分人数", "平均分", "标准差", "难度(通过率)",
                "区分度", "区分效率", "标记")
OPTION_COLUMNS = ("题号", "选项", "选项内容", "高分组", "低分组", "全体")


def item_rows(analysis: ItemAnalysis) -> list[dict[str, Cell]]:
    return [{"题号": i.position, "题目": i.stem, "题型": ITEM_TYPES.get(i.type, i.type), "满分": i.max_score,
             "已评分人数": i.scored, "待评分人数": i.pending, "平均分": i.mean, "标准差": i.sd,
             "难度(通过率)": i.facility, "区分度": i.discrimination, "区分效率": i.efficiency,
             "标记": "、".join(i.flags)} for i in analysis.items]


def option_rows(analysis: ItemAnalysis) -> list[dict[str, Cell]]:
    return [{"题号": i.position, "选项": o.option, "选项内容": o.text, "高分组": o.upper, "低分组": o.lower,
             "全体": o.everyone} for i in analysis.items for o in i.options]


def summary_rows(analysis: ItemAnalysis) -> list[tuple[str, Cell]]:
    p = analysis.paper
    return [("试卷", p.assignment), ("标题", p.title), ("人数", p.candidates),
            ("计入总分的题数", p.items_in_total), ("计入总分的满分", p.max_score), ("平均分", p.mean),
            ("标准差", p.sd), ("及格线", p.pass_mark), ("及格率", p.pass_rate), ("α（Cronbach）", p.alpha),
            ("测量标准误", p.sem),
            ("高分组/低分组人数", f"{p.group_size}（总分前后各 {GROUP_FRACTION:.0%}）"),
            ("未计入总分（待评分）", "、".join(p.left_out))]


def write_analysis(analysis: ItemAnalysis, path: Path) -> None:
    """`qinglian items --to FILE`: .xlsx or .csv, chosen by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        write_csv(path, [{k: "" if v is None else v for k, v in row.items()} for row in item_rows(analysis)],
                  ITEM_COLUMNS)
        return
    if suffix != ".xlsx":
        raise ItemAnalysisError(f"{path}: 不支持的导出格式 {path.suffix or '（无扩展名）'}，请用 .xlsx 或 .csv")
    path.write_bytes(workbook([("试卷概况", (), summary_rows(analysis)),
                               ("题目分析", ITEM_COLUMNS,
                                [[row[c] for c in ITEM_COLUMNS] for row in item_rows(analysis)]),
                               ("选项分析", OPTION_COLUMNS,
                                [[row[c] for c in OPTION_COLUMNS] for row in option_rows(analysis)])]))
