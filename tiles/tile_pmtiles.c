/* tile_pmtiles.c — PMTiles v3 export and lookup (protomaps/PMTiles,
 * spec/v3/spec.md): one file a static web server can serve with HTTP range
 * requests.
 *
 * Layout written: the 127-byte header; the root directory; the metadata
 * JSON; the leaf directories; the tile data. Directories and metadata are
 * gzipped ("internal compression" 2), tiles are gzipped MVT (tile type 1).
 * A directory is: entry count, then the tile-id deltas, the run lengths,
 * the lengths and the offsets (0 meaning "right after the previous entry's
 * data", else offset + 1), each as unsigned LEB128 varints. Tiles are
 * written in tile-id order (the header's "clustered" flag), identical tiles
 * are stored once and consecutive identical tiles share one entry with a
 * run length. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "tiles/tile.h"
#include "tiles/tileInt.h"

#define HEADER_LEN 127
#define ROOT_MAX (16384 - HEADER_LEN)

uint64_t tile_pmtiles_id(int z, uint32_t x, uint32_t y)
{
    uint64_t id = (((uint64_t)1 << (2 * z)) - 1) / 3; /* tiles of zooms 0 … z-1 */
    for (uint32_t s = z > 0 ? (uint32_t)1 << (z - 1) : 0; s > 0; s >>= 1) {
        uint32_t rx = (x & s) ? 1 : 0, ry = (y & s) ? 1 : 0;
        id += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) { /* rotate the quadrant */
            if (rx) {
                x = s - 1 - x;
                y = s - 1 - y;
            }
            uint32_t t = x;
            x = y;
            y = t;
        }
    }
    return id;
}

/* ---- byte buffers ---------------------------------------------------------------- */

typedef struct {
    unsigned char *p;
    size_t len, cap;
    int failed;
} bytes_t;

static void put(bytes_t *b, const void *data, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *q = realloc(b->p, cap);
        if (!q) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_varint(bytes_t *b, uint64_t v)
{
    unsigned char c[10];
    int n = 0;
    do {
        c[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v)
            c[n] |= 0x80;
        n++;
    } while (v);
    put(b, c, (size_t)n);
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* ---- directories ---------------------------------------------------------------- */

typedef struct {
    uint64_t tile_id, offset;
    uint32_t length, run_length;
} entry_t;

static int serialize_dir(const entry_t *e, size_t n, unsigned char **out, size_t *len, dm_error *err)
{
    bytes_t b = {0};
    put_varint(&b, n);
    uint64_t last = 0;
    for (size_t i = 0; i < n; i++) {
        put_varint(&b, e[i].tile_id - last);
        last = e[i].tile_id;
    }
    for (size_t i = 0; i < n; i++)
        put_varint(&b, e[i].run_length);
    for (size_t i = 0; i < n; i++)
        put_varint(&b, e[i].length);
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && e[i].offset == e[i - 1].offset + e[i - 1].length)
            put_varint(&b, 0);
        else
            put_varint(&b, e[i].offset + 1);
    }
    if (b.failed) {
        free(b.p);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    int rc = tile_gzip(b.p, b.len, out, len, err);
    free(b.p);
    return rc;
}

static int gunzip(const unsigned char *in, size_t len, unsigned char **out, size_t *out_len, dm_error *err)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 15 + 16) != Z_OK)
        return dm_error_set(err, DM_EINTERNAL, NULL, "zlib: cannot start inflate");
    size_t cap = len * 4 + 64;
    unsigned char *buf = malloc(cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    int zrc = Z_OK;
    while (buf && zrc == Z_OK) {
        if (zs.total_out == cap) {
            unsigned char *q = realloc(buf, cap * 2);
            if (!q)
                break;
            buf = q;
            cap *= 2;
        }
        zs.next_out = buf + zs.total_out;
        zs.avail_out = (uInt)(cap - zs.total_out);
        zrc = inflate(&zs, Z_NO_FLUSH);
        if (zrc == Z_BUF_ERROR && zs.avail_out == 0)
            zrc = Z_OK;
    }
    size_t n = zs.total_out;
    inflateEnd(&zs);
    if (zrc != Z_STREAM_END) {
        free(buf);
        return dm_error_set(err, DM_EINVAL, "pmtiles", "corrupt gzip data in the PMTiles file");
    }
    *out = buf;
    *out_len = n;
    return 0;
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (*p >= end)
            return -1;
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return 0;
    }
    return -1;
}

static int parse_dir(const unsigned char *gz, size_t len, entry_t **out, size_t *n, dm_error *err)
{
    unsigned char *raw = NULL;
    size_t rlen = 0;
    int rc = gunzip(gz, len, &raw, &rlen, err);
    if (rc)
        return rc;
    const unsigned char *p = raw, *end = raw + rlen;
    uint64_t count, v, last = 0;
    entry_t *e = NULL;
    if (get_varint(&p, end, &count) || count > rlen)
        goto bad;
    e = calloc(count ? count : 1, sizeof *e);
    if (!e) {
        free(raw);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    for (uint64_t i = 0; i < count; i++) {
        if (get_varint(&p, end, &v))
            goto bad;
        e[i].tile_id = last += v;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (get_varint(&p, end, &v))
            goto bad;
        e[i].run_length = (uint32_t)v;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (get_varint(&p, end, &v))
            goto bad;
        e[i].length = (uint32_t)v;
    }
    for (uint64_t i = 0; i < count; i++) {
        if (get_varint(&p, end, &v) || (v == 0 && i == 0))
            goto bad;
        e[i].offset = v == 0 ? e[i - 1].offset + e[i - 1].length : v - 1;
    }
    free(raw);
    *out = e;
    *n = (size_t)count;
    return 0;
bad:
    free(raw);
    free(e);
    return dm_error_set(err, DM_EINVAL, "pmtiles", "corrupt PMTiles directory");
}

/* ---- export ------------------------------------------------------------------------- */

typedef struct {
    uint64_t id, hash;
    unsigned char *gz;
    size_t len;
} tile_t;

typedef struct {
    tile_t *t;
    size_t n, cap;
} tiles_t;

static int collect(int z, int x, int y, const unsigned char *gz, size_t len, void *ctx, dm_error *err)
{
    tiles_t *ts = ctx;
    if (ts->n == ts->cap) {
        size_t cap = ts->cap ? ts->cap * 2 : 256;
        tile_t *q = realloc(ts->t, cap * sizeof *q);
        if (!q)
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        ts->t = q;
        ts->cap = cap;
    }
    tile_t *t = &ts->t[ts->n];
    if (!(t->gz = malloc(len)))
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    memcpy(t->gz, gz, len);
    t->len = len;
    t->id = tile_pmtiles_id(z, (uint32_t)x, (uint32_t)y);
    t->hash = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++)
        t->hash = (t->hash ^ gz[i]) * 1099511628211ull;
    ts->n++;
    return 0;
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const tile_t *)a)->id, y = ((const tile_t *)b)->id;
    return x < y ? -1 : x > y;
}

/* Finds the first tile with the same content, through a hash table of
 * indexes + 1 (0 = empty). */
static size_t dedup_find(const tiles_t *ts, const size_t *table, size_t cap, size_t i, size_t **slot)
{
    size_t j = (size_t)ts->t[i].hash & (cap - 1);
    while (table[j]) {
        const tile_t *o = &ts->t[table[j] - 1];
        if (o->hash == ts->t[i].hash && o->len == ts->t[i].len && memcmp(o->gz, ts->t[i].gz, o->len) == 0) {
            *slot = NULL;
            return table[j] - 1;
        }
        j = (j + 1) & (cap - 1);
    }
    *slot = (size_t *)&table[j];
    return (size_t)-1;
}

static int write_all(FILE *f, const void *p, size_t n) { return n == 0 || fwrite(p, 1, n, f) == n ? 0 : -1; }

int tile_export_pmtiles(store_t *s, const tile_export_options_t *opt, const char *path, tile_export_stats_t *stats,
                        dm_error *err)
{
    double bbox[4];
    uint64_t total;
    int rc = tile_export_prepare(s, opt, bbox, &total, stats, err);
    if (rc)
        return rc;
    /* "x": never overwrite (C11 exclusive mode). */
    FILE *f = fopen(path, "wbx");
    if (!f) {
        if (access(path, F_OK) == 0)
            return dm_error_set(err, DM_ECONFLICT, "out", "%s already exists; remove it or choose another name",
                                path);
        return dm_error_set(err, DM_EIO, "out", "cannot create %s", path);
    }
    tiles_t ts = {0};
    entry_t *entries = NULL;
    size_t *table = NULL, *uniq_offset = NULL;
    unsigned char *root = NULL, *meta = NULL;
    bytes_t leaves = {0}, data_order = {0};
    size_t root_len = 0, meta_len = 0;
    rc = tile_export_walk(s, opt, bbox, total, collect, &ts, stats, err);
    if (rc)
        goto done;
    qsort(ts.t, ts.n, sizeof *ts.t, by_id);

    /* Entries, contents stored once, in tile-id order. */
    size_t cap = 16;
    while (cap < ts.n * 2 + 2)
        cap *= 2;
    table = calloc(cap, sizeof *table);
    uniq_offset = calloc(ts.n + 1, sizeof *uniq_offset);
    entries = calloc(ts.n + 1, sizeof *entries);
    if (!table || !uniq_offset || !entries) {
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }
    size_t nentries = 0, ncontents = 0;
    uint64_t data_len = 0;
    for (size_t i = 0; i < ts.n; i++) {
        size_t *slot;
        size_t first = dedup_find(&ts, table, cap, i, &slot);
        uint64_t offset;
        if (first == (size_t)-1) {
            *slot = i + 1;
            uniq_offset[i] = (size_t)data_len;
            offset = data_len;
            data_len += ts.t[i].len;
            ncontents++;
            size_t idx = i;
            put(&data_order, &idx, sizeof idx); /* the order contents are written in */
        } else
            offset = uniq_offset[first];
        entry_t *prev = nentries ? &entries[nentries - 1] : NULL;
        if (prev && prev->offset == offset && prev->tile_id + prev->run_length == ts.t[i].id)
            prev->run_length++;
        else
            entries[nentries++] = (entry_t){ts.t[i].id, offset, (uint32_t)ts.t[i].len, 1};
    }
    if (data_order.failed) {
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }

    /* Root directory, with leaves when it would not fit in the first 16 KiB. */
    if ((rc = serialize_dir(entries, nentries, &root, &root_len, err)))
        goto done;
    for (size_t per_leaf = 4096; root_len > ROOT_MAX; per_leaf *= 2) {
        free(root);
        root = NULL;
        free(leaves.p);
        memset(&leaves, 0, sizeof leaves);
        size_t nleaves = (nentries + per_leaf - 1) / per_leaf;
        entry_t *rootents = calloc(nleaves, sizeof *rootents);
        if (!rootents) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < nleaves && !rc; k++) {
            size_t from = k * per_leaf, n = nentries - from < per_leaf ? nentries - from : per_leaf;
            unsigned char *leaf;
            size_t leaf_len;
            rc = serialize_dir(entries + from, n, &leaf, &leaf_len, err);
            if (!rc) {
                rootents[k] = (entry_t){entries[from].tile_id, leaves.len, (uint32_t)leaf_len, 0};
                put(&leaves, leaf, leaf_len);
                free(leaf);
            }
        }
        if (!rc)
            rc = serialize_dir(rootents, nleaves, &root, &root_len, err);
        free(rootents);
        if (rc)
            goto done;
    }

    /* Metadata. */
    char *layers_json = tile_export_vector_layers_json(opt);
    char names[160] = "";
    for (size_t i = 0; i < opt->nlayers; i++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? "," : "", opt->layers[i]->name);
    bytes_t mj = {0};
    if (layers_json) {
        /* {"vector_layers":[…]} → {"name":…, …, "vector_layers":[…]} */
        const char *head = "{\"name\":\"diming\",\"format\":\"pbf\",\"type\":\"overlay\",\"attribution\":\""
                           TILE_ATTRIBUTION "\",\"description\":\"";
        put(&mj, head, strlen(head));
        put(&mj, names, strlen(names));
        put(&mj, "\",", 2);
        put(&mj, layers_json + 1, strlen(layers_json + 1));
    }
    free(layers_json);
    if (!layers_json || mj.failed) {
        free(mj.p);
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }
    rc = tile_gzip(mj.p, mj.len, &meta, &meta_len, err);
    free(mj.p);
    if (rc || leaves.failed) {
        if (!rc)
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        goto done;
    }

    unsigned char h[HEADER_LEN];
    memset(h, 0, sizeof h);
    memcpy(h, "PMTiles", 7);
    h[7] = 3;
    uint64_t root_off = HEADER_LEN, meta_off = root_off + root_len, leaf_off = meta_off + meta_len,
             data_off = leaf_off + leaves.len;
    put_le(h + 8, root_off, 8);
    put_le(h + 16, root_len, 8);
    put_le(h + 24, meta_off, 8);
    put_le(h + 32, meta_len, 8);
    put_le(h + 40, leaf_off, 8);
    put_le(h + 48, leaves.len, 8);
    put_le(h + 56, data_off, 8);
    put_le(h + 64, data_len, 8);
    put_le(h + 72, ts.n, 8);       /* addressed tiles */
    put_le(h + 80, nentries, 8);   /* tile entries */
    put_le(h + 88, ncontents, 8);  /* tile contents */
    h[96] = 1;                     /* clustered */
    h[97] = 2;                     /* internal compression: gzip */
    h[98] = 2;                     /* tile compression: gzip */
    h[99] = 1;                     /* tile type: MVT */
    h[100] = (unsigned char)opt->minzoom;
    h[101] = (unsigned char)opt->maxzoom;
    put_le(h + 102, (uint64_t)(int64_t)(bbox[0] * 1e7), 4);
    put_le(h + 106, (uint64_t)(int64_t)(bbox[1] * 1e7), 4);
    put_le(h + 110, (uint64_t)(int64_t)(bbox[2] * 1e7), 4);
    put_le(h + 114, (uint64_t)(int64_t)(bbox[3] * 1e7), 4);
    int cz = opt->minzoom > 10 ? opt->minzoom : (opt->maxzoom < 10 ? opt->maxzoom : 10);
    h[118] = (unsigned char)cz;
    put_le(h + 119, (uint64_t)(int64_t)((bbox[0] + bbox[2]) / 2 * 1e7), 4);
    put_le(h + 123, (uint64_t)(int64_t)((bbox[1] + bbox[3]) / 2 * 1e7), 4);

    int io = write_all(f, h, sizeof h) || write_all(f, root, root_len) || write_all(f, meta, meta_len) ||
             write_all(f, leaves.p, leaves.len);
    const size_t *order = (const size_t *)data_order.p;
    for (size_t k = 0; !io && k < ncontents; k++)
        io = write_all(f, ts.t[order[k]].gz, ts.t[order[k]].len);
    if (io)
        rc = dm_error_set(err, DM_EIO, "out", "cannot write %s", path);
    stats->bytes = (size_t)(data_off + data_len);
done:
    if (fclose(f) != 0 && !rc)
        rc = dm_error_set(err, DM_EIO, "out", "cannot write %s", path);
    if (rc)
        unlink(path); /* never leave half a tileset behind */
    for (size_t i = 0; i < ts.n; i++)
        free(ts.t[i].gz);
    free(ts.t);
    free(entries);
    free(table);
    free(uniq_offset);
    free(root);
    free(meta);
    free(leaves.p);
    free(data_order.p);
    return rc;
}

/* ---- lookup ------------------------------------------------------------------------- */

int tile_pmtiles_read(const char *path, int z, int x, int y, unsigned char **out, size_t *len, dm_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return dm_error_set(err, DM_ENOTFOUND, "pmtiles", "cannot open %s", path);
    unsigned char h[HEADER_LEN];
    int rc = 0;
    entry_t *dir = NULL;
    size_t n = 0;
    unsigned char *buf = NULL;
    if (fread(h, 1, sizeof h, f) != sizeof h || memcmp(h, "PMTiles", 7) != 0 || h[7] != 3 || h[97] != 2) {
        rc = dm_error_set(err, DM_EINVAL, "pmtiles", "%s is not a gzip-directory PMTiles v3 file", path);
        goto done;
    }
    uint64_t id = tile_pmtiles_id(z, (uint32_t)x, (uint32_t)y);
    uint64_t off = get_le(h + 8, 8), dlen = get_le(h + 16, 8);
    uint64_t leaf_off = get_le(h + 40, 8), data_off = get_le(h + 56, 8);
    for (int depth = 0; depth < 4; depth++) {
        free(buf);
        if (dlen > (1u << 30) || !(buf = malloc(dlen ? dlen : 1)) || fseek(f, (long)off, SEEK_SET) ||
            fread(buf, 1, dlen, f) != dlen) {
            rc = dm_error_set(err, DM_EINVAL, "pmtiles", "truncated PMTiles directory in %s", path);
            goto done;
        }
        free(dir);
        dir = NULL;
        if ((rc = parse_dir(buf, dlen, &dir, &n, err)))
            goto done;
        /* the last entry whose tile id is <= id */
        size_t lo = 0, hi = n;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (dir[mid].tile_id <= id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == 0)
            goto done; /* absent */
        entry_t e = dir[lo - 1];
        if (e.run_length == 0) { /* a leaf directory */
            off = leaf_off + e.offset;
            dlen = e.length;
            continue;
        }
        if (id >= e.tile_id + e.run_length)
            goto done; /* absent */
        unsigned char *t = malloc(e.length ? e.length : 1);
        if (!t || fseek(f, (long)(data_off + e.offset), SEEK_SET) || fread(t, 1, e.length, f) != e.length) {
            free(t);
            rc = dm_error_set(err, DM_EINVAL, "pmtiles", "truncated PMTiles tile data in %s", path);
            goto done;
        }
        *out = t;
        *len = e.length;
        rc = 1;
        goto done;
    }
    rc = dm_error_set(err, DM_EINVAL, "pmtiles", "PMTiles directories nested too deep in %s", path);
done:
    free(buf);
    free(dir);
    fclose(f);
    return rc;
}
