/* coverage_graph.c — building the walking graph and attaching points to it
 * (see coverage.h, coverageInt.h).
 *
 * Noding, in two passes over flat arrays (no per-edge objects):
 *  1. lines that do not come from OpenStreetMap are tested pairwise for
 *     crossings and T-junctions through a uniform grid of their segments; each
 *     meeting point is inserted as a vertex into both lines. OSM lines are left
 *     alone: OSM joins ways that meet at a shared node, and ways that cross
 *     without one are bridges or tunnels (OSM wiki, "Bridges" / "layer").
 *  2. vertices are keyed by their lon/lat rounded to 1e-7° (~1 cm); a vertex
 *     that ends a line or occurs twice or more becomes a node, and every line
 *     is cut at its nodes into graph edges.
 * Points are attached through a uniform grid over the edges' segments,
 * searched ring by ring until no closer segment can exist. */
#include "gis/coverageInt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/geom.h"
#include "gis/store_coverage.h"

#define KEY_SCALE 1e7

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cov_plane_init(coverage_graph_t *g, double lon0, double lat0)
{
    /* CGCS2000 ellipsoid: meridian radius M and prime-vertical radius N at lat0. */
    const double a = 6378137.0, f = 1.0 / 298.257222101, e2 = f * (2 - f);
    double phi = lat0 * M_PI / 180.0, s = sin(phi), w = sqrt(1 - e2 * s * s);
    double n = a / w, m = a * (1 - e2) / (w * w * w);
    g->lon0 = lon0;
    g->lat0 = lat0;
    g->kx = n * cos(phi) * M_PI / 180.0;
    g->ky = m * M_PI / 180.0;
}

coverage_params_t coverage_params_default(void)
{
    return (coverage_params_t){COVERAGE_DEFAULT_MINUTES, COVERAGE_DEFAULT_SPEED_MPS, COVERAGE_DEFAULT_BUFFER_M, 0};
}

int coverage_params_check(const coverage_params_t *p, dm_error *err)
{
    if (!(p->minutes > 0 && p->minutes <= COVERAGE_MAX_MINUTES))
        return dm_error_set(err, DM_EINVAL, "minutes", "minutes must be more than 0 and at most %g, got %g",
                            COVERAGE_MAX_MINUTES, p->minutes);
    if (!(p->speed_mps >= COVERAGE_MIN_SPEED_MPS && p->speed_mps <= COVERAGE_MAX_SPEED_MPS))
        return dm_error_set(err, DM_EINVAL, "speed_mps", "speed_mps must be between %g and %g m/s, got %g",
                            COVERAGE_MIN_SPEED_MPS, COVERAGE_MAX_SPEED_MPS, p->speed_mps);
    if (!(p->buffer_m >= 1 && p->buffer_m <= 500))
        return dm_error_set(err, DM_EINVAL, "buffer_m", "buffer_m must be between 1 and 500 m, got %g",
                            p->buffer_m);
    return 0;
}

/* ---- vertex key hash (open addressing) ------------------------------------------ */

typedef struct {
    uint64_t *keys;
    uint32_t *count, *id;
    size_t cap; /* power of two */
} keymap_t;

#define EMPTY_KEY UINT64_MAX

static uint64_t vkey(double lon, double lat)
{
    int32_t x = (int32_t)llround(lon * KEY_SCALE), y = (int32_t)llround(lat * KEY_SCALE);
    return ((uint64_t)(uint32_t)x << 32) | (uint32_t)y;
}

static int keymap_init(keymap_t *m, size_t n)
{
    m->cap = 16;
    while (m->cap < 2 * n + 16)
        m->cap <<= 1;
    m->keys = malloc(m->cap * sizeof *m->keys);
    m->count = calloc(m->cap, sizeof *m->count);
    m->id = malloc(m->cap * sizeof *m->id);
    if (!m->keys || !m->count || !m->id)
        return -1;
    memset(m->keys, 0xff, m->cap * sizeof *m->keys);
    return 0;
}

static void keymap_free(keymap_t *m)
{
    free(m->keys);
    free(m->count);
    free(m->id);
}

static size_t keymap_slot(const keymap_t *m, uint64_t k)
{
    uint64_t h = k * 0x9E3779B97F4A7C15ULL;
    size_t i = (size_t)(h >> 20) & (m->cap - 1);
    while (m->keys[i] != EMPTY_KEY && m->keys[i] != k)
        i = (i + 1) & (m->cap - 1);
    return i;
}

/* ---- working lines -------------------------------------------------------------- */

typedef struct {
    double *xy;    /* 2 × n, plane metres */
    double *ll;    /* 2 × n, lon/lat (for keys) */
    size_t n;
    uint32_t name; /* offset in the name pool, COV_NONE */
    int from_osm;
} wline_t;

typedef struct {
    uint32_t line, seg;
    double t, lon, lat;
} insert_t;

typedef struct {
    wline_t *lines;
    size_t n, cap;
    char *names;
    size_t names_len, names_cap;
    insert_t *ins;
    size_t nins, capins;
    double minlon, minlat, maxlon, maxlat;
} builder_t;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static uint32_t add_name(builder_t *b, const char *name)
{
    if (!name || !*name)
        return COV_NONE;
    size_t len = strlen(name) + 1;
    if (grow((void **)&b->names, &b->names_cap, b->names_len + len, 1))
        return COV_NONE;
    memcpy(b->names + b->names_len, name, len);
    uint32_t off = (uint32_t)b->names_len;
    b->names_len += len;
    return off;
}

static int add_line(builder_t *b, const double *ll, size_t n, const char *name, int from_osm)
{
    if (n < 2)
        return 0;
    if (grow((void **)&b->lines, &b->cap, b->n + 1, sizeof *b->lines))
        return DM_ENOMEM;
    wline_t *w = &b->lines[b->n];
    w->ll = malloc(2 * n * sizeof *w->ll);
    if (!w->ll)
        return DM_ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double lon = ll[2 * i], lat = ll[2 * i + 1];
        if (!isfinite(lon) || !isfinite(lat))
            continue;
        /* drop repeated vertices (same 1 cm key) */
        if (k && vkey(lon, lat) == vkey(w->ll[2 * k - 2], w->ll[2 * k - 1]))
            continue;
        w->ll[2 * k] = lon, w->ll[2 * k + 1] = lat;
        k++;
        if (lon < b->minlon) b->minlon = lon;
        if (lon > b->maxlon) b->maxlon = lon;
        if (lat < b->minlat) b->minlat = lat;
        if (lat > b->maxlat) b->maxlat = lat;
    }
    if (k < 2) {
        free(w->ll);
        return 0;
    }
    w->n = k;
    w->xy = NULL;
    w->name = add_name(b, name);
    w->from_osm = from_osm;
    b->n++;
    return 0;
}

static void builder_free(builder_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        free(b->lines[i].ll);
        free(b->lines[i].xy);
    }
    free(b->lines);
    free(b->names);
    free(b->ins);
}

/* ---- pass 1: crossings of non-OSM lines ------------------------------------------- */

typedef struct {
    uint32_t line, seg;
} segref_t;

static int add_insert(builder_t *b, const coverage_graph_t *g, uint32_t line, uint32_t seg, double t, double x,
                      double y)
{
    if (grow((void **)&b->ins, &b->capins, b->nins + 1, sizeof *b->ins))
        return DM_ENOMEM;
    insert_t *in = &b->ins[b->nins++];
    in->line = line, in->seg = seg, in->t = t;
    cov_to_lonlat(g, x, y, &in->lon, &in->lat);
    return 0;
}

static int cmp_insert(const void *pa, const void *pb)
{
    const insert_t *a = pa, *b = pb;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->seg != b->seg)
        return a->seg < b->seg ? -1 : 1;
    return a->t < b->t ? -1 : a->t > b->t;
}

/* Tests segment (p1,p2) against (q1,q2); a meeting point strictly inside a
 * segment is inserted into it. Collinear overlaps are left alone. */
static int cross(builder_t *b, const coverage_graph_t *g, segref_t sa, segref_t sb)
{
    const double *p = b->lines[sa.line].xy + 2 * sa.seg, *q = b->lines[sb.line].xy + 2 * sb.seg;
    double rx = p[2] - p[0], ry = p[3] - p[1], sx = q[2] - q[0], sy = q[3] - q[1];
    double den = rx * sy - ry * sx;
    if (fabs(den) < 1e-12)
        return 0;
    double qpx = q[0] - p[0], qpy = q[1] - p[1];
    double t = (qpx * sy - qpy * sx) / den, u = (qpx * ry - qpy * rx) / den;
    const double eps = 1e-9;
    if (t < -eps || t > 1 + eps || u < -eps || u > 1 + eps)
        return 0;
    double x = p[0] + t * rx, y = p[1] + t * ry;
    /* snap the meeting point onto an existing vertex when it is one */
    if (t <= eps) x = p[0], y = p[1];
    else if (t >= 1 - eps) x = p[2], y = p[3];
    else if (u <= eps) x = q[0], y = q[1];
    else if (u >= 1 - eps) x = q[2], y = q[3];
    int rc = 0;
    if (t > eps && t < 1 - eps)
        rc = add_insert(b, g, sa.line, sa.seg, t, x, y);
    if (!rc && u > eps && u < 1 - eps)
        rc = add_insert(b, g, sb.line, sb.seg, u, x, y);
    return rc;
}

static int node_crossings(builder_t *b, const coverage_graph_t *g, size_t *ncross)
{
    /* segments of non-OSM lines and their bounding box */
    size_t nseg = 0;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < b->n; i++)
        if (!b->lines[i].from_osm) {
            nseg += b->lines[i].n - 1;
            for (size_t k = 0; k < b->lines[i].n; k++) {
                double x = b->lines[i].xy[2 * k], y = b->lines[i].xy[2 * k + 1];
                x0 = fmin(x0, x), x1 = fmax(x1, x), y0 = fmin(y0, y), y1 = fmax(y1, y);
            }
        }
    *ncross = 0;
    if (nseg < 2)
        return 0;
    double cell = fmax(50.0, sqrt((x1 - x0 + 1) * (y1 - y0 + 1) / (double)nseg) * 2);
    size_t gw = (size_t)((x1 - x0) / cell) + 1, gh = (size_t)((y1 - y0) / cell) + 1;
    while (gw * gh > 4u * 1024 * 1024)
        cell *= 2, gw = (size_t)((x1 - x0) / cell) + 1, gh = (size_t)((y1 - y0) / cell) + 1;
    uint32_t *off = calloc(gw * gh + 1, sizeof *off);
    if (!off)
        return DM_ENOMEM;
    int rc = 0;
    segref_t *items = NULL;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        for (size_t i = 0; i < b->n; i++) {
            const wline_t *w = &b->lines[i];
            if (w->from_osm)
                continue;
            for (size_t k = 0; k + 1 < w->n; k++) {
                const double *p = w->xy + 2 * k;
                size_t cx0 = (size_t)((fmin(p[0], p[2]) - x0) / cell), cx1 = (size_t)((fmax(p[0], p[2]) - x0) / cell);
                size_t cy0 = (size_t)((fmin(p[1], p[3]) - y0) / cell), cy1 = (size_t)((fmax(p[1], p[3]) - y0) / cell);
                for (size_t cy = cy0; cy <= cy1 && cy < gh; cy++)
                    for (size_t cx = cx0; cx <= cx1 && cx < gw; cx++) {
                        size_t c = cy * gw + cx;
                        if (pass == 0)
                            off[c + 1]++;
                        else
                            items[off[c]++] = (segref_t){(uint32_t)i, (uint32_t)k};
                    }
            }
        }
        if (pass == 0) {
            for (size_t c = 0; c < gw * gh; c++)
                off[c + 1] += off[c];
            items = malloc((off[gw * gh] + 1) * sizeof *items);
            if (!items)
                rc = DM_ENOMEM;
        } else {
            /* off[c] now holds the end of cell c: shift back to starts */
            memmove(off + 1, off, gw * gh * sizeof *off);
            off[0] = 0;
        }
    }
    for (size_t c = 0; !rc && c < gw * gh; c++)
        for (uint32_t i = off[c]; !rc && i < off[c + 1]; i++)
            for (uint32_t j = i + 1; !rc && j < off[c + 1]; j++) {
                segref_t a = items[i], s2 = items[j];
                if (a.line == s2.line && (a.seg + 1 == s2.seg || s2.seg + 1 == a.seg || a.seg == s2.seg))
                    continue; /* neighbours on one line meet at their shared vertex */
                rc = cross(b, g, a, s2);
            }
    free(items);
    free(off);
    if (rc || !b->nins)
        return rc;
    /* a pair can meet in several cells: sort and insert each point once */
    qsort(b->ins, b->nins, sizeof *b->ins, cmp_insert);
    size_t i = 0;
    while (i < b->nins) {
        uint32_t line = b->ins[i].line;
        size_t j = i;
        while (j < b->nins && b->ins[j].line == line)
            j++;
        wline_t *w = &b->lines[line];
        double *ll = malloc(2 * (w->n + (j - i)) * sizeof *ll);
        if (!ll)
            return DM_ENOMEM;
        size_t k = 0, q = i;
        for (size_t v = 0; v < w->n; v++) {
            if (!k || vkey(w->ll[2 * v], w->ll[2 * v + 1]) != vkey(ll[2 * k - 2], ll[2 * k - 1]))
                ll[2 * k] = w->ll[2 * v], ll[2 * k + 1] = w->ll[2 * v + 1], k++;
            for (; q < j && b->ins[q].seg == v; q++) {
                uint64_t key = vkey(b->ins[q].lon, b->ins[q].lat);
                if (key == vkey(ll[2 * k - 2], ll[2 * k - 1]))
                    continue;
                ll[2 * k] = b->ins[q].lon, ll[2 * k + 1] = b->ins[q].lat, k++;
                (*ncross)++;
            }
        }
        free(w->ll);
        w->ll = ll;
        w->n = k;
        i = j;
    }
    return 0;
}

/* ---- pass 2: nodes, edges, CSR, grid --------------------------------------------- */

static int build_grid(coverage_graph_t *g)
{
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    size_t npts = g->edge_coff[g->nedges];
    for (size_t i = 0; i < npts; i++) {
        x0 = fmin(x0, g->coords[2 * i]), x1 = fmax(x1, g->coords[2 * i]);
        y0 = fmin(y0, g->coords[2 * i + 1]), y1 = fmax(y1, g->coords[2 * i + 1]);
    }
    double cell = 100.0;
    size_t gw = (size_t)((x1 - x0) / cell) + 1, gh = (size_t)((y1 - y0) / cell) + 1;
    while (gw * gh > 4u * 1024 * 1024)
        cell *= 2, gw = (size_t)((x1 - x0) / cell) + 1, gh = (size_t)((y1 - y0) / cell) + 1;
    g->gx0 = x0, g->gy0 = y0, g->cell = cell, g->gw = (uint32_t)gw, g->gh = (uint32_t)gh;
    g->cell_off = calloc(gw * gh + 1, sizeof *g->cell_off);
    if (!g->cell_off)
        return DM_ENOMEM;
    /* an edge is listed once per cell its segments' boxes touch; `last` per
     * cell avoids listing it twice in a row for consecutive segments */
    uint32_t *last = malloc(gw * gh * sizeof *last);
    if (!last)
        return DM_ENOMEM;
    for (int pass = 0; pass < 2; pass++) {
        memset(last, 0xff, gw * gh * sizeof *last);
        for (uint32_t e = 0; e < g->nedges; e++)
            for (uint32_t k = g->edge_coff[e]; k + 1 < g->edge_coff[e + 1]; k++) {
                const double *p = g->coords + 2 * k;
                size_t cx0 = (size_t)((fmin(p[0], p[2]) - x0) / cell), cx1 = (size_t)((fmax(p[0], p[2]) - x0) / cell);
                size_t cy0 = (size_t)((fmin(p[1], p[3]) - y0) / cell), cy1 = (size_t)((fmax(p[1], p[3]) - y0) / cell);
                for (size_t cy = cy0; cy <= cy1 && cy < gh; cy++)
                    for (size_t cx = cx0; cx <= cx1 && cx < gw; cx++) {
                        size_t c = cy * gw + cx;
                        if (last[c] == e)
                            continue;
                        last[c] = e;
                        if (pass == 0)
                            g->cell_off[c + 1]++;
                        else
                            g->cell_edge[g->cell_off[c]++] = e;
                    }
            }
        if (pass == 0) {
            for (size_t c = 0; c < gw * gh; c++)
                g->cell_off[c + 1] += g->cell_off[c];
            g->cell_edge = malloc((g->cell_off[gw * gh] + 1) * sizeof *g->cell_edge);
            if (!g->cell_edge) {
                free(last);
                return DM_ENOMEM;
            }
        } else {
            memmove(g->cell_off + 1, g->cell_off, gw * gh * sizeof *g->cell_off);
            g->cell_off[0] = 0;
        }
    }
    free(last);
    return 0;
}

static int finish_graph(builder_t *b, coverage_graph_t *g, dm_error *err)
{
    size_t nvert = 0;
    for (size_t i = 0; i < b->n; i++)
        nvert += b->lines[i].n;
    keymap_t m;
    if (keymap_init(&m, nvert)) {
        keymap_free(&m);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory building the walking graph");
    }
    for (size_t i = 0; i < b->n; i++) {
        const wline_t *w = &b->lines[i];
        for (size_t k = 0; k < w->n; k++) {
            uint64_t key = vkey(w->ll[2 * k], w->ll[2 * k + 1]);
            size_t s = keymap_slot(&m, key);
            m.keys[s] = key;
            m.count[s] += (k == 0 || k + 1 == w->n) ? 2 : 1;
        }
    }
    /* count nodes and edges */
    size_t nnodes = 0, nedges = 0, npts = 0;
    /* node ids in order of first appearance along the lines, which keeps
     * neighbours close in memory (hash order would scatter them and every
     * search would pay for it in cache misses) */
    memset(m.id, 0xff, m.cap * sizeof *m.id);
    for (size_t i = 0; i < b->n; i++) {
        const wline_t *w = &b->lines[i];
        for (size_t k = 0; k < w->n; k++) {
            size_t s = keymap_slot(&m, vkey(w->ll[2 * k], w->ll[2 * k + 1]));
            if (m.count[s] >= 2 && m.id[s] == COV_NONE)
                m.id[s] = (uint32_t)nnodes++;
        }
    }
    for (size_t i = 0; i < b->n; i++) {
        const wline_t *w = &b->lines[i];
        for (size_t k = 1; k < w->n; k++) {
            npts++;
            if (m.id[keymap_slot(&m, vkey(w->ll[2 * k], w->ll[2 * k + 1]))] != COV_NONE)
                nedges++, npts++;
        }
    }
    if (nnodes >= COV_NONE || npts >= COV_NONE) {
        keymap_free(&m);
        return dm_error_set(err, DM_ELIMIT, NULL, "road network too large for the walking graph");
    }
    g->nnodes = (uint32_t)nnodes;
    g->node_xy = malloc((2 * nnodes + 1) * sizeof *g->node_xy);
    g->edge_u = malloc((nedges + 1) * sizeof *g->edge_u);
    g->edge_v = malloc((nedges + 1) * sizeof *g->edge_v);
    g->edge_len = malloc((nedges + 1) * sizeof *g->edge_len);
    g->edge_name = malloc((nedges + 1) * sizeof *g->edge_name);
    g->edge_coff = malloc((nedges + 1) * sizeof *g->edge_coff);
    g->coords = malloc((2 * npts + 4) * sizeof *g->coords);
    g->adj_off = calloc(nnodes + 2, sizeof *g->adj_off);
    g->adj_edge = malloc((2 * nedges + 1) * sizeof *g->adj_edge);
    if (!g->node_xy || !g->edge_u || !g->edge_v || !g->edge_len || !g->edge_name || !g->edge_coff || !g->coords ||
        !g->adj_off || !g->adj_edge) {
        keymap_free(&m);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory building the walking graph");
    }
    /* cut lines at nodes; each edge owns its points (shared ends are copied) */
    size_t e = 0, p = 0;
    double total = 0;
    for (size_t i = 0; i < b->n; i++) {
        const wline_t *w = &b->lines[i];
        uint32_t from = m.id[keymap_slot(&m, vkey(w->ll[0], w->ll[1]))];
        size_t start_p = p;
        double len = 0;
        g->coords[2 * p] = w->xy[0], g->coords[2 * p + 1] = w->xy[1], p++;
        for (size_t k = 1; k < w->n; k++) {
            double dx = w->xy[2 * k] - w->xy[2 * k - 2], dy = w->xy[2 * k + 1] - w->xy[2 * k - 1];
            len += sqrt(dx * dx + dy * dy);
            g->coords[2 * p] = w->xy[2 * k], g->coords[2 * p + 1] = w->xy[2 * k + 1], p++;
            uint32_t to = m.id[keymap_slot(&m, vkey(w->ll[2 * k], w->ll[2 * k + 1]))];
            if (to == COV_NONE)
                continue; /* line ends are always nodes, so every line ends here */
            g->edge_u[e] = from, g->edge_v[e] = to, g->edge_len[e] = len, g->edge_name[e] = w->name;
            g->edge_coff[e] = (uint32_t)start_p;
            g->node_xy[2 * from] = g->coords[2 * start_p], g->node_xy[2 * from + 1] = g->coords[2 * start_p + 1];
            g->node_xy[2 * to] = w->xy[2 * k], g->node_xy[2 * to + 1] = w->xy[2 * k + 1];
            total += len;
            e++;
            from = to, len = 0;
            if (k + 1 < w->n) {
                start_p = p;
                g->coords[2 * p] = w->xy[2 * k], g->coords[2 * p + 1] = w->xy[2 * k + 1], p++;
            }
        }
    }
    keymap_free(&m);
    g->nedges = (uint32_t)e;
    g->edge_coff[e] = (uint32_t)p;
    /* CSR adjacency */
    for (uint32_t i = 0; i < g->nedges; i++) {
        g->adj_off[g->edge_u[i] + 1]++;
        if (g->edge_v[i] != g->edge_u[i])
            g->adj_off[g->edge_v[i] + 1]++;
    }
    for (size_t n = 0; n < nnodes; n++)
        g->adj_off[n + 1] += g->adj_off[n];
    uint32_t *fill = malloc((nnodes + 1) * sizeof *fill);
    if (!fill)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory building the walking graph");
    memcpy(fill, g->adj_off, (nnodes + 1) * sizeof *fill);
    for (uint32_t i = 0; i < g->nedges; i++) {
        g->adj_edge[fill[g->edge_u[i]]++] = i;
        if (g->edge_v[i] != g->edge_u[i])
            g->adj_edge[fill[g->edge_v[i]]++] = i;
    }
    free(fill);
    g->stats.length_m = total;
    if (g->nedges && build_grid(g))
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory building the walking graph index");
    return 0;
}

static size_t graph_bytes(const coverage_graph_t *g)
{
    size_t n = g->nnodes, e = g->nedges, pts = g->nedges ? g->edge_coff[g->nedges] : 0;
    size_t cells = (size_t)g->gw * g->gh;
    return sizeof *g + n * 2 * sizeof(double) + e * (3 * sizeof(uint32_t) + sizeof(double)) +
           (e + 1) * sizeof(uint32_t) + pts * 2 * sizeof(double) + (n + 2) * sizeof(uint32_t) +
           2 * e * sizeof(uint32_t) + g->names_len + (g->nedges ? (cells + 1 + g->cell_off[cells]) : 0) * sizeof(uint32_t);
}

static int build(builder_t *b, coverage_graph_t **out, double t0, dm_error *err)
{
    coverage_graph_t *g = calloc(1, sizeof *g);
    if (!g)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    g->stats.input_lines = b->n;
    if (b->n)
        cov_plane_init(g, (b->minlon + b->maxlon) / 2, (b->minlat + b->maxlat) / 2);
    else
        cov_plane_init(g, 0, 0);
    int rc = 0;
    for (size_t i = 0; i < b->n && !rc; i++) {
        wline_t *w = &b->lines[i];
        if (!(w->xy = malloc(2 * w->n * sizeof *w->xy)))
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        for (size_t k = 0; !rc && k < w->n; k++)
            cov_to_plane(g, w->ll[2 * k], w->ll[2 * k + 1], &w->xy[2 * k], &w->xy[2 * k + 1]);
    }
    size_t ncross = 0;
    if (!rc && (rc = node_crossings(b, g, &ncross)))
        dm_error_set(err, rc, NULL, "out of memory noding the road network");
    /* re-project lines that received vertices */
    for (size_t i = 0; i < b->n && !rc; i++) {
        wline_t *w = &b->lines[i];
        double *xy = realloc(w->xy, 2 * w->n * sizeof *xy);
        if (!xy) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            break;
        }
        w->xy = xy;
        for (size_t k = 0; k < w->n; k++)
            cov_to_plane(g, w->ll[2 * k], w->ll[2 * k + 1], &w->xy[2 * k], &w->xy[2 * k + 1]);
    }
    if (!rc)
        rc = finish_graph(b, g, err);
    if (rc) {
        coverage_graph_free(g);
        return rc;
    }
    g->names = b->names, b->names = NULL;
    g->names_len = b->names_len;
    g->stats.nodes = g->nnodes;
    g->stats.edges = g->nedges;
    g->stats.crossings = ncross;
    g->stats.memory_bytes = graph_bytes(g);
    g->stats.build_seconds = now_s() - t0;
    *out = g;
    return 0;
}

static builder_t builder_new(void)
{
    builder_t b;
    memset(&b, 0, sizeof b);
    b.minlon = b.minlat = INFINITY;
    b.maxlon = b.maxlat = -INFINITY;
    return b;
}

int coverage_graph_from_lines(const coverage_line_t *lines, size_t n, coverage_graph_t **out, dm_error *err)
{
    double t0 = now_s();
    *out = NULL;
    builder_t b = builder_new();
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = add_line(&b, lines[i].lonlat, lines[i].npoints, lines[i].name, lines[i].from_osm);
    if (rc)
        rc = dm_error_set(err, rc, NULL, "out of memory reading road lines");
    else
        rc = build(&b, out, t0, err);
    builder_free(&b);
    return rc;
}

typedef struct {
    builder_t *b;
    double *buf;
    size_t cap;
    dm_error *err;
} read_ctx_t;

static int on_edge(const store_cov_edge_t *e, void *pctx)
{
    read_ctx_t *c = pctx;
    GEOSContextHandle_t h = geom_ctx();
    dm_error ignore;
    GEOSGeometry *geom = geom_from_wkb(e->wkb, e->wkb_len, &ignore);
    if (!geom)
        return 0; /* an unreadable geometry cannot be walked; the importer already checked them */
    const GEOSCoordSequence *cs = GEOSGeomTypeId_r(h, geom) == GEOS_LINESTRING ? GEOSGeom_getCoordSeq_r(h, geom) : NULL;
    unsigned int n = 0;
    int rc = 0;
    if (cs && GEOSCoordSeq_getSize_r(h, cs, &n) && n >= 2) {
        if (grow((void **)&c->buf, &c->cap, 2 * (size_t)n, sizeof *c->buf))
            rc = DM_ENOMEM;
        for (unsigned int i = 0; !rc && i < n; i++)
            GEOSCoordSeq_getXY_r(h, cs, i, &c->buf[2 * i], &c->buf[2 * i + 1]);
        if (!rc)
            rc = add_line(c->b, c->buf, n, e->name, e->osm_id != NULL);
    }
    GEOSGeom_destroy_r(h, geom);
    if (rc)
        dm_error_set(c->err, DM_ENOMEM, NULL, "out of memory reading road edges");
    return rc;
}

int coverage_graph_build(store_t *s, coverage_graph_t **out, dm_error *err)
{
    double t0 = now_s();
    *out = NULL;
    builder_t b = builder_new();
    read_ctx_t c = {&b, NULL, 0, err};
    int rc = store_cov_edges(s, on_edge, &c, err);
    free(c.buf);
    if (!rc)
        rc = build(&b, out, t0, err);
    builder_free(&b);
    return rc;
}

void coverage_graph_free(coverage_graph_t *g)
{
    if (!g)
        return;
    free(g->node_xy);
    free(g->edge_u);
    free(g->edge_v);
    free(g->edge_len);
    free(g->edge_name);
    free(g->edge_coff);
    free(g->coords);
    free(g->adj_off);
    free(g->adj_edge);
    free(g->names);
    free(g->cell_off);
    free(g->cell_edge);
    free(g);
}

coverage_graph_stats_t coverage_graph_stats(const coverage_graph_t *g) { return g->stats; }

int coverage_graph_bounds(const coverage_graph_t *g, double box[4])
{
    if (!g->nedges)
        return 0;
    cov_to_lonlat(g, g->gx0, g->gy0, &box[0], &box[1]);
    cov_to_lonlat(g, g->gx0 + g->cell * g->gw, g->gy0 + g->cell * g->gh, &box[2], &box[3]);
    return 1;
}

/* ---- snapping ---------------------------------------------------------------------- */

/* Nearest point of edge e to (x, y): squared distance, offset along e. */
static double edge_nearest(const coverage_graph_t *g, uint32_t e, double x, double y, double *offset, double *px,
                           double *py)
{
    double best = INFINITY, along = 0;
    *offset = 0, *px = x, *py = y;
    for (uint32_t k = g->edge_coff[e]; k + 1 < g->edge_coff[e + 1]; k++) {
        const double *p = g->coords + 2 * k;
        double dx = p[2] - p[0], dy = p[3] - p[1], l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((x - p[0]) * dx + (y - p[1]) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double qx = p[0] + t * dx, qy = p[1] + t * dy;
        double d2 = (x - qx) * (x - qx) + (y - qy) * (y - qy);
        double seg = sqrt(l2);
        if (d2 < best) {
            best = d2;
            *offset = along + t * seg;
            *px = qx, *py = qy;
        }
        along += seg;
    }
    return best;
}

int coverage_snap_point(const coverage_graph_t *g, double lon, double lat, coverage_snap_t *out)
{
    if (!g || !g->nedges)
        return 0;
    double x, y;
    cov_to_plane(g, lon, lat, &x, &y);
    long cx = (long)floor((x - g->gx0) / g->cell), cy = (long)floor((y - g->gy0) / g->cell);
    cx = cx < 0 ? 0 : cx >= (long)g->gw ? (long)g->gw - 1 : cx;
    cy = cy < 0 ? 0 : cy >= (long)g->gh ? (long)g->gh - 1 : cy;
    double best = INFINITY, bx = 0, by = 0, boff = 0;
    uint32_t be = COV_NONE;
    long maxr = (long)(g->gw > g->gh ? g->gw : g->gh);
    for (long r = 0; r <= maxr; r++) {
        for (long yy = cy - r; yy <= cy + r; yy++) {
            if (yy < 0 || yy >= (long)g->gh)
                continue;
            for (long xx = cx - r; xx <= cx + r; xx++) {
                if (xx < 0 || xx >= (long)g->gw || (labs(xx - cx) != r && labs(yy - cy) != r))
                    continue;
                size_t c = (size_t)yy * g->gw + (size_t)xx;
                for (uint32_t i = g->cell_off[c]; i < g->cell_off[c + 1]; i++) {
                    uint32_t e = g->cell_edge[i];
                    double off, px, py, d2 = edge_nearest(g, e, x, y, &off, &px, &py);
                    if (d2 < best || (d2 == best && e < be))
                        best = d2, be = e, boff = off, bx = px, by = py;
                }
            }
        }
        /* every cell of ring r+1 lies at least r cells away */
        if (be != COV_NONE && sqrt(best) <= (double)r * g->cell)
            break;
    }
    out->edge = be;
    out->offset_m = boff;
    out->access_m = sqrt(best);
    cov_to_lonlat(g, bx, by, &out->lon, &out->lat);
    return 1;
}

double coverage_plane_distance_m(const coverage_graph_t *g, double lon1, double lat1, double lon2, double lat2)
{
    coverage_graph_t local;
    if (!g || !g->nedges) {
        cov_plane_init(&local, lon1, (lat1 + lat2) / 2);
        g = &local;
    }
    double x1, y1, x2, y2;
    cov_to_plane(g, lon1, lat1, &x1, &y1);
    cov_to_plane(g, lon2, lat2, &x2, &y2);
    return hypot(x2 - x1, y2 - y1);
}
