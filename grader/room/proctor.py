"""The proctor's side (监考): sign in with a staff account (name and password, or the JupyterHub
user mapped to one), a live table of the sitting's seats, and the four actions, each with a reason,
recorded under the account. An organiser acts; an auditor sees the table and the record only. The
rules, and who may do what, are the library's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import tornado.web

from grader.room.cookie import MAX_AGE_DAYS, STAFF_COOKIE
from grader.room.handlers import RoomHandler, grade
from grader.room.staff import MAX_NAME, Staff, acting, staff_sign_in
from grader.sitting.errors import SittingError
from grader.sitting.proctor import ProctorAction, SeatStatus, actions, extend, force_submit, reopen, seat_table, unlock
from grader.sitting.seats import sittings
from grader.staff.roles import StaffError, authorize

ACTIONS = {"未登录": (), "作答中": ("extend", "force_submit"), "已交卷": ("reopen",), "已锁定": ("unlock",)}
ACTION_NAMES = {"unlock": "解锁", "extend": "延长时间", "force_submit": "强制交卷", "reopen": "重新开放"}
STATES = {"未登录": "absent", "作答中": "answering", "已交卷": "submitted", "已锁定": "locked"}
MAX_REASON = 200


class StaffHandler(RoomHandler):
    def staff(self) -> Staff | None:
        return Staff.loads(self.get_signed_cookie(STAFF_COOKIE, max_age_days=MAX_AGE_DAYS), self.room.now())

    def need_staff(self) -> Staff:
        staff = self.staff()
        if staff is None:
            raise tornado.web.HTTPError(401)
        return staff

    def admit(self, staff: Staff, now: datetime) -> None:
        """The staff cookie, for as long as the sign-in lasts, then on to the seat table."""
        self.set_signed_cookie(STAFF_COOKIE, staff.dumps(), expires_days=None, httponly=True, samesite="Strict",
                               secure=self.room.options.secure_cookies, path=self.base,
                               max_age=int((staff.expires - now).total_seconds()))
        self.redirect(f"{self.base}proctor", status=303)


class ProctorLogin(StaffHandler):
    async def post(self) -> None:
        now = self.room.now()
        name, password = self.get_body_argument("name", "")[:MAX_NAME + 1], self.get_body_argument("password", "")

        def check(session: Any) -> Staff | str:
            try:
                return staff_sign_in(session, name, password, now)
            except StaffError as error:
                return str(error)  # committed: a wrong password counts towards the account's lockout

        outcome = await self.room.gradebook.run(check)
        if isinstance(outcome, str):
            self.render("proctor_login.html", error=outcome, name=name.strip())
            return
        self.admit(outcome, now)


class ProctorPage(StaffHandler):
    async def get(self) -> None:
        staff = self.staff()
        if staff is None:
            self.render("proctor_login.html", error="", name="")
            return
        every = await self.room.gradebook.run(sittings)
        wanted = self.get_query_argument("sitting", "")
        now = self.room.now()
        open_now = [s for s in every if s.opens_at <= now < s.closes_at]
        current = next((s for s in every if s.id == wanted), None) or next(iter(open_now or every), None)
        self.xsrf_token  # noqa: B018 -- sets the _xsrf cookie the page's script sends back
        self.render("proctor.html", staff=staff, sittings=every, current=current)


def _seat_json(seat: SeatStatus, may_act: bool) -> dict[str, Any]:
    return {"admission_no": seat.admission_no, "name": seat.name, "unit": seat.unit, "status": STATES[seat.state],
            "status_text": seat.state, "answered_text": f"{seat.answered}/{seat.items}" if seat.items else "",
            "last_save_text": f"{seat.last_save:%H:%M:%S}" if seat.last_save else "",
            "tab_switches": seat.switches, "deadline_text": f"{seat.deadline:%H:%M:%S}" if seat.deadline else "",
            "actions": [*ACTIONS[seat.state], *(["unlock"] if seat.locked and seat.state != "已锁定" else [])]
            if may_act else []}


def _action_json(action: ProctorAction) -> dict[str, str]:
    return {"at_text": f"{action.at:%H:%M:%S}", "admission_no": action.admission_no,
            "action_text": ACTION_NAMES.get(action.action, action.action), "detail": action.detail,
            "reason": action.reason, "actor": action.actor}


class SeatsApi(StaffHandler):
    async def get(self) -> None:
        staff = self.need_staff()
        sitting_id, now = self.get_query_argument("sitting", ""), self.room.now()

        def read(session: Any) -> tuple[list[SeatStatus], list[ProctorAction]]:
            authorize(acting(session, staff), "sitting.watch")
            return seat_table(session, sitting_id, now), actions(session, sitting_id)

        try:
            seats, log = await self.room.gradebook.run(read)
        except (SittingError, StaffError) as error:
            self.finish({"error": str(error)})
            return
        counts: dict[str, int] = {}
        for seat in seats:
            counts[seat.state] = counts.get(seat.state, 0) + 1
        self.finish({"now_text": f"{now:%H:%M:%S}", "counts": counts,
                     "seats": [_seat_json(s, staff.may_act) for s in seats],
                     "log": [_action_json(a) for a in reversed(log)]})


class ActionApi(StaffHandler):
    async def post(self) -> None:
        staff, body = self.need_staff(), self.json_body()
        admission_no, action, reason, minutes = (body.get("admission_no"), body.get("action"), body.get("reason"),
                                                 body.get("minutes", 0))
        if (not isinstance(admission_no, str) or not isinstance(reason, str) or type(minutes) is not int
                or action not in ("unlock", "extend", "force_submit", "reopen")):
            raise tornado.web.HTTPError(400)
        room, now, reason = self.room, self.room.now(), reason[:MAX_REASON]

        def act(session: Any) -> int | None:
            actor = acting(session, staff)  # the account as it stands now; the library checks its role
            if action == "unlock":
                unlock(session, admission_no, actor=actor, reason=reason, now=now)
            elif action == "extend":
                extend(session, admission_no, minutes, actor=actor, reason=reason, now=now)
            elif action == "reopen":
                reopen(session, admission_no, minutes, actor=actor, reason=reason, now=now)
            else:
                return force_submit(session, room.settings.root, admission_no, actor=actor, reason=reason,
                                    now=now).attempt_id
            return None

        try:
            submitted = await room.gradebook.run(act)
        except (SittingError, StaffError) as error:
            self.finish({"done": False, "reason": str(error)})
            return
        if submitted is not None:
            await grade(room, submitted)
        self.finish({"done": True})

