"""The report in a real browser: headless Chromium lays it out, every chart is decoded
and visible, and no two blocks overlap. Skipped, with the reason, without Chromium.

The report itself has no script; the test renders a copy with a layout probe appended,
and reads the probe's findings back from ``--dump-dom``. It also takes a screenshot.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from report_helpers import GENERATED_AT, HISTORY_FIXTURE, RUN_FIXTURE

from harness.report.render import build_report
from harness.report.sources import collect_results

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (apt-get install chromium; .ci/run installs it)",
)
WIDTH = 1400
PROBE = """
<script>
window.addEventListener("load", () => {
  const box = (el) => { const r = el.getBoundingClientRect();
    const y = window.scrollY;
    return {left: r.left, top: r.top + y, right: r.right, bottom: r.bottom + y,
            width: r.width, height: r.height}; };
  const images = [...document.querySelectorAll("figure.chart img")].map((img) => ({
    alt: img.alt, complete: img.complete, natural: img.naturalWidth, ...box(img),
    section: box(img.closest("section")) }));
  const blocks = [...document.querySelectorAll("section.block > *")].map((el) => ({
    tag: el.tagName, section: el.parentElement.id, ...box(el) }));
  const out = document.createElement("pre");
  out.id = "layout-probe";
  const pageWidth = document.documentElement.scrollWidth;
  out.textContent = JSON.stringify({images, blocks, pageWidth});
  document.body.appendChild(out);
});
</script>
"""


def chromium(*arguments: str, cwd: Path, width: int = WIDTH) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = cwd / "profile"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        f"--window-size={width},3000",
        *arguments,
    ]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    folder = tmp_path_factory.mktemp("browser")
    html = build_report(collect_results([RUN_FIXTURE, HISTORY_FIXTURE]), GENERATED_AT)
    report = folder / "index.html"
    report.write_text(html, encoding="utf-8")
    probed = folder / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dumped = chromium("--virtual-time-budget=10000", "--dump-dom", probed.as_uri(), cwd=folder)
    match = re.search(r'<pre id="layout-probe">(.*?)</pre>', dumped.stdout, re.DOTALL)
    assert match, f"no layout probe in Chromium's DOM; stderr: {dumped.stderr[-2000:]}"
    layout = json.loads(
        match.group(1)
        .replace("&quot;", '"')
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
    )
    return report, layout


PHONE_PROBE = """
<script>
window.addEventListener("load", () => {
  // Places where the layout split a word between two letters or digits ("media|n",
  // "0.00|102x", "1.96|s": a figure and its unit are joined by a no-break space). A break
  // after a hyphen or a slash ("machine-|a", "run.pyperf/|x.json") is an ordinary one.
  const top = (node, at) => { const range = document.createRange();
    range.setStart(node, at); range.setEnd(node, at + 1); return Math.round(range.getBoundingClientRect().top); };
  const brokenWords = (el) => {
    const found = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      for (let at = 1; at < text.length; at++) {
        const joined = /[A-Za-z0-9.\u00a0]/;
        if (joined.test(text[at - 1]) && joined.test(text[at]) && top(node, at - 1) !== top(node, at)) {
          found.push(text.slice(Math.max(0, at - 12), at) + "|" + text.slice(at, at + 12));
        }
      }
    }
    return found;
  };
  const broken = (cells) => cells.flatMap(brokenWords);
  parent.postMessage(JSON.stringify({viewport: window.innerWidth,
    pageWidth: document.documentElement.scrollWidth,
    headings: broken([...document.querySelectorAll("th")]),
    cells: broken([...document.querySelectorAll("td")])}), "*");
});
</script>
"""
# Headless Chromium's window is at least 500 px wide; a 400 px frame gives the report a
# phone's viewport, and the frame posts its findings to the page that --dump-dom prints.
PHONE_FRAME = """<!doctype html><html><body>
<iframe src="phone.html" width="{width}" height="3000" style="border:0"></iframe>
<pre id="phone-probe"></pre>
<script>window.addEventListener("message", (m) => {{
  document.getElementById("phone-probe").textContent = m.data; }});</script>
</body></html>"""
PHONE_WIDTH = 400


def test_on_a_phone_the_page_never_spills_sideways_and_headings_and_numbers_never_break(
    tmp_path: Path,
) -> None:
    """At 400 px wide: tables scroll inside their own box, and no word of a heading
    ("median") or a cell ("0.00102x", "1.96 s") is split over two lines."""
    html = build_report(collect_results([RUN_FIXTURE, HISTORY_FIXTURE]), GENERATED_AT)
    (tmp_path / "phone.html").write_text(html.replace("</body>", PHONE_PROBE + "</body>"), encoding="utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(PHONE_FRAME.format(width=PHONE_WIDTH), encoding="utf-8")
    dumped = chromium("--virtual-time-budget=10000", "--dump-dom", frame.as_uri(), cwd=tmp_path)
    match = re.search(r'<pre id="phone-probe">(.+?)</pre>', dumped.stdout, re.DOTALL)
    assert match, f"no findings from the frame; stderr: {dumped.stderr[-2000:]}"
    text = match.group(1)
    for entity, character in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, character)
    found = json.loads(text)
    assert found["viewport"] == PHONE_WIDTH
    assert found["pageWidth"] <= PHONE_WIDTH
    assert found["headings"] == []
    assert found["cells"] == []


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    tolerance = 0.5
    return (
        a["left"] < b["right"] - tolerance
        and b["left"] < a["right"] - tolerance
        and a["top"] < b["bottom"] - tolerance
        and b["top"] < a["bottom"] - tolerance
    )


def test_every_chart_is_decoded_and_visible(rendered: tuple[Path, dict[str, object]]) -> None:
    _, layout = rendered
    images = layout["images"]
    assert isinstance(images, list) and len(images) >= 15
    for image in images:
        assert image["complete"] and image["natural"] > 0, image["alt"]
        assert image["width"] > 300 and image["height"] > 150, image["alt"]
        section = image["section"]
        assert section["left"] <= image["left"] and image["right"] <= section["right"] + 0.5, image[
            "alt"
        ]


def test_nothing_overlaps_and_nothing_spills_sideways(
    rendered: tuple[Path, dict[str, object]],
) -> None:
    _, layout = rendered
    blocks = layout["blocks"]
    assert isinstance(blocks, list)
    for index, first in enumerate(blocks):
        for second in blocks[index + 1 :]:
            assert not overlap(first, second), (first, second)
    assert layout["pageWidth"] <= WIDTH


def test_screenshot_is_drawn(rendered: tuple[Path, dict[str, object]]) -> None:
    report, _ = rendered
    shot = report.parent / "report.png"
    done = chromium(f"--screenshot={shot}", report.as_uri(), cwd=report.parent)
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a blank page compresses to a few kB
