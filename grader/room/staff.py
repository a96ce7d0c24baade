"""Who may open the proctor's page: for now whoever holds the workspace's staff token (printed by
`qinglian room`), signing in under the name they give, which every proctor action records; under
JupyterHub also a hub administrator, under their hub name. This is the one place that decides it;
staff accounts (issue #12) will replace the token here."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

MAX_NAME = 32
STAFF_HOURS = 12


@dataclass(frozen=True)
class Staff:
    name: str
    expires: datetime
    via: str = "监考令牌"  # how they proved it: the token, or JupyterHub

    @property
    def actor(self) -> str:
        return f"{self.name}（{self.via}）"

    def dumps(self) -> str:
        return json.dumps({"n": self.name, "e": self.expires.isoformat(timespec="seconds"), "v": self.via},
                          ensure_ascii=True)

    @classmethod
    def loads(cls, signed_value: bytes | None, now: datetime) -> Staff | None:
        if signed_value is None:
            return None
        try:
            data = json.loads(signed_value)
            staff = cls(str(data["n"]), datetime.fromisoformat(data["e"]), str(data.get("v", "监考令牌")))
        except (ValueError, KeyError, TypeError):
            return None
        return staff if now < staff.expires else None


class StaffRefused(Exception):
    """The message says what was wrong, in Chinese."""


def staff_sign_in(token: str, offered: str, name: str, now: datetime) -> Staff:
    """The staff member, if the token offered is the workspace's (compared in constant time)."""
    name = name.strip()
    if not hmac.compare_digest(token.encode(), offered.strip().encode()):
        raise StaffRefused("监考令牌不正确")
    if not name or len(name) > MAX_NAME:
        raise StaffRefused(f"请填写监考员姓名（不超过 {MAX_NAME} 个字）")
    return Staff(name, now + timedelta(hours=STAFF_HOURS))


HUB_VIA = "JupyterHub 管理员"


def hub_staff(user: Mapping[str, object], now: datetime) -> Staff:
    """The hub user (the model the hub's OAuth gave), if the hub says they are an administrator."""
    name = str(user.get("name", "")).strip()
    if user.get("admin") is not True or not name:
        raise StaffRefused(f"JupyterHub 账号 {name} 不是管理员，不能进入监考页面；请用监考令牌登录")
    return Staff(name[:MAX_NAME], now + timedelta(hours=STAFF_HOURS), HUB_VIA)
