/* seedgen.c — builds diming's demo dataset (seeds/) from the shared reference data.
 *
 * Usage: seedgen SHARED_DATA_DIR OUT_DIR   (normally run by scripts/seeds/build)
 *
 * It writes every data file of seeds/ except manifest.tsv and README.md:
 *   - real layers, only reformatted: DataV outlines (kept in GCJ-02), NBS codes,
 *     OSM road edges, OSM road names and POIs;
 *   - SYNTHETIC layers, invented on top of the real ones: township and village
 *     polygons (Voronoi cells around pseudo-random seeds inside the real county
 *     outlines), elderly-care facilities, residential areas, boundary markers.
 * Everything is deterministic: one splitmix64 stream per purpose, seeded from a
 * fixed constant and a label, so a change in one layer does not reshuffle the
 * others. Output numbers are printed with a fixed number of decimals, and every
 * geometry that is tested against another (point in village, ...) is tested with
 * the coordinates exactly as written, so the importer's answers agree with ours.
 *
 * This is a build tool, not library code: on any failure it prints one line and
 * exits non-zero. GEOS is used through the reentrant API only. GCJ-02 → WGS-84
 * uses the project's gis/crs.c (the same function the importer applies to
 * `--src-srs GCJ02`), so synthetic polygons line up with the imported outlines. */
#define _XOPEN_SOURCE 700
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#include <jansson.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/crs.h"

/* ---- constants of the demo ------------------------------------------------ */

#define SEED_BASE 0x6469D1A6202311ULL /* fixed: changing it changes every synthetic layer */

/* OSM extract bbox (osm-chengdu-central/SOURCE.md); facilities and residential
 * areas are kept strictly inside it. */
static const double BBOX_W = 104.0421, BBOX_E = 104.1296, BBOX_S = 30.6528, BBOX_N = 30.7279;

#define N_FACILITIES_TARGET 150
#define N_RESIDENTIAL_TARGET 600
#define MARKER_SPACING_M 1500.0
#define MARKER_NEAR_M 50.0

/* ---- small utilities ------------------------------------------------------ */

static GEOSContextHandle_t G;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("seedgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

/* Decodes one UTF-8 sequence at *s; returns the code point and advances *s. */
static unsigned utf8_next(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned c = p[0];
    int n = 1;
    if (c >= 0xF0 && p[1] && p[2] && p[3]) {
        c = ((c & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
        n = 4;
    } else if (c >= 0xE0 && p[1] && p[2]) {
        c = ((c & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
        n = 3;
    } else if (c >= 0xC0 && p[1]) {
        c = ((c & 0x1Fu) << 6) | (p[1] & 0x3Fu);
        n = 2;
    }
    *s += n;
    return c;
}

/* True if s holds at least one CJK unified ideograph (basic block or ext. A). */
static int has_cjk(const char *s)
{
    while (*s) {
        unsigned c = utf8_next(&s);
        if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF))
            return 1;
    }
    return 0;
}

/* Index of the byte where the last UTF-8 character of s starts. */
static size_t last_char_start(const char *s)
{
    size_t n = strlen(s);
    if (!n)
        return 0;
    size_t i = n - 1;
    while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

/* ---- deterministic pseudo-random numbers (splitmix64) --------------------- */

typedef struct {
    uint64_t s;
} rng_t;

static uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }
static double rng_range(rng_t *r, double a, double b) { return a + (b - a) * rng_unit(r); }
static int rng_int(rng_t *r, int lo, int hi) /* inclusive */
{
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* A stream of its own for each purpose ("towns:510104", "residential", ...). */
static rng_t rng_for(const char *label)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)label; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    rng_t r = {SEED_BASE ^ h};
    rng_next(&r);
    return r;
}

/* ---- string builder and output formats ------------------------------------ */

typedef struct {
    char *p;
    size_t n, cap;
} sb_t;

static void sb_addn(sb_t *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_adds(sb_t *b, const char *s) { sb_addn(b, s, strlen(s)); }

static void sb_addf(sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_addf(sb_t *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < (int)sizeof tmp) {
        sb_addn(b, tmp, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_addn(b, big, (size_t)n);
    free(big);
}

/* A number with at most `dec` decimals, trailing zeros dropped ("104.06", "30"). */
static void fmt_num(char *out, size_t cap, double v, int dec)
{
    snprintf(out, cap, "%.*f", dec, v);
    if (strchr(out, '.')) {
        size_t n = strlen(out);
        while (out[n - 1] == '0')
            out[--n] = '\0';
        if (out[n - 1] == '.')
            out[--n] = '\0';
    }
    if (strcmp(out, "-0") == 0)
        strcpy(out, "0");
}

static void sb_num(sb_t *b, double v, int dec)
{
    char t[64];
    fmt_num(t, sizeof t, v, dec);
    sb_adds(b, t);
}

/* The double the importer will read back from our text: rounding through the
 * decimal representation makes our own tests see exactly the written value. */
static double rnd(double v, int dec)
{
    char t[64];
    snprintf(t, sizeof t, "%.*f", dec, v);
    return strtod(t, NULL);
}

static void sb_jstr(sb_t *b, const char *s)
{
    sb_adds(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_addf(b, "\\%c", *p);
        else if (*p < 0x20)
            sb_addf(b, "\\u%04x", *p);
        else
            sb_addn(b, (const char *)p, 1);
    }
    sb_adds(b, "\"");
}

/* One CSV field (RFC 4180 quoting only where needed). */
static void sb_csv(sb_t *b, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        sb_adds(b, s);
        return;
    }
    sb_adds(b, "\"");
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            sb_adds(b, "\"");
        sb_addn(b, p, 1);
    }
    sb_adds(b, "\"");
}

/* GeoJSON property writers: props_begin, then prop_*, then props_end. */
static int prop_count;
static void props_begin(sb_t *b)
{
    sb_adds(b, "{\"type\":\"Feature\",\"properties\":{");
    prop_count = 0;
}
static void prop_key(sb_t *b, const char *k)
{
    if (prop_count++)
        sb_adds(b, ",");
    sb_jstr(b, k);
    sb_adds(b, ":");
}
static void prop_str(sb_t *b, const char *k, const char *v)
{
    prop_key(b, k);
    sb_jstr(b, v ? v : "");
}
static void prop_int(sb_t *b, const char *k, long long v)
{
    prop_key(b, k);
    sb_addf(b, "%lld", v);
}

static void write_file(const char *dir, const char *rel, const sb_t *b)
{
    char *path = xasprintf("%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot write %s", path);
    if (b->n && fwrite(b->p, 1, b->n, f) != b->n)
        die("short write on %s", path);
    if (fclose(f) != 0)
        die("cannot close %s", path);
    free(path);
}

/* ---- CSV input ------------------------------------------------------------ */

typedef struct {
    int ncols, nrows;
    char **hdr;
    char ***rows; /* rows[i][j], all strings, "" for empty */
} csv_t;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot read %s", path);
    sb_t b = {0};
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        sb_addn(&b, buf, n);
    fclose(f);
    if (!b.p)
        sb_addn(&b, "", 0);
    *len = b.n;
    return b.p;
}

static csv_t *csv_load(const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    const char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    csv_t *c = calloc(1, sizeof *c);
    char **fields = NULL;
    int nf = 0, capf = 0, caprows = 0;
    sb_t fld = {0};
    int first = 1;
    while (p < end) {
        /* one record */
        nf = 0;
        for (;;) {
            fld.n = 0;
            sb_addn(&fld, "", 0);
            if (p < end && *p == '"') {
                p++;
                while (p < end) {
                    if (*p == '"') {
                        if (p + 1 < end && p[1] == '"') {
                            sb_addn(&fld, "\"", 1);
                            p += 2;
                            continue;
                        }
                        p++;
                        break;
                    }
                    sb_addn(&fld, p++, 1);
                }
            }
            while (p < end && *p != ',' && *p != '\n' && *p != '\r')
                sb_addn(&fld, p++, 1);
            if (nf == capf) {
                capf = capf ? capf * 2 : 16;
                fields = xrealloc(fields, (size_t)capf * sizeof *fields);
            }
            fields[nf++] = xstrdup(fld.p);
            if (p < end && *p == ',') {
                p++;
                continue;
            }
            if (p < end && *p == '\r')
                p++;
            if (p < end && *p == '\n')
                p++;
            break;
        }
        if (nf == 1 && fields[0][0] == '\0') { /* blank line */
            free(fields[0]);
            continue;
        }
        char **row = xmalloc((size_t)nf * sizeof *row);
        memcpy(row, fields, (size_t)nf * sizeof *row);
        if (first) {
            c->hdr = row;
            c->ncols = nf;
            first = 0;
            continue;
        }
        if (nf < c->ncols) { /* pad short rows */
            row = xrealloc(row, (size_t)c->ncols * sizeof *row);
            for (int i = nf; i < c->ncols; i++)
                row[i] = xstrdup("");
        }
        if (c->nrows == caprows) {
            caprows = caprows ? caprows * 2 : 1024;
            c->rows = xrealloc(c->rows, (size_t)caprows * sizeof *c->rows);
        }
        c->rows[c->nrows++] = row;
    }
    free(fld.p);
    free(fields);
    free(text);
    return c;
}

static int csv_col(const csv_t *c, const char *name, const char *path)
{
    for (int i = 0; i < c->ncols; i++)
        if (strcmp(c->hdr[i], name) == 0)
            return i;
    die("%s: no column %s", path, name);
}

/* ---- GEOS helpers --------------------------------------------------------- */

static void geos_error(const char *msg, void *ud)
{
    (void)ud;
    die("GEOS: %s", msg);
}
static void geos_notice(const char *msg, void *ud) { (void)msg, (void)ud; }

static GEOSGeometry *chk(GEOSGeometry *g, const char *what)
{
    if (!g)
        die("GEOS failed: %s", what);
    return g;
}

static void gfree(GEOSGeometry *g)
{
    if (g)
        GEOSGeom_destroy_r(G, g);
}

static GEOSGeometry *mkpt(double x, double y) { return chk(GEOSGeom_createPointFromXY_r(G, x, y), "point"); }

static void pt_xy(const GEOSGeometry *p, double *x, double *y)
{
    GEOSGeomGetX_r(G, p, x);
    GEOSGeomGetY_r(G, p, y);
}

static double garea(const GEOSGeometry *g)
{
    double a = 0;
    GEOSArea_r(G, g, &a);
    return a;
}

static double glength(const GEOSGeometry *g)
{
    double l = 0;
    GEOSLength_r(G, g, &l);
    return l;
}

static double gdist(const GEOSGeometry *a, const GEOSGeometry *b)
{
    double d = 0;
    if (!GEOSDistance_r(G, a, b, &d))
        die("GEOS distance failed");
    return d;
}

static void genv(const GEOSGeometry *g, double *x0, double *y0, double *x1, double *y1)
{
    GEOSGeom_getXMin_r(G, g, x0);
    GEOSGeom_getYMin_r(G, g, y0);
    GEOSGeom_getXMax_r(G, g, x1);
    GEOSGeom_getYMax_r(G, g, y1);
}

/* Polygonal parts of g (any type), as a new MultiPolygon. */
static void collect_polys(const GEOSGeometry *g, GEOSGeometry ***arr, unsigned *n, unsigned *cap)
{
    int t = GEOSGeomTypeId_r(G, g);
    if (t == GEOS_POLYGON) {
        if (GEOSisEmpty_r(G, g))
            return;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *arr = xrealloc(*arr, *cap * sizeof **arr);
        }
        (*arr)[(*n)++] = chk(GEOSGeom_clone_r(G, g), "clone");
    } else if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(G, g);
        for (int i = 0; i < k; i++)
            collect_polys(GEOSGetGeometryN_r(G, g, i), arr, n, cap);
    }
}

static GEOSGeometry *polygons_only(const GEOSGeometry *g)
{
    GEOSGeometry **arr = NULL;
    unsigned n = 0, cap = 0;
    collect_polys(g, &arr, &n, &cap);
    GEOSGeometry *mp = chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOLYGON, arr, n), "multipolygon");
    free(arr);
    return mp;
}

static GEOSGeometry *polygons_only_own(GEOSGeometry *g)
{
    GEOSGeometry *r = polygons_only(chk(g, "polygonal result"));
    gfree(g);
    return r;
}

/* Snap to the 1e-7° grid the files are written with; the result is valid. */
static GEOSGeometry *snap7(const GEOSGeometry *g)
{
    return polygons_only_own(GEOSGeom_setPrecision_r(G, g, 1e-7, 0));
}

static void collect_lines(const GEOSGeometry *g, GEOSGeometry ***arr, unsigned *n, unsigned *cap)
{
    int t = GEOSGeomTypeId_r(G, g);
    if (t == GEOS_LINESTRING) {
        if (GEOSisEmpty_r(G, g))
            return;
        if (*n == *cap) {
            *cap = *cap ? *cap * 2 : 8;
            *arr = xrealloc(*arr, *cap * sizeof **arr);
        }
        (*arr)[(*n)++] = chk(GEOSGeom_clone_r(G, g), "clone");
    } else if (t == GEOS_MULTILINESTRING || t == GEOS_GEOMETRYCOLLECTION) {
        int k = GEOSGetNumGeometries_r(G, g);
        for (int i = 0; i < k; i++)
            collect_lines(GEOSGetGeometryN_r(G, g, i), arr, n, cap);
    }
}

static GEOSGeometry *lines_only_own(GEOSGeometry *g)
{
    GEOSGeometry **arr = NULL;
    unsigned n = 0, cap = 0;
    collect_lines(chk(g, "linear result"), &arr, &n, &cap);
    GEOSGeometry *ml = chk(GEOSGeom_createCollection_r(G, GEOS_MULTILINESTRING, arr, n), "multilinestring");
    free(arr);
    gfree(g);
    return ml;
}

static GEOSCoordSequence *seq_from_json(const json_t *arr, const char *what)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        die("%s: empty coordinate array", what);
    GEOSCoordSequence *s = GEOSCoordSeq_create_r(G, (unsigned)n, 2);
    for (size_t i = 0; i < n; i++) {
        const json_t *pt = json_array_get(arr, i);
        GEOSCoordSeq_setXY_r(G, s, (unsigned)i, json_number_value(json_array_get(pt, 0)),
                             json_number_value(json_array_get(pt, 1)));
    }
    return s;
}

static GEOSGeometry *poly_from_json(const json_t *rings, const char *what)
{
    size_t nr = json_array_size(rings);
    if (nr == 0)
        die("%s: polygon without rings", what);
    GEOSGeometry *shell = chk(GEOSGeom_createLinearRing_r(G, seq_from_json(json_array_get(rings, 0), what)), what);
    GEOSGeometry **holes = xmalloc(nr * sizeof *holes);
    for (size_t i = 1; i < nr; i++)
        holes[i - 1] = chk(GEOSGeom_createLinearRing_r(G, seq_from_json(json_array_get(rings, i), what)), what);
    GEOSGeometry *p = chk(GEOSGeom_createPolygon_r(G, shell, holes, (unsigned)(nr - 1)), what);
    free(holes);
    return p;
}

/* Polygon/MultiPolygon → MultiPolygon; LineString → LineString. */
static GEOSGeometry *geom_from_json(const json_t *geom, const char *what)
{
    const char *type = json_string_value(json_object_get(geom, "type"));
    const json_t *c = json_object_get(geom, "coordinates");
    if (!type || !c)
        die("%s: geometry without type or coordinates", what);
    if (strcmp(type, "LineString") == 0)
        return chk(GEOSGeom_createLineString_r(G, seq_from_json(c, what)), what);
    if (strcmp(type, "Polygon") == 0) {
        GEOSGeometry *p = poly_from_json(c, what);
        return chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOLYGON, &p, 1), what);
    }
    if (strcmp(type, "MultiPolygon") == 0) {
        size_t n = json_array_size(c);
        GEOSGeometry **ps = xmalloc(n * sizeof *ps);
        for (size_t i = 0; i < n; i++)
            ps[i] = poly_from_json(json_array_get(c, i), what);
        GEOSGeometry *mp = chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOLYGON, ps, (unsigned)n), what);
        free(ps);
        return mp;
    }
    die("%s: unsupported geometry type %s", what, type);
}

static void sb_seq(sb_t *b, const GEOSGeometry *g, int dec)
{
    const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(G, g);
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(G, s, &n);
    sb_adds(b, "[");
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(G, s, i, &x, &y);
        sb_adds(b, i ? ",[" : "[");
        sb_num(b, x, dec);
        sb_adds(b, ",");
        sb_num(b, y, dec);
        sb_adds(b, "]");
    }
    sb_adds(b, "]");
}

static void sb_poly_rings(sb_t *b, const GEOSGeometry *p, int dec)
{
    sb_adds(b, "[");
    sb_seq(b, GEOSGetExteriorRing_r(G, p), dec);
    int nh = GEOSGetNumInteriorRings_r(G, p);
    for (int i = 0; i < nh; i++) {
        sb_adds(b, ",");
        sb_seq(b, GEOSGetInteriorRingN_r(G, p, i), dec);
    }
    sb_adds(b, "]");
}

/* GeoJSON geometry member; closes the feature. */
static void sb_geom_end(sb_t *b, const GEOSGeometry *g, int dec)
{
    sb_adds(b, "},\"geometry\":{\"type\":");
    int t = GEOSGeomTypeId_r(G, g);
    switch (t) {
    case GEOS_POINT: {
        double x, y;
        pt_xy(g, &x, &y);
        sb_adds(b, "\"Point\",\"coordinates\":[");
        sb_num(b, x, dec);
        sb_adds(b, ",");
        sb_num(b, y, dec);
        sb_adds(b, "]");
        break;
    }
    case GEOS_LINESTRING:
        sb_adds(b, "\"LineString\",\"coordinates\":");
        sb_seq(b, g, dec);
        break;
    case GEOS_POLYGON:
        sb_adds(b, "\"Polygon\",\"coordinates\":");
        sb_poly_rings(b, g, dec);
        break;
    case GEOS_MULTILINESTRING:
    case GEOS_MULTIPOLYGON: {
        sb_adds(b, t == GEOS_MULTIPOLYGON ? "\"MultiPolygon\",\"coordinates\":[" : "\"MultiLineString\",\"coordinates\":[");
        int n = GEOSGetNumGeometries_r(G, g);
        for (int i = 0; i < n; i++) {
            if (i)
                sb_adds(b, ",");
            const GEOSGeometry *part = GEOSGetGeometryN_r(G, g, i);
            if (t == GEOS_MULTIPOLYGON)
                sb_poly_rings(b, part, dec);
            else
                sb_seq(b, part, dec);
        }
        sb_adds(b, "]");
        break;
    }
    default:
        die("cannot write geometry type %d", t);
    }
    sb_adds(b, "}}");
}

static void fc_begin(sb_t *b) { sb_adds(b, "{\"type\":\"FeatureCollection\",\"features\":[\n"); }
static void fc_sep(sb_t *b, int i) { sb_adds(b, i ? ",\n" : ""); }
static void fc_end(sb_t *b) { sb_adds(b, "\n]}\n"); }

static json_t *load_json(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    if (!j)
        die("%s:%d: %s", path, err.line, err.text);
    return j;
}

/* ---- coordinate frames ---------------------------------------------------- */

static int cb_gcj_to_wgs(double *x, double *y, void *ud)
{
    (void)ud;
    crs_gcj02_to_wgs84(*x, *y, x, y);
    return 1;
}

/* A local equirectangular metric frame centred on the OSM bbox. Over the ~60 km
 * of the central county lines its scale error stays below 0.5 %, plenty for
 * placing synthetic objects metres apart. */
static double LON0, LAT0, M_PER_DEG_X, M_PER_DEG_Y;

static void frame_init(void)
{
    LON0 = (BBOX_W + BBOX_E) / 2;
    LAT0 = (BBOX_S + BBOX_N) / 2;
    const double phi = LAT0 * M_PI / 180.0;
    M_PER_DEG_Y = 111132.954 - 559.822 * cos(2 * phi) + 1.175 * cos(4 * phi);
    M_PER_DEG_X = 111412.84 * cos(phi) - 93.5 * cos(3 * phi) + 0.118 * cos(5 * phi);
}

static void to_m(double lon, double lat, double *x, double *y)
{
    *x = (lon - LON0) * M_PER_DEG_X;
    *y = (lat - LAT0) * M_PER_DEG_Y;
}

static void to_ll(double x, double y, double *lon, double *lat)
{
    *lon = LON0 + x / M_PER_DEG_X;
    *lat = LAT0 + y / M_PER_DEG_Y;
}

static int cb_to_m(double *x, double *y, void *ud)
{
    (void)ud;
    to_m(*x, *y, x, y);
    return 1;
}

static GEOSGeometry *geom_to_m(const GEOSGeometry *g) { return chk(GEOSGeom_transformXY_r(G, g, cb_to_m, NULL), "to metres"); }

/* ---- divisions: data model ------------------------------------------------ */

typedef struct {
    char code[13]; /* 6-digit adcode */
    char *name, *type;
    GEOSGeometry *gcj;  /* DataV outline (MultiPolygon, GCJ-02, 6 decimals) */
    GEOSGeometry *wgs;  /* the same converted to WGS-84 */
    GEOSGeometry *m;    /* the same in the local metric frame */
    const GEOSPreparedGeometry *prep_wgs;
    double seat_lon, seat_lat; /* DataV `center`, converted */
    int first_town, ntown;
    double s60, s80, hh_size; /* census 2020 shares and mean household size */
} county_t;

typedef struct {
    char code[13];
    char *name;
    const char *type;
    int county;
    GEOSGeometry *raw;  /* unrounded clipped cell, the clip area of its villages */
    GEOSGeometry *geom; /* as written (1e-7 grid) */
    double seed_x, seed_y;
    int first_vil, nvil;
} town_t;

typedef struct {
    char code[13];
    char *name;
    const char *type;
    int town;
    GEOSGeometry *geom; /* as written */
    const GEOSPreparedGeometry *prep;
} village_t;

static county_t cd_county[32];
static int n_cd_county;
static town_t *cd_town;
static int n_cd_town;
static village_t *cd_vil;
static int n_cd_vil;

/* GB/T 10114 digit ranges (DOMAIN.md §2). */
static const char *town_type(const char *code12)
{
    int t = (code12[6] - '0') * 100 + (code12[7] - '0') * 10 + (code12[8] - '0');
    return t < 1 ? "" : t < 100 ? "街道" : t < 200 ? "镇" : t < 400 ? "乡" : "";
}

static const char *village_type(const char *code12)
{
    int v = (code12[9] - '0') * 100 + (code12[10] - '0') * 10 + (code12[11] - '0');
    return v < 1 ? "" : v < 200 ? "社区" : v < 400 ? "村" : "";
}

/* County-level type from the name suffix: 区, 县 (incl. 自治县), 县级市. */
static const char *county_type(const char *name)
{
    if (ends_with(name, "区"))
        return "区";
    if (ends_with(name, "县") || ends_with(name, "旗"))
        return "县";
    if (ends_with(name, "市"))
        return "县级市";
    return "";
}

/* NBS village-committee names → the community/village name:
 *   XX社区居委会 / XX社区居民委员会 / XX社区村民委员会 → XX社区
 *   XX村村委会 / XX村村民委员会 → XX村, and 跳蹬村委会 → 跳蹬村
 *   XX居委会 whose XX lacks 社区 (常州: 翠园居委会) → 翠园社区
 * A parenthesised remark is kept after the cleaned head:
 *   东青社区居委会（含东青村村委） → 东青社区（含东青村村委）. */
static char *clean_village_name(const char *in)
{
    const char *paren = strstr(in, "（");
    const char *paren2 = strchr(in, '(');
    if (!paren || (paren2 && paren2 < paren))
        paren = paren2;
    size_t hl = paren ? (size_t)(paren - in) : strlen(in);
    char *head = xmalloc(hl + 1);
    memcpy(head, in, hl);
    head[hl] = '\0';
    static const struct {
        const char *suffix, *generic;
    } rules[] = {{"村民委员会", "村"}, {"居民委员会", "社区"}, {"村委会", "村"}, {"居委会", "社区"}};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (!ends_with(head, rules[i].suffix) || strlen(head) == strlen(rules[i].suffix))
            continue;
        head[strlen(head) - strlen(rules[i].suffix)] = '\0';
        int keep = ends_with(head, "社区") || (strcmp(rules[i].generic, "村") == 0 && ends_with(head, "村"));
        char *t = xasprintf("%s%s", head, keep ? "" : rules[i].generic);
        free(head);
        head = t;
        break;
    }
    char *out = xasprintf("%s%s", head, paren ? paren : "");
    free(head);
    return out;
}

/* ---- divisions: real outlines (GCJ-02) ------------------------------------ */

static json_t *find_feature(json_t *fc, long long adcode, const char *path)
{
    json_t *feats = json_object_get(fc, "features");
    for (size_t i = 0; i < json_array_size(feats); i++) {
        json_t *f = json_array_get(feats, i);
        json_t *ac = json_object_get(json_object_get(f, "properties"), "adcode");
        if (json_is_integer(ac) && json_integer_value(ac) == adcode)
            return f;
    }
    die("%s: no feature with adcode %lld", path, adcode);
}

static void write_division_feature(sb_t *b, int idx, const char *code, const char *name, const char *level,
                                   const char *parent, const char *type, const GEOSGeometry *g, int dec)
{
    fc_sep(b, idx);
    props_begin(b);
    prop_str(b, "code", code);
    prop_str(b, "name", name);
    prop_str(b, "level", level);
    prop_str(b, "parent_code", parent);
    prop_str(b, "type", type);
    prop_str(b, "urban_rural", "");
    prop_str(b, "valid_from", "");
    sb_geom_end(b, g, dec);
}

/* Writes <prefix>-outlines-gcj02.geojson: province, prefecture, its counties.
 * Counties are taken from the NBS 2023 list of the prefecture; each county's
 * DataV geometry is also kept in `out` (GCJ-02 and converted). */
static int do_outlines(const char *data, const char *outdir, const char *rel, const char *prov, const char *city,
                       const csv_t *areas, county_t *out)
{
    char path[4096];
    sb_t b = {0};
    int nf = 0;
    fc_begin(&b);

    snprintf(path, sizeof path, "%s/boundaries-datav/china.json", data);
    json_t *china = load_json(path);
    json_t *f = find_feature(china, atoll(prov), path);
    const char *pname = json_string_value(json_object_get(json_object_get(f, "properties"), "name"));
    GEOSGeometry *g = geom_from_json(json_object_get(f, "geometry"), path);
    write_division_feature(&b, nf++, prov, pname, "province", "", "省", g, 6);
    gfree(g);
    json_decref(china);

    snprintf(path, sizeof path, "%s/boundaries-datav/province/%s.json", data, prov);
    json_t *pj = load_json(path);
    f = find_feature(pj, atoll(city), path);
    const char *cname = json_string_value(json_object_get(json_object_get(f, "properties"), "name"));
    g = geom_from_json(json_object_get(f, "geometry"), path);
    write_division_feature(&b, nf++, city, cname, "prefecture", prov, "市", g, 6);
    gfree(g);
    json_decref(pj);

    int ci = csv_col(areas, "code", "areas-2023.csv"), ni = csv_col(areas, "name", "areas-2023.csv");
    int ki = csv_col(areas, "cityCode", "areas-2023.csv");
    char city4[5];
    memcpy(city4, city, 4);
    city4[4] = '\0';
    int n = 0;
    for (int r = 0; r < areas->nrows; r++) {
        char **row = areas->rows[r];
        if (strcmp(row[ki], city4) != 0)
            continue;
        snprintf(path, sizeof path, "%s/boundaries-datav/county/%s.json", data, row[ci]);
        json_t *cj = load_json(path);
        json_t *cf = find_feature(cj, atoll(row[ci]), path);
        json_t *props = json_object_get(cf, "properties");
        county_t *c = &out[n++];
        memset(c, 0, sizeof *c);
        snprintf(c->code, sizeof c->code, "%s", row[ci]);
        c->name = xstrdup(json_string_value(json_object_get(props, "name")));
        if (strcmp(c->name, row[ni]) != 0)
            note("note: %s DataV name %s differs from NBS 2023 name %s", c->code, c->name, row[ni]);
        c->type = xstrdup(county_type(c->name));
        c->gcj = geom_from_json(json_object_get(cf, "geometry"), path);
        if (GEOSisValid_r(G, c->gcj) != 1)
            note("note: %s %s DataV outline is not valid", c->code, c->name);
        c->wgs = chk(GEOSGeom_transformXY_r(G, c->gcj, cb_gcj_to_wgs, NULL), "gcj→wgs");
        if (GEOSisValid_r(G, c->wgs) != 1) {
            note("note: %s %s outline invalid after GCJ→WGS; made valid", c->code, c->name);
            c->wgs = polygons_only_own(GEOSMakeValid_r(G, c->wgs));
        }
        c->prep_wgs = GEOSPrepare_r(G, c->wgs);
        c->m = geom_to_m(c->wgs);
        json_t *center = json_object_get(props, "center");
        crs_gcj02_to_wgs84(json_number_value(json_array_get(center, 0)), json_number_value(json_array_get(center, 1)),
                           &c->seat_lon, &c->seat_lat);
        write_division_feature(&b, nf++, c->code, c->name, "county", city, c->type, c->gcj, 6);
        json_decref(cj);
    }
    fc_end(&b);
    write_file(outdir, rel, &b);
    free(b.p);
    note("%-44s %3d features (1 province, 1 prefecture, %d counties)", rel, nf, n);
    return n;
}

/* ---- divisions: synthetic townships and villages (Voronoi) ---------------- */

static void random_point_in(const GEOSGeometry *area, const GEOSPreparedGeometry *prep, rng_t *r, double *x,
                            double *y)
{
    double x0, y0, x1, y1;
    genv(area, &x0, &y0, &x1, &y1);
    for (int k = 0; k < 1000000; k++) {
        double px = rng_range(r, x0, x1), py = rng_range(r, y0, y1);
        GEOSGeometry *p = mkpt(px, py);
        int in = GEOSPreparedContains_r(G, prep, p);
        gfree(p);
        if (in == 1) {
            *x = px;
            *y = py;
            return;
        }
    }
    die("could not sample a point inside an area");
}

/* cells[i] = (Voronoi cell of seed i) ∩ area, as MultiPolygons. */
static void voronoi_cells(const GEOSGeometry *area, int n, const double *sx, const double *sy, GEOSGeometry **cells)
{
    GEOSGeometry **pts = xmalloc((size_t)n * sizeof *pts);
    for (int i = 0; i < n; i++)
        pts[i] = mkpt(sx[i], sy[i]);
    GEOSGeometry *mp = chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOINT, pts, (unsigned)n), "multipoint");
    free(pts);
    GEOSGeometry *vd = chk(GEOSVoronoiDiagram_r(G, mp, area, 0.0, 0), "voronoi");
    for (int i = 0; i < n; i++)
        cells[i] = NULL;
    int nc = GEOSGetNumGeometries_r(G, vd);
    for (int j = 0; j < nc; j++) {
        const GEOSGeometry *cell = GEOSGetGeometryN_r(G, vd, j);
        const GEOSPreparedGeometry *pc = GEOSPrepare_r(G, cell);
        for (int i = 0; i < n; i++) {
            if (cells[i] || GEOSPreparedContains_r(G, pc, GEOSGetGeometryN_r(G, mp, i)) != 1)
                continue;
            cells[i] = polygons_only_own(GEOSIntersection_r(G, cell, area));
            break;
        }
        GEOSPreparedGeom_destroy_r(G, pc);
    }
    for (int i = 0; i < n; i++)
        if (!cells[i] || GEOSisEmpty_r(G, cells[i]))
            die("Voronoi seed %d of %d got no cell", i, n);
    gfree(vd);
    gfree(mp);
}

/* Splits `area` into n cells: n pseudo-random seeds, `steps` Lloyd relaxation
 * steps (seed ← centroid of its clipped cell, or a point on its surface when the
 * centroid falls outside), then the final clipped cells. Seeds are returned in
 * sx/sy (caller-allocated, n entries); cells newly allocated, caller frees. */
static GEOSGeometry **tile_area(const GEOSGeometry *area, int n, rng_t *r, int steps, double *sx, double *sy)
{
    GEOSGeometry **cells = xmalloc((size_t)n * sizeof *cells);
    if (n == 1) {
        GEOSGeometry *p = chk(GEOSPointOnSurface_r(G, area), "point on surface");
        pt_xy(p, &sx[0], &sy[0]);
        gfree(p);
        cells[0] = polygons_only(area);
        return cells;
    }
    const GEOSPreparedGeometry *prep = GEOSPrepare_r(G, area);
    for (int i = 0; i < n; i++)
        random_point_in(area, prep, r, &sx[i], &sy[i]);
    for (int s = 0;; s++) {
        voronoi_cells(area, n, sx, sy, cells);
        if (s == steps)
            break;
        for (int i = 0; i < n; i++) {
            GEOSGeometry *c = chk(GEOSGetCentroid_r(G, cells[i]), "centroid");
            if (GEOSIntersects_r(G, cells[i], c) != 1) {
                gfree(c);
                c = chk(GEOSPointOnSurface_r(G, cells[i]), "point on surface");
            }
            pt_xy(c, &sx[i], &sy[i]);
            gfree(c);
            gfree(cells[i]);
        }
    }
    GEOSPreparedGeom_destroy_r(G, prep);
    return cells;
}

static const double *sort_ref_x, *sort_ref_y;
static double sort_cx, sort_cy, sort_coslat;
static int cmp_by_dist(const void *a, const void *b)
{
    int i = *(const int *)a, j = *(const int *)b;
    double dxi = (sort_ref_x[i] - sort_cx) * sort_coslat, dyi = sort_ref_y[i] - sort_cy;
    double dxj = (sort_ref_x[j] - sort_cx) * sort_coslat, dyj = sort_ref_y[j] - sort_cy;
    double di = dxi * dxi + dyi * dyi, dj = dxj * dxj + dyj * dyj;
    return di < dj ? -1 : di > dj ? 1 : i - j;
}

/* Seed indices ordered by distance from (cx, cy): lower codes (街道, 社区) go to
 * the seeds nearest the seat, so urban units cluster as they do in reality. */
static int *order_by_distance(int n, const double *sx, const double *sy, double cx, double cy)
{
    int *ord = xmalloc((size_t)n * sizeof *ord);
    for (int i = 0; i < n; i++)
        ord[i] = i;
    sort_ref_x = sx;
    sort_ref_y = sy;
    sort_cx = cx;
    sort_cy = cy;
    sort_coslat = cos(cy * M_PI / 180.0);
    qsort(ord, (size_t)n, sizeof *ord, cmp_by_dist);
    return ord;
}

typedef struct {
    char code[13];
    char *name;
    char parent[13];
} coderow_t;

static int cmp_coderow(const void *a, const void *b)
{
    return strcmp(((const coderow_t *)a)->code, ((const coderow_t *)b)->code);
}

/* NBS 2023 townships of the counties with 4-digit city prefix, 12-digit codes. */
static coderow_t *load_towns(const csv_t *streets, const char *city4, int *n)
{
    int ci = csv_col(streets, "code", "streets-2023.csv"), ni = csv_col(streets, "name", "streets-2023.csv");
    int ai = csv_col(streets, "areaCode", "streets-2023.csv");
    coderow_t *v = NULL;
    int k = 0;
    for (int r = 0; r < streets->nrows; r++) {
        char **row = streets->rows[r];
        if (strncmp(row[ai], city4, 4) != 0)
            continue;
        v = xrealloc(v, (size_t)(k + 1) * sizeof *v);
        snprintf(v[k].code, sizeof v[k].code, "%.9s000", row[ci]);
        v[k].name = xstrdup(row[ni]);
        snprintf(v[k].parent, sizeof v[k].parent, "%s", row[ai]);
        k++;
    }
    qsort(v, (size_t)k, sizeof *v, cmp_coderow);
    *n = k;
    return v;
}

static int n_name_kept; /* villages whose NBS name was kept uncleaned */

static coderow_t *load_villages(const csv_t *vil, const char *city4, int *n)
{
    int ci = csv_col(vil, "code", "villages-2023-4prov.csv"), ni = csv_col(vil, "name", "villages-2023-4prov.csv");
    int si = csv_col(vil, "streetCode", "villages-2023-4prov.csv");
    int ki = csv_col(vil, "cityCode", "villages-2023-4prov.csv");
    coderow_t *v = NULL;
    int k = 0;
    for (int r = 0; r < vil->nrows; r++) {
        char **row = vil->rows[r];
        if (strcmp(row[ki], city4) != 0)
            continue;
        v = xrealloc(v, (size_t)(k + 1) * sizeof *v);
        snprintf(v[k].code, sizeof v[k].code, "%s", row[ci]);
        snprintf(v[k].parent, sizeof v[k].parent, "%.9s000", row[si]);
        /* NBS has 85 Chengdu rows like 永寿社区村民委员会 coded as a 村 (digits 200-399):
         * cleaning would give 永寿社区, a 社区 by its name, contradicting its code
         * (DIV-CODE-TYPE). For those the full NBS name, whose committee suffix
         * agrees with the code, is kept. */
        char *clean = clean_village_name(row[ni]);
        const char *by_code = village_type(v[k].code);
        const char *by_name = ends_with(clean, "社区") ? "社区" : ends_with(clean, "村") ? "村" : "";
        if (*by_code && *by_name && strcmp(by_code, by_name) != 0) {
            free(clean);
            clean = xstrdup(row[ni]);
            n_name_kept++;
        }
        v[k].name = clean;
        k++;
    }
    qsort(v, (size_t)k, sizeof *v, cmp_coderow);
    *n = k;
    return v;
}

static void do_changzhou_codes(const csv_t *streets, const csv_t *vil, const char *outdir)
{
    int nt, nv;
    coderow_t *t = load_towns(streets, "3204", &nt);
    coderow_t *v = load_villages(vil, "3204", &nv);
    sb_t b = {0};
    sb_adds(&b, "code,name,level,parent_code,type\n");
    for (int i = 0; i < nt; i++) {
        sb_csv(&b, t[i].code);
        sb_adds(&b, ",");
        sb_csv(&b, t[i].name);
        sb_adds(&b, ",township,");
        sb_csv(&b, t[i].parent);
        sb_adds(&b, ",");
        sb_csv(&b, town_type(t[i].code));
        sb_adds(&b, "\n");
    }
    for (int i = 0; i < nv; i++) {
        sb_csv(&b, v[i].code);
        sb_adds(&b, ",");
        sb_csv(&b, v[i].name);
        sb_adds(&b, ",village,");
        sb_csv(&b, v[i].parent);
        sb_adds(&b, ",");
        sb_csv(&b, village_type(v[i].code));
        sb_adds(&b, "\n");
    }
    write_file(outdir, "divisions/changzhou-codes-2023.csv", &b);
    note("%-44s %3d townships, %d villages (%d names kept uncleaned)", "divisions/changzhou-codes-2023.csv", nt, nv,
         n_name_kept);
    n_name_kept = 0;
    free(b.p);
}

static void do_chengdu_synthetic(const csv_t *streets, const csv_t *vil, const char *outdir)
{
    int nt, nv;
    coderow_t *t = load_towns(streets, "5101", &nt);
    coderow_t *v = load_villages(vil, "5101", &nv);
    cd_town = calloc((size_t)nt, sizeof *cd_town);
    cd_vil = calloc((size_t)nv, sizeof *cd_vil);

    /* townships, county by county */
    for (int c = 0; c < n_cd_county; c++) {
        county_t *co = &cd_county[c];
        co->first_town = n_cd_town;
        int k = 0;
        for (int i = 0; i < nt; i++)
            if (strcmp(t[i].parent, co->code) == 0)
                k++;
        co->ntown = k;
        if (!k)
            die("county %s has no townships in NBS 2023", co->code);
        char label[32];
        snprintf(label, sizeof label, "towns:%.12s", co->code);
        rng_t r = rng_for(label);
        double *sx = xmalloc((size_t)k * sizeof *sx), *sy = xmalloc((size_t)k * sizeof *sy);
        GEOSGeometry **cells = tile_area(co->wgs, k, &r, 3, sx, sy);
        int *ord = order_by_distance(k, sx, sy, co->seat_lon, co->seat_lat);
        int j = 0;
        for (int i = 0; i < nt; i++) {
            if (strcmp(t[i].parent, co->code) != 0)
                continue;
            town_t *tw = &cd_town[n_cd_town++];
            int s = ord[j++];
            memcpy(tw->code, t[i].code, sizeof tw->code);
            tw->name = t[i].name;
            tw->type = town_type(tw->code);
            tw->county = c;
            tw->raw = cells[s];
            tw->geom = snap7(cells[s]);
            tw->seed_x = sx[s];
            tw->seed_y = sy[s];
        }
        free(ord);
        free(cells);
        free(sx);
        free(sy);
    }
    if (n_cd_town != nt)
        die("%d of %d Chengdu townships have no county outline", nt - n_cd_town, nt);

    /* villages, township by township */
    for (int ti = 0; ti < n_cd_town; ti++) {
        town_t *tw = &cd_town[ti];
        tw->first_vil = n_cd_vil;
        int k = 0;
        for (int i = 0; i < nv; i++)
            if (strcmp(v[i].parent, tw->code) == 0)
                k++;
        tw->nvil = k;
        if (!k) {
            note("note: township %s %s has no villages", tw->code, tw->name);
            continue;
        }
        char label[64];
        snprintf(label, sizeof label, "villages:%.12s", tw->code);
        rng_t r = rng_for(label);
        double *sx = xmalloc((size_t)k * sizeof *sx), *sy = xmalloc((size_t)k * sizeof *sy);
        GEOSGeometry **cells = tile_area(tw->raw, k, &r, 2, sx, sy);
        int *ord = order_by_distance(k, sx, sy, tw->seed_x, tw->seed_y);
        int j = 0;
        for (int i = 0; i < nv; i++) {
            if (strcmp(v[i].parent, tw->code) != 0)
                continue;
            village_t *vi = &cd_vil[n_cd_vil++];
            int s = ord[j++];
            memcpy(vi->code, v[i].code, sizeof vi->code);
            vi->name = v[i].name;
            vi->type = village_type(vi->code);
            vi->town = ti;
            vi->geom = snap7(cells[s]);
            if (GEOSisEmpty_r(G, vi->geom))
                die("village %s vanished on rounding", vi->code);
            vi->prep = GEOSPrepare_r(G, vi->geom);
            gfree(cells[s]);
        }
        free(ord);
        free(cells);
        free(sx);
        free(sy);
    }
    if (n_cd_vil != nv)
        die("%d Chengdu villages have no township", nv - n_cd_vil);

    sb_t b = {0};
    fc_begin(&b);
    for (int i = 0; i < n_cd_town; i++)
        write_division_feature(&b, i, cd_town[i].code, cd_town[i].name, "township", cd_county[cd_town[i].county].code,
                               cd_town[i].type, cd_town[i].geom, 7);
    fc_end(&b);
    write_file(outdir, "divisions/chengdu-townships-synthetic.geojson", &b);
    note("%-44s %3d features", "divisions/chengdu-townships-synthetic.geojson", n_cd_town);
    b.n = 0;
    fc_begin(&b);
    for (int i = 0; i < n_cd_vil; i++)
        write_division_feature(&b, i, cd_vil[i].code, cd_vil[i].name, "village", cd_town[cd_vil[i].town].code,
                               cd_vil[i].type, cd_vil[i].geom, 7);
    fc_end(&b);
    write_file(outdir, "divisions/chengdu-villages-synthetic.geojson", &b);
    note("%-44s %3d features (%d names kept uncleaned)", "divisions/chengdu-villages-synthetic.geojson", n_cd_vil,
         n_name_kept);
    free(b.p);
    free(t);
    free(v);
}

/* ---- point → division lookups --------------------------------------------- */

static GEOSSTRtree *vil_tree;

typedef struct {
    int *v;
    int n, cap;
} ivec_t;

static void ivec_push(ivec_t *a, int x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 16;
        a->v = xrealloc(a->v, (size_t)a->cap * sizeof *a->v);
    }
    a->v[a->n++] = x;
}

static void tree_cb(void *item, void *ud) { ivec_push(ud, (int)(intptr_t)item - 1); }
static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

static void build_village_index(void)
{
    vil_tree = GEOSSTRtree_create_r(G, 10);
    for (int i = 0; i < n_cd_vil; i++)
        GEOSSTRtree_insert_r(G, vil_tree, cd_vil[i].geom, (void *)(intptr_t)(i + 1));
}

/* Number of villages whose closure contains (lon, lat); *first = lowest index. */
static int villages_at(double lon, double lat, int *first)
{
    static ivec_t cand;
    cand.n = 0;
    GEOSGeometry *p = mkpt(lon, lat);
    GEOSSTRtree_query_r(G, vil_tree, p, tree_cb, &cand);
    qsort(cand.v, (size_t)cand.n, sizeof *cand.v, cmp_int);
    int k = 0;
    *first = -1;
    for (int i = 0; i < cand.n; i++) {
        if (GEOSPreparedIntersects_r(G, cd_vil[cand.v[i]].prep, p) == 1) {
            if (!k)
                *first = cand.v[i];
            k++;
        }
    }
    gfree(p);
    return k;
}

static int county_at(double lon, double lat)
{
    GEOSGeometry *p = mkpt(lon, lat);
    int found = -1;
    for (int c = 0; c < n_cd_county && found < 0; c++)
        if (GEOSPreparedIntersects_r(G, cd_county[c].prep_wgs, p) == 1)
            found = c;
    gfree(p);
    return found;
}

static int village_county(int vi) { return cd_town[cd_vil[vi].town].county; }

/* ---- roads (real OSM edges) ----------------------------------------------- */

typedef struct {
    long long osm_id;
    char *name;  /* verbatim OSM name, "" if none */
    char *clean; /* standard-name form (Latin " - ..." tail removed), NULL unless Chinese */
    int street;  /* clean name ends like a street (路, 街, 巷, 道, 段, 里): usable in addresses */
    char *hw;
    int walkable, oneway;
    int frontage; /* a street a building can face: facilities are put beside these */
    int barrier;  /* a public street: residential areas must not cross these */
    double length_m;
    GEOSGeometry *g; /* lon/lat, as written (oneway=-1 reversed) */
    GEOSGeometry *m; /* metric frame */
} edge_t;

static edge_t *edges;
static int n_edges;

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static int str_in(const char *s, const char *const *set)
{
    for (; *set; set++)
        if (strcmp(s, *set) == 0)
            return 1;
    return 0;
}

/* "八里庄路 - Balizhuang Road" → "八里庄路": the OSM name tag sometimes carries an
 * English gloss; a standard name (标准地名) is the Chinese part only. */
static char *clean_osm_name(const char *name)
{
    if (!has_cjk(name))
        return NULL;
    const char *dash = NULL;
    for (const char *p = strstr(name, " - "); p; p = strstr(p + 1, " - "))
        dash = p;
    size_t n = strlen(name);
    if (dash && !has_cjk(dash + 3)) {
        char *head = xmalloc((size_t)(dash - name) + 1);
        memcpy(head, name, (size_t)(dash - name));
        head[dash - name] = '\0';
        if (has_cjk(head))
            n = strlen(head);
        free(head);
    }
    while (n && name[n - 1] == ' ')
        n--;
    const char *s = name;
    while (*s == ' ')
        s++, n--;
    char *out = xmalloc(n + 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return out;
}

static void load_roads(const char *data)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/osm-chengdu-central/roads-edges.geojson", data);
    json_t *fc = load_json(path);
    json_t *feats = json_object_get(fc, "features");
    n_edges = (int)json_array_size(feats);
    edges = calloc((size_t)n_edges, sizeof *edges);
    static const char *const motor_only[] = {"motorway", "motorway_link", "trunk", "trunk_link", NULL};
    static const char *const not_frontage[] = {"footway", "steps", "cycleway", "track", "path", "motorway",
                                               "motorway_link", NULL};
    static const char *const barrier[] = {"motorway", "motorway_link", "trunk", "trunk_link", "primary",
                                          "primary_link", "secondary", "secondary_link", "tertiary",
                                          "tertiary_link", "unclassified", "residential", "living_street",
                                          "pedestrian", NULL};
    for (int i = 0; i < n_edges; i++) {
        json_t *f = json_array_get(feats, (size_t)i);
        json_t *pr = json_object_get(f, "properties");
        edge_t *e = &edges[i];
        e->osm_id = json_integer_value(json_object_get(pr, "osm_way_id"));
        e->name = xstrdup(jstr(pr, "name"));
        e->clean = clean_osm_name(e->name);
        e->street = e->clean && (ends_with(e->clean, "路") || ends_with(e->clean, "街") || ends_with(e->clean, "巷") ||
                                 ends_with(e->clean, "道") || ends_with(e->clean, "段") || ends_with(e->clean, "里"));
        e->hw = xstrdup(jstr(pr, "highway"));
        e->length_m = json_number_value(json_object_get(pr, "length_m"));
        const char *foot = jstr(pr, "foot"), *access = jstr(pr, "access"), *ow = jstr(pr, "oneway");
        e->walkable = !(str_in(e->hw, motor_only) || strcmp(foot, "no") == 0 || strcmp(access, "no") == 0);
        /* OSM conventions: oneway=-1 runs against the drawing direction (we reverse
         * the line), roundabouts and motorways are one-way unless tagged otherwise. */
        int reversed = strcmp(ow, "-1") == 0;
        e->oneway = strcmp(ow, "yes") == 0 || strcmp(ow, "true") == 0 || strcmp(ow, "1") == 0 || reversed ||
                    (strcmp(ow, "no") != 0 &&
                     (strcmp(jstr(pr, "junction"), "roundabout") == 0 || strcmp(e->hw, "motorway") == 0));
        e->frontage = e->walkable && !str_in(e->hw, not_frontage);
        e->barrier = str_in(e->hw, barrier);
        GEOSGeometry *g = geom_from_json(json_object_get(f, "geometry"), path);
        if (reversed) {
            GEOSGeometry *r = chk(GEOSReverse_r(G, g), "reverse");
            gfree(g);
            g = r;
        }
        e->g = g;
        e->m = geom_to_m(g);
    }
    json_decref(fc);
}

static void do_roads(const char *outdir)
{
    sb_t b = {0};
    fc_begin(&b);
    for (int i = 0; i < n_edges; i++) {
        edge_t *e = &edges[i];
        fc_sep(&b, i);
        props_begin(&b);
        prop_str(&b, "name", e->name);
        prop_str(&b, "class", e->hw);
        prop_int(&b, "walkable", e->walkable);
        prop_int(&b, "oneway", e->oneway);
        prop_int(&b, "osm_id", e->osm_id);
        sb_geom_end(&b, e->g, 7);
    }
    fc_end(&b);
    write_file(outdir, "roads/chengdu-central-roads.geojson", &b);
    note("%-44s %3d features", "roads/chengdu-central-roads.geojson", n_edges);
    free(b.p);
}

/* ---- names: road names and POIs ------------------------------------------- */

static int cmp_edge_clean(const void *a, const void *b)
{
    const edge_t *x = &edges[*(const int *)a], *y = &edges[*(const int *)b];
    int c = strcmp(x->clean, y->clean);
    return c ? c : *(const int *)a - *(const int *)b;
}

static void write_name_props(sb_t *b, const char *name, const char *category, const char *division)
{
    props_begin(b);
    prop_str(b, "name", name);
    prop_str(b, "category", category);
    prop_str(b, "division", division);
    prop_str(b, "status", "approved");
    prop_str(b, "approval_doc", "");
    prop_str(b, "approved_on", "");
    prop_str(b, "former_names", "");
}

static void do_road_names(const char *outdir)
{
    int *idx = xmalloc((size_t)n_edges * sizeof *idx), k = 0;
    for (int i = 0; i < n_edges; i++)
        if (edges[i].clean)
            idx[k++] = i;
    qsort(idx, (size_t)k, sizeof *idx, cmp_edge_clean);
    sb_t b = {0};
    fc_begin(&b);
    int nf = 0, nodiv = 0;
    for (int s = 0; s < k;) {
        int e = s;
        while (e < k && strcmp(edges[idx[e]].clean, edges[idx[s]].clean) == 0)
            e++;
        GEOSGeometry **parts = xmalloc((size_t)(e - s) * sizeof *parts);
        int longest = idx[s];
        for (int j = s; j < e; j++) {
            parts[j - s] = chk(GEOSGeom_clone_r(G, edges[idx[j]].g), "clone");
            if (edges[idx[j]].length_m > edges[longest].length_m)
                longest = idx[j];
        }
        GEOSGeometry *ml = chk(GEOSGeom_createCollection_r(G, GEOS_MULTILINESTRING, parts, (unsigned)(e - s)), "ml");
        free(parts);
        GEOSGeometry *merged = lines_only_own(GEOSLineMerge_r(G, ml));
        gfree(ml);
        GEOSGeometry *mid = chk(GEOSInterpolateNormalized_r(G, edges[longest].g, 0.5), "interpolate");
        double mx, my;
        pt_xy(mid, &mx, &my);
        gfree(mid);
        int c = county_at(mx, my);
        if (c < 0)
            nodiv++;
        fc_sep(&b, nf++);
        write_name_props(&b, edges[idx[s]].clean, "road", c >= 0 ? cd_county[c].code : "");
        sb_geom_end(&b, merged, 7);
        gfree(merged);
        s = e;
    }
    fc_end(&b);
    write_file(outdir, "names/chengdu-road-names.geojson", &b);
    note("%-44s %3d features (%d outside every county outline)", "names/chengdu-road-names.geojson", nf, nodiv);
    free(b.p);
    free(idx);
}

static void do_pois(const char *data, const char *outdir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/osm-chengdu-central/pois.csv", data);
    csv_t *c = csv_load(path);
    int ni = csv_col(c, "name", path), ki = csv_col(c, "key", path), xi = csv_col(c, "lon", path),
        yi = csv_col(c, "lat", path);
    static const char *const building[] = {"amenity", "shop", "office", "healthcare", "social_facility", NULL};
    static const char *const landmark[] = {"tourism", "leisure", "historic", NULL};
    static const char *const transport[] = {"railway", "public_transport", NULL};
    typedef struct {
        char *name;
        const char *cat;
        double x, y;
    } kept_t;
    kept_t *kept = xmalloc((size_t)c->nrows * sizeof *kept);
    int nk = 0, ndup = 0, nvil = 0, ncounty = 0, nnone = 0;
    sb_t b = {0};
    sb_adds(&b, "lon,lat,name,category,division,status\n");
    for (int r = 0; r < c->nrows; r++) {
        char **row = c->rows[r];
        char *name = clean_osm_name(row[ni]);
        if (!name)
            continue;
        const char *cat = str_in(row[ki], building)    ? "building"
                          : str_in(row[ki], landmark)  ? "landmark"
                          : str_in(row[ki], transport) ? "transport"
                                                       : "other";
        double lon = rnd(strtod(row[xi], NULL), 7), lat = rnd(strtod(row[yi], NULL), 7);
        /* one standard name per place: the same name and category within 500 m
         * (a station's stop positions, entrances, platforms) is kept once. */
        int dup = 0;
        for (int j = 0; j < nk && !dup; j++)
            dup = kept[j].cat == cat && strcmp(kept[j].name, name) == 0 &&
                  crs_geodesic_distance_m(kept[j].x, kept[j].y, lon, lat) < 500.0;
        if (dup) {
            ndup++;
            free(name);
            continue;
        }
        kept[nk++] = (kept_t){name, cat, lon, lat};
        int vi, co;
        const char *div = "";
        if (villages_at(lon, lat, &vi) > 0) {
            div = cd_vil[vi].code;
            nvil++;
        } else if ((co = county_at(lon, lat)) >= 0) {
            div = cd_county[co].code;
            ncounty++;
        } else
            nnone++;
        sb_num(&b, lon, 7);
        sb_adds(&b, ",");
        sb_num(&b, lat, 7);
        sb_adds(&b, ",");
        sb_csv(&b, name);
        sb_adds(&b, ",");
        sb_csv(&b, cat);
        sb_adds(&b, ",");
        sb_csv(&b, div);
        sb_adds(&b, ",approved\n");
    }
    write_file(outdir, "names/chengdu-pois.csv", &b);
    note("%-44s %3d rows (%d duplicates dropped; division: %d village, %d county, %d none)", "names/chengdu-pois.csv",
         nk, ndup, nvil, ncounty, nnone);
    free(b.p);
}

/* ---- census shares -------------------------------------------------------- */

static void load_census(const char *data)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/census2020-county/ages.csv", data);
    csv_t *a = csv_load(path);
    static const char *const b60[] = {"AGES_60-64", "AGES_65-69", "AGES_70-74", "AGES_75-79", "AGES_80-84",
                                      "AGES_85P", NULL};
    int ci = csv_col(a, "CODE", path), i6[6], i80 = csv_col(a, "AGES_80-84", path),
        i85 = csv_col(a, "AGES_85P", path);
    for (int k = 0; b60[k]; k++)
        i6[k] = csv_col(a, b60[k], path);
    for (int c = 0; c < n_cd_county; c++) {
        int found = 0;
        for (int r = 0; r < a->nrows && !found; r++) {
            if (strcmp(a->rows[r][ci], cd_county[c].code) != 0)
                continue;
            double s = 0;
            for (int k = 0; k < 6; k++)
                s += strtod(a->rows[r][i6[k]], NULL);
            cd_county[c].s60 = s;
            cd_county[c].s80 = strtod(a->rows[r][i80], NULL) + strtod(a->rows[r][i85], NULL);
            found = 1;
        }
        if (!found)
            die("census ages: no row for %s", cd_county[c].code);
    }
    snprintf(path, sizeof path, "%s/census2020-county/households.csv", data);
    csv_t *h = csv_load(path);
    int hc = csv_col(h, "CODE", path), hs = csv_col(h, "HHLD_S", path);
    for (int c = 0; c < n_cd_county; c++) {
        for (int r = 0; r < h->nrows; r++)
            if (strcmp(h->rows[r][hc], cd_county[c].code) == 0)
                cd_county[c].hh_size = strtod(h->rows[r][hs], NULL);
        if (cd_county[c].hh_size <= 0)
            die("census households: no row for %s", cd_county[c].code);
    }
}

/* ---- synthetic placement helpers (metric frame) --------------------------- */

typedef struct {
    double x, y, ux, uy; /* a point on a road and the road's unit direction */
    int edge;
    int village; /* village at the road point itself, -1 if none or ambiguous */
} cand_t;

static double bbox_x0, bbox_y0, bbox_x1, bbox_y1; /* the OSM bbox in metres */

static int in_bbox_ll(double lon, double lat) { return lon > BBOX_W && lon < BBOX_E && lat > BBOX_S && lat < BBOX_N; }

/* Points every `step` metres along the frontage edges (barrier = 0) or the
 * public streets other than motorways (barrier = 1), inside the bbox shrunk by
 * `margin` metres, each with the road's direction and the village it lies in. */
static cand_t *road_candidates(int barrier, double step, double margin, int *n)
{
    cand_t *v = NULL;
    int k = 0, cap = 0;
    for (int i = 0; i < n_edges; i++) {
        edge_t *e = &edges[i];
        if (barrier ? !(e->barrier && strncmp(e->hw, "motorway", 8) != 0) : !e->frontage)
            continue;
        const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(G, e->m);
        unsigned np = 0;
        GEOSCoordSeq_getSize_r(G, s, &np);
        double carry = step / 2; /* distance to the next sample along the edge */
        for (unsigned j = 0; j + 1 < np; j++) {
            double ax, ay, bx, by;
            GEOSCoordSeq_getXY_r(G, s, j, &ax, &ay);
            GEOSCoordSeq_getXY_r(G, s, j + 1, &bx, &by);
            double len = hypot(bx - ax, by - ay);
            if (len <= 0)
                continue;
            double ux = (bx - ax) / len, uy = (by - ay) / len, t = carry;
            for (; t <= len; t += step) {
                double x = ax + ux * t, y = ay + uy * t;
                if (x < bbox_x0 + margin || x > bbox_x1 - margin || y < bbox_y0 + margin || y > bbox_y1 - margin)
                    continue;
                if (k == cap) {
                    cap = cap ? cap * 2 : 4096;
                    v = xrealloc(v, (size_t)cap * sizeof *v);
                }
                double lon, lat;
                to_ll(x, y, &lon, &lat);
                int vi;
                int nv = villages_at(rnd(lon, 7), rnd(lat, 7), &vi);
                v[k++] = (cand_t){x, y, ux, uy, i, nv == 1 ? vi : -1};
            }
            carry = t - len;
        }
    }
    *n = k;
    return v;
}

/* Named streets in the metric frame, for "nearest road name". */
static GEOSSTRtree *named_tree;

static void build_named_index(void)
{
    named_tree = GEOSSTRtree_create_r(G, 10);
    for (int i = 0; i < n_edges; i++) {
        if (!edges[i].street || strcmp(edges[i].hw, "footway") == 0 || strcmp(edges[i].hw, "steps") == 0)
            continue;
        GEOSGeom_setUserData_r(G, edges[i].m, (void *)(intptr_t)(i + 1));
        GEOSSTRtree_insert_r(G, named_tree, edges[i].m, edges[i].m);
    }
}

/* The name of edge `prefer` if it is a named street, else of the nearest named
 * street (names like 二环高架 or 成都市动物园 do not make addresses). */
static const char *road_name_near(double x, double y, int prefer)
{
    if (prefer >= 0 && edges[prefer].street)
        return edges[prefer].clean;
    GEOSGeometry *p = mkpt(x, y);
    const GEOSGeometry *g = GEOSSTRtree_nearest_r(G, named_tree, p);
    gfree(p);
    if (!g)
        die("no named road found");
    return edges[(int)(intptr_t)GEOSGeom_getUserData_r(G, g) - 1].clean;
}

/* The 专名-ish part of a road name for estate and institution names:
 * 人民南路四段 → 人民南, 玉林街 → 玉林, 二环路南三段 → 二环. */
static char *road_base(const char *road)
{
    char *s = xstrdup(road);
    if (ends_with(s, "段")) {
        s[strlen(s) - strlen("段")] = '\0';
        static const char *const pre[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十", NULL};
        size_t ls = last_char_start(s);
        if (str_in(s + ls, pre))
            s[ls] = '\0';
    }
    static const char *const dir[] = {"东", "西", "南", "北", "中", NULL};
    size_t ls = last_char_start(s);
    if (ls > 0 && str_in(s + ls, dir)) {
        char save = s[ls];
        s[ls] = '\0';
        if (ends_with(s, "路") || ends_with(s, "街"))
            ; /* 二环路南 → 二环路, then the generic below */
        else
            s[ls] = save;
    }
    static const char *const generic[] = {"大道", "大街", "路", "街", "巷", NULL};
    for (int i = 0; generic[i]; i++) {
        if (ends_with(s, generic[i]) && strlen(s) >= strlen(generic[i]) + 6) {
            s[strlen(s) - strlen(generic[i])] = '\0';
            break;
        }
    }
    return s;
}

/* A set of names already used, to keep synthetic names unique. */
typedef struct {
    char **v;
    int n;
} nameset_t;

static int nameset_has(const nameset_t *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->v[i], name) == 0)
            return 1;
    return 0;
}

static void nameset_add(nameset_t *s, const char *name)
{
    s->v = xrealloc(s->v, (size_t)(s->n + 1) * sizeof *s->v);
    s->v[s->n++] = xstrdup(name);
}

/* ---- synthetic elderly-care facilities ------------------------------------ */

typedef struct {
    double lon, lat, x, y;
    char *name;
    const char *type, *functions;
    int beds, nursing_beds;
    const char *status;
    int village;
    char *address;
} facility_t;

static facility_t fac[400];
static int n_fac;
static const GEOSPreparedGeometry *all_roads_m; /* every edge, metric frame */

static void build_all_roads(void)
{
    GEOSGeometry **v = xmalloc((size_t)n_edges * sizeof *v);
    for (int i = 0; i < n_edges; i++)
        v[i] = chk(GEOSGeom_clone_r(G, edges[i].m), "clone");
    GEOSGeometry *ml = chk(GEOSGeom_createCollection_r(G, GEOS_MULTILINESTRING, v, (unsigned)n_edges), "roads");
    free(v);
    all_roads_m = GEOSPrepare_r(G, ml); /* kept for the whole run */
}

/* Tries to put a facility a few metres off a road point drawn from `pool`,
 * inside the bbox, in exactly one village, inside town `town` / village `vil`
 * when those are >= 0, at least 4 m from every road line (not on another street)
 * and at least 40 m from every other facility. */
static int place_facility(rng_t *r, const cand_t *pool, int npool, int town, int vil, facility_t *f, int *edge)
{
    if (!npool)
        return 0;
    for (int tries = 0; tries < 3000; tries++) {
        const cand_t *c = &pool[rng_int(r, 0, npool - 1)];
        double side = rng_unit(r) < 0.5 ? 1 : -1, off = rng_range(r, 6, 15), along = rng_range(r, -10, 10);
        double x = c->x + c->ux * along - c->uy * off * side, y = c->y + c->uy * along + c->ux * off * side;
        double lon, lat;
        to_ll(x, y, &lon, &lat);
        lon = rnd(lon, 7);
        lat = rnd(lat, 7);
        if (!in_bbox_ll(lon, lat))
            continue;
        int vi;
        if (villages_at(lon, lat, &vi) != 1)
            continue;
        if ((town >= 0 && cd_vil[vi].town != town) || (vil >= 0 && vi != vil))
            continue;
        GEOSGeometry *pm = mkpt(x, y);
        int on_road = GEOSPreparedDistanceWithin_r(G, all_roads_m, pm, 4.0) == 1;
        gfree(pm);
        if (on_road)
            continue;
        int close = 0;
        for (int j = 0; j < n_fac && !close; j++)
            close = hypot(fac[j].x - x, fac[j].y - y) < 40.0;
        if (close)
            continue;
        memset(f, 0, sizeof *f);
        f->lon = lon;
        f->lat = lat;
        f->x = x;
        f->y = y;
        f->village = vi;
        *edge = c->edge;
        return 1;
    }
    return 0;
}

static const char *pick_status(rng_t *r)
{
    double u = rng_unit(r);
    return u < 0.86 ? "operating" : u < 0.95 ? "planned" : "building";
}

static int fac_add(rng_t *r, nameset_t *names, facility_t *f, int edge, const char *type, const char *functions,
                   char *name, int beds, int nursing)
{
    if (nameset_has(names, name)) {
        free(name);
        return 0;
    }
    if (n_fac == (int)(sizeof fac / sizeof *fac))
        die("too many facilities");
    nameset_add(names, name);
    const county_t *co = &cd_county[village_county(f->village)];
    f->name = name;
    f->type = type;
    f->functions = functions;
    f->beds = beds;
    f->nursing_beds = nursing;
    f->status = pick_status(r);
    f->address = xasprintf("成都市%s%s%d号", co->name, road_name_near(f->x, f->y, edge), rng_int(r, 1, 320));
    fac[n_fac++] = *f;
    return 1;
}

static int nursing_of(rng_t *r, int beds, double lo, double hi) { return (int)floor(beds * rng_range(r, lo, hi) + 0.5); }

static int cmp_fac(const void *a, const void *b)
{
    const facility_t *x = a, *y = b;
    int c = strcmp(cd_vil[x->village].code, cd_vil[y->village].code);
    return c ? c : strcmp(x->name, y->name);
}

static void do_facilities(const char *outdir)
{
    int npool;
    cand_t *pool = road_candidates(0, 20.0, 25.0, &npool);
    rng_t r = rng_for("facilities");
    build_all_roads();
    nameset_t names = {0};
    GEOSGeometry *bbox = chk(GEOSGeom_createRectangle_r(G, BBOX_W, BBOX_S, BBOX_E, BBOX_N), "bbox");

    /* townships (街道) touching the bbox, and the communities inside it */
    int towns[128], nt = 0;
    for (int t = 0; t < n_cd_town; t++)
        if (strcmp(cd_town[t].type, "街道") == 0 && GEOSIntersects_r(G, cd_town[t].geom, bbox) == 1)
            towns[nt++] = t;
    cand_t *sub = xmalloc((size_t)npool * sizeof *sub);
    int nofac_town = 0;

    static const char *const F_CENTRE = "全托;日托;上门服务;居家探访;助餐;康复护理;精神慰藉;文化娱乐;紧急援助;能力评估";
    static const char *const F_COMPLEX = "日间照料;助餐;助浴;助洁;康复护理;文化娱乐;养老顾问";
    static const char *const F_EMBED = "照护托养;日间照料;助餐;康复护理;居家上门;陪诊转介";
    static const char *const F_DAY = "日间照料;助餐;文化娱乐;精神慰藉";
    static const char *const F_MEAL = "助餐";
    static const char *const F_HOME = "上门服务;助洁;助浴;助医;居家探访";
    static const char *const F_INST = "全托;生活照料;康复护理;精神慰藉";
    static const char *const F_INST_MED = "全托;生活照料;康复护理;精神慰藉;医疗";
    static const char *const F_MED = "全托;康复护理;医疗;安宁疗护";

    /* 1. one 综合性养老服务中心 per 街道 (DOMAIN §8), ~half get an 嵌入式养老院 */
    for (int i = 0; i < nt; i++) {
        int t = towns[i], ns = 0;
        for (int j = 0; j < npool; j++)
            if (pool[j].village >= 0 && cd_vil[pool[j].village].town == t)
                sub[ns++] = pool[j];
        facility_t f;
        int edge;
        const town_t *tw = &cd_town[t];
        const county_t *co = &cd_county[tw->county];
        if (!place_facility(&r, ns ? sub : pool, ns ? ns : npool, t, -1, &f, &edge)) {
            nofac_town++;
            note("note: township %s %s touches the bbox but has no road inside it: no centre", tw->code, tw->name);
            continue;
        }
        int beds = rng_int(&r, 20, 60);
        fac_add(&r, &names, &f, edge, "综合性养老服务中心", F_CENTRE, xasprintf("%s%s综合养老服务中心", co->name, tw->name),
                beds, nursing_of(&r, beds, 0.3, 0.7));
        if (rng_unit(&r) < 0.5 && place_facility(&r, sub, ns, t, -1, &f, &edge)) {
            beds = rng_int(&r, 20, 60);
            fac_add(&r, &names, &f, edge, "嵌入式养老院", F_EMBED, xasprintf("%s嵌入式养老院", tw->name), beds,
                    nursing_of(&r, beds, 0.5, 0.8));
        }
        if (rng_unit(&r) < 0.15 && place_facility(&r, sub, ns, t, -1, &f, &edge)) {
            beds = rng_int(&r, 30, 80);
            fac_add(&r, &names, &f, edge, "社区养老服务综合体", F_COMPLEX, xasprintf("%s社区养老服务综合体", tw->name), beds,
                    nursing_of(&r, beds, 0.2, 0.5));
        }
    }
    int n_town_level = n_fac;

    /* 2. community-level and free-standing facilities until the target count */
    int guard = 0;
    while (n_fac < N_FACILITIES_TARGET && guard++ < 20000) {
        double u = rng_unit(&r);
        facility_t f;
        int edge;
        if (u < 0.34) { /* 日间照料中心 in a community */
            int c = pool[rng_int(&r, 0, npool - 1)].village;
            if (c < 0)
                continue;
            int ns = 0;
            for (int j = 0; j < npool; j++)
                if (pool[j].village == c)
                    sub[ns++] = pool[j];
            if (!place_facility(&r, sub, ns, -1, c, &f, &edge))
                continue;
            int beds = rng_unit(&r) < 0.5 ? 0 : rng_int(&r, 4, 15);
            fac_add(&r, &names, &f, edge, "日间照料中心", F_DAY, xasprintf("%s日间照料中心", cd_vil[c].name), beds, 0);
        } else if (u < 0.66) { /* 老年助餐点 */
            if (!place_facility(&r, pool, npool, -1, -1, &f, &edge))
                continue;
            const char *road = road_name_near(f.x, f.y, edge);
            char *nm = xasprintf("%s老年助餐点", road);
            if (nameset_has(&names, nm)) {
                free(nm);
                nm = xasprintf("%s老年助餐点", cd_vil[f.village].name);
            }
            fac_add(&r, &names, &f, edge, "老年助餐点", F_MEAL, nm, 0, 0);
        } else if (u < 0.78) { /* 居家养老服务站 */
            if (!place_facility(&r, pool, npool, -1, -1, &f, &edge))
                continue;
            fac_add(&r, &names, &f, edge, "居家养老服务站", F_HOME, xasprintf("%s居家养老服务站", cd_vil[f.village].name), 0,
                    0);
        } else if (u < 0.94) { /* 养老机构 */
            if (!place_facility(&r, pool, npool, -1, -1, &f, &edge))
                continue;
            static const char *const suffix[] = {"养老院", "颐养院", "老年公寓", "康养中心", "敬老院"};
            char *base = road_base(road_name_near(f.x, f.y, edge));
            int beds = rng_int(&r, 20, 300);
            /* beds >= 100 should come with in-house medical care (Jianyang FYP);
             * about one in five large homes deliberately lacks it, for rule tests. */
            const char *fn = beds >= 100 && rng_unit(&r) < 0.8 ? F_INST_MED : F_INST;
            fac_add(&r, &names, &f, edge, "养老机构", fn, xasprintf("%s%s", base, suffix[rng_int(&r, 0, 4)]), beds,
                    nursing_of(&r, beds, 0.3, 0.8));
            free(base);
        } else { /* 医养结合机构 */
            if (!place_facility(&r, pool, npool, -1, -1, &f, &edge))
                continue;
            static const char *const suffix[] = {"护理院", "医养中心"};
            char *base = road_base(road_name_near(f.x, f.y, edge));
            int beds = rng_int(&r, 50, 200);
            fac_add(&r, &names, &f, edge, "医养结合机构", F_MED, xasprintf("%s%s", base, suffix[rng_int(&r, 0, 1)]), beds,
                    nursing_of(&r, beds, 0.6, 0.9));
            free(base);
        }
    }
    qsort(fac, (size_t)n_fac, sizeof *fac, cmp_fac);
    sb_t b = {0};
    sb_adds(&b, "lon,lat,name,type,functions,beds,nursing_beds,status,division,address\n");
    for (int i = 0; i < n_fac; i++) {
        facility_t *f = &fac[i];
        sb_num(&b, f->lon, 7);
        sb_adds(&b, ",");
        sb_num(&b, f->lat, 7);
        sb_adds(&b, ",");
        sb_csv(&b, f->name);
        sb_adds(&b, ",");
        sb_csv(&b, f->type);
        sb_adds(&b, ",");
        sb_csv(&b, f->functions);
        sb_addf(&b, ",%d,%d,", f->beds, f->nursing_beds);
        sb_csv(&b, f->status);
        sb_adds(&b, ",");
        sb_csv(&b, cd_vil[f->village].code);
        sb_adds(&b, ",");
        sb_csv(&b, f->address);
        sb_adds(&b, "\n");
    }
    write_file(outdir, "facilities/chengdu-facilities-synthetic.csv", &b);
    note("%-44s %3d rows (%d 街道 touch the bbox, %d town-level facilities, %d without a centre)",
         "facilities/chengdu-facilities-synthetic.csv", n_fac, nt, n_town_level, nofac_town);
    free(b.p);
    free(sub);
    free(pool);
    gfree(bbox);
}

/* ---- synthetic residential areas ------------------------------------------ */

typedef struct {
    double x0, y0, x1, y1; /* envelope in metres, grown by the gap */
    GEOSGeometry *m;       /* rectangle in metres */
    GEOSGeometry *g;       /* rectangle in lon/lat, as written */
    char *name;
    int households, pop60, pop80, village;
} resi_t;

static GEOSGeometry *rect_m(double bx, double by, double ux, double uy, double side, double w, double d, double off)
{
    /* base point on the road side, the long side parallel to the road */
    double nx = -uy * side, ny = ux * side;
    double px[4], py[4];
    px[0] = bx - ux * w / 2 + nx * off, py[0] = by - uy * w / 2 + ny * off;
    px[1] = bx + ux * w / 2 + nx * off, py[1] = by + uy * w / 2 + ny * off;
    px[2] = px[1] + nx * d, py[2] = py[1] + ny * d;
    px[3] = px[0] + nx * d, py[3] = py[0] + ny * d;
    /* counter-clockwise, as RFC 7946 asks of exterior rings */
    double a2 = 0;
    for (int i = 0; i < 4; i++)
        a2 += px[i] * py[(i + 1) % 4] - px[(i + 1) % 4] * py[i];
    GEOSCoordSequence *s = GEOSCoordSeq_create_r(G, 5, 2);
    for (int i = 0; i < 5; i++) {
        int k = a2 >= 0 ? i % 4 : (4 - i) % 4;
        GEOSCoordSeq_setXY_r(G, s, (unsigned)i, px[k], py[k]);
    }
    return chk(GEOSGeom_createPolygon_r(G, chk(GEOSGeom_createLinearRing_r(G, s), "ring"), NULL, 0), "rect");
}

static int cb_to_ll7(double *x, double *y, void *ud)
{
    (void)ud;
    to_ll(*x, *y, x, y);
    *x = rnd(*x, 7);
    *y = rnd(*y, 7);
    return 1;
}

static void do_residential(const char *outdir)
{
    int npool;
    cand_t *pool = road_candidates(1, 15.0, 40.0, &npool);
    rng_t r = rng_for("residential");
    GEOSGeometry **bl = xmalloc((size_t)n_edges * sizeof *bl);
    unsigned nb = 0;
    for (int i = 0; i < n_edges; i++)
        if (edges[i].barrier)
            bl[nb++] = chk(GEOSGeom_clone_r(G, edges[i].m), "clone");
    GEOSGeometry *barrier = chk(GEOSGeom_createCollection_r(G, GEOS_MULTILINESTRING, bl, nb), "barrier");
    free(bl);
    const GEOSPreparedGeometry *pbar = GEOSPrepare_r(G, barrier);
    const double GAP = 5.0; /* minimum distance between two areas, metres */

    resi_t *res = xmalloc(N_RESIDENTIAL_TARGET * sizeof *res);
    int n = 0, attempts = 0;
    nameset_t names = {0};
    typedef struct {
        const char *road;
        int next;
    } courtyard_t;
    courtyard_t *court = NULL;
    int ncourt = 0;
    while (n < N_RESIDENTIAL_TARGET && attempts++ < 60000) {
        const cand_t *c = &pool[rng_int(&r, 0, npool - 1)];
        double side = rng_unit(&r) < 0.5 ? 1 : -1;
        double w = rng_range(&r, 80, 300), d = rng_range(&r, 80, 300), off = rng_range(&r, 6, 12);
        double shift = rng_range(&r, -0.25, 0.25);
        GEOSGeometry *rm = NULL;
        int village = -1;
        for (int shrink = 0; shrink < 6 && w >= 80 && d >= 80; shrink++, w *= 0.85, d *= 0.85) {
            double bx = c->x + c->ux * shift * w, by = c->y + c->uy * shift * w;
            GEOSGeometry *cand = rect_m(bx, by, c->ux, c->uy, side, w, d, off);
            double x0, y0, x1, y1;
            genv(cand, &x0, &y0, &x1, &y1);
            int ok = x0 > bbox_x0 + 1 && y0 > bbox_y0 + 1 && x1 < bbox_x1 - 1 && y1 < bbox_y1 - 1 &&
                     GEOSPreparedIntersects_r(G, pbar, cand) == 0;
            for (int j = 0; ok && j < n; j++) {
                if (x1 + GAP < res[j].x0 || x0 - GAP > res[j].x1 || y1 + GAP < res[j].y0 || y0 - GAP > res[j].y1)
                    continue;
                ok = gdist(cand, res[j].m) >= GAP;
            }
            if (ok) {
                GEOSGeometry *cen = chk(GEOSGetCentroid_r(G, cand), "centroid");
                double cx, cy, lon, lat;
                pt_xy(cen, &cx, &cy);
                gfree(cen);
                to_ll(cx, cy, &lon, &lat);
                ok = villages_at(rnd(lon, 7), rnd(lat, 7), &village) == 1;
            }
            if (ok) {
                rm = cand;
                break;
            }
            gfree(cand);
        }
        if (!rm)
            continue;
        resi_t *a = &res[n];
        a->m = rm;
        genv(rm, &a->x0, &a->y0, &a->x1, &a->y1);
        a->g = chk(GEOSGeom_transformXY_r(G, rm, cb_to_ll7, NULL), "to lon/lat");
        a->village = village;

        /* name after the nearest street: 玉林街小区, 玉林花园, 玉林苑, 玉林家园, 玉林街3号院 */
        GEOSGeometry *cen = chk(GEOSGetCentroid_r(G, rm), "centroid");
        double cx, cy;
        pt_xy(cen, &cx, &cy);
        gfree(cen);
        const char *road = road_name_near(cx, cy, c->edge);
        char *base = road_base(road);
        char *nm = NULL;
        double u = rng_unit(&r);
        if (u < 0.2)
            nm = xasprintf("%s小区", road);
        else if (u < 0.4)
            nm = xasprintf("%s花园", base);
        else if (u < 0.55)
            nm = xasprintf("%s苑", base);
        else if (u < 0.7)
            nm = xasprintf("%s家园", base);
        if (!nm || nameset_has(&names, nm)) {
            free(nm);
            int k = 0;
            while (k < ncourt && strcmp(court[k].road, road) != 0)
                k++;
            if (k == ncourt) {
                court = xrealloc(court, (size_t)(ncourt + 1) * sizeof *court);
                court[ncourt++] = (courtyard_t){road, 1};
            }
            for (;;) {
                nm = xasprintf("%s%d号院", road, court[k].next++);
                if (!nameset_has(&names, nm))
                    break;
                free(nm);
            }
        }
        free(base);
        nameset_add(&names, nm);
        a->name = nm;

        /* households from the footprint (30–55 m² of ground per household);
         * elderly from the county's census shares (DOMAIN §8, coverage B) */
        const county_t *co = &cd_county[village_county(village)];
        double area = garea(rm);
        int hh = (int)floor(area / rng_range(&r, 30, 55) + 0.5);
        a->households = hh < 200 ? 200 : hh > 2000 ? 2000 : hh;
        double pop = a->households * co->hh_size;
        a->pop60 = (int)floor(pop * co->s60 + 0.5);
        a->pop80 = (int)floor(pop * co->s80 + 0.5);
        n++;
    }
    if (n < N_RESIDENTIAL_TARGET)
        note("note: only %d residential areas fit after %d attempts", n, attempts);
    sb_t b = {0};
    fc_begin(&b);
    double amin = 1e18, amax = 0;
    for (int i = 0; i < n; i++) {
        fc_sep(&b, i);
        props_begin(&b);
        prop_str(&b, "name", res[i].name);
        prop_int(&b, "households", res[i].households);
        prop_int(&b, "pop_60", res[i].pop60);
        prop_int(&b, "pop_80", res[i].pop80);
        prop_str(&b, "division", cd_vil[res[i].village].code);
        sb_geom_end(&b, res[i].g, 7);
        double a = garea(res[i].m);
        amin = a < amin ? a : amin;
        amax = a > amax ? a : amax;
    }
    fc_end(&b);
    write_file(outdir, "residential/chengdu-residential-synthetic.geojson", &b);
    note("%-44s %3d features (%d attempts; %.0f–%.0f m²)", "residential/chengdu-residential-synthetic.geojson", n,
         attempts, amin, amax);
    free(b.p);
    free(pool);
}

/* ---- synthetic boundary markers (界桩) ------------------------------------- */

typedef struct {
    double x, y; /* metres */
    char letter; /* Q, or A and B of a pair */
} marker_t;

static int is_central(const char *code)
{
    return strcmp(code, "510104") >= 0 && strcmp(code, "510108") <= 0;
}

static int mk_sort_mode; /* 0: west→east, 1: north→south */

static void random_date(rng_t *r, int y0, int y1, char out[16])
{
    int y = rng_int(r, y0, y1), m = rng_int(r, 1, 12), d = rng_int(r, 1, 28);
    snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, d);
}

static void do_markers(const char *outdir)
{
    sb_t b = {0};
    fc_begin(&b);
    int nf = 0, nlines = 0;
    sb_t lines_note = {0};
    for (int i = 0; i < n_cd_county; i++) {
        for (int j = i + 1; j < n_cd_county; j++) {
            county_t *A = &cd_county[i], *B = &cd_county[j];
            if (!is_central(A->code) && !is_central(B->code))
                continue;
            if (gdist(A->m, B->m) > MARKER_NEAR_M)
                continue;
            /* the part of A's outline within 50 m of B: the DataV outlines were
             * simplified independently, so they only approximately coincide */
            GEOSGeometry *bndA = chk(GEOSBoundary_r(G, A->m), "boundary");
            GEOSGeometry *bndB = chk(GEOSBoundary_r(G, B->m), "boundary");
            GEOSGeometry *bufB = chk(GEOSBuffer_r(G, B->m, MARKER_NEAR_M, 8), "buffer");
            GEOSGeometry *near = lines_only_own(GEOSIntersection_r(G, bndA, bufB));
            GEOSGeometry *merged = lines_only_own(GEOSLineMerge_r(G, near));
            gfree(near);
            gfree(bufB);
            gfree(bndA);
            double total = 0;
            int np = GEOSGetNumGeometries_r(G, merged);
            for (int k = 0; k < np; k++) {
                double l = glength(GEOSGetGeometryN_r(G, merged, k));
                if (l >= 300)
                    total += l;
            }
            if (total < 500) {
                gfree(merged);
                gfree(bndB);
                continue;
            }
            char line[5];
            snprintf(line, sizeof line, "%.2s%.2s", A->code + 4, B->code + 4);
            char label[32];
            snprintf(label, sizeof label, "markers:%s", line);
            rng_t r = rng_for(label);

            marker_t *mk = NULL;
            int nm = 0;
            double ex0 = 1e18, ey0 = 1e18, ex1 = -1e18, ey1 = -1e18;
            for (int k = 0; k < np; k++) {
                const GEOSGeometry *piece = GEOSGetGeometryN_r(G, merged, k);
                double L = glength(piece);
                if (L < 300)
                    continue;
                double px0, py0, px1, py1;
                genv(piece, &px0, &py0, &px1, &py1);
                ex0 = fmin(ex0, px0), ey0 = fmin(ey0, py0), ex1 = fmax(ex1, px1), ey1 = fmax(ey1, py1);
                int cnt = (int)floor(L / MARKER_SPACING_M + 0.5);
                if (cnt < 1)
                    cnt = 1;
                for (int q = 0; q < cnt; q++) {
                    double s = (q + 0.5) * L / cnt;
                    GEOSGeometry *p = chk(GEOSInterpolate_r(G, piece, s), "interpolate");
                    GEOSGeometry *p1 = chk(GEOSInterpolate_r(G, piece, fmax(0, s - 5)), "interpolate");
                    GEOSGeometry *p2 = chk(GEOSInterpolate_r(G, piece, fmin(L, s + 5)), "interpolate");
                    double x, y, x1, y1, x2, y2;
                    pt_xy(p, &x, &y);
                    pt_xy(p1, &x1, &y1);
                    pt_xy(p2, &x2, &y2);
                    /* halfway between the two outlines: the best guess of the true line */
                    GEOSCoordSequence *np2 = GEOSNearestPoints_r(G, bndB, p);
                    double qx, qy;
                    GEOSCoordSeq_getXY_r(G, np2, 0, &qx, &qy);
                    GEOSCoordSeq_destroy_r(G, np2);
                    double mx = (x + qx) / 2, my = (y + qy) / 2;
                    double ux = x2 - x1, uy = y2 - y1, ul = hypot(ux, uy);
                    ux /= ul;
                    uy /= ul;
                    gfree(p);
                    gfree(p1);
                    gfree(p2);
                    if (rng_unit(&r) < 0.15) {
                        /* 同号双立: A on the side of the smaller code (GB/T 17796-2009) */
                        double nx = -uy, ny = ux;
                        GEOSGeometry *pa = mkpt(mx + nx * 4, my + ny * 4), *pb = mkpt(mx - nx * 4, my - ny * 4);
                        double sa = gdist(pa, B->m) - gdist(pa, A->m), sb = gdist(pb, B->m) - gdist(pb, A->m);
                        gfree(pa);
                        gfree(pb);
                        double sign = sa >= sb ? 1 : -1, h = rng_range(&r, 2.0, 4.0);
                        mk = xrealloc(mk, (size_t)(nm + 2) * sizeof *mk);
                        mk[nm++] = (marker_t){mx + nx * h * sign, my + ny * h * sign, 'A'};
                        mk[nm++] = (marker_t){mx - nx * h * sign, my - ny * h * sign, 'B'};
                    } else {
                        mk = xrealloc(mk, (size_t)(nm + 1) * sizeof *mk);
                        mk[nm++] = (marker_t){mx, my, 'Q'};
                    }
                }
            }
            gfree(merged);
            gfree(bndB);
            /* numbering from 001 west→east, or north→south for a mostly N–S line;
             * A/B of one pair share a number (stable sort keeps them adjacent) */
            mk_sort_mode = (ey1 - ey0) > (ex1 - ex0);
            /* sort units (a Q, or an A+B pair) by their position */
            typedef struct {
                double key;
                int first, count;
            } unit_t;
            unit_t *u = xmalloc((size_t)nm * sizeof *u);
            int nu = 0;
            for (int k = 0; k < nm;) {
                int cnt = mk[k].letter == 'A' ? 2 : 1;
                double x = 0, y = 0;
                for (int q = 0; q < cnt; q++)
                    x += mk[k + q].x / cnt, y += mk[k + q].y / cnt;
                u[nu++] = (unit_t){mk_sort_mode ? -y : x, k, cnt};
                k += cnt;
            }
            for (int a1 = 1; a1 < nu; a1++) /* insertion sort: stable, n small */
                for (int a2 = a1; a2 > 0 && u[a2 - 1].key > u[a2].key; a2--) {
                    unit_t t = u[a2];
                    u[a2] = u[a2 - 1];
                    u[a2 - 1] = t;
                }
            /* one joint inspection round per line; some lines are overdue (> 5 years) */
            int inst_year = rng_int(&r, 2005, 2015);
            char round_date[16];
            int overdue = rng_unit(&r) < 0.3;
            random_date(&r, overdue ? 2016 : 2020, overdue ? 2019 : 2024, round_date);
            int round_year = atoi(round_date);
            for (int k = 0; k < nu; k++) {
                char installed[16];
                random_date(&r, inst_year, inst_year, installed);
                const char *material = rng_unit(&r) < 0.6 ? "花岗岩" : "混凝土";
                for (int q = 0; q < u[k].count; q++) {
                    marker_t *m = &mk[u[k].first + q];
                    char number[16], inspected[16];
                    snprintf(number, sizeof number, "%s%03d%c", line, k + 1, m->letter);
                    double su = rng_unit(&r);
                    const char *status = su < 0.85 ? "intact" : su < 0.95 ? "damaged" : "missing";
                    if (rng_unit(&r) < 0.08 && round_year > 2016)
                        random_date(&r, 2016, round_year - 1, inspected); /* missed by the last round */
                    else
                        memcpy(inspected, round_date, sizeof inspected);
                    double lon, lat;
                    to_ll(m->x, m->y, &lon, &lat);
                    GEOSGeometry *p = mkpt(rnd(lon, 7), rnd(lat, 7));
                    fc_sep(&b, nf++);
                    props_begin(&b);
                    prop_str(&b, "number", number);
                    prop_str(&b, "type", m->letter == 'Q' ? "单立" : "同号双立");
                    prop_str(&b, "line", line);
                    prop_str(&b, "status", status);
                    prop_str(&b, "material", material);
                    prop_str(&b, "installed", installed);
                    prop_str(&b, "inspected", inspected);
                    sb_geom_end(&b, p, 7);
                    gfree(p);
                }
            }
            sb_addf(&lines_note, " %s(%s/%s %.1f km, %d)", line, A->name, B->name, total / 1000, nm);
            nlines++;
            free(u);
            free(mk);
        }
    }
    fc_end(&b);
    write_file(outdir, "markers/chengdu-markers-synthetic.geojson", &b);
    note("%-44s %3d features on %d lines:%s", "markers/chengdu-markers-synthetic.geojson", nf, nlines,
         lines_note.p ? lines_note.p : "");
    free(b.p);
    free(lines_note.p);
}

/* ---- self-checks ----------------------------------------------------------- */

/* Townships must tile their county and villages their township: the union of
 * the parts covers the whole (symmetric difference tiny) and the part areas add
 * up (no overlaps). Reports the worst relative differences. */
static void check_tiling(void)
{
    double worst_t = 0, worst_v = 0, worst_tu = 0, worst_vu = 0;
    int invalid = 0;
    for (int c = 0; c < n_cd_county; c++) {
        county_t *co = &cd_county[c];
        double ac = garea(co->wgs), sum = 0;
        GEOSGeometry **parts = xmalloc((size_t)co->ntown * sizeof *parts);
        for (int t = 0; t < co->ntown; t++) {
            town_t *tw = &cd_town[co->first_town + t];
            invalid += GEOSisValid_r(G, tw->geom) != 1;
            sum += garea(tw->geom);
            parts[t] = chk(GEOSGeom_clone_r(G, tw->geom), "clone");
            double vs = 0;
            GEOSGeometry **vp = xmalloc((size_t)(tw->nvil ? tw->nvil : 1) * sizeof *vp);
            for (int v = 0; v < tw->nvil; v++) {
                village_t *vi = &cd_vil[tw->first_vil + v];
                invalid += GEOSisValid_r(G, vi->geom) != 1;
                vs += garea(vi->geom);
                vp[v] = chk(GEOSGeom_clone_r(G, vi->geom), "clone");
            }
            if (tw->nvil) {
                double at = garea(tw->geom);
                worst_v = fmax(worst_v, fabs(vs - at) / at);
                GEOSGeometry *coll = chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOLYGON, vp, (unsigned)tw->nvil), "c");
                GEOSGeometry *un = chk(GEOSUnaryUnion_r(G, coll), "union");
                GEOSGeometry *sd = chk(GEOSSymDifference_r(G, un, tw->geom), "symdiff");
                worst_vu = fmax(worst_vu, garea(sd) / at);
                gfree(sd);
                gfree(un);
                gfree(coll);
            }
            free(vp);
        }
        worst_t = fmax(worst_t, fabs(sum - ac) / ac);
        GEOSGeometry *coll = chk(GEOSGeom_createCollection_r(G, GEOS_MULTIPOLYGON, parts, (unsigned)co->ntown), "c");
        GEOSGeometry *un = chk(GEOSUnaryUnion_r(G, coll), "union");
        GEOSGeometry *sd = chk(GEOSSymDifference_r(G, un, co->wgs), "symdiff");
        worst_tu = fmax(worst_tu, garea(sd) / ac);
        gfree(sd);
        gfree(un);
        gfree(coll);
        free(parts);
    }
    note("check: %d invalid polygons; townships vs county: area sum off by ≤ %.2e, union off by ≤ %.2e", invalid,
         worst_t, worst_tu);
    note("check: villages vs township: area sum off by ≤ %.2e, union off by ≤ %.2e", worst_v, worst_vu);
    if (invalid || worst_t > 1e-3 || worst_v > 1e-3 || worst_tu > 1e-3 || worst_vu > 1e-3)
        die("tiling check failed");
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: seedgen SHARED_DATA_DIR OUT_DIR\n");
        return 2;
    }
    const char *data = argv[1], *out = argv[2];
    clock_t t0 = clock();
    G = GEOS_init_r();
    GEOSContext_setErrorMessageHandler_r(G, geos_error, NULL);
    GEOSContext_setNoticeMessageHandler_r(G, geos_notice, NULL);
    frame_init();
    to_m(BBOX_W, BBOX_S, &bbox_x0, &bbox_y0);
    to_m(BBOX_E, BBOX_N, &bbox_x1, &bbox_y1);

    char path[4096];
    snprintf(path, sizeof path, "%s/divisions-nbs/areas-2023.csv", data);
    csv_t *areas = csv_load(path);
    snprintf(path, sizeof path, "%s/divisions-nbs/streets-2023.csv", data);
    csv_t *streets = csv_load(path);
    snprintf(path, sizeof path, "%s/divisions-nbs/villages-2023-4prov.csv", data);
    csv_t *villages = csv_load(path);

    static county_t cz_county[16];
    n_cd_county = do_outlines(data, out, "divisions/chengdu-outlines-gcj02.geojson", "510000", "510100", areas,
                              cd_county);
    do_outlines(data, out, "divisions/changzhou-outlines-gcj02.geojson", "320000", "320400", areas, cz_county);
    do_changzhou_codes(streets, villages, out);
    do_chengdu_synthetic(streets, villages, out);
    check_tiling();
    build_village_index();
    load_census(data);

    load_roads(data);
    build_named_index();
    do_roads(out);
    do_road_names(out);
    do_pois(data, out);
    do_facilities(out);
    do_residential(out);
    do_markers(out);

    note("seedgen: done in %.1f s CPU", (double)(clock() - t0) / CLOCKS_PER_SEC);
    GEOS_finish_r(G);
    return 0;
}
