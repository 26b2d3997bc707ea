// app.js — the web map: MapLibre drawing diming's own vector tiles (/style.json) and five
// panels (locate, name check, coverage, boundaries, indicators) over diming's JSON API.
// No framework; each panel is a function that wires its form to one or two endpoints and
// draws its answer on GeoJSON overlay layers. window.dimingMap is exposed for the browser
// tests (tests/browser/).
import * as maplibregl from '/web/maplibre/maplibre-gl.mjs';
import { getJSON, postJSON, esc, setStatus, pct } from './api.js';
import { barChart } from './chart.js';

const HOME = { center: [104.07, 30.66], zoom: 13 };
const $ = id => document.getElementById(id);
const empty = () => ({ type: 'FeatureCollection', features: [] });

// ---- the style: diming's /style.json with a cleaner default and Chinese labels ----------
async function loadStyle(config) {
  const style = await getJSON('/style.json');
  // Labels: Latin, digits and pinyin from diming's own glyph ranges (the style's glyphs URL,
  // /fonts/…, same origin); Chinese from the browser's fonts through localIdeographFontFamily,
  // which spares the page the 200 kB ranges of CJK glyphs.
  style.layers = style.layers.filter(l => l.type !== 'symbol');
  const label = (id, layer, minzoom, size, color, filter) => style.layers.push({ id, type: 'symbol', source: 'diming',
    'source-layer': layer, minzoom, ...(filter ? { filter } : {}),
    layout: { 'text-field': ['get', 'name'], 'text-size': size, 'text-font': ['Noto Sans Regular'], 'text-max-width': 8,
              ...(layer === 'roads' ? { 'symbol-placement': 'line', 'text-size': 11 } : {}),
              // A polygon cut by tile edges gets a label per piece; padding lets the pieces'
              // labels collide so that mostly one is kept (a label point layer would be exact).
              ...(layer === 'divisions' ? { 'text-padding': 24 } : {}) },
    paint: { 'text-color': color, 'text-halo-color': '#ffffff', 'text-halo-width': 1.6 } });
  label('roads-label', 'roads', 14, 11, '#555555', ['has', 'name']);
  label('divisions-label-county', 'divisions', 7, 15, '#4a3560', ['==', ['get', 'level'], 3]);
  label('divisions-label-township', 'divisions', 10, 13, '#5e4a70', ['==', ['get', 'level'], 4]);
  label('divisions-label-village', 'divisions', 12.5, 11, '#7a6a88', ['==', ['get', 'level'], 5]);
  label('names-label', 'names', 15, 11, '#333333', ['!=', ['get', 'category'], 'road']);
  const paint = (id, p) => { const l = style.layers.find(x => x.id === id); if (l) Object.assign(l.paint, p); };
  paint('background', { 'background-color': '#f3f1ea' });
  // `level` in the tiles is 1–5 (province … village); the tiles carry one level per zoom.
  paint('divisions-fill', { 'fill-color': ['match', ['get', 'level'], 3, '#ece6d6', 4, '#efeadd', '#f1ede2'],
                            'fill-opacity': 0.6 });
  paint('divisions-line', { 'line-color': ['match', ['get', 'level'], 1, '#5b3f73', 2, '#6a4c82', 3, '#7b5c92', 4, '#9a7fb0', '#c3b2d2'],
                            'line-width': ['match', ['get', 'level'], 1, 2.6, 2, 2.4, 3, 2.0, 4, 1.3, 0.8] });
  // Official boundary lines (界线, when the server's style has them): county lines and up
  // stand out; township and village lines stay thin, the division outlines already show them.
  paint('boundaries-line', { 'line-color': ['match', ['get', 'status'], 'not_agreed', '#c62828', '#6c3483'],
                             'line-width': ['match', ['get', 'level'], 1, 3, 2, 3, 3, 2.4, 4, 1.2, 0.6],
                             'line-opacity': ['match', ['get', 'level'], 5, 0.5, 0.9] });
  const divLine = style.layers.find(l => l.id === 'divisions-line');
  if (divLine) delete divLine.paint['line-dasharray']; // solid: the widths tell the levels apart
  paint('roads-line', { 'line-color': '#ffffff' });
  const roads = style.layers.findIndex(l => l.id === 'roads-line');
  if (roads >= 0) style.layers.splice(roads, 0, { id: 'roads-casing', type: 'line', source: 'diming', 'source-layer': 'roads',
    paint: { 'line-color': '#cfc8b8', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 2, 16, 8] },
    layout: { 'line-cap': 'round', 'line-join': 'round' } });
  if (config.basemap) {
    style.sources.basemap = { type: 'raster', tiles: [config.basemap], tileSize: 256 };
    style.layers.splice(1, 0, { id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.8 } });
    paint('divisions-fill', { 'fill-opacity': 0.25 });
  }
  return style;
}

// Overlay sources and layers the panels draw on; ids are `ov-<name>`.
const OVERLAYS = {
  'coverage-iso': [{ type: 'fill', paint: { 'fill-color': '#1f6fb2', 'fill-opacity': 0.12 } },
                   { type: 'line', paint: { 'line-color': '#1f6fb2', 'line-width': 1 } }],
  'coverage-areas': [{ type: 'fill', paint: { 'fill-color': ['case', ['get', 'covered'], '#43a047', '#e53935'], 'fill-opacity': 0.65 } },
                     { type: 'circle', filter: ['==', ['geometry-type'], 'Point'],
                       paint: { 'circle-radius': 5, 'circle-color': ['case', ['get', 'covered'], '#43a047', '#e53935'] } }],
  'coverage-sites': [{ type: 'circle', paint: { 'circle-radius': 8, 'circle-color': '#ffb300', 'circle-stroke-color': '#5d4037', 'circle-stroke-width': 2 } }],
  'boundary-lines': [{ type: 'line', paint: { 'line-color': ['match', ['get', 'status'], 'agreed', '#2e7d32', 'not_agreed', '#c62828', '#6d4c41'],
                                            'line-width': 3, 'line-opacity': 0.8 } }],
  'audit': [{ type: 'circle', paint: { 'circle-radius': 6, 'circle-color': '#d81b60', 'circle-stroke-color': '#fff', 'circle-stroke-width': 1.5 } }],
  'names-conflicts': [{ type: 'line', paint: { 'line-color': '#e65100', 'line-width': 5, 'line-opacity': 0.8 } },
                      { type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 7, 'circle-color': '#e65100' } }],
  'names-line': [{ type: 'line', paint: { 'line-color': '#6a1b9a', 'line-width': 4, 'line-dasharray': [2, 1] } },
                 { type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#6a1b9a' } }],
  'indicator-fail': [{ type: 'line', paint: { 'line-color': '#c62828', 'line-width': 3 } },
                     { type: 'circle', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-radius': 6, 'circle-color': '#c62828' } }],
  'locate': [{ type: 'circle', paint: { 'circle-radius': 7, 'circle-color': '#1f6fb2', 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
             { type: 'line', paint: { 'line-color': '#1f6fb2', 'line-width': 2, 'line-dasharray': [1, 1] } }],
};

function addOverlays(map) {
  for (const [name, layers] of Object.entries(OVERLAYS)) {
    map.addSource(`ov-${name}`, { type: 'geojson', data: empty() });
    layers.forEach((l, i) => map.addLayer({ id: `ov-${name}-${i}`, source: `ov-${name}`, ...l }));
  }
}
const setOverlay = (map, name, data) => map.getSource(`ov-${name}`).setData(data || empty());

// ---- tabs and the phone-sized toggle -------------------------------------------------
let activeTab = 'locate';
function initTabs() {
  for (const b of document.querySelectorAll('#tabs button')) {
    b.addEventListener('click', () => {
      activeTab = b.dataset.tab;
      for (const o of document.querySelectorAll('#tabs button')) o.setAttribute('aria-selected', String(o === b));
      for (const s of document.querySelectorAll('.tab')) s.hidden = s.id !== `tab-${activeTab}`;
    });
  }
  $('toggle').addEventListener('click', () => {
    const c = $('panel').classList.toggle('collapsed');
    $('toggle').setAttribute('aria-expanded', String(!c));
  });
}

// Fills a <select> with the counties of 成都市 (and their townships below, indented).
async function fillDivisions(select, statusEl) {
  try {
    const counties = await getJSON('/divisions', { parent: '510100' });
    select.innerHTML = counties.features.map(f =>
      `<option value="${esc(f.properties.short_code)}">${esc(f.properties.name)} ${esc(f.properties.short_code)}</option>`).join('');
    select.value = '510104';
  } catch (e) { setStatus(statusEl, 'error', `区划列表加载失败 · divisions: ${e.message}`); }
}

// ---- Locate -----------------------------------------------------------------------
async function locate(map, lngLat) {
  const st = $('locate-status'), out = $('locate-result');
  setStatus(st, 'loading', '查询中 · locating…');
  out.innerHTML = '';
  const pt = { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [lngLat.lng, lngLat.lat] } };
  setOverlay(map, 'locate', { type: 'FeatureCollection', features: [pt] });
  try {
    const d = await getJSON('/divisions/locate', { lon: lngLat.lng.toFixed(6), lat: lngLat.lat.toFixed(6) });
    setStatus(st, '', '');
    if (!d.features.length) { out.innerHTML = '<p class="hint">不在任何区划内 · outside every division</p>'; return; }
    const chain = d.features.map(f => f.properties);
    let html = `<p id="locate-chain" class="chain-text">${esc(chain.map(p => p.name).join(' › '))}</p><ol class="chain">` +
      chain.map(p => `<li>${esc(p.name)} <small>${esc(p.type || '')}</small> <code>${esc(p.code)}</code></li>`).join('') + '</ol>';
    const b = d.boundary;
    if (b && b.distance_m !== undefined) {
      html += `<p>距界线 Distance to boundary: <b id="locate-distance">${esc(b.distance_m)} m</b>` +
        (b.line ? ` — ${esc(b.line.name)}` : '') + '</p>';
      if (b.nearest_point) pt.properties.nearest = true;
      setOverlay(map, 'locate', { type: 'FeatureCollection', features: [pt,
        ...(b.nearest_point ? [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [pt.geometry.coordinates, b.nearest_point] } }] : [])] });
    }
    out.innerHTML = html;
  } catch (e) { setStatus(st, 'error', `定位失败 · ${e.message}`); }
}

// ---- Name check ----------------------------------------------------------------------
function initNames(map) {
  let mode = null; let coords = [];
  const geomText = $('names-geom');
  const show = () => {
    const f = coords.length >= 2 ? { type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: coords } }
      : coords.length === 1 ? { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: coords[0] } } : null;
    setOverlay(map, 'names-line', { type: 'FeatureCollection', features: f ? [f] : [] });
    geomText.textContent = coords.length ? `${coords.length} 个点 · points${mode === 'draw' ? '（双击结束 · double-click to finish）' : ''}` : '尚无几何 · no line yet';
  };
  const setMode = m => { mode = m; $('names-draw').classList.toggle('active', m === 'draw'); $('names-pick').classList.toggle('active', m === 'pick');
    map.doubleClickZoom[m === 'draw' ? 'disable' : 'enable'](); };
  $('names-draw').onclick = () => { coords = []; setMode(mode === 'draw' ? null : 'draw'); show(); };
  $('names-pick').onclick = () => setMode(mode === 'pick' ? null : 'pick');
  $('names-clear').onclick = () => { coords = []; setMode(null); show(); setOverlay(map, 'names-conflicts'); };
  map.on('click', e => {
    if (activeTab !== 'names' || !mode) return;
    if (mode === 'draw') { coords.push([+e.lngLat.lng.toFixed(6), +e.lngLat.lat.toFixed(6)]); show(); return; }
    const box = [[e.point.x - 5, e.point.y - 5], [e.point.x + 5, e.point.y + 5]];
    const road = map.queryRenderedFeatures(box, { layers: ['roads-line'] })[0];
    if (!road) { geomText.textContent = '此处无道路 · no road here'; return; }
    const g = road.geometry;
    coords = g.type === 'LineString' ? g.coordinates : g.coordinates[0];
    if (road.properties.name && !$('names-name').value) $('names-name').value = road.properties.name;
    setMode(null); show();
  });
  map.on('dblclick', () => { if (mode === 'draw') setMode(null); show(); });

  $('names-form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const st = $('names-status'), out = $('names-result');
    out.innerHTML = '';
    const body = { name: $('names-name').value.trim(), category: $('names-category').value };
    if (coords.length >= 2) body.geometry = { type: 'LineString', coordinates: coords };
    else if (coords.length === 1) body.geometry = { type: 'Point', coordinates: coords[0] };
    setStatus(st, 'loading', '检查中 · checking…');
    try {
      const [d, py] = await Promise.all([postJSON('/names/check', body),
        getJSON('/names/pinyin', { q: body.name }).catch(() => null)]);
      setStatus(st, '', '');
      renderCheck(map, d, py);
    } catch (e) {
      if (e.status === 404) setStatus(st, 'unavailable', '地名检查服务不可用 · Name check is not available on this server (/names/check answered 404).');
      else setStatus(st, 'error', `检查失败 · ${e.message}`);
    }
  });
}

function renderCheck(map, d, py) {
  const out = $('names-result');
  const verdict = d.verdict || 'unknown';
  const findings = d.findings || [];
  const pinyin = d.pinyin || (py && (py.pinyin || py.standard)) || '';
  const conflicts = d.conflicts || { type: 'FeatureCollection', features: [] };
  setOverlay(map, 'names-conflicts', conflicts);
  out.innerHTML = `<p><span id="names-verdict" class="verdict ${esc(verdict)}">${esc(verdict)}</span> <b>${esc(pinyin)}</b></p>` +
    (d.split ? `<p class="hint">专名 ${esc(d.split.specific ?? d.split.proper ?? '')} · 通名 ${esc(d.split.generic ?? '')}</p>` : '') +
    (findings.length ? '<ul class="findings">' + findings.map(f =>
      `<li><b>${esc(f.rule || f.rule_id || '')}</b> [${esc(f.severity || '')}] ${esc(f.message_zh || f.message || '')}` +
      `${f.message_en ? ` — ${esc(f.message_en)}` : ''}${f.source ? ` <small>(${esc(f.source)})</small>` : ''}</li>`).join('') + '</ul>'
      : '<p class="hint">无问题 · no findings</p>') +
    (conflicts.features.length ? '<p>冲突地名 Conflicting names:</p><ul class="findings">' + conflicts.features.map(f =>
      `<li>${esc(f.properties.name)}${f.properties.distance_m !== undefined ? ` — ${esc(f.properties.distance_m)} m` : ''}</li>`).join('') + '</ul>' : '');
}

// ---- Coverage ------------------------------------------------------------------------
function coverageParams() {
  return { division: $('coverage-division').value, minutes: $('coverage-minutes').value,
           speed_mps: $('coverage-speed').value, types: $('coverage-types').value.trim() };
}

async function runCoverage(map) {
  const st = $('coverage-status'), out = $('coverage-result');
  const p = coverageParams();
  out.innerHTML = '';
  setStatus(st, 'loading', '计算中 · computing coverage…');
  try {
    const d = await getJSON('/coverage', p);
    const areas = d.features.filter(f => f.properties.kind === 'residential_area');
    setOverlay(map, 'coverage-areas', { type: 'FeatureCollection', features: areas });
    setOverlay(map, 'coverage-sites');
    const s = d.summary;
    out.innerHTML = `<h3>${esc(s.name)} <small>${esc(d.method)} · ${esc(d.params.minutes)} min · ${esc(d.params.speed_mps)} m/s</small></h3>
      <div class="legend"><span style="--c:#43a047">覆盖 covered</span><span style="--c:#e53935">未覆盖 uncovered</span><span style="--c:#1f6fb2">等时圈 isochrones</span></div>
      <table id="coverage-summary"><tr><th></th><th class="num">覆盖 covered</th><th class="num">总数 total</th><th class="num">占比 share</th></tr>
      <tr><td>居住区 areas</td><td class="num" id="coverage-areas-covered">${s.areas_covered}</td><td class="num">${s.areas}</td><td class="num">${pct(s.areas_share)}</td></tr>
      <tr><td>户 households</td><td class="num">${s.households_covered}</td><td class="num">${s.households}</td><td class="num">${pct(s.households_share)}</td></tr>
      <tr><td>60岁以上 60+</td><td class="num">${s.pop_60_covered}</td><td class="num">${s.pop_60}</td><td class="num">${pct(s.pop_60_share)}</td></tr>
      <tr><td>80岁以上 80+</td><td class="num">${s.pop_80_covered}</td><td class="num">${s.pop_80}</td><td class="num">${pct(s.pop_80_share)}</td></tr></table>
      <p class="hint">按下级区划 60岁以上覆盖率 · share of people 60+ covered by sub-division</p><div id="coverage-chart"></div>`;
    // Sub-divisions without people 60+ have no share to show: counted, not drawn.
    const subs = d.subdivisions || [], withPeople = subs.filter(x => x.pop_60 > 0);
    $('coverage-chart').append(barChart(withPeople.map(x => ({ label: x.name, value: x.pop_60_share ?? 0,
      title: `${x.name}: ${x.pop_60_covered}/${x.pop_60}` }))));
    if (withPeople.length < subs.length)
      $('coverage-chart').insertAdjacentHTML('beforeend', `<p class="hint">${subs.length - withPeople.length} 个下级区划无 60 岁以上人口数据 · sub-divisions without people 60+</p>`);
    const bounds = featureBounds(areas);
    if (bounds) map.fitBounds(bounds, { padding: 40, duration: 0, maxZoom: 15 });
    setStatus(st, 'loading', '绘制等时圈 · drawing isochrones…');
    await drawIsochrones(map, bounds, p);
    setStatus(st, '', '');
  } catch (e) { setStatus(st, 'error', `覆盖计算失败 · ${e.message}`); }
}

// Isochrones of the facilities in and near the division's residential areas (at most 40).
async function drawIsochrones(map, bounds, p) {
  if (!bounds) { setOverlay(map, 'coverage-iso'); return; }
  const [[w, s], [e, n]] = bounds, pad = 0.01;
  const fac = await getJSON('/collections/facilities/items', { bbox: [w - pad, s - pad, e + pad, n + pad].map(x => x.toFixed(5)).join(','), limit: 40 });
  const types = p.types ? p.types.split(',').map(t => t.trim()) : null;
  const ids = fac.features.filter(f => !types || types.includes(f.properties.type)).map(f => f.id);
  const isos = await Promise.all(ids.map(id => getJSON('/coverage/isochrone', { facility: id, minutes: p.minutes, speed_mps: p.speed_mps })
    .then(r => r.features.filter(f => f.geometry)).catch(() => [])));
  setOverlay(map, 'coverage-iso', { type: 'FeatureCollection', features: isos.flat() });
}

async function suggestSites(map) {
  const st = $('coverage-status');
  const p = coverageParams();
  const body = { division: p.division, k: Number($('coverage-k').value), minutes: Number(p.minutes), speed_mps: Number(p.speed_mps) };
  if (p.types) body.types = p.types.split(',').map(t => t.trim());
  setStatus(st, 'loading', '选址中 · suggesting sites…');
  try {
    const d = await postJSON('/coverage/suggest', body);
    setOverlay(map, 'coverage-sites', d);
    setStatus(st, '', '');
    const list = d.features.map((f, i) => `<li>#${i + 1} ${f.geometry.coordinates.map(c => c.toFixed(5)).join(', ')} — +${esc(f.properties.pop_60_gain)} 人 60+, +${esc(f.properties.areas_gain)} 居住区 areas</li>`).join('');
    let el = $('coverage-sites');
    if (!el) { el = document.createElement('div'); el.id = 'coverage-sites'; $('coverage-result').append(el); }
    el.innerHTML = `<p>建议选址 Suggested sites (${d.features.length}, ${esc(d.candidates_considered)} candidates):</p>` +
      (list ? `<ol class="findings">${list}</ol>` : '<p class="hint">无需新增 · nothing left to cover</p>');
  } catch (e) { setStatus(st, 'error', `选址失败 · ${e.message}`); }
}

function featureBounds(features) {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const walk = c => { if (typeof c[0] === 'number') { w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]); } else c.forEach(walk); };
  features.forEach(f => f.geometry && walk(f.geometry.coordinates));
  return w === Infinity ? null : [[w, s], [e, n]];
}

// ---- Boundaries ----------------------------------------------------------------------
async function loadBoundaries(map) {
  const st = $('boundaries-status'), out = $('boundaries-result');
  setStatus(st, 'loading', '加载中 · loading lines and audit…');
  out.innerHTML = '';
  try {
    const [lines, audit] = await Promise.all([getJSON('/boundaries', { level: 'county' }), getJSON('/boundaries/markers/audit')]);
    setOverlay(map, 'boundary-lines', lines);
    setOverlay(map, 'audit', audit);
    setStatus(st, '', '');
    const kinds = {};
    for (const f of audit.features) kinds[f.properties.kind] = (kinds[f.properties.kind] || 0) + 1;
    out.innerHTML = `<p>县级界线 county lines: <b>${lines.features.length}</b> · 审核发现 audit findings: <b id="audit-count">${audit.features.length}</b></p>
      <table><tr><th>类型 kind</th><th class="num">数量</th></tr>${Object.entries(kinds).map(([k, n]) => `<tr><td>${esc(k)}</td><td class="num">${n}</td></tr>`).join('')}</table>
      <ul class="findings">${audit.features.slice(0, 100).map((f, i) => `<li><a href="#" data-i="${i}">${esc(f.properties.number || '—')}</a> ${esc(f.properties.kind)}: ${esc(f.properties.reason)}</li>`).join('')}</ul>` +
      (audit.features.length > 100 ? `<p class="hint">… ${audit.features.length - 100} more on the map</p>` : '');
    out.querySelectorAll('a[data-i]').forEach(a => a.addEventListener('click', ev => {
      ev.preventDefault();
      const f = audit.features[Number(a.dataset.i)];
      if (f.geometry) map.flyTo({ center: f.geometry.coordinates, zoom: 16 });
    }));
  } catch (e) { setStatus(st, 'error', `界线加载失败 · ${e.message}`); }
}

// ---- Indicators ----------------------------------------------------------------------
async function runIndicators(map) {
  const st = $('indicators-status'), out = $('indicators-result');
  setStatus(st, 'loading', '评估中 · evaluating…');
  out.innerHTML = '';
  try {
    const d = await getJSON('/reports/elderly', { division: $('indicators-division').value });
    setStatus(st, '', '');
    const fmt = (x, kind) => (x === null || x === undefined ? '—' : kind === 'ratio' || kind === 'reach' ? pct(x) : String(x));
    const failing = d.indicators.flatMap(i => (i.failing && i.failing.features) || []);
    setOverlay(map, 'indicator-fail', { type: 'FeatureCollection', features: failing });
    out.innerHTML = `<p>${esc(d.division.name)}: <span class="pass">${d.counts.passed} 达标 pass</span> · <span class="fail">${d.counts.failed} 未达标 fail</span>` +
      (d.counts.not_evaluated ? ` · ${d.counts.not_evaluated} 未评估` : '') + '</p><table id="indicators-table"><tr><th>指标</th><th class="num">值</th><th class="num">目标</th><th></th></tr>' +
      d.indicators.map(i => `<tr title="${esc(i.document || '')}"><td>${esc(i.id)}<br><small>${esc(i.text)}</small></td><td class="num">${fmt(i.value, i.kind)}</td>` +
        `<td class="num">${esc(i.op || '')} ${fmt(i.target, i.kind)}</td><td>${!i.evaluated ? '—' : i.pass ? '<span class="pass">✔</span>' : '<span class="fail">✘</span>'}</td></tr>`).join('') + '</table>' +
      (failing.length ? `<p class="hint">未达标单元 ${failing.length} failing units outlined in red on the map</p>` : '');
  } catch (e) { setStatus(st, 'error', `评估失败 · ${e.message}`); }
}

// ---- start ---------------------------------------------------------------------------
async function main() {
  initTabs();
  const config = await getJSON('/web/config.json').catch(() => ({ basemap: null }));
  let style;
  try { style = await loadStyle(config); }
  catch (e) { setStatus($('locate-status'), 'error', `地图样式加载失败 · style: ${e.message}`); return; }
  const map = new maplibregl.Map({ container: 'map', style, ...HOME, localIdeographFontFamily: '"WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif',
                                   attributionControl: { compact: true }, hash: true });
  window.dimingMap = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl(), 'bottom-right');
  map.on('error', e => setStatus($('locate-status'), 'error', `地图错误 · map: ${e.error?.message || e.error || 'unknown'}`));
  map.on('load', () => { addOverlays(map); document.body.dataset.ready = 'true'; });
  map.on('click', e => { if (activeTab === 'locate') locate(map, e.lngLat); });
  initNames(map);
  $('coverage-form').addEventListener('submit', ev => { ev.preventDefault(); runCoverage(map); });
  $('coverage-suggest').addEventListener('click', () => suggestSites(map));
  $('boundaries-load').addEventListener('click', () => loadBoundaries(map));
  $('indicators-form').addEventListener('submit', ev => { ev.preventDefault(); runIndicators(map); });
  fillDivisions($('coverage-division'), $('coverage-status'));
  fillDivisions($('indicators-division'), $('indicators-status'));
}

main();
