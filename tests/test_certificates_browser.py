"""The certificates page in a real browser: Voila serves it, headless Chromium looks up a
person's certificates, downloads the PDF, uploads it on the verify section and reads the verdict;
an altered copy is reported as altered."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from grader.certificates.fonts import CertificateFont, find_cjk_font
from grader.serve import voila_server
from grader.settings import Settings
from tests.browser import chromium_page, free_port, offline, running
from tests.certificates_data import change_text, facts, issue
from tests.records_data import REPO, seed_roster


def _upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """As a person does: click the upload button and pick the file in the chooser."""
    with page.expect_file_chooser() as chooser:
        page.locator(".ql-upload").click()
    chooser.value.set_files(str(path))


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_download_a_certificate_and_verify_it_on_the_verify_section(
        settings: Settings, engine: Engine, tmp_path: Path) -> None:
    seed_roster(engine)
    (outcome,) = issue(engine, settings.root, CertificateFont(find_cjk_font()), [facts("P001", "王建国")])
    issued = outcome.issued
    assert issued is not None
    port = free_port()
    server = voila_server(settings, REPO / "voila_apps", port, "certificates.ipynb", "证书")
    with running(server, tmp_path / "voila.log", f"http://127.0.0.1:{port}/"), chromium_page() as page:
        watch = offline(page)  # a LAN without internet: nothing may come from elsewhere
        page.goto(server.urls[0])
        help_text = page.locator(".ql-verify-help")
        help_text.get_by_text("核验地址").wait_for()
        assert help_text.locator("a.ql-address").inner_text() == server.urls[0]  # the address it was reached at
        assert "Ed25519" not in help_text.inner_text() and "qinglian" not in page.locator("body").inner_text()
        page.locator(".ql-person input").fill("P001")
        page.locator(".ql-name input").fill("王建国")
        page.locator(".ql-lookup").click()
        link = page.locator("a.ql-download")
        link.wait_for()
        with page.expect_download() as download:
            link.click()
        downloaded = tmp_path / download.value.suggested_filename
        download.value.save_as(downloaded)
        assert downloaded.name == f"{issued.serial}.pdf" and downloaded.read_bytes() == issued.pdf

        _upload(page, downloaded)
        page.locator(".ql-verdict").get_by_text("真实有效").first.wait_for()
        assert issued.serial in page.locator(".ql-verdict").inner_text()
        page.screenshot(path=str(tmp_path / "verified.png"), full_page=True)

        altered = tmp_path / "altered.pdf"
        altered.write_bytes(change_text(issued.pdf, "王建国", "王国建"))
        _upload(page, altered)
        page.locator(".ql-verdict").get_by_text("已被篡改").first.wait_for()

        page.locator(".ql-qr textarea").fill(issued.qr_text)
        page.locator(".ql-verify-qr").click()
        page.locator(".ql-verdict").get_by_text("真实有效").first.wait_for()
        watch.assert_clean(page)
