"""report.html in a real browser: headless Chromium opens the file offline and every embedded figure loads.

The report holds no script and its Content-Security-Policy forbids one, so the check runs on a copy of the page into
which the test injects a small script (and a policy that lets it run) that counts the images with a natural width.
Two controls show the check can fail: a copy with one figure corrupted loads one image fewer, and a copy that keeps
the report's own policy runs no script at all. Skipped, with the reason, only where Chromium is not installed
(Debian package `chromium`; .ci/run installs it).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.report.html import CONTENT_SECURITY_POLICY

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium; .ci/run installs it)"
)

SCRIPT_NAME = "<script>alert(1)</script>"
CHECKER = """<script>
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var body = document.body;
  body.setAttribute("data-images", images.length);
  body.setAttribute("data-loaded", images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);
  body.setAttribute("data-scripts", document.scripts.length);
  body.setAttribute("data-title", document.querySelector("h1").textContent);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("browser")
    scenario = {"name": SCRIPT_NAME, "horizon_days": 60, "population": {"senders": 100, "recipients": 1000},
                "inbox": {"capacity": 5}}
    (folder / "small.yaml").write_text(yaml.safe_dump(scenario))
    out = folder / "run"
    assert main(["run", str(folder / "small.yaml"), "--out", str(out), "-r", "2", "-j", "1", "-q"]) == 0
    return out


def browse(page: Path, profile: Path) -> dict[str, str]:
    """The attributes of <body> after the page loaded in headless Chromium (from --dump-dom)."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={profile}", "--virtual-time-budget=10000", "--dump-dom", page.as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]

    class Body(HTMLParser):
        attrs: dict = {}

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                Body.attrs = dict(attrs)

    Body().feed(done.stdout)
    return Body.attrs


def checked_copy(html: str, path: Path, keep_policy: bool = False) -> Path:
    policy = f'content="{CONTENT_SECURITY_POLICY}"'
    assert policy in html
    if not keep_policy:
        html = html.replace(policy, f"content=\"{CONTENT_SECURITY_POLICY}; script-src 'unsafe-inline'\"")
    path.write_text(html.replace("</body>", CHECKER + "</body>"), encoding="utf-8")
    return path


def test_every_figure_of_the_report_loads_in_headless_chromium(report, tmp_path):
    html = (report / "report.html").read_text(encoding="utf-8")
    figures = len(list((report / "figures").glob("*.png")))
    assert figures >= 6
    body = browse(checked_copy(html, tmp_path / "check.html"), tmp_path / "profile")
    assert body.get("data-images") == str(figures)
    assert body.get("data-loaded") == str(figures)
    assert body.get("data-scripts") == "1", "the report itself must hold no script"
    assert body.get("data-title") == f"Run report: {SCRIPT_NAME}"


def test_the_check_sees_a_broken_figure_and_the_report_policy_blocks_scripts(report, tmp_path):
    html = (report / "report.html").read_text(encoding="utf-8")
    broken = re.sub(r'src="data:image/png;base64,[^"]{40}', 'src="data:image/png;base64,' + "A" * 40, html, count=1)
    body = browse(checked_copy(broken, tmp_path / "broken.html"), tmp_path / "profile")
    assert int(body["data-loaded"]) == int(body["data-images"]) - 1
    body = browse(checked_copy(html, tmp_path / "policy.html", keep_policy=True), tmp_path / "profile")
    assert "data-images" not in body
