// web.test.mjs — the web map in a real browser: headless Debian Chromium driven by
// playwright-core (web/package.json), against the real `diming serve --port 0` on a database
// imported from seeds/ by scripts/import-seeds into a temporary folder.
//   node tests/browser/web.test.mjs DIMING_BINARY ARTIFACT_DIR
// Checks: the page loads with no console errors and no request leaving the server's origin;
// divisions and roads are rendered at a known view (features queried after `idle`); a click
// at a known point shows its exact division chain; a coverage run of 锦江区 at 5 minutes shows
// exactly 7 of 38 residential areas covered; the name check shows a verdict, or its
// "not available" state while /names/check answers 404; path traversal under /web/ is refused
// and "/" still answers JSON to OGC clients. Screenshots go to ARTIFACT_DIR.
// Chromium flags: ../shared/PLATFORM.md trap 11.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [bin, artifacts] = process.argv.slice(2);
if (!bin || !artifacts) { console.error('usage: web.test.mjs DIMING_BINARY ARTIFACT_DIR'); process.exit(2); }
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

const tmp = mkdtempSync(path.join(tmpdir(), 'diming-web-'));
mkdirSync(artifacts, { recursive: true });
let server, browser, failures = 0;

function startServer(db) {
  return new Promise((resolve, reject) => {
    server = spawn(bin, ['serve', '--db', db, '--port', '0', '--access-log', 'off', '--threads', '2'],
                   { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    server.stdout.on('data', d => {
      out += d;
      const m = out.match(/serving (http:\/\/[\d.]+:\d+)\//);
      if (m) resolve(m[1]);
    });
    server.on('exit', code => reject(new Error(`diming serve exited with ${code} before listening: ${out}`)));
  });
}

async function check(name, fn) {
  const t0 = Date.now();
  try { await fn(); console.log(`ok   ${name} (${Date.now() - t0} ms)`); }
  catch (e) { failures++; console.log(`FAIL ${name}: ${e.stack || e}`); }
}

async function main() {
  const db = path.join(tmp, 'seeds.sqlite');
  execFileSync(path.join(root, 'scripts/import-seeds'), ['--diming', bin, db], { stdio: 'inherit' });
  const base = await startServer(db);
  console.log(`server ${base}`);

  // OGC clients keep the landing JSON; browsers get the page; traversal is refused.
  await check('content negotiation on /', async () => {
    const j = await fetch(`${base}/`, { headers: { Accept: 'application/json' } });
    assert.match(j.headers.get('content-type'), /^application\/json/);
    assert.equal((await j.json()).title, 'diming 地名');
    const h = await fetch(`${base}/`, { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    assert.match(h.headers.get('content-type'), /^text\/html/);
    assert.match(h.headers.get('content-security-policy'), /default-src 'self'/);
    assert.equal(h.headers.get('x-content-type-options'), 'nosniff');
    const etag = h.headers.get('etag');
    const again = await fetch(`${base}/`, { headers: { Accept: 'text/html', 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const m = await fetch(`${base}/web/maplibre/maplibre-gl.mjs`);
    assert.equal(m.status, 200);
    assert.match(m.headers.get('content-type'), /^text\/javascript/);
    assert.match(m.headers.get('cache-control'), /max-age=86400/);
  });

  await check('path traversal refused', async () => {
    const http = await import('node:http');
    // fetch() normalises "..", so send the raw paths.
    const raw = p => new Promise((res, rej) => http.get(`${base}${p}`, r => { r.resume(); res(r.statusCode); }).on('error', rej));
    for (const p of ['/web/../CMakeLists.txt', '/web/%2e%2e/CMakeLists.txt', '/web/maplibre/../package.json',
                     '/web/maplibre/%2E%2E/%2E%2E/%2E%2E/package.json', '/web/node_modules/maplibre-gl/package.json',
                     '/web/package-lock.json', '/web/.gitignore', '/web/js//app.js', '/web/..%2f..%2fCMakeLists.txt'])
      assert.equal(await raw(p), 404, p);
    assert.equal(await raw('/web/js/app.js'), 200);
  });

  // A fresh profile folder (--user-data-dir, which playwright takes as the first argument).
  browser = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage();
  const consoleErrors = [], external = [];
  // Removes the console lines an expected failed request produced (and nothing else).
  const dropExpected = re => { for (let i = consoleErrors.length - 1; i >= 0; i--) if (re.test(consoleErrors[i])) consoleErrors.splice(i, 1); };
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('blob:') && !r.url().startsWith('data:')) external.push(r.url()); });
  const idle = () => page.evaluate(() => new Promise(res => {
    const m = window.dimingMap;
    if (m.loaded() && m.areTilesLoaded() && !m.isMoving()) res(); else m.once('idle', res);
  }));

  await check('page loads and layers render', async () => {
    await page.goto(`${base}/#14/30.6600/104.0700`);
    await page.waitForFunction(() => window.dimingMap && document.body.dataset.ready === 'true', null, { timeout: 30000 });
    await idle();
    const counts = await page.evaluate(() => {
      const m = window.dimingMap;
      const n = layer => m.queryRenderedFeatures({ layers: [layer] }).length;
      return { divisions: n('divisions-fill'), roads: n('roads-line'), facilities: n('facilities-circle') };
    });
    console.log(`     rendered features: ${JSON.stringify(counts)}`);
    assert.ok(counts.divisions > 0, 'divisions rendered');
    assert.ok(counts.roads > 0, 'roads rendered');
    await page.screenshot({ path: path.join(artifacts, 'map.png') });
  });

  await check('locate click shows the exact chain', async () => {
    const xy = await page.evaluate(() => window.dimingMap.project([104.07, 30.66]));
    await page.mouse.click(xy.x, xy.y);
    await page.waitForSelector('#locate-chain', { timeout: 20000 });
    const chain = await page.textContent('#locate-chain');
    assert.equal(chain, '四川省 › 成都市 › 锦江区 › 锦官驿街道 › 水井坊社区');
    assert.match(await page.textContent('#locate-result'), /510104017001/);
    assert.match(await page.textContent('#locate-distance'), /^\d+(\.\d+)? m$/);
    await page.screenshot({ path: path.join(artifacts, 'locate.png') });
  });

  await check('coverage run shows its summary', async () => {
    await page.click('button[data-tab="coverage"]');
    await page.waitForFunction(() => document.querySelector('#coverage-division option[value="510104"]'));
    await page.selectOption('#coverage-division', '510104');
    await page.fill('#coverage-minutes', '5');
    await page.click('#coverage-form button[type="submit"]');
    await page.waitForSelector('#coverage-areas-covered', { timeout: 30000 });
    assert.equal(await page.textContent('#coverage-areas-covered'), '7');
    await page.waitForFunction(() => document.getElementById('coverage-status').dataset.state === 'idle', null, { timeout: 30000 });
    assert.ok(await page.locator('#coverage-chart svg rect').count() > 0, 'sub-division chart drawn');
    await idle();
    const coloured = await page.evaluate(() => window.dimingMap.queryRenderedFeatures({ layers: ['ov-coverage-areas-0'] }).length);
    assert.ok(coloured > 0, 'residential areas coloured on the map');
    await page.screenshot({ path: path.join(artifacts, 'coverage.png') });
  });

  await check('suggest k sites shows the proposed sites', async () => {
    await page.fill('#coverage-k', '2');
    await page.click('#coverage-suggest');
    await page.waitForSelector('#coverage-sites li', { timeout: 30000 });
    assert.equal(await page.locator('#coverage-sites li').count(), 2);
    assert.match(await page.textContent('#coverage-sites li'), /^#1 .* — \+489 人 60\+, \+4 居住区 areas$/);
    await idle();
    const sites = await page.evaluate(() => window.dimingMap.queryRenderedFeatures({ layers: ['ov-coverage-sites-0'] }).length);
    assert.ok(sites > 0, 'sites drawn');
    await page.screenshot({ path: path.join(artifacts, 'suggest.png') });
  });

  await check('an error response shows its message', async () => {
    await page.fill('#coverage-minutes', '999');
    await page.click('#coverage-form button[type="submit"]');
    await page.waitForFunction(() => document.getElementById('coverage-status').dataset.state === 'error', null, { timeout: 20000 });
    assert.match(await page.textContent('#coverage-status'), /minutes/);
    dropExpected(/status of 400 \(Bad Request\)/); // Chromium logs the 400 itself as a failed resource
    await page.fill('#coverage-minutes', '15');
  });

  await check('name check: verdict, or not available', async () => {
    await page.click('button[data-tab="names"]');
    await page.fill('#names-name', '锦华路');
    await page.click('#names-draw');
    for (const [lon, lat] of [[104.068, 30.655], [104.072, 30.657]]) {
      const xy = await page.evaluate(c => window.dimingMap.project(c), [lon, lat]);
      await page.mouse.click(xy.x, xy.y);
    }
    const probe = await fetch(`${base}/names/check`, { method: 'POST', body: '{}' });
    await page.click('#names-form button[type="submit"]');
    if (probe.status === 404) {
      await page.waitForFunction(() => document.getElementById('names-status').dataset.state === 'unavailable', null, { timeout: 20000 });
      assert.match(await page.textContent('#names-status'), /not available/);
      dropExpected(/status of 404 \(Not Found\)/); // the expected 404s are logged as failed resources
    } else {
      await page.waitForSelector('#names-verdict', { timeout: 20000 });
      assert.match(await page.textContent('#names-verdict'), /^(accept|warn|reject)$/);
    }
    await page.screenshot({ path: path.join(artifacts, 'names.png') });
  });

  await check('boundaries and indicators panels', async () => {
    await page.click('button[data-tab="boundaries"]');
    await page.click('#boundaries-load');
    await page.waitForSelector('#audit-count', { timeout: 30000 });
    assert.ok(Number(await page.textContent('#audit-count')) > 0);
    await page.click('button[data-tab="indicators"]');
    await page.waitForFunction(() => document.querySelector('#indicators-division option[value="510104"]'));
    await page.click('#indicators-form button[type="submit"]');
    await page.waitForSelector('#indicators-table', { timeout: 30000 });
    assert.match(await page.textContent('#indicators-result'), /锦江区: 1 达标 pass · 1 未达标 fail/);
    await page.screenshot({ path: path.join(artifacts, 'indicators.png') });
  });

  await check('phone-sized screen', async () => {
    const phone = await browser.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    phone.on('console', m => { if (m.type() === 'error') consoleErrors.push(`phone: ${m.text()}`); });
    await phone.goto(`${base}/`);
    await phone.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 30000 });
    const box = await phone.locator('#panel').boundingBox();
    assert.ok(box.width <= 390 && box.y > 300, `panel is a bottom sheet: ${JSON.stringify(box)}`);
    await phone.screenshot({ path: path.join(artifacts, 'phone.png') });
    await phone.close();
  });

  await check('no console errors, no external requests', async () => {
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(external, []);
  });
}

try { await main(); }
catch (e) { failures++; console.log(`FAIL setup: ${e.stack || e}`); }
finally {
  if (browser) await browser.close().catch(() => {});
  if (server && server.exitCode === null) {
    const done = new Promise(res => server.once('exit', res));
    server.kill('SIGTERM');
    await done;
  }
  rmSync(tmp, { recursive: true, force: true });
}
console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
process.exit(failures ? 1 : 0);
