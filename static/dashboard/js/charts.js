// Small SVG charts built in the page (no library, nothing from a CDN): bars for counts, a line for rates.
const NS = "http://www.w3.org/2000/svg";
const W = 560;
const H = 220;
const PAD = { top: 16, right: 12, bottom: 30, left: 40 };

function el(tag, attrs = {}, text) {
  const node = document.createElementNS(NS, tag);
  Object.entries(attrs).forEach(([key, value]) => node.setAttribute(key, String(value)));
  if (text !== undefined) node.textContent = text;
  return node;
}

const dayLabel = (iso) => `${iso.slice(8, 10)}/${iso.slice(5, 7)}`;

function frame(points, max, format, label) {
  const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": label });
  svg.append(el("title", {}, label));
  const innerH = H - PAD.top - PAD.bottom;
  for (let i = 0; i <= 4; i += 1) {
    const y = PAD.top + innerH - (innerH * i) / 4;
    svg.append(el("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }));
    svg.append(el("text", { x: PAD.left - 6, y: y + 3, "text-anchor": "end" }, format((max * i) / 4)));
  }
  svg.append(el("line", { class: "axis", x1: PAD.left, x2: W - PAD.right, y1: H - PAD.bottom, y2: H - PAD.bottom }));
  const step = (W - PAD.left - PAD.right) / points.length;
  points.forEach((point, index) => {
    if (index % 2 === points.length % 2) return;
    svg.append(el("text", { x: PAD.left + step * (index + 0.5), y: H - PAD.bottom + 14, "text-anchor": "middle" }, dayLabel(point.date)));
  });
  return { svg, step, innerH };
}

function niceMax(values, floor) {
  const top = Math.max(floor, ...values.filter((v) => v !== null));
  if (top <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(top));
  return Math.ceil(top / magnitude) * magnitude;
}

export function barChart(points, { label, format = (v) => String(Math.round(v)) } = {}) {
  const values = points.map((p) => p.value ?? 0);
  const max = niceMax(values, 1);
  const { svg, step, innerH } = frame(points, max, format, label);
  points.forEach((point, index) => {
    const value = point.value ?? 0;
    const height = (innerH * value) / max;
    const x = PAD.left + step * index + step * 0.18;
    const y = PAD.top + innerH - height;
    const bar = el("rect", { class: "bar", x, y, width: step * 0.64, height: Math.max(height, value ? 1 : 0), rx: 2 });
    bar.append(el("title", {}, `${dayLabel(point.date)}: ${format(value)}`));
    svg.append(bar);
    if (value) svg.append(el("text", { class: "value-label", x: x + step * 0.32, y: y - 3, "text-anchor": "middle" }, format(value)));
  });
  return svg;
}

export function lineChart(points, { label, max = null, format = (v) => v.toFixed(1) } = {}) {
  const top = max ?? niceMax(points.map((p) => p.value), 1);
  const { svg, step, innerH } = frame(points, top, format, label);
  const coords = points.map((point, index) => (point.value === null || point.value === undefined ? null
    : [PAD.left + step * (index + 0.5), PAD.top + innerH - (innerH * point.value) / top, point]));
  let path = "";
  coords.forEach((c, index) => {
    if (!c) return;
    path += `${coords[index - 1] ? "L" : "M"}${c[0].toFixed(1)},${c[1].toFixed(1)} `;
  });
  if (path) svg.append(el("path", { class: "line", d: path.trim() }));
  coords.filter(Boolean).forEach(([x, y, point]) => {
    const dot = el("circle", { class: "dot", cx: x, cy: y, r: 3.5 });
    dot.append(el("title", {}, `${dayLabel(point.date)}: ${format(point.value)}`));
    svg.append(dot);
  });
  if (!coords.some(Boolean)) {
    svg.append(el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "Nessun dato nel periodo"));
  }
  return svg;
}
