"""The one place that says who may do what: every action a writer performs, and the roles that may
perform it. Library functions call `authorize(actor, action)` before they write; pages and the CLI
only hide what the library would refuse anyway."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = {"trainer": "培训教师", "recorder": "记录员", "organiser": "管理员", "auditor": "审计员"}
SYSTEM = "system"  # the platform itself: grading a hand-in in the exam room, the demo data

_T, _R, _O, _A = "trainer", "recorder", "organiser", "auditor"
_EVERYONE = frozenset(ROLES)

# action -> (what it is, in Chinese; the roles that may do it)
ACTIONS: dict[str, tuple[str, frozenset[str]]] = {
    "paper.build": ("组卷", frozenset({_T})),
    "paper.release": ("发布试卷", frozenset({_T})),
    "grade.run": ("自动评分", frozenset({_T, _O, SYSTEM})),  # the organiser grades a sitting it ran
    "grade.manual": ("人工评分", frozenset({_T})),
    "review.mark": ("复核评分", frozenset({_T})),
    "items.read": ("查看试题分析", frozenset({_T, _A})),
    "gate.record": ("记录关口事项", frozenset({_R})),
    "gate.correct": ("更正关口记录", frozenset({_R})),
    "gate.withdraw": ("撤销关口记录", frozenset({_R})),
    "case.open": ("建立任职事项", frozenset({_O})),
    "case.end": ("结束任职事项", frozenset({_O})),
    "review.request": ("受理成绩复核", frozenset({_O})),
    "review.decide": ("决定复核结果", frozenset({_O})),
    "roster.import": ("导入名单", frozenset({_O, SYSTEM})),
    "sitting.create": ("建立考试场次", frozenset({_O, SYSTEM})),
    "sitting.proctor": ("监考操作", frozenset({_O})),
    "sitting.watch": ("查看监考页面", frozenset({_O, _A})),  # the auditor watches, changes nothing
    "cert.issue": ("签发证书", frozenset({_O})),
    "cert.revoke": ("吊销证书", frozenset({_O, _R})),  # a recorder's correction revokes what it voids
    "flag.clear": ("解除待复核标记", frozenset({_O})),
    "staff.manage": ("管理工作人员账号", frozenset({_O})),
    "keys.manage": ("管理签发密钥", frozenset({_O})),
    "records.read": ("查看记录", _EVERYONE),
    "audit.read": ("查看审计日志", frozenset({_A, _O})),
    "audit.verify": ("核验审计日志", frozenset({_A})),
    "audit.checkpoint": ("签署审计检查点", frozenset({_A, _O})),
    "audit.sync": ("登记人工评分", frozenset({_A, _T, _O, SYSTEM})),  # also whenever export or status reads
    "audit.adopt": ("登记已有数据", frozenset({_O, SYSTEM})),
}


class StaffError(PermissionError):
    """Refused: who someone is, or what their role allows; the message says why, in Chinese."""


@dataclass(frozen=True)
class Actor:
    """An authenticated staff member (from grader.staff.accounts), or the platform itself."""

    name: str
    role: str
    staff_id: int | None = None  # None: the platform (SYSTEM)

    @property
    def label(self) -> str:
        return f"{ROLE_LABELS.get(self.role, self.role)} {self.name}"


ROLE_LABELS = {**ROLES, SYSTEM: "系统"}


def system(name: str) -> Actor:
    """The platform acting on its own (a hand-in graded by the exam room, demo data)."""
    return Actor(name, SYSTEM)


def may(actor: Actor, action: str) -> bool:
    return actor.role in ACTIONS[action][1]


def authorize(actor: object, action: str) -> Actor:
    """The actor, when their role allows the action; otherwise a Chinese refusal. Free text (a name
    typed in a form) is no identity and is refused too."""
    if action not in ACTIONS:
        raise KeyError(action)
    what, roles = ACTIONS[action]
    if not isinstance(actor, Actor):
        raise StaffError(f"{what}须由已登录的工作人员进行（收到的是 {actor!r}，不是工作人员账号）")
    if actor.role not in roles:
        allowed = "、".join(ROLES[r] for r in ROLES if r in roles) or "系统"
        raise StaffError(f"权限不足：{actor.label} 不能{what}（需要{allowed}角色）")
    return actor
