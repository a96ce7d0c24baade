"""Staff accounts: who someone is. The CLI acts as the operating-system user mapped to an account,
a page as the account signed in (a local password, hashed with argon2) or the JupyterHub user
mapped to it. The first account of an empty staff table is an organiser made for whoever sets the
workspace up (qinglian init / staff add); every later change needs an organiser, and is logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.audit.log import record
from grader.gradebook.models import StaffRow
from grader.staff.roles import ROLES, Actor, StaffError, authorize, system

MAX_TRIES = 5  # wrong passwords before the account is locked for LOCK_MINUTES
LOCK_MINUTES = 15
_hasher = PasswordHasher()


@dataclass(frozen=True)
class StaffMember:
    id: int
    name: str
    role: str
    os_user: str | None
    hub_user: str | None
    active: bool
    has_password: bool

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


def _view(row: StaffRow) -> StaffMember:
    return StaffMember(row.id, row.name, row.role, row.os_user, row.hub_user, row.active, bool(row.password_hash))


def _actor(row: StaffRow) -> Actor:
    return Actor(row.name, row.role, row.id)


def _check_role(role: str) -> None:
    if role not in ROLES:
        known = "、".join(f"{k}（{v}）" for k, v in ROLES.items())
        raise StaffError(f"未知的角色 {role!r}，可用：{known}")


def _clean(value: str | None, what: str, limit: int) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value.strip()) > limit:
        raise StaffError(f"{what}不能超过 {limit} 个字符")
    return value.strip()


def _by_name(session: Session, name: str) -> StaffRow:
    row = session.scalar(select(StaffRow).where(StaffRow.name == name.strip()))
    if row is None:
        raise StaffError(f"没有名为 {name!r} 的工作人员账号（qinglian staff list 列出全部）")
    return row


def is_empty(session: Session) -> bool:
    return not session.scalar(select(func.count()).select_from(StaffRow))


def add_staff(session: Session, actor: Actor | None, name: str, role: str, *, os_user: str | None = None,
              hub_user: str | None = None, password: str | None = None, now: datetime | None = None) -> StaffMember:
    """A new account. `actor` None is the bootstrap: allowed only for the first account, which must be
    an organiser (it adds everyone else)."""
    now = now or datetime.now()
    if actor is None:
        if not is_empty(session):
            raise StaffError("已有工作人员账号：请以管理员身份添加新账号")
        if role != "organiser":
            raise StaffError("第一个工作人员账号须为管理员（organiser），由它添加其他人")
        actor = system(name.strip() or "初始化")
    else:
        authorize(actor, "staff.manage")
    _check_role(role)
    clean = _clean(name, "姓名", 64)
    if clean is None:
        raise StaffError("请填写工作人员姓名")
    if session.scalar(select(StaffRow.id).where(StaffRow.name == clean)) is not None:
        raise StaffError(f"已有名为 {clean} 的工作人员账号")
    mapped = ((StaffRow.os_user, os_user, "系统用户"), (StaffRow.hub_user, hub_user, "JupyterHub 用户"))
    for column, value, what in mapped:
        if value and session.scalar(select(StaffRow.name).where(column == value.strip())) is not None:
            raise StaffError(f"{what} {value.strip()} 已对应另一个工作人员账号")
    row = StaffRow(name=clean, role=role, os_user=_clean(os_user, "系统用户名", 64),
                   hub_user=_clean(hub_user, "JupyterHub 用户名", 128),
                   password_hash=_hasher.hash(password) if password else None, active=True, created_at=now,
                   failed_tries=0)
    session.add(row)
    session.flush()
    record(session, actor, "staff.add", [row], now)
    return _view(row)


def set_role(session: Session, actor: Actor, name: str, role: str, now: datetime | None = None) -> StaffMember:
    authorize(actor, "staff.manage")
    _check_role(role)
    row = _by_name(session, name)
    if row.id == actor.staff_id and role != "organiser":
        raise StaffError("不能取消自己的管理员角色（请另一位管理员操作）")
    row.role = role
    record(session, actor, "staff.role", [row], now)
    return _view(row)


def set_password(session: Session, actor: Actor, name: str, password: str, now: datetime | None = None) -> None:
    """An organiser sets anyone's password; anyone may set their own."""
    row = _by_name(session, name)
    if row.id != actor.staff_id:
        authorize(actor, "staff.manage")
    if len(password) < 8:
        raise StaffError("密码至少 8 个字符")
    row.password_hash = _hasher.hash(password)
    row.failed_tries, row.locked_until = 0, None
    record(session, actor, "staff.password", [row], now)


def disable_staff(session: Session, actor: Actor, name: str, now: datetime | None = None) -> StaffMember:
    authorize(actor, "staff.manage")
    row = _by_name(session, name)
    if row.id == actor.staff_id:
        raise StaffError("不能停用自己的账号")
    row.active = False
    record(session, actor, "staff.disable", [row], now)
    return _view(row)


def list_staff(session: Session) -> list[StaffMember]:
    return [_view(r) for r in session.scalars(select(StaffRow).order_by(StaffRow.id))]


def _active(row: StaffRow | None, how: str) -> Actor:
    if row is None:
        raise StaffError(f"{how} 没有对应的工作人员账号（请管理员用 qinglian staff add 添加）")
    if not row.active:
        raise StaffError(f"工作人员账号 {row.name} 已停用")
    return _actor(row)


def actor_for_os_user(session: Session, os_user: str) -> Actor:
    """The CLI's identity: the account mapped to this operating-system user."""
    return _active(session.scalar(select(StaffRow).where(StaffRow.os_user == os_user)), f"系统用户 {os_user}")


def actor_for_hub_user(session: Session, hub_user: str) -> Actor:
    """A page's identity behind JupyterHub: the account mapped to the hub user."""
    return _active(session.scalar(select(StaffRow).where(StaffRow.hub_user == hub_user)),
                   f"JupyterHub 用户 {hub_user}")


def actor_by_id(session: Session, staff_id: int) -> Actor:
    """The account a signed cookie names, if still active."""
    return _active(session.get(StaffRow, staff_id), f"账号 #{staff_id}")


def sign_in(session: Session, name: str, password: str, now: datetime | None = None) -> Actor:
    """A local account's password checked; after MAX_TRIES wrong ones the account is locked for a while.
    The caller commits even on a refusal, so the count of wrong tries is kept."""
    now = now or datetime.now()
    row = session.scalar(select(StaffRow).where(StaffRow.name == name.strip()))
    refusal = StaffError("姓名或密码不正确")
    if row is None or not row.active or not row.password_hash:
        raise refusal
    if row.locked_until and row.locked_until > now:
        raise StaffError(f"密码错误次数过多，账号已锁定至 {row.locked_until:%H:%M}")
    try:
        _hasher.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        row.failed_tries += 1
        if row.failed_tries >= MAX_TRIES:
            row.failed_tries, row.locked_until = 0, now + timedelta(minutes=LOCK_MINUTES)
        raise refusal from None
    row.failed_tries, row.locked_until = 0, None
    return _actor(row)
