"""Accessibility and phone-fit checks for the browser tests: axe-core, large text, sideways scrolling, page weight.

Plain helpers that take a Playwright page (or locator) that a test already has, e.g. from the `phone` fixture:

    assert_accessible(student, "student after a draw")
    large_text(student)                       # Android's font scale at 200 %
    assert_no_sideways_scroll(student, "student after a draw, text at 200%")
    assert in_viewport(student.get_by_role("button", name="Trek een kaart"))
    page_weight(student)["total"]             # bytes, gzip level 6

axe-core is vendored for the tests only (tests/e2e/vendor/, see its README); the app never serves it.

How axe gets into a page under the app's Content-Security-Policy (`script-src 'self'`): `page.add_script_tag`
inserts an inline <script>, which the policy blocks (Playwright raises, and Chromium logs a console error that
the `phone` fixture counts as a failure). `page.evaluate` with the file's source is not subject to the page's
policy (it goes through the DevTools protocol), so that is what `axe_violations` does; no context needs
`bypass_csp=True`, so the tests keep checking the real policy while they audit.

Sideways scrolling is measured against `document.documentElement.clientWidth` (the 360 px layout viewport),
not `window.innerWidth`: on a mobile context (`is_mobile=True`) Chromium widens innerWidth to the content's
width as soon as something sticks out, so `scrollWidth <= innerWidth` would always hold there.
"""
import gzip
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

AXE_PATH = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
ROOT_FONT_SIZE = 112.5  # percent, as in static/app.css's :root

_RUN_AXE = """async ({context, tags}) => {
  const result = await axe.run(context === null ? document : context,
                               {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, help_url: v.helpUrl,
    targets: v.nodes.map(n => n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : t).join(" | ")),
  }));
}"""

_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const clips = value => ["hidden", "clip", "auto", "scroll"].includes(value);
  const clipped = el => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      if (up === document.body || up === document.documentElement) return false;
      if (clips(getComputedStyle(up).overflowX) && up.getBoundingClientRect().right <= width + 0.5) return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].slice(0, 3).map(c => "." + c).join("");
  const path = el => {
    const parts = [];
    for (let at = el; at && at !== document.body && at !== document.documentElement; at = at.parentElement) {
      parts.unshift(name(at));
      if (at.id) break;
    }
    return parts.join(" > ");
  };
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5 || clipped(el)) continue;
    found.push(`${path(el)}: <${el.tagName.toLowerCase()}> width ${Math.round(box.width)}px, `
               + `right edge ${Math.round(box.right)}px > ${width}px`);
  }
  return found.length ? found : [`html: scrollWidth ${document.documentElement.scrollWidth}px > ${width}px`];
}"""

_OWN_FILES = """() => ({
  scripts: [...document.querySelectorAll("script[src]")].map(s => s.src),
  stylesheets: [...document.querySelectorAll("link[rel~=stylesheet][href]")].map(l => l.href),
})"""


def styled(page) -> None:
    """Wait until the page's stylesheets have loaded (its load event). Chromium answers a layout query made while a
    stylesheet is still on its way without that stylesheet (a page-specific one such as mine.css, slow on a busy
    machine), so every measure of the layout or the colours below waits for this first."""
    page.wait_for_load_state("load")


def axe_violations(page, context=None) -> list[dict]:
    """Run axe-core (WCAG 2.0/2.1, A and AA) on the page as it is now; each violation as a dict of
    id, impact, help, help_url and targets (one CSS selector per failing node).

    `context` narrows the audit: a CSS selector or an axe context object such as {"exclude": [".qr"]}."""
    styled(page)
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_PATH.read_text(encoding="utf-8"))  # not add_script_tag: see the module docstring
    return page.evaluate(_RUN_AXE, {"context": context, "tags": WCAG_TAGS})


def describe_violations(violations: list[dict]) -> str:
    return "\n".join(f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["targets"])
                     for v in violations)


def assert_accessible(page, label: str, context=None) -> None:
    """Fail with every axe violation (id, help, the elements) when the page, in the state `label` names, has any."""
    violations = axe_violations(page, context)
    assert not violations, f"{label}: {len(violations)} accessibility violation(s)\n{describe_violations(violations)}"


def large_text(page, scale: float = 2.0, persist: bool = False) -> None:
    """Emulate Android's font scale (Settings, font size; 2.0 is text at 200 %) on a viewport that stays as it is
    (360 px on a phone): the root font size becomes 112.5 % x scale, so everything sized in rem/em grows with it.

    The style goes into the current document; htmx swaps keep it, a full page load does not, unless `persist`,
    which also adds it to every document this page loads from now on."""
    css = f":root {{ font-size: {ROOT_FONT_SIZE * scale:g}% !important; }}"
    page.add_style_tag(content=css)  # style-src allows 'unsafe-inline'
    if persist:
        page.add_init_script(
            "document.addEventListener('DOMContentLoaded', () => {"
            " const style = document.createElement('style');"
            f" style.textContent = {json.dumps(css)};"
            " document.head.append(style); });"
        )


def sideways_overflow(page) -> list[str]:
    """Elements whose right edge is past the layout viewport (path, tag, width, right edge); empty when the page
    does not scroll sideways. Elements inside a box that clips or scrolls sideways itself are left out."""
    styled(page)
    return page.evaluate(_OVERFLOW)


def assert_no_sideways_scroll(page, label: str) -> None:
    overflow = sideways_overflow(page)
    assert not overflow, f"{label}: the page scrolls sideways because of\n" + "\n".join(f"- {o}" for o in overflow)


def in_viewport(locator) -> bool:
    """The element is rendered and its whole box lies inside the viewport as the page is scrolled now.

    Only the rectangle counts: an element under a fixed bar at the bottom still counts as inside."""
    styled(locator.page)
    box = locator.bounding_box()
    size = locator.page.viewport_size
    if box is None or size is None:
        return False
    slack = 0.5  # sub-pixel layout
    return (box["x"] >= -slack and box["y"] >= -slack
            and box["x"] + box["width"] <= size["width"] + slack
            and box["y"] + box["height"] <= size["height"] + slack)


def page_weight(page) -> dict:
    """What the page as loaded now costs to download: its HTML and every same-origin script and stylesheet,
    fetched again with the page's cookies (page.request shares the context's) and gzip-compressed at level 6.

    Returns {"html": {path: bytes}, "scripts": {path: bytes}, "stylesheets": {path: bytes},
    "total": compressed bytes, "raw": uncompressed bytes}. Socket.IO traffic and htmx fragments are not counted."""
    origin = urlsplit(page.url)[:2]
    files = page.evaluate(_OWN_FILES)
    weight = {"html": {}, "scripts": {}, "stylesheets": {}, "total": 0, "raw": 0}
    wanted = [("html", page.url)] + [(kind, url) for kind in ("scripts", "stylesheets") for url in files[kind]]
    for kind, url in wanted:
        url = urljoin(page.url, url).split("#")[0]
        parts = urlsplit(url)
        # A static file's ?v=<hash> only names its version: it is the same file.
        key = parts.path + (f"?{parts.query}" if parts.query and kind == "html" else "")
        if parts[:2] != origin or key in weight[kind]:
            continue
        response = page.request.get(url)
        assert response.ok, f"{url}: {response.status}"
        body = response.body()
        weight[kind][key] = len(gzip.compress(body, compresslevel=6))
        weight["total"] += weight[kind][key]
        weight["raw"] += len(body)
    return weight


def weight_by_file(weight: dict) -> dict[str, float]:
    """KB compressed per part, named as the README names them: "the page" (its HTML), then each script and
    stylesheet by its file name."""
    parts = {"the page": sum(weight["html"].values()) / 1024}
    parts.update({path.rsplit("/", 1)[-1]: size / 1024
                  for kind in ("scripts", "stylesheets") for path, size in weight[kind].items()})
    return parts


def describe_weight(weight: dict) -> str:
    """The line for the README: 'N KB compressed (the page 4.4, htmx.min.js 13.1, ...)' (stated_weight reads it)."""
    parts = ", ".join(f"{name} {kb:.1f}" for name, kb in weight_by_file(weight).items())
    return f"{weight['total'] / 1024:.1f} KB compressed ({parts})"


def stated_weight(text: str) -> tuple[float, dict[str, float]]:
    """The total and the parts, in KB, of the one describe_weight line in `text` (the README)."""
    [(total, parts)] = re.findall(r"([\d.]+) KB compressed \(([^)]*)\)", " ".join(text.split()))
    return float(total), {name: float(kb) for name, kb in (part.rsplit(" ", 1) for part in parts.split(", "))}
