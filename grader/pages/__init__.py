"""What every Voila page of ours shares: the `qinglian` template. It is Voila's `lab` template
without the stylesheets Voila links from a public CDN (ipywidgets already bundles the icon font),
plus one local stylesheet (links that look like links) and one local script (a page whose kernel
is gone says so, in Chinese). Every Voila we start is pointed at it: standalone and JupyterLab's
extension alike."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TEMPLATE = "qinglian"
JUPYTER_PATH_ENV = "JUPYTER_PATH"


def data_dir() -> Path:
    """A Jupyter data directory holding voila/templates/qinglian (put on JUPYTER_PATH)."""
    return Path(__file__).resolve().parent / "jupyter"


# The only JupyterLab extensions a page needs: the widgets, and Voila's own widget manager for them
# (Voila keeps the one matching the installed ipywidgets). Voila otherwise loads every extension
# installed, and those made for JupyterLab (nbgrader's, notebook's) fail in a page with console
# errors, and take time.
PAGE_EXTENSIONS = ("@jupyter-widgets/jupyterlab-manager", "@voila-dashboards/widgets-manager8",
                   "@voila-dashboards/widgets-manager7")


def voila_args() -> list[str]:
    """Options for `voila` and for `jupyter lab` (its Voila extension reads the same traits). The
    template cannot be swapped from the address (?voila-template=lab would bring the CDN back)."""
    return [f"--VoilaConfiguration.template={TEMPLATE}", "--VoilaConfiguration.allow_template_override=NO",
            *(f"--VoilaConfiguration.extension_allowlist={name}" for name in PAGE_EXTENSIONS),
            # A page being left asks Voila to shut its kernel down (a beacon carrying the _xsrf cookie),
            # but Voila's page never sets that cookie: the request was refused (403) and every page view
            # left a kernel idling until culled. The only such requests name a kernel by its random id,
            # which another site cannot know. (Standalone Voila; JupyterLab ignores this class.)
            "--Voila.tornado_settings=disable_check_xsrf=True"]


def template_env(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` with our data directory first on JUPYTER_PATH, where Voila looks for templates."""
    current = environ.get(JUPYTER_PATH_ENV, "")
    path = os.pathsep.join(p for p in (str(data_dir()), current) if p)
    return {**environ, JUPYTER_PATH_ENV: path}
