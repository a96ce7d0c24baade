"""Who is studying: the JupyterHub user where there is one, otherwise the roster number with the
learner's personal study code (grader.course.study_codes: HMAC-checked, locked after repeated
failures). A roster number and a name, which colleagues know, sign no one in. Links between course
pages carry a signed learner token."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from sqlalchemy import column, select, table
from sqlalchemy.orm import Session

# nbgrader's student table, read without importing nbgrader (seconds of start-up for every page)
STUDENT = table("student", column("id"), column("first_name"), column("last_name"))


@dataclass(frozen=True)
class Learner:
    id: str
    name: str


class SignInError(Exception):
    pass


def workspace_secret(root: Path) -> bytes:
    """The workspace's signing key (created on first use, readable by its owner only)."""
    path = root / ".qinglian" / "secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32), encoding="ascii")
    return path.read_text(encoding="ascii").strip().encode()


def token_for(learner_id: str, secret: bytes) -> str:
    return hmac.new(secret, learner_id.encode(), hashlib.sha256).hexdigest()[:32]


def _learner(session: Session, learner_id: str) -> Learner | None:
    row = session.execute(select(STUDENT.c.last_name, STUDENT.c.first_name)
                          .where(STUDENT.c.id == learner_id)).first()
    if row is None:
        return None
    last, first = row
    return Learner(learner_id, f"{last or ''}{first or ''}" or learner_id)


def sign_in_with_code(session: Session, secret: bytes, roster_number: str, code: str) -> Learner:
    """A learner without a JupyterHub account: their roster number and their personal study code
    (grader.course.study_codes; lockout after repeated failures). The caller commits either way."""
    from grader.course.study_codes import StudyCodeError, check_study_code

    try:
        check_study_code(session, secret, roster_number, code)
    except StudyCodeError as error:
        raise SignInError(str(error)) from error
    learner = _learner(session, roster_number.strip())
    if learner is None:
        raise SignInError("编号或学习码不正确")
    return learner


def known_learner(session: Session, environ: Mapping[str, str], secret: bytes) -> Learner | None:
    """The learner this page belongs to without asking: the JupyterHub user, or a valid signed
    token in the page's query string (as Voila passes it to the kernel)."""
    hub_user = environ.get("JUPYTERHUB_USER")
    if hub_user:
        return _learner(session, hub_user)
    query = parse_qs(environ.get("QUERY_STRING", ""))
    learner_id, token = query.get("learner", [""])[0], query.get("token", [""])[0]
    if learner_id and hmac.compare_digest(token, token_for(learner_id, secret)):
        return _learner(session, learner_id)
    return None
