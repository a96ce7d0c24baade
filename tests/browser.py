"""Serving an app and driving it in Debian's headless Chromium (shared by the browser tests)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader.serve import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(process: subprocess.Popen[bytes], ready_url: str, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(ready_url, timeout=5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start:\n{log.read_text()}") from None
            time.sleep(0.5)


@contextmanager
def running(server: Server, log: Path, ready_url: str, timeout: float = 90) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("w") as out:
        process = subprocess.Popen(server.argv, cwd=server.cwd, env=server.env, stdout=out, stderr=subprocess.STDOUT)
        try:
            wait_ready(process, ready_url, log, timeout)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def chromium_page() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 1400}, locale="zh-CN")
            page.set_default_timeout(90_000)
            yield page
        finally:
            browser.close()


# --- offline pages: nothing may come from outside our own servers --------------------------------

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOCAL_SCHEMES = frozenset({"data", "blob", "about"})
ERROR_BOX = ('[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output.jp-mod-error, '
             '.voila-error, .jp-RenderedText[data-mime-type*="error"]')
ERROR_TEXTS = ("There was an error when executing cell", "Traceback (most recent call last)", "NameError",
               "Error:", "Voilà Error")


def is_local(url: str, hosts: frozenset[str] = LOCAL_HOSTS) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in hosts


@dataclass
class PageWatch:
    """What a page did that an offline LAN would not allow or a reader should not see: requests to
    anywhere but our servers (aborted, so the page behaves as on a LAN without internet), console
    errors and uncaught page errors. Made by `offline(page)`, checked by `assert_clean(page)`."""

    outside: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        return ([f"request outside 127.0.0.1: {u}" for u in self.outside]
                + [f"console error: {m}" for m in self.console_errors]
                + [f"page error: {m}" for m in self.page_errors])

    def assert_clean(self, page) -> None:  # type: ignore[no-untyped-def]
        """Fail on anything recorded so far, and on a Voilà error box on the page now."""
        assert self.problems() == [], "\n".join(self.problems())
        assert_no_error_box(page)


def offline(page, hosts: frozenset[str] = LOCAL_HOSTS) -> PageWatch:  # type: ignore[no-untyped-def]
    """Block (abort) and record every request not to `hosts`, websockets included, and record
    console errors and page errors. Call before page.goto."""
    watch = PageWatch()

    def route(route) -> None:  # type: ignore[no-untyped-def]
        url = route.request.url
        watch.requests.append(url)
        if is_local(url, hosts):
            route.fallback()
        else:
            watch.outside.append(url)
            route.abort("blockedbyclient")

    def websocket(ws) -> None:  # type: ignore[no-untyped-def]
        if not is_local(ws.url, hosts):
            watch.outside.append(ws.url)

    def console(message) -> None:  # type: ignore[no-untyped-def]
        if message.type == "error":
            watch.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.route("**/*", route)
    page.on("websocket", websocket)
    page.on("console", console)
    page.on("pageerror", lambda error: watch.page_errors.append(str(error)))
    return watch


def assert_no_error_box(page) -> None:  # type: ignore[no-untyped-def]
    """No Voilà error output (a cell that raised, stderr) and no error page."""
    boxes = page.locator(ERROR_BOX)
    shown = [boxes.nth(i).inner_text() for i in range(boxes.count())]
    assert shown == [], f"error box on the page: {shown}"
    text = page.locator("body").inner_text()
    found = [t for t in ERROR_TEXTS if t in text]
    assert found == [], f"error text on the page: {found}\n{text[:2000]}"


def wait_rendered(page) -> None:  # type: ignore[no-untyped-def]
    """Until Voila has run every cell and shown the page (its spinner is gone)."""
    page.locator("#rendered_cells").wait_for(state="visible")
    page.locator("#loading").wait_for(state="detached")
