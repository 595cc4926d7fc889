// Every visible checkbox and radio button that is not on its label's line, right beside the
// label's text (within 40 px), or has no label. Called by liangxin/testing/browser.py.
() => {
  const problems = [];
  const textRects = (label, input) => {
    const rects = [];
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim() || input.contains(node)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) if (r.width && r.height) rects.push(r);
    }
    return rects;
  };
  for (const input of document.querySelectorAll("input[type=checkbox], input[type=radio]")) {
    const box = input.getBoundingClientRect();
    if (!box.width || !box.height || getComputedStyle(input).visibility === "hidden") continue;
    const name = `${input.name}=${input.value}`;
    const labels = [...(input.labels || [])];
    if (!labels.length) {
      const named = input.getAttribute("aria-label") || input.getAttribute("aria-labelledby");
      if (!named) problems.push(`${name}: no label`);
      continue;
    }
    const rects = labels.flatMap((label) => textRects(label, input));
    if (!rects.length) {
      problems.push(`${name}: its label shows no text`);
      continue;
    }
    const middle = (box.top + box.bottom) / 2;
    const beside = rects.some((r) => r.top <= middle && middle <= r.bottom
      && (Math.abs(r.left - box.right) <= 40 || Math.abs(box.left - r.right) <= 40));
    if (!beside) {
      const r = rects[0];
      const text = labels[0].innerText.trim().slice(0, 30);
      problems.push(`${name}: box at (${Math.round(box.left)}, ${Math.round(box.top)}), `
        + `label "${text}" at (${Math.round(r.left)}, ${Math.round(r.top)})`);
    }
  }
  return problems;
}
