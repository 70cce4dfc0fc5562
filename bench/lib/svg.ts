/** A tiny hand-written SVG line chart: log-scaled x and y, one polyline per series, with a legend. */

export interface Series {
  label: string;
  color: string;
  dashed?: boolean;
  points: { x: number; y: number }[];
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function decades(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

function label(v: number): string {
  if (v >= 1000) return `${v / 1000}k`;
  return String(Number(v.toPrecision(3)));
}

export function lineChart(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}): string {
  const width = 720;
  const height = 420;
  const m = { left: 70, right: 180, top: 40, bottom: 55 };
  const pts = options.series
    .flatMap((s) => s.points)
    .filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.y));
  const xMin = Math.min(...pts.map((p) => p.x), 1000) * 0.8;
  const xMax = Math.max(...pts.map((p) => p.x), 1000) * 1.25;
  const yMin = Math.max(0.01, Math.min(...pts.map((p) => p.y), 1) * 0.7);
  const yMax = Math.max(...pts.map((p) => p.y), 1) * 1.5;
  const sx = (x: number): number =>
    m.left +
    ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) * (width - m.left - m.right);
  const sy = (y: number): number =>
    height -
    m.bottom -
    ((Math.log10(y) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) *
      (height - m.top - m.bottom);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - 90}" y="22" font-size="15" text-anchor="middle">${esc(options.title)}</text>`,
  );
  for (const t of decades(xMin, xMax)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${m.top}" y2="${height - m.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${height - m.bottom + 16}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of decades(yMin, yMax)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${m.left}" x2="${width - m.right}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    out.push(
      `<text x="${m.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(t)}</text>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" height="${height - m.top - m.bottom}" fill="none" stroke="#888"/>`,
    `<text x="${(m.left + width - m.right) / 2}" y="${height - 15}" text-anchor="middle">${esc(options.xLabel)}</text>`,
    `<text transform="translate(18 ${(m.top + height - m.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(options.yLabel)}</text>`,
  );
  options.series.forEach((s, i) => {
    const valid = s.points.filter((p) => p.x > 0 && p.y > 0 && Number.isFinite(p.y));
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (valid.length > 0) {
      const path = valid.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
      out.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
      for (const p of valid) {
        out.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${s.color}"/>`);
      }
    }
    const ly = m.top + 10 + i * 20;
    const lx = width - m.right + 12;
    out.push(
      `<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
    );
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
