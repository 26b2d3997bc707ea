// pmtiles.test.mjs — `diming tiles export` to PMTiles v3 read back by an independent reader,
// the `pmtiles` npm package (Protomaps' own JavaScript reader, pinned in web/package.json),
// and compared tile by tile with what `diming serve` answers at /tiles/all/{z}/{x}/{y}.mvt.
//
//   node tests/node/pmtiles.test.mjs DIMING_BINARY
//
// Data: the fixtures of tests/http/test_tiles.c (division squares, facilities, names,
// residential areas, markers, roads) imported by the real `diming import` into a temporary
// database. Checks: the header (tile type MVT, gzip, zooms and bounds as exported), every
// tile of every zoom over the bounds (present in the archive exactly when the server has a
// non-empty tile, with identical bytes once decompressed), and that the archive holds as many
// tiles as the server drew.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const [bin] = process.argv.slice(2);
if (!bin) { console.error('usage: pmtiles.test.mjs DIMING_BINARY'); process.exit(2); }
const require = createRequire(path.join(root, 'web/package.json'));
const { PMTiles, TileType, Compression } = require('pmtiles');

const tmp = mkdtempSync(path.join(tmpdir(), 'diming-pmtiles-'));
const db = path.join(tmp, 'tiles.sqlite');
const archive = path.join(tmp, 'all.pmtiles');
const MINZ = 8, MAXZ = 14;
let server;

// A PMTiles source reading byte ranges of a local file.
class NodeFileSource {
  constructor(file) { this.file = file; this.fd = openSync(file, 'r'); }
  getKey() { return this.file; }
  async getBytes(offset, length) {
    const buf = Buffer.alloc(length);
    const n = readSync(this.fd, buf, 0, length, offset);
    return { data: buf.buffer.slice(buf.byteOffset, buf.byteOffset + n) };
  }
  close() { closeSync(this.fd); }
}

function diming(...args) { return execFileSync(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString(); }

function startServer() {
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

// XYZ tile column/row of a lon/lat at zoom z (Web Mercator).
function tileOf(lon, lat, z) {
  const n = 2 ** z, r = lat * Math.PI / 180;
  const x = Math.floor((lon + 180) / 360 * n);
  const y = Math.floor((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2 * n);
  return [Math.min(Math.max(x, 0), n - 1), Math.min(Math.max(y, 0), n - 1)];
}

async function main() {
  const fx = f => path.join(root, 'tests/fixtures', f);
  diming('import', 'divisions', fx('hierarchy.geojson'), '--db', db, '--quiet');
  for (const [layer, file] of [['facilities', 'facilities_lonlat.csv'], ['names', 'names_cn.csv'],
                               ['residential', 'residential_wkt.csv'], ['markers', 'tiles/markers.csv']])
    diming('import', layer, fx(file), '--db', db, '--quiet', '--src-srs', 'EPSG:4490');
  diming('import', 'roads', fx('tiles/roads.geojson'), '--db', db, '--quiet');
  diming('tiles', 'export', '--out', archive, '--layers', 'all', '--minzoom', String(MINZ), '--maxzoom', String(MAXZ),
         '--db', db, '--quiet');
  console.log(`exported ${statSync(archive).size} bytes`);

  const source = new NodeFileSource(archive);
  const pm = new PMTiles(source);
  const h = await pm.getHeader();
  assert.equal(h.specVersion, 3);
  assert.equal(h.tileType, TileType.Mvt);
  assert.equal(h.tileCompression, Compression.Gzip);
  assert.equal(h.minZoom, MINZ);
  assert.equal(h.maxZoom, MAXZ);
  assert.ok(h.minLon < h.maxLon && h.minLat < h.maxLat, 'bounds');
  const meta = await pm.getMetadata();
  assert.ok(Array.isArray(meta.vector_layers) && meta.vector_layers.some(l => l.id === 'roads'), 'vector_layers in metadata');

  const base = await startServer();
  let compared = 0, nonEmpty = 0;
  for (let z = MINZ; z <= MAXZ; z++) {
    const [x0, y0] = tileOf(h.minLon, h.maxLat, z), [x1, y1] = tileOf(h.maxLon, h.minLat, z);
    for (let x = x0; x <= x1; x++)
      for (let y = y0; y <= y1; y++) {
        const fromArchive = await pm.getZxy(z, x, y);
        const res = await fetch(`${base}/tiles/all/${z}/${x}/${y}.mvt`, { headers: { 'Accept-Encoding': 'identity' } });
        const served = res.status === 200 ? Buffer.from(await res.arrayBuffer()) : null;
        assert.ok(res.status === 200 || res.status === 204, `${z}/${x}/${y}: HTTP ${res.status}`);
        if (!served) {
          assert.equal(fromArchive, undefined, `${z}/${x}/${y}: in the archive but empty on the server`);
        } else {
          assert.ok(fromArchive, `${z}/${x}/${y}: drawn by the server, missing from the archive`);
          assert.ok(Buffer.from(fromArchive.data).equals(served), `${z}/${x}/${y}: bytes differ`);
          nonEmpty++;
        }
        compared++;
      }
  }
  source.close();
  console.log(`compared ${compared} tiles, ${nonEmpty} with data; archive addresses ${h.numAddressedTiles}`);
  assert.ok(nonEmpty >= MAXZ - MINZ + 1, 'at least one tile with data per zoom');
  assert.equal(h.numAddressedTiles, nonEmpty, 'the archive holds exactly the tiles the server draws');
}

let failed = false;
try { await main(); console.log('all checks passed'); }
catch (e) { failed = true; console.log(`FAIL ${e.stack || e}`); }
finally {
  if (server) { server.kill('SIGTERM'); await new Promise(r => server.once('exit', r)); }
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
