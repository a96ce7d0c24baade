"""Signing keys and certificates: issue, verify (offline), revoke, publish the revocation list."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from grader.cli.edge import Failure, acting, console, db_option, progress_bar, root_option, transaction
from grader.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from grader.certificates.keys import KeySet
    from grader.certificates.revocation import RevocationList
    from grader.certificates.verify import Verdict

T = TypeVar("T")
PROGRAMME_CHOICE = click.Choice(["induction", "promotion_test", "promotion_gate"])


@contextmanager
def _failing() -> Iterator[None]:
    """The library's refusals (keys, font, eligibility, revocation) become a clear error."""
    from grader.certificates.eligibility import EligibilityError
    from grader.certificates.flags import FlagError
    from grader.certificates.fonts import FontError
    from grader.certificates.keys import KeyStoreError
    from grader.certificates.revocation import RevocationError
    from grader.staff.roles import StaffError

    try:
        yield
    except (EligibilityError, FlagError, FontError, KeyStoreError, RevocationError, StaffError) as error:
        raise Failure(str(error)) from error


def _write_json(data: object, to: Path | None) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if to is None:
        click.echo(text, nl=False)
    else:
        to.write_text(text, encoding="utf-8")
        console.print(f"已写入 {to}")


@click.group()
def keys() -> None:
    """证书签发密钥：建立、导出公钥集、轮换。"""


@keys.command("init")
@click.option("--issuer", required=True, help="签发机构名称（印在证书上，写入公钥集）")
@root_option
def keys_init(issuer: str, root: Path) -> None:
    """在工作区建立签发密钥（私钥只有所有者可读，权限 600）。"""
    from grader.certificates.keys import init_keys, key_dir

    with _failing():
        key = init_keys(root.resolve(), issuer, datetime.now())
    console.print(f"已建立签发密钥 {key.key_id}（{issuer}）；私钥在 {key_dir(root.resolve())}，"
                  "不要把它放进任何对外服务的目录")


@keys.command("export")
@click.option("--to", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件（默认：标准输出）")
@root_option
def keys_export(to: Path | None, root: Path) -> None:
    """导出公钥集（JSON），供离线核验使用；含轮换前的旧公钥。"""
    from grader.certificates.keys import public_keys

    with _failing():
        _write_json(public_keys(root.resolve()).as_dict(), to)


@keys.command("rotate")
@root_option
@db_option
def keys_rotate(root: Path, db_url: str | None) -> None:
    """换一把新的签发密钥（须为管理员，记入审计日志）；旧公钥保留在公钥集中，旧证书照常核验，旧私钥删除。"""
    from grader.audit.log import append
    from grader.certificates.keys import rotate_keys
    from grader.staff.roles import authorize

    settings = Settings.resolve(root, db_url)
    with _failing(), transaction(settings) as session:
        actor = authorize(acting(session), "keys.manage")
        key = rotate_keys(settings.root, datetime.now())
        append(session, actor, "keys.rotate", "signing_key", key.key_id,
               {"key_id": key.key_id, "created_at": key.created_at.isoformat()})
    console.print(f"新的签发密钥 {key.key_id} 已启用；请重新导出公钥集（qinglian keys export）")


@click.group()
def cert() -> None:
    """证书：签发、离线核验、吊销、吊销列表。"""


@contextmanager
def _committing_chunks(settings: Settings) -> Iterator[Session]:
    """A session whose work is committed by the library's checkpoints (a chunk of certificates at a
    time) and at the end; an error rolls back only the chunk under way."""
    from sqlalchemy.orm import Session

    from grader.gradebook.database import migrate
    from grader.gradebook.engine import connect

    engine = connect(settings.db_url)
    try:
        migrate(engine)
        with Session(engine) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


@cert.command("issue")
@click.option("--person", default=None, help="人员编号")
@click.option("--sitting", default=None, help="场次：为场次中的全部考生签发")
@click.option("--unit", default=None, help="单位：为单位（含下级单位）的全部人员签发")
@click.option("--programme", type=PROGRAMME_CHOICE, default=None, help="证书项目（场次默认按试卷所属项目）")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="PDF 写入的文件夹（默认：工作区 certificates/）")
@click.option("--programmes", type=click.Path(file_okay=False, path_type=Path), default=Path("exams/programmes"),
              show_default=True, help="培训项目定义")
@click.option("--courses", type=click.Path(file_okay=False, path_type=Path), default=Path("courses"),
              show_default=True, help="课程目录（上岗前培训需要）")
@root_option
@db_option
def cert_issue(person: str | None, sitting: str | None, unit: str | None, programme: str | None,
               out: Path | None, programmes: Path, courses: Path, root: Path, db_url: str | None) -> None:
    """为已达到要求的人员签发证书（PDF 带签名二维码）；未达到的逐人说明原因，其余照常签发。"""
    from grader.certificates.eligibility import Sources
    from grader.certificates.issue import Selection, issue_certificates, write_pdfs

    settings = Settings.resolve(root, db_url)
    folder = out or settings.root / "certificates"
    outcomes = []
    with _failing(), _committing_chunks(settings) as session:
        batch = issue_certificates(session, settings.root, Selection(person, sitting, unit, programme),
                                   Sources(programmes, courses), acting(session), datetime.now(),
                                   checkpoint=session.commit)
        for outcome in progress_bar(batch.outcomes, batch.total, "签发", at_least=20):
            if outcome.issued is not None:  # committed with its chunk: its file is written now
                write_pdfs([outcome.issued], folder)
            outcomes.append(outcome)
    issued = [o.issued for o in outcomes if o.issued is not None]
    for outcome in outcomes:
        click.echo(str(outcome))
    console.print(f"签发 {len(issued)} 份，未签发 {len(outcomes) - len(issued)} 人；PDF 在 {folder if issued else '—'}")
    sys.exit(0 if issued or not outcomes else 1)


@cert.command("verify")
@click.argument("pdfs", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--qr", default=None, help="二维码内容（代替 PDF 文件）")
@click.option("--keys", "keys_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="公钥集（qinglian keys export）；不给则用工作区的")
@click.option("--revocations", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="吊销列表（qinglian cert revocations）")
@root_option
@db_option
def cert_verify(pdfs: tuple[Path, ...], qr: str | None, keys_path: Path | None, revocations: Path | None, root: Path,
                db_url: str | None) -> None:
    """离线核验证书 PDF（可以一次给多个）或二维码内容：真实有效、已被篡改、签发密钥未知、已吊销，或不是证书。"""
    from grader.certificates.trust import trust_from_files, trust_from_workspace

    if bool(pdfs) == (qr is not None):
        raise Failure("请给出一个 PDF 文件（或多个），或用 --qr 给出二维码内容")
    with _failing():
        if keys_path is not None:
            verdicts = _verdicts(pdfs, qr, *trust_from_files(keys_path, revocations))
        else:
            with transaction(Settings.resolve(root, db_url)) as session:  # revocations looked up as each is verified
                verdicts = _verdicts(pdfs, qr, *trust_from_workspace(session, root.resolve(), datetime.now()))
    if len(verdicts) == 1:
        console.print(verdicts[0].message, highlight=False)
        for label, value in verdicts[0].facts:
            click.echo(f"  {label}：{value}")
    else:
        for path, verdict in zip(pdfs, verdicts, strict=True):
            console.print(f"{path.name}：{verdict.message}", highlight=False, soft_wrap=True)
        good = sum(v.authentic for v in verdicts)
        console.print(f"核验 {len(verdicts)} 份：真实有效 {good} 份，其余 {len(verdicts) - good} 份")
    sys.exit(0 if all(v.authentic for v in verdicts) else 1)


def _verdicts(pdfs: tuple[Path, ...], qr: str | None, keys: KeySet, revocations: RevocationList | None,
              ) -> list[Verdict]:
    """Each file's verdict (or the QR text's), against one key set and revocation list read once."""
    from grader.certificates.verify import verify_pdf, verify_qr

    if qr is not None:
        return [verify_qr(qr, keys, revocations)]
    return [verify_pdf(path.read_bytes(), keys, revocations) for path in pdfs]


@cert.command("revoke")
@click.argument("serial")
@click.option("--reason", required=True, help="吊销原因（例如：成绩更正、记录更正）")
@root_option
@db_option
def cert_revoke(serial: str, reason: str, root: Path, db_url: str | None) -> None:
    """吊销一份证书（记录时间、操作人和原因）；之后请重新发布吊销列表。"""
    from grader.certificates.revocation import revoke

    with _failing(), transaction(Settings.resolve(root, db_url)) as session:
        done = revoke(session, serial, reason, acting(session), datetime.now())
    console.print(f"证书 {done.serial} 已吊销（{done.reason}）；请用 qinglian cert revocations 重新发布吊销列表")


@cert.command("revocations")
@click.option("--to", type=click.Path(dir_okay=False, path_type=Path), default=None, help="写入文件（默认：标准输出）")
@click.option("--valid-days", type=click.IntRange(min=1), default=7, show_default=True,
              help="几天内发布下一份列表（写入列表，过期后核验会提醒）")
@root_option
@db_option
def cert_revocations(to: Path | None, valid_days: int, root: Path, db_url: str | None) -> None:
    """导出签名并注明签发时间与下次更新时间的吊销列表（JSON），供离线核验使用。"""
    from datetime import timedelta

    from grader.certificates.keys import load_signer
    from grader.certificates.revocation import current_revocations, signed_revocation_list

    settings = Settings.resolve(root, db_url)
    with _failing(), transaction(settings) as session:
        signer = load_signer(settings.root)
        listed = current_revocations(session, signer.issuer, datetime.now().replace(microsecond=0),
                                     timedelta(days=valid_days))
        published = signed_revocation_list(listed, signer)
    _write_json(published, to)
    console.print(f"下次更新时间：{listed.next_update:%Y-%m-%d %H:%M}（请在此之前重新发布）", highlight=False)


@click.group()
def result() -> None:
    """成绩的待复核标记：列出、解除（解除前，据此成绩不签发证书）。"""


@result.command("flags")
@click.option("--assignment", default=None, help="只列出这份试卷的")
@root_option
@db_option
def result_flags(assignment: str | None, root: Path, db_url: str | None) -> None:
    """列出尚未解除的待复核成绩（及评分时发现的问题）。"""
    from sqlalchemy import true

    from grader.certificates.flags import open_flags
    from grader.gradebook.models import PaperRow

    with transaction(Settings.resolve(root, db_url)) as session:
        flags = open_flags(session, None, PaperRow.assignment == assignment if assignment else true())
    for student, found in flags.items():
        for flag in found:
            click.echo(f"{student}：{flag}")
    console.print(f"待复核 {sum(len(f) for f in flags.values())} 份，涉及 {len(flags)} 人")


@result.command("clear-flag")
@click.argument("student")
@click.argument("assignment")
@click.option("--reason", required=True, help="复核结论：为什么可以解除")
@root_option
@db_option
def result_clear_flag(student: str, assignment: str, reason: str, root: Path,
                      db_url: str | None) -> None:
    """复核后解除一份成绩的待复核标记（记录复核人、时间和理由）；之后才能据此签发证书。"""
    from grader.certificates.flags import clear_flag

    with _failing(), transaction(Settings.resolve(root, db_url)) as session:
        done = clear_flag(session, student, assignment, acting(session), reason, datetime.now())
    console.print(f"已解除 {done.student_id} 在试卷 {done.assignment} 上的待复核标记"
                  f"（{done.cleared_by}，{done.cleared_at:%Y-%m-%d %H:%M}：{done.reason}）", highlight=False)
