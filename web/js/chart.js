// chart.js — a horizontal bar chart in plain SVG: one bar per row, value 0..1 shown as a share.
const NS = 'http://www.w3.org/2000/svg';

export function barChart(rows, { width = 340, barH = 14, gap = 4, labelW = 110 } = {}) {
  const svg = document.createElementNS(NS, 'svg');
  const h = rows.length * (barH + gap) + gap;
  svg.setAttribute('viewBox', `0 0 ${width} ${h}`);
  svg.setAttribute('width', '100%');
  svg.setAttribute('class', 'bars');
  svg.setAttribute('role', 'img');
  const el = (name, attrs, text) => {
    const n = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    svg.append(n);
    return n;
  };
  const full = width - labelW - 48;
  rows.forEach((r, i) => {
    const y = gap + i * (barH + gap), v = Math.max(0, Math.min(1, r.value));
    el('text', { x: labelW - 4, y: y + barH - 3, 'text-anchor': 'end' }, r.label.length > 9 ? `${r.label.slice(0, 8)}…` : r.label);
    el('rect', { x: labelW, y, width: full, height: barH, fill: '#eee' });
    const bar = el('rect', { x: labelW, y, width: Math.max(0.5, full * v), height: barH, fill: v >= 0.9 ? '#43a047' : v >= 0.5 ? '#fb8c00' : '#e53935' });
    if (r.title) { // a tooltip on the bar
      const t = document.createElementNS(NS, 'title');
      t.textContent = r.title;
      bar.append(t);
    }
    el('text', { x: labelW + full + 4, y: y + barH - 3 }, `${(100 * v).toFixed(0)}%`);
  });
  return svg;
}
