"""The desk's layout rule for browser tests: at a common desk width (1366 × 768, 1440 × 900)
no element of a page reaches past the right edge of the window, so nothing (an 操作 button, a
pager) hides behind a horizontal scroll bar."""

from __future__ import annotations

from typing import Any

DESK_VIEWPORTS = ({"width": 1366, "height": 768}, {"width": 1440, "height": 900})

# The outermost elements whose box ends past the window's right edge (their children would be
# reported with them), each named like a CSS selector with its right edge, and the document's
# scroll width. Elements a scrolling or clipping box holds are that box's business: they are
# not what the page shows past the edge.
_OVERFLOWS_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) { s += '#' + el.id; }
    if (el.classList.length) { s += '.' + Array.from(el.classList).join('.'); }
    if (el.getAttribute('name')) { s += '[name=' + el.getAttribute('name') + ']'; }
    const up = el.parentElement;
    if (up) { s = (up.id ? '#' + up.id : up.tagName.toLowerCase()) + ' > ' + s; }
    const text = (el.innerText || '').trim().slice(0, 24).replace(/\\s+/g, ' ');
    return text ? s + ' "' + text + '"' : s;
  };
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'hidden' || o === 'auto' || o === 'scroll' || o === 'clip') { return true; }
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) { continue; }
    // A closed <details>' content, a closed dialog: laid out somewhere, shown nowhere.
    if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) { continue; }
    if (r.right <= width + 0.5) { continue; }
    const parent = el.parentElement;
    if (parent && parent !== document.body && parent.getBoundingClientRect().right > width + 0.5) {
      continue;
    }
    if (clipped(el)) { continue; }
    out.push(name(el) + ' → ' + Math.round(r.right) + 'px');
  }
  return {width: width, scroll: document.documentElement.scrollWidth, out: out.slice(0, 8)};
}
"""


def overflows(page: Any) -> list[str]:
    """What on `page` reaches past the window's right edge (empty when the page fits)."""
    found = page.evaluate(_OVERFLOWS_JS)
    out = list(found["out"])
    if found["scroll"] > found["width"] and not out:
        out.append(f"document scrolls sideways: {found['scroll']}px in {found['width']}px")
    return out


def assert_fits(page: Any, where: str = "") -> None:
    """The page fits the window's width (the 1366 px rule)."""
    out = overflows(page)
    size = page.viewport_size
    assert not out, f"{where or page.url} at {size['width']}px: {out}"
