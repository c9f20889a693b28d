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

from harness.core.workload import BACKENDS
from harness.report.render import build_report
from harness.report.sources import collect_results, newest_run

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
  const images = [...document.querySelectorAll("figure.chart svg")].map((svg) => ({
    alt: svg.getAttribute("aria-label"), natural: svg.width.baseVal.value, ...box(svg),
    section: box(svg.closest("section")) }));
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
    layout = read_back(dumped, "layout-probe")
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


def on_a_phone(html: str, folder: Path) -> dict[str, object]:
    """What the phone probe finds in ``html`` laid out in a frame ``PHONE_WIDTH`` wide."""
    (folder / "phone.html").write_text(html.replace("</body>", PHONE_PROBE + "</body>"), encoding="utf-8")
    frame = folder / "frame.html"
    frame.write_text(PHONE_FRAME.format(width=PHONE_WIDTH), encoding="utf-8")
    dumped = chromium("--virtual-time-budget=10000", "--dump-dom", frame.as_uri(), cwd=folder)
    return read_back(dumped, "phone-probe")


def test_on_a_phone_the_page_never_spills_sideways_and_headings_and_numbers_never_break(
    tmp_path: Path,
) -> None:
    """At 400 px wide: tables scroll inside their own box, and no word of a heading
    ("median") or a cell ("0.00102x", "1.96 s") is split over two lines."""
    html = build_report(collect_results([RUN_FIXTURE, HISTORY_FIXTURE]), GENERATED_AT)
    found = on_a_phone(html, tmp_path)
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


def test_every_chart_is_drawn_and_visible(rendered: tuple[Path, dict[str, object]]) -> None:
    _, layout = rendered
    images = layout["images"]
    assert isinstance(images, list) and len(images) >= 15
    for image in images:
        assert image["natural"] > 0 and image["alt"], image["alt"]
        assert image["width"] > 250 and image["height"] > 100, image["alt"]
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


# -- the committed default run's report, as a reader opens it ------------------------------

RESULTS = Path(__file__).resolve().parent.parent / "results"
SCREEN = (1400, 900)
MAX_SCREENS = 15
SMALLEST_TEXT_PX = 9.0
SMALLEST_CHART_SCALE = 0.8
READING_PROBE = """
<script>
window.addEventListener("load", () => {
  const charts = [...document.querySelectorAll("figure.chart svg")];
  const texts = charts.flatMap((svg) => [...svg.querySelectorAll("text")].map((t) => {
    const m = t.getScreenCTM();
    return {px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b), text: t.textContent,
            chart: svg.closest("section").id};
  }));
  const summary = document.querySelector("#summary table");
  const rows = summary ? [...summary.querySelectorAll("tbody tr")].map((tr) =>
    [...tr.children].map((td) => td.textContent.trim())) : [];
  const headings = summary ? [...summary.querySelectorAll("th")].map((th) => th.textContent.trim()) : [];
  const out = document.createElement("pre");
  out.id = "reading-probe";
  out.textContent = JSON.stringify({
    height: document.documentElement.scrollHeight,
    pageWidth: document.documentElement.scrollWidth,
    smallestText: texts.reduce((a, b) => (b.px < a.px ? b : a), {px: 1e9}),
    scales: charts.map((svg) => ({chart: svg.closest("section").id,
      scale: svg.getBoundingClientRect().width / svg.width.baseVal.value})),
    summaryTop: summary ? summary.getBoundingClientRect().top + window.scrollY : null,
    headings, rows});
  document.body.appendChild(out);
});
</script>
"""


def default_run() -> Path:
    """The newest committed run of the default preset (what ``nox -s bench`` writes)."""
    run = newest_run(RESULTS, "default")
    assert run is not None, "no committed default run under results/"
    return run


def read_back(dumped: subprocess.CompletedProcess[str], element: str) -> dict[str, object]:
    match = re.search(rf'<pre id="{element}">(.+?)</pre>', dumped.stdout, re.DOTALL)
    assert match, f"no {element} in Chromium's DOM; stderr: {dumped.stderr[-2000:]}"
    text = match.group(1)
    for entity, character in (("&quot;", '"'), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&")):
        text = text.replace(entity, character)
    found = json.loads(text)
    assert isinstance(found, dict)
    return found


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("default-run")
    run = default_run()
    html = build_report(collect_results([run, run.parent]), GENERATED_AT)
    return folder, html


@pytest.fixture(scope="module")
def default_layout(default_report: tuple[Path, str]) -> dict[str, object]:
    folder, html = default_report
    probed = folder / "reading.html"
    probed.write_text(html.replace("</body>", READING_PROBE + "</body>"), encoding="utf-8")
    dumped = chromium(
        "--virtual-time-budget=10000", "--dump-dom", probed.as_uri(), cwd=folder, width=SCREEN[0]
    )
    return read_back(dumped, "reading-probe")


def test_the_default_runs_report_is_at_most_fifteen_desktop_screens(default_layout: dict[str, object]) -> None:
    height = default_layout["height"]
    assert isinstance(height, int | float)
    assert height <= MAX_SCREENS * SCREEN[1], f"{height} px is {height / SCREEN[1]:.1f} screens of {SCREEN[1]} px"
    assert default_layout["pageWidth"] <= SCREEN[0]


def test_no_chart_text_is_smaller_than_9_px_and_no_chart_is_shrunk(default_layout: dict[str, object]) -> None:
    smallest = default_layout["smallestText"]
    assert isinstance(smallest, dict)
    assert smallest["px"] >= SMALLEST_TEXT_PX, smallest
    scales = default_layout["scales"]
    assert isinstance(scales, list) and scales
    shrunk = [s for s in scales if s["scale"] < SMALLEST_CHART_SCALE]
    assert not shrunk, shrunk


def test_the_first_screen_holds_the_summary_with_a_fastest_backend_per_case(
    default_layout: dict[str, object],
) -> None:
    top = default_layout["summaryTop"]
    assert isinstance(top, int | float) and top < SCREEN[1]
    headings, rows = default_layout["headings"], default_layout["rows"]
    assert isinstance(headings, list) and isinstance(rows, list) and rows
    fastest = headings.index("fastest")
    for row in rows:
        assert row[fastest].split(" ")[0] in BACKENDS, row


def test_the_default_runs_report_never_spills_sideways_on_a_phone(
    default_report: tuple[Path, str], tmp_path: Path
) -> None:
    _, html = default_report
    found = on_a_phone(html, tmp_path)
    assert found["viewport"] == PHONE_WIDTH
    assert found["pageWidth"] <= PHONE_WIDTH
    assert found["headings"] == []
    assert found["cells"] == []
