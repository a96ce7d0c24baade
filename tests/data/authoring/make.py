"""Makes the files in this folder as a trainer would: the template filled in (openpyxl, as typed in Excel),
the same questions saved as CSV (Excel's "CSV UTF-8", and GBK as older Excel/WPS save it), and a Word file
in the common layout (python-docx). Run from the repository: .venv/bin/python tests/data/authoring/make.py"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import docx
from openpyxl import load_workbook

from grader.authoring.xlsx import template

HERE = Path(__file__).resolve().parent
LAW = "《中华人民共和国监察法》（2024年修正）"
AREA = "监狱（警示教育）"
HEADER = ["题号", "题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "选项G", "选项H", "答案",
          "分值", "内容领域", "知识点", "出处文件", "出处条款", "解析", "评分要点", "用途"]


def row(*, id, type, stem, options=(), answer="", points=2, area=AREA, fact="", document=LAW, clause="",
        explanation="", rubric="", use="考试"):
    options = list(options) + [None] * (8 - len(options))
    return [id, type, stem, *options, answer, points, area, fact, document, clause, explanation, rubric, use]


GOOD = [
    row(id="jcf-t-001", type="单选", stem="根据《中华人民共和国监察法》第三条，各级监察委员会是什么机关？",
        options=("行使国家监察职能的专责机关", "人民法院的内设机构", "行政机关的内设机构", "人民团体"), answer="A",
        fact="监察法3-监察委员会的性质", clause="第三条",
        explanation="第三条：“各级监察委员会是行使国家监察职能的专责机关”。"),
    row(id="jcf-t-002", type="判断", stem="根据《中华人民共和国监察法》，监察机关办理职务违法和职务犯罪案件，应当与审判机关、"
        "检察机关、执法部门互相配合，互相制约。", answer="正确", points=1, fact="监察法4-互相配合互相制约",
        clause="第四条第二款", explanation="正确。第四条第二款：“监察机关办理职务违法和职务犯罪案件，应当与审判机关、"
        "检察机关、执法部门互相配合，互相制约。”"),
    row(id="jcf-t-003", type="多选", stem="根据《中华人民共和国监察法》第六条，国家监察工作要构建哪些方面的长效机制？",
        options=("不敢腐", "不能腐", "不想腐", "不必腐"), answer="ABC", points=3, fact="监察法6-三不腐长效机制",
        clause="第六条", explanation="第六条：“构建不敢腐、不能腐、不想腐的长效机制。”"),
    row(id="jcf-t-004", type="填空", stem="根据《中华人民共和国监察法》第五条，国家监察工作坚持惩戒与教育相结合，____。",
        answer="宽严相济｜宽严相济的原则", fact="监察法5-惩戒与教育相结合宽严相济", clause="第五条",
        explanation="第五条：“惩戒与教育相结合，宽严相济。”"),
    row(id="jcf-t-005", type="简答", stem="简述《中华人民共和国监察法》第四条第一款关于监察委员会行使监察权的规定。",
        points=10, fact="监察法4-独立行使监察权", clause="第四条第一款",
        explanation="第四条第一款：“监察委员会依照法律规定独立行使监察权，不受行政机关、社会团体和个人的干涉。”",
        rubric="依照法律规定独立行使监察权（4分）\n不受行政机关、社会团体和个人的干涉（6分）"),
    row(id="jcf-t-006", type="判断", stem="根据《中华人民共和国监察法》第三条，监察委员会只监察党员领导干部。",
        answer="错误", points=1, clause="第三条", use="练习",
        explanation="错误。第三条：“依照本法对所有行使公权力的公职人员（以下称公职人员）进行监察”。"),
]
BAD = [
    row(id="jcf-t-007", type="选择", stem="监察委员会依照法律规定独立行使什么权？", options=("监察权", "审判权"),
        answer="A", fact="监察法4-独立行使监察权", clause="第四条第一款"),
    row(id="jcf-t-008", type="单选", stem="监察委员会依照法律规定独立行使什么权？",
        options=("监察权", "审判权", "检察权", "行政权"), answer="E", fact="监察法4-独立行使监察权",
        clause="第四条第一款"),
    row(id="jcf-t-009", type="单选", stem="监察委员会依照法律规定独立行使什么权？",
        options=("监察权", "审判权", "检察权", "行政权"), answer="A", points="两分", fact="监察法4-独立行使监察权"),
    row(id="jcf-t-003", type="判断", stem="监察委员会依照法律规定独立行使监察权。", answer="正确", points=1,
        fact="监察法4-独立行使监察权", clause="第四条第一款"),
    row(id="jcf-t-010", type="判断", stem="监察委员会依照法律规定独立行使监察权。", answer="正确", points=1,
        clause="第四条第一款"),
]


def workbook() -> None:
    path = HERE / "trainer.xlsx"
    path.write_bytes(template())
    book = load_workbook(path)
    sheet = book["题目"]
    for number, values in enumerate(GOOD + BAD, start=3):
        for column, value in enumerate(values, start=1):
            sheet.cell(number, column, value)
    book["题库"]["B1"] = "jcf-trainer"
    book["题库"]["B2"] = "《监察法》练习题（培训教师录入）"
    book.save(path)


def csv_files() -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows([["" if v is None else v for v in r] for r in GOOD])
    (HERE / "trainer.csv").write_bytes(buffer.getvalue().encode("utf-8-sig"))
    (HERE / "trainer-gbk.csv").write_bytes(buffer.getvalue().encode("gb18030"))


WORD = """《监察法》学习测试题
说明：每题后附答案与解析，供培训教师录入题库。
一、单项选择题
1. 根据《中华人民共和国监察法》第三条，各级监察委员会是什么机关？
A. 行使国家监察职能的专责机关
B．人民法院的内设机构
C、行政机关的内设机构
D. 人民团体
答案：A
解析：第三条：“各级监察委员会是行使国家监察职能的专责机关”。
出处：《中华人民共和国监察法》（2024年修正）第三条
知识点：监察法3-监察委员会的性质
2. 根据《中华人民共和国监察法》第四条，监察委员会依照法律规定独立行使什么权？
A. 监察权    B. 审判权    C. 检察权    D. 行政权
【答案】E
【知识点】监察法4-独立行使监察权
二、多项选择题
3. 根据《中华人民共和国监察法》第六条，国家监察工作要构建哪些方面的长效机制？
A. 不敢腐  B. 不能腐  C. 不想腐  D. 不必腐
答案：ABC
解析：第六条：“构建不敢腐、不能腐、不想腐的长效机制。”
出处：《中华人民共和国监察法》（2024年修正） 第六条
知识点：监察法6-三不腐长效机制
三、判断题
4. 根据《中华人民共和国监察法》，监察机关办理职务违法和职务犯罪案件，应当与审判机关、检察机关、执法部门互相配合，互相制约。
答案：对
解析：正确。第四条第二款：
“监察机关办理职务违法和职务犯罪案件，应当与审判机关、检察机关、执法部门互相配合，互相制约。”
出处：《中华人民共和国监察法》（2024年修正）第四条第二款
知识点：监察法4-互相配合互相制约
四、填空题
5. 根据《中华人民共和国监察法》第五条，国家监察工作坚持惩戒与教育相结合，____。
答案：宽严相济｜宽严相济的原则
出处：《中华人民共和国监察法》（2024年修正）第五条
知识点：监察法5-惩戒与教育相结合宽严相济
五、简答题
6. 简述《中华人民共和国监察法》第四条第一款关于监察委员会行使监察权的规定。
评分要点：依照法律规定独立行使监察权（4分）
不受行政机关、社会团体和个人的干涉（6分）
出处：《中华人民共和国监察法》（2024年修正）第四条第一款
知识点：监察法4-独立行使监察权
"""


def word() -> None:
    document = docx.Document()
    lines = WORD.splitlines()
    document.add_heading(lines[0], 1)
    for line in lines[1:]:
        document.add_paragraph(line)
    document.save(HERE / "trainer.docx")


if __name__ == "__main__":
    workbook()
    csv_files()
    word()
