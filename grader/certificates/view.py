"""voila_apps/certificates.ipynb: a person looks up and downloads their certificates (roster
number and name, so nobody can list other people's), and anyone verifies a certificate from its
QR text or its PDF. Verification here uses the workspace's public keys and the gradebook's
revocations; it never reads a private key."""

from __future__ import annotations

import html
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ipywidgets as widgets
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from grader.certificates.keys import KeyStoreError
from grader.certificates.payload import PROGRAMMES
from grader.certificates.trust import trust_from_workspace
from grader.certificates.verify import Verdict, verify_pdf, verify_qr
from grader.gradebook.engine import connect
from grader.gradebook.models import CertificateRevocationRow, CertificateRow, PersonRow
from grader.pages.snapshot import show
from grader.settings import CERT_URL_ENV, Settings
from grader.workbook import download_link

Clock = Callable[[], datetime]
_COLOURS = {"authentic": "#17692b", "revoked": "#a15c00"}
_CELL = "style='padding:4px 14px 4px 0;text-align:left'"


class LookupRefused(Exception):
    pass


@dataclass(frozen=True)
class CertificateView:
    serial: str
    programme: str  # the title
    date: str
    issued_at: datetime
    revoked: str  # "" or why and when
    filename: str
    pdf: bytes


def person_certificates(session: Session, person_id: str, name: str) -> list[CertificateView]:
    """A person's certificates, newest first, when the roster number and name match."""
    person = session.get(PersonRow, person_id.strip())
    if person is None or "".join(name.split()) != person.name:
        raise LookupRefused("编号或姓名不正确")
    revoked = {r.serial: r for r in session.scalars(
        select(CertificateRevocationRow).join(CertificateRow, CertificateRow.serial == CertificateRevocationRow.serial)
        .where(CertificateRow.person_id == person.id))}
    views = []
    for row in session.scalars(select(CertificateRow).where(CertificateRow.person_id == person.id)
                               .order_by(CertificateRow.issued_at.desc(), CertificateRow.serial)):
        r = revoked.get(row.serial)
        title = PROGRAMMES[row.programme].title if row.programme in PROGRAMMES else row.programme
        views.append(CertificateView(row.serial, title, row.facts.get("date", ""), row.issued_at,
                                     f"{r.revoked_at:%Y-%m-%d} 吊销：{r.reason}" if r else "",
                                     f"{row.serial}.pdf", row.pdf))
    return views


def certificates_html(views: list[CertificateView]) -> str:
    if not views:
        return "<p>还没有证书。</p>"
    rows = []
    for v in views:
        if v.revoked:
            action = f"<span style='color:#b00'>{html.escape(v.revoked)}</span>"
        else:
            action = download_link(v.filename, v.pdf, "下载 PDF", mime="application/pdf",
                                   style="color:#1565c0;text-decoration:underline")
        rows.append("".join(f"<td {_CELL}>{cell}</td>" for cell in (html.escape(v.programme), html.escape(v.date),
                                                                      html.escape(v.serial), action)))
    header = "".join(f"<th {_CELL}>{title}</th>" for title in ("项目", "日期", "证书编号", ""))
    return (f"<table class='ql-certificate-list'><tr>{header}</tr>"
            + "".join(f"<tr>{row}</tr>" for row in rows) + "</table>")


def verdict_html(verdict: Verdict) -> str:
    colour = _COLOURS.get(verdict.status, "#b00")
    facts = "".join(f"<tr><td {_CELL}>{html.escape(label)}</td><td {_CELL}>{html.escape(value)}</td></tr>"
                    for label, value in verdict.facts)
    return (f"<div class='ql-verdict-{verdict.status}'><h3 style='color:{colour}'>{verdict.headline}</h3>"
            f"<p>{html.escape(verdict.message)}</p>" + (f"<table>{facts}</table>" if facts else "") + "</div>")


def verify_here(session: Session, root: Path, now: datetime, *, pdf: bytes | None = None,
                qr_text: str | None = None) -> Verdict:
    """Verify against this workspace's public keys and current revocations."""
    keys, revocations = trust_from_workspace(session, root, now)
    return verify_pdf(pdf, keys, revocations) if pdf is not None else verify_qr(qr_text or "", keys, revocations)


def page_address(environ: Mapping[str, str]) -> str:
    """Where anyone checks a certificate: the public address the operator set (QINGLIAN_CERT_URL,
    needed behind a proxy), else the address this page was reached at (Voila gives the kernel the
    request's host, port and path); "" when neither is known."""
    configured = environ.get(CERT_URL_ENV, "").strip()
    host = environ.get("SERVER_NAME", "").strip()
    if configured or not host:
        return configured
    port = environ.get("SERVER_PORT", "").strip()
    return f"http://{host}{':' + port if port and port != '80' else ''}{environ.get('SCRIPT_NAME') or '/'}"


def verify_help_html(address: str) -> str:
    """How verification works, in plain words (no algorithm names, no commands)."""
    # unknown in the kernel (a pre-started one has seen no request): the page's own script writes in
    # the address the browser is at (grader/pages, .ql-this-page)
    link = (f"<a class='ql-address' href='{html.escape(address)}'>{html.escape(address)}</a>" if address
            else "<a class='ql-address ql-this-page' href='#'></a>")
    where = f"<p>核验地址：{link}</p>"
    return ("<h2>核验证书</h2><p>每张证书的二维码里都有签发机构的电子签名。证书上的姓名、编号、成绩哪怕只改动一个字，"
            "签名就对不上，核验时会显示“已被篡改”；签发机构吊销的证书会显示“已吊销”。</p>"
            "<p>在下面粘贴二维码扫出的内容，或上传证书 PDF 文件即可核验，不需要连接互联网。</p>" + where)


class CertificatesApp:
    def __init__(self, engine: Engine, root: Path, clock: Clock = datetime.now, address: str = "") -> None:
        self.engine, self.root, self.clock, self.address = engine, root, clock, address
        self.widget = widgets.VBox([self._lookup(), widgets.HTML("<hr>"), self._verify()])
        self.widget.add_class("ql-certificates-app")

    def _lookup(self) -> widgets.Widget:
        number, name = widgets.Text(description="编号"), widgets.Text(description="姓名")
        button, self.listing = widgets.Button(description="查询我的证书", button_style="primary"), widgets.HTML()
        for widget, css in ((number, "ql-person"), (name, "ql-name"), (button, "ql-lookup"),
                            (self.listing, "ql-listing")):
            widget.add_class(css)
        button.on_click(lambda _: self._show(number.value, name.value))
        return widgets.VBox([widgets.HTML("<h2>我的证书</h2><p>输入名单上的编号和姓名，查看并下载本人的证书。</p>"),
                             number, name, button, self.listing])

    def _show(self, number: str, name: str) -> None:
        try:
            with Session(self.engine) as session:
                self.listing.value = certificates_html(person_certificates(session, number, name))
        except LookupRefused as error:
            self.listing.value = f"<p style='color:#b00'>{html.escape(str(error))}</p>"

    def _verify(self) -> widgets.Widget:
        self.qr = widgets.Textarea(placeholder="粘贴证书二维码的内容（以 QL1. 开头）",
                                   layout=widgets.Layout(width="90%", height="5em"))
        check = widgets.Button(description="核验二维码内容")
        self.upload = widgets.FileUpload(accept=".pdf", multiple=False, description="上传证书 PDF")
        self.verdict = widgets.HTML()
        for widget, css in ((self.qr, "ql-qr"), (check, "ql-verify-qr"), (self.upload, "ql-upload"),
                            (self.verdict, "ql-verdict")):
            widget.add_class(css)
        check.on_click(lambda _: self._check(qr_text=self.qr.value))
        self.upload.observe(self._uploaded, names="value")
        help_text = widgets.HTML(verify_help_html(self.address))
        help_text.add_class("ql-verify-help")
        return widgets.VBox([help_text, self.qr, check, self.upload, self.verdict])

    def _uploaded(self, change: Mapping[str, object]) -> None:
        files = change.get("new") or ()
        if isinstance(files, tuple | list) and files:
            self._check(pdf=bytes(files[0]["content"]))
            self.upload.value = ()  # the same file may be uploaded again

    def _check(self, *, pdf: bytes | None = None, qr_text: str | None = None) -> None:
        try:
            with Session(self.engine) as session:
                verdict = verify_here(session, self.root, self.clock(), pdf=pdf, qr_text=qr_text)
        except KeyStoreError:
            self.verdict.value = "<p style='color:#b00'>本系统还没有建立签发密钥，无法核验。</p>"
            return
        self.verdict.value = verdict_html(verdict)


def open_certificates(environ: Mapping[str, str] | None = None) -> CertificatesApp:
    """voila_apps/certificates.ipynb: the workspace and database come from `qinglian serve`."""
    env = os.environ if environ is None else environ
    settings = Settings.for_kernel(env)
    app = CertificatesApp(connect(settings.db_url), settings.root, address=page_address(env))
    show(app.widget)  # its first view is drawn before the widget scripts load
    return app
