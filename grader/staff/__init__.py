"""Staff accounts and roles: who may do what (roles), and who someone is (accounts)."""

from grader.staff.roles import ACTIONS, ROLES, Actor, StaffError, authorize, may, system

__all__ = ["ACTIONS", "ROLES", "Actor", "StaffError", "authorize", "may", "system"]
