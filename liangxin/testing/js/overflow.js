// Does the page itself scroll sideways at `width` px? Called by liangxin/testing/browser.py (page_overflow).
// Answers the document's width, the window's, and the outermost elements that stick out and are not
// inside a box that scrolls (or clips) on its own: what to fix.
(width) => {
  const doc = document.documentElement;
  const culprits = [];
  const scrollsItself = (el) => {
    for (let p = el.parentElement; p && p !== doc && p !== document.body; p = p.parentElement) {
      const overflow = getComputedStyle(p).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") return true;
    }
    return false;
  };
  const sticksOut = (el) => el.getBoundingClientRect().right > width + 1 && !scrollsItself(el);
  const describe = (el) => {
    const classes = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\s+/).join(".") : "";
    const text = (el.innerText || el.value || "").trim().slice(0, 60);
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${classes} `
      + `(right edge ${Math.round(el.getBoundingClientRect().right)} px): ${text}`;
  };
  if (doc.scrollWidth > width || window.innerWidth > width) {
    for (const el of document.body.querySelectorAll("*")) {
      if (!el.getBoundingClientRect().width || !sticksOut(el)) continue;
      const parent = el.parentElement;
      if (parent && parent !== document.body && sticksOut(parent)) continue;  // its parent is named
      culprits.push(describe(el));
      if (culprits.length >= 5) break;
    }
  }
  return { scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, culprits };
}
