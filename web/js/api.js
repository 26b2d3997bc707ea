// api.js — small fetch helpers for diming's JSON API. Every failure becomes an Error whose
// message is the server's own (the {"error":{"message"}} body) or the HTTP status, so a
// panel can show it instead of going blank. `status` on the error lets callers treat 404
// specially (an endpoint not on this server yet).

export class ApiError extends Error {
  constructor(message, status) { super(message); this.status = status; }
}

async function handle(res) {
  const text = await res.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { /* not JSON: keep the text */ }
  if (!res.ok) {
    const msg = body && body.error && body.error.message ? body.error.message : `HTTP ${res.status} ${res.statusText}`;
    throw new ApiError(msg, res.status);
  }
  return body;
}

export async function getJSON(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const url = q.toString() ? `${path}?${q}` : path;
  let res;
  try { res = await fetch(url, { headers: { Accept: 'application/json' } }); }
  catch (e) { throw new ApiError(`network error: ${e.message}`, 0); }
  return handle(res);
}

export async function postJSON(path, body) {
  let res;
  try {
    res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
                              body: JSON.stringify(body) });
  } catch (e) { throw new ApiError(`network error: ${e.message}`, 0); }
  return handle(res);
}

// Text-safe HTML building: every value goes through esc().
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

// Shows loading / error / unavailable / nothing in a status element.
export function setStatus(el, kind, text) {
  el.className = `status ${kind || ''}`;
  el.textContent = text || '';
  el.dataset.state = kind || 'idle';
}

export const pct = x => (x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)} %`);
