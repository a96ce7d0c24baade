"""Triggers that mark people stale (ql_summary_stale) whenever a row their summary rests on
changes: a result (ql_result), a grader's mark (nbgrader's grade, and the submission it belongs
to), the roster (ql_person) or a paper's programme and pass mark (ql_paper). The same triggers
in SQLite's and PostgreSQL's own dialects: whoever writes the row — the library, formgrader, a
hand-made SQL statement — the person is marked in that write's transaction.

SQLite drops a table's triggers when a migration rebuilds the table (Alembic's batch mode): a
migration that does so on one of these tables must call install() again."""

from __future__ import annotations

from sqlalchemy import Connection

# table -> (events, SQL selecting the affected people from a row named NEW or OLD)
_PERSON_OF = {
    "ql_result": ("INSERT OR UPDATE OR DELETE", "SELECT {row}.student_id AS p"),
    "ql_person": ("INSERT OR UPDATE OR DELETE", "SELECT {row}.id AS p"),
    "ql_paper": ("INSERT OR UPDATE OR DELETE",
                 "SELECT DISTINCT r.student_id AS p FROM ql_result r WHERE r.assignment = {row}.assignment"),
    "grade": ("INSERT OR UPDATE OR DELETE",
              "SELECT sa.student_id AS p FROM submitted_notebook sn JOIN submitted_assignment sa "
              "ON sa.id = sn.assignment_id WHERE sn.id = {row}.notebook_id"),
    "submitted_assignment": ("UPDATE OR DELETE", "SELECT {row}.student_id AS p"),
}
_PREFIX = "ql_summary_stale_"


def _sqlite(table: str, events: str, people: str) -> list[str]:
    statements = []
    for event in events.split(" OR "):
        rows = {"INSERT": ("NEW",), "UPDATE": ("NEW", "OLD"), "DELETE": ("OLD",)}[event]
        body = " ".join(f"INSERT OR IGNORE INTO ql_summary_stale (person_id) "
                        f"SELECT p FROM ({people.format(row=row)}) AS changed WHERE p IS NOT NULL;"
                        for row in rows)
        statements.append(f"CREATE TRIGGER {_PREFIX}{table}_{event.lower()} AFTER {event} ON {table} "
                          f"FOR EACH ROW BEGIN {body} END")
    return statements


def _postgresql(table: str, events: str, people: str) -> list[str]:
    def mark(row: str) -> str:
        return (f"INSERT INTO ql_summary_stale (person_id) SELECT p FROM ({people.format(row=row)}) AS changed "
                f"WHERE p IS NOT NULL ON CONFLICT DO NOTHING;")

    function = f"{_PREFIX}{table}"
    body = (f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {mark('NEW')} END IF; "
            f"IF TG_OP IN ('UPDATE', 'DELETE') THEN {mark('OLD')} END IF; RETURN NULL;")
    return [f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} END $$",
            f"CREATE TRIGGER {function} AFTER {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"]


def install(connection: Connection) -> None:
    """Create the triggers (dropping any earlier ones of the same name first)."""
    drop(connection)
    dialect = connection.dialect.name
    for table, (events, people) in _PERSON_OF.items():
        make = _postgresql if dialect == "postgresql" else _sqlite
        for statement in make(table, events, people):
            connection.exec_driver_sql(statement)


def drop(connection: Connection) -> None:
    for table, (events, _) in _PERSON_OF.items():
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_PREFIX}{table} ON {table}")
            connection.exec_driver_sql(f"DROP FUNCTION IF EXISTS {_PREFIX}{table}()")
        else:
            for event in events.split(" OR "):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {_PREFIX}{table}_{event.lower()}")
