"""The `qinglian` command: parse options, open resources, call one library function, show it.

One module per group of commands; each registers here."""

from __future__ import annotations

import click

from grader.cli.lazy import LazyGroup, without_iri_grammar

without_iri_grammar()

# name -> ("module in grader/cli:command", its one-line help). A new command goes here, nowhere else:
# its module is imported only when it runs, so `qinglian --help` and every other command stay fast.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("exams:init", "创建工作区（nbgrader 课程目录与成绩库）。"),
    "bank": ("exams:bank", "题库。"),
    "paper": ("exams:paper", "试卷。"),
    "release": ("exams:release",
                "发布试卷：去掉答案与隐藏测试，登记到 nbgrader 成绩库（与 nbgrader generate_assignment 结果相同）。"),
    "autograde": ("exams:autograde", "评分 submitted/*/ASSIGNMENT/ 下的全部答卷（只读取答案，从不执行）。"),
    "export": ("exams:export", "导出成绩（CSV，UTF-8 BOM，Excel 可直接打开）。"),
    "demo": ("exams:demo", "建立演示工作区：名单与单位、两套试卷（A/B "
                           "卷）、模拟答卷、评分与成绩导出、关口记录、证书。"),
    "course": ("courses:course", "课程。"),
    "progress": ("courses:progress", "学习进度：每位学员每个模块的自测与学时。"),
    "serve": ("serving:serve", "启动课程（Voila）与评分（JupyterLab/formgrader）服务，打印地址，Ctrl+C 停止。"),
    "room": ("room:room", "启动考场（网页服务，不用内核）：考生登录、作答、交卷，监考页面；Ctrl+C 停止。"),
    "marking": ("marking:marking", "启动阅卷页面（简答题人工评分，培训教师用自己的账号登录）；Ctrl+C 停止。"),
    "roster": ("people:roster", "名单：人员与单位。"),
    "sitting": ("sittings:sitting", "考试场次。"),
    "items": ("items:items", "题目分析：每题难度（通过率）、区分度与标记，整卷人数、平均"
                             "分、标准差、及格率与 α（参照 Moodle 测验统计）。"),
    "record": ("records:record", "记录廉政谈话、廉政宣誓、廉政公开承诺、理论学"
                                 "习和廉政党课；记录只增不改，更正与撤销都留痕。"),
    "status": ("records:status", "一个人（编号）或一个单位（含下级单位）的"
                                 "培训与晋升关口状态：已完成，或还缺哪几项。"),
    "case": ("records:case", "任职事项：为拟提任人员立项，记录四个环节，查看是否可以任职，补考资格。"),
    "review": ("records:review", "成绩复核：申请、由另一位阅卷人在不知原评分的情况下重新评阅简答题、决定。"),
    "dossier": ("records:dossier", "个人廉政档案（可打印的 PDF）：培训项目、任职事"
                                   "项、考试成绩及历次记录、谈话、宣誓、承诺全文和证书。"),
    "keys": ("certificates:keys", "证书签发密钥：建立、导出公钥集、轮换。"),
    "cert": ("certificates:cert", "证书：签发、离线核验、吊销、吊销列表。"),
    "result": ("certificates:result", "成绩的待复核标记：列出、解除（解除前，据此成绩不签发证书）。"),
    "scoreboard": ("scoreboard:scoreboard", "成绩榜：一个单位（默认全市）及其下级单位的通过率；"
                                            "导出时含本单位人员（姓名隐去部分字，不含身份证号）。"),
    "city": ("scoreboard:city", "生成一个模拟城市（单位、人员、逐题评分的考试记录、学"
                                "时与关口记录），用于演示与测试；只能生成在空的名单中。"),
    "staff": ("staff:staff", "工作人员账号与角色：培训教师 trainer、记录员 reco"
                             "rder、管理员 organiser、审计员 auditor。"),
    "audit": ("audit:audit", "审计日志：核验、签署检查点、登记人工评分。"),
}


@click.group(cls=LazyGroup, lazy=COMMANDS)
@click.version_option(package_name="qinglian")
def main() -> None:
    """清廉：廉政教育培训与考试平台。"""
