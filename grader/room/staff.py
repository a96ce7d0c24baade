"""Who may open the proctor's page: a staff account whose role may watch a sitting (grader.staff.roles:
an organiser acts, an auditor only watches), signed in with its own name and password on the room's
sign-in page, or, under JupyterHub, the hub user mapped to an account. The signed cookie names the
account; every action re-reads it from the gradebook, so a disabled account or a changed role stops
working at once. This is the one place that decides it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from grader.staff.accounts import actor_by_id, actor_for_hub_user, sign_in
from grader.staff.roles import Actor, StaffError, authorize, may

MAX_NAME = 64
STAFF_HOURS = 12
LOCAL_VIA, HUB_VIA = "本地账号", "JupyterHub"


@dataclass(frozen=True)
class Staff:
    """What the staff cookie says: the account, its role when signed in, until when, and how."""

    staff_id: int
    name: str
    role: str
    expires: datetime
    via: str = LOCAL_VIA

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.staff_id)

    @property
    def may_act(self) -> bool:
        return may(self.actor, "sitting.proctor")

    def dumps(self) -> str:
        return json.dumps({"i": self.staff_id, "n": self.name, "r": self.role,
                           "e": self.expires.isoformat(timespec="seconds"), "v": self.via}, ensure_ascii=True)

    @classmethod
    def loads(cls, signed_value: bytes | None, now: datetime) -> Staff | None:
        if signed_value is None:
            return None
        try:
            data = json.loads(signed_value)
            staff = cls(int(data["i"]), str(data["n"]), str(data["r"]), datetime.fromisoformat(data["e"]),
                        str(data.get("v", LOCAL_VIA)))
        except (ValueError, KeyError, TypeError):
            return None  # also a cookie from before staff accounts (no account id)
        return staff if now < staff.expires else None


def _admitted(actor: Actor, now: datetime, via: str, action: str) -> Staff:
    authorize(actor, action)
    assert actor.staff_id is not None
    return Staff(actor.staff_id, actor.name, actor.role, now + timedelta(hours=STAFF_HOURS), via)


def staff_sign_in(session: Session, name: str, password: str, now: datetime, action: str = "sitting.watch") -> Staff:
    """A local account's name and password (wrong tries count towards its lockout: the caller
    commits even on a refusal), if its role may do `action` (the proctor's page: watch a sitting;
    the marking service passes its own)."""
    if not name.strip() or len(name) > MAX_NAME:
        raise StaffError(f"请填写工作人员账号的姓名（不超过 {MAX_NAME} 个字）")
    return _admitted(sign_in(session, name, password[:256], now), now, LOCAL_VIA, action)


def hub_staff(session: Session, user: Mapping[str, object], now: datetime, action: str = "sitting.watch") -> Staff:
    """The hub user (the model the hub's OAuth gave), if mapped to a staff account that may do `action`."""
    name = str(user.get("name", "")).strip()
    if not name:
        raise StaffError("JupyterHub 没有给出用户名")
    try:
        actor = actor_for_hub_user(session, name)
    except StaffError as error:
        raise StaffError(f"{error}；不能进入监考页面，也可用工作人员账号的密码登录") from None
    return _admitted(actor, now, HUB_VIA, action)


def acting(session: Session, staff: Staff) -> Actor:
    """The account behind a cookie as it stands now (active, its current role)."""
    return actor_by_id(session, staff.staff_id)
