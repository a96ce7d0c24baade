"""The gradebook: nbgrader's tables (owned by nbgrader) plus qinglian's own (prefix ``ql_``),
in one database. The caller opens the engine and owns every transaction."""

from grader.gradebook.database import connect, migrate

__all__ = ["connect", "migrate"]
