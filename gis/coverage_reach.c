/* coverage_reach.c — bounded multi-source Dijkstra on the walking graph and
 * the isochrone built from it (see coverage.h).
 *
 * The search settles nodes up to the budget (minutes × 60 × speed). An edge
 * (u, v) of length L is then reachable for budget − d(u) metres from u and
 * budget − d(v) from v: when the two reaches add up to L the whole edge is
 * walkable (it is reached from both ends, which a shortest-path tree alone
 * would miss), otherwise its two ends are partial edges. The start's own edge
 * is reachable for the remaining budget either way from the start's
 * projection. The polygon is the union of those pieces buffered by buffer_m in
 * the graph's metric plane (GEOS buffer of one MultiLineString, which unions
 * the pieces), converted back to lon/lat. */
#include "gis/coverageInt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gis/geom.h"
#include "gis/store_coverage.h"

/* ---- search ---------------------------------------------------------------------- */

int cov_search_init(cov_search_t *s, const coverage_graph_t *g)
{
    memset(s, 0, sizeof *s);
    s->g = g;
    size_t n = g->nnodes ? g->nnodes : 1;
    s->dist = malloc(n * sizeof *s->dist);
    s->label = malloc(n * sizeof *s->label);
    s->touched = malloc(n * sizeof *s->touched);
    s->capheap = 1024;
    s->heap = malloc(s->capheap * sizeof *s->heap);
    if (!s->dist || !s->label || !s->touched || !s->heap) {
        cov_search_free(s);
        return DM_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        s->dist[i] = INFINITY;
    return 0;
}

void cov_search_free(cov_search_t *s)
{
    free(s->dist);
    free(s->label);
    free(s->touched);
    free(s->heap);
    memset(s, 0, sizeof *s);
}

void cov_search_reset(cov_search_t *s)
{
    for (size_t i = 0; i < s->ntouched; i++)
        s->dist[s->touched[i]] = INFINITY;
    s->ntouched = 0;
    s->nheap = 0;
}

static int heap_push(cov_search_t *s, double d, uint32_t node)
{
    if (s->nheap == s->capheap) {
        cov_heap_item_t *h = realloc(s->heap, 2 * s->capheap * sizeof *h);
        if (!h)
            return DM_ENOMEM;
        s->heap = h;
        s->capheap *= 2;
    }
    size_t i = s->nheap++;
    while (i) {
        size_t parent = (i - 1) / 2;
        if (s->heap[parent].d <= d)
            break;
        s->heap[i] = s->heap[parent];
        i = parent;
    }
    s->heap[i] = (cov_heap_item_t){d, node};
    return 0;
}

static cov_heap_item_t heap_pop(cov_search_t *s)
{
    cov_heap_item_t top = s->heap[0], last = s->heap[--s->nheap];
    size_t i = 0, n = s->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s->heap[c + 1].d < s->heap[c].d)
            c++;
        if (s->heap[c].d >= last.d)
            break;
        s->heap[i] = s->heap[c];
        i = c;
    }
    if (n)
        s->heap[i] = last;
    return top;
}

static int relax(cov_search_t *s, uint32_t node, double d, uint32_t label)
{
    if (d >= s->dist[node])
        return 0;
    if (s->dist[node] == INFINITY)
        s->touched[s->ntouched++] = node;
    s->dist[node] = d;
    s->label[node] = label;
    return heap_push(s, d, node);
}

int cov_search_run(cov_search_t *s, const cov_seed_t *seeds, size_t nseeds, double cutoff_m)
{
    const coverage_graph_t *g = s->g;
    for (size_t i = 0; i < nseeds; i++)
        if (seeds[i].d <= cutoff_m && relax(s, seeds[i].node, seeds[i].d, seeds[i].label))
            return DM_ENOMEM;
    while (s->nheap) {
        cov_heap_item_t it = heap_pop(s);
        if (it.d > s->dist[it.node])
            continue; /* stale entry */
        uint32_t label = s->label[it.node];
        for (uint32_t a = g->adj_off[it.node]; a < g->adj_off[it.node + 1]; a++) {
            uint32_t e = g->adj_edge[a];
            uint32_t other = g->edge_u[e] == it.node ? g->edge_v[e] : g->edge_u[e];
            double d = it.d + g->edge_len[e];
            if (d <= cutoff_m && relax(s, other, d, label))
                return DM_ENOMEM;
        }
    }
    return 0;
}

double cov_search_to(const cov_search_t *s, const coverage_snap_t *at, uint32_t *label)
{
    const coverage_graph_t *g = s->g;
    uint32_t u = g->edge_u[at->edge], v = g->edge_v[at->edge];
    double du = s->dist[u] + at->offset_m, dv = s->dist[v] + (g->edge_len[at->edge] - at->offset_m);
    if (du <= dv) {
        if (label && du < INFINITY)
            *label = s->label[u];
        return du;
    }
    if (label)
        *label = s->label[v];
    return dv;
}

int cov_snap_seeds(const coverage_graph_t *g, const coverage_snap_t *sn, uint32_t label, cov_seed_t out[2])
{
    out[0] = (cov_seed_t){g->edge_u[sn->edge], sn->access_m + sn->offset_m, label};
    out[1] = (cov_seed_t){g->edge_v[sn->edge], sn->access_m + g->edge_len[sn->edge] - sn->offset_m, label};
    return 2;
}

/* ---- reachable pieces ------------------------------------------------------------------ */

typedef struct {
    double a, b;
} ival_t;

/* Merges up to 3 intervals of [0, len]; returns their count and total length. */
static size_t merge(ival_t *iv, size_t n, double len, double *total)
{
    for (size_t i = 0; i < n; i++)
        iv[i].a = fmax(0, iv[i].a), iv[i].b = fmin(len, iv[i].b);
    for (size_t i = 1; i < n; i++) /* insertion sort by start */
        for (size_t j = i; j > 0 && iv[j].a < iv[j - 1].a; j--) {
            ival_t t = iv[j];
            iv[j] = iv[j - 1], iv[j - 1] = t;
        }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (iv[i].b <= iv[i].a)
            continue;
        if (k && iv[i].a <= iv[k - 1].b)
            iv[k - 1].b = fmax(iv[k - 1].b, iv[i].b);
        else
            iv[k++] = iv[i];
    }
    *total = 0;
    for (size_t i = 0; i < k; i++)
        *total += iv[i].b - iv[i].a;
    return k;
}

/* Reachable pieces as plane polylines: points xy[2·k], piece i spans
 * points off[i] .. off[i+1]-1. */
typedef struct {
    double *xy;
    size_t npts, cappts;
    size_t *off;
    size_t npieces, cappieces;
} pieces_t;

static int push_pt(pieces_t *pc, double x, double y)
{
    if (pc->npts == pc->cappts) {
        size_t c = pc->cappts ? 2 * pc->cappts : 1024;
        double *v = realloc(pc->xy, 2 * c * sizeof *v);
        if (!v)
            return -1;
        pc->xy = v, pc->cappts = c;
    }
    pc->xy[2 * pc->npts] = x, pc->xy[2 * pc->npts + 1] = y;
    pc->npts++;
    return 0;
}

/* Appends the part [a, b] (metres from the first node) of edge e. */
static int add_piece(pieces_t *pc, const coverage_graph_t *g, uint32_t e, double a, double b)
{
    if (pc->npieces + 2 > pc->cappieces) {
        size_t c = pc->cappieces ? 2 * pc->cappieces : 256;
        size_t *v = realloc(pc->off, c * sizeof *v);
        if (!v)
            return -1;
        pc->off = v, pc->cappieces = c;
    }
    size_t start = pc->npts;
    pc->off[pc->npieces] = start;
    uint32_t k0 = g->edge_coff[e], k1 = g->edge_coff[e + 1];
    double along = 0;
    int first = 1;
    for (uint32_t k = k0; k + 1 < k1; k++) {
        const double *p = g->coords + 2 * k;
        double seg = hypot(p[2] - p[0], p[3] - p[1]);
        double s0 = along, s1 = along + seg;
        along = s1;
        if (s1 < a || s0 > b || seg <= 0)
            continue;
        if (first) {
            double t = (a - s0) / seg;
            t = t < 0 ? 0 : t;
            if (push_pt(pc, p[0] + t * (p[2] - p[0]), p[1] + t * (p[3] - p[1])))
                return -1;
            first = 0;
        }
        double t = (b - s0) / seg;
        t = t > 1 ? 1 : t;
        if (push_pt(pc, p[0] + t * (p[2] - p[0]), p[1] + t * (p[3] - p[1])))
            return -1;
        if (s1 >= b)
            break;
    }
    if (pc->npts - start < 2) {
        pc->npts = start;
        return 0;
    }
    pc->npieces++;
    pc->off[pc->npieces] = pc->npts;
    return 0;
}

static void pieces_free(pieces_t *pc)
{
    free(pc->xy);
    free(pc->off);
}

/* The pieces as a GEOS MultiLineString in the plane. */
static GEOSGeometry *pieces_lines(const pieces_t *pc)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry **parts = malloc((pc->npieces + 1) * sizeof *parts);
    if (!parts)
        return NULL;
    for (size_t i = 0; i < pc->npieces; i++) {
        size_t n = pc->off[i + 1] - pc->off[i];
        GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, pc->xy + 2 * pc->off[i], (unsigned)n, 0, 0);
        parts[i] = GEOSGeom_createLineString_r(h, cs);
    }
    GEOSGeometry *m = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, parts, (unsigned)pc->npieces);
    free(parts);
    return m;
}

/* ---- the polygon on a grid ---------------------------------------------------------
 * GEOS buffers of a few hundred reachable segments take tens to hundreds of
 * milliseconds (GEOS 3.11 nodes every offset curve). The default polygon is
 * instead built on a grid of cells buffer_m / 4 wide: a cell is in when its
 * centre lies within buffer_m of a reachable segment; the cells' outline is
 * traced into rings (filled cells on the left of every boundary edge, so
 * outer rings run counter-clockwise and holes clockwise), straight runs are
 * collapsed to their corners, and each hole is given to the smallest outer
 * ring around it. The outline departs from the exact buffer by at most one
 * cell diagonal (buffer_m / 4 × √2), plus the cells filled to remove
 * saddles. `exact` asks GEOS for the true buffer. */

typedef struct {
    double *xy;
    size_t n, cap;
} ring_t;

static int ring_push(ring_t *r, double x, double y)
{
    if (r->n == r->cap) {
        size_t c = r->cap ? 2 * r->cap : 64;
        double *v = realloc(r->xy, 2 * c * sizeof *v);
        if (!v)
            return -1;
        r->xy = v, r->cap = c;
    }
    r->xy[2 * r->n] = x, r->xy[2 * r->n + 1] = y;
    r->n++;
    return 0;
}

static double ring_area(const ring_t *r)
{
    double a = 0;
    for (size_t i = 0; i + 1 < r->n; i++)
        a += r->xy[2 * i] * r->xy[2 * i + 3] - r->xy[2 * i + 2] * r->xy[2 * i + 1];
    return a / 2;
}

static int ring_contains(const ring_t *r, double x, double y)
{
    int in = 0;
    for (size_t i = 0, j = r->n - 1; i < r->n; j = i++) {
        double xi = r->xy[2 * i], yi = r->xy[2 * i + 1], xj = r->xy[2 * j], yj = r->xy[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            in = !in;
    }
    return in;
}

static GEOSGeometry *ring_geos(GEOSContextHandle_t h, const ring_t *r)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_copyFromBuffer_r(h, r->xy, (unsigned)r->n, 0, 0);
    return cs ? GEOSGeom_createLinearRing_r(h, cs) : NULL;
}

/* Direction codes: 0 east, 1 north, 2 west, 3 south. */
static const int DX[4] = {1, 0, -1, 0}, DY[4] = {0, 1, 0, -1};

static GEOSGeometry *raster_area(const pieces_t *pc, double buffer_m, double *area_m2)
{
    *area_m2 = 0;
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (size_t i = 0; i < pc->npts; i++) {
        x0 = fmin(x0, pc->xy[2 * i]), x1 = fmax(x1, pc->xy[2 * i]);
        y0 = fmin(y0, pc->xy[2 * i + 1]), y1 = fmax(y1, pc->xy[2 * i + 1]);
    }
    double c = fmax(buffer_m / 4, 0.5);
    /* one empty cell of margin all round keeps the outline off the grid's edge */
    x0 -= buffer_m + 2 * c, y0 -= buffer_m + 2 * c, x1 += buffer_m + 2 * c, y1 += buffer_m + 2 * c;
    size_t w = (size_t)ceil((x1 - x0) / c), hh = (size_t)ceil((y1 - y0) / c);
    while (w * hh > ((size_t)1 << 22))
        c *= 1.5, w = (size_t)ceil((x1 - x0) / c), hh = (size_t)ceil((y1 - y0) / c);
    unsigned char *m = calloc(w * hh, 1);
    if (!m)
        return NULL;
    double b2 = buffer_m * buffer_m;
    for (size_t i = 0; i < pc->npieces; i++)
        for (size_t k = pc->off[i]; k + 1 < pc->off[i + 1]; k++) {
            const double *p = pc->xy + 2 * k;
            double dx = p[2] - p[0], dy = p[3] - p[1], l2 = dx * dx + dy * dy;
            long cx0 = (long)((fmin(p[0], p[2]) - buffer_m - x0) / c), cx1 = (long)((fmax(p[0], p[2]) + buffer_m - x0) / c);
            long cy0 = (long)((fmin(p[1], p[3]) - buffer_m - y0) / c), cy1 = (long)((fmax(p[1], p[3]) + buffer_m - y0) / c);
            for (long cy = cy0 < 1 ? 1 : cy0; cy <= cy1 && cy < (long)hh - 1; cy++)
                for (long cx = cx0 < 1 ? 1 : cx0; cx <= cx1 && cx < (long)w - 1; cx++) {
                    size_t idx = (size_t)cy * w + (size_t)cx;
                    if (m[idx])
                        continue;
                    double px = x0 + (cx + 0.5) * c, py = y0 + (cy + 0.5) * c;
                    double t = l2 > 0 ? ((px - p[0]) * dx + (py - p[1]) * dy) / l2 : 0;
                    t = t < 0 ? 0 : t > 1 ? 1 : t;
                    double ex = p[0] + t * dx - px, ey = p[1] + t * dy - py;
                    if (ex * ex + ey * ey <= b2)
                        m[idx] = 1;
                }
        }
    /* No saddles: where only diagonal cells of a 2 × 2 block are filled, the
     * outline would touch itself at their corner (an invalid ring, OGC SFA
     * 6.1.7.1), so one more cell is filled; repeat until none is left. */
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t j = 0; j + 1 < hh; j++)
            for (size_t i = 0; i + 1 < w; i++) {
                unsigned char *sw = &m[j * w + i], *se = sw + 1, *nw = sw + w, *ne = nw + 1;
                if (*sw && *ne && !*se && !*nw)
                    *se = 1, changed = 1;
                else if (*se && *nw && !*sw && !*ne)
                    *sw = 1, changed = 1;
            }
    }
    /* boundary edges: without saddles one leaves each lattice vertex at most */
    size_t vw = w + 1, nv = vw * (hh + 1);
    unsigned char *out = calloc(nv, 1); /* bit d: an edge in direction d leaves this vertex */
    if (!out) {
        free(m);
        return NULL;
    }
#define FILLED(i, j) ((i) >= 0 && (j) >= 0 && (size_t)(i) < w && (size_t)(j) < hh && m[(size_t)(j) * w + (size_t)(i)])
    for (long j = 0; j < (long)hh; j++)
        for (long i = 0; i < (long)w; i++) {
            if (!FILLED(i, j))
                continue;
            if (!FILLED(i, j - 1)) out[(size_t)j * vw + (size_t)i] |= 1;             /* bottom, east */
            if (!FILLED(i + 1, j)) out[(size_t)j * vw + (size_t)i + 1] |= 2;         /* right, north */
            if (!FILLED(i, j + 1)) out[(size_t)(j + 1) * vw + (size_t)i + 1] |= 4;   /* top, west */
            if (!FILLED(i - 1, j)) out[(size_t)(j + 1) * vw + (size_t)i] |= 8;       /* left, south */
        }
#undef FILLED
    free(m);
    ring_t *rings = NULL;
    size_t nrings = 0, caprings = 0;
    int oom = 0;
    for (size_t v = 0; v < nv && !oom; v++)
        while (out[v] && !oom) {
            const int d0 = __builtin_ctz(out[v]);
            ring_t r = {NULL, 0, 0};
            size_t cur = v;
            int d = d0, prev = -1;
            for (;;) {
                out[cur] &= (unsigned char)~(1u << d);
                if (d != prev && ring_push(&r, x0 + (double)(cur % vw) * c, y0 + (double)(cur / vw) * c)) {
                    oom = 1;
                    break;
                }
                cur = (size_t)((long)cur + DX[d] + DY[d] * (long)vw);
                prev = d;
                /* next edge (left, straight or right: with saddles removed there
                 * is one). Back at the start, the ring closes when the next edge
                 * would be the first one. */
                int next = -1;
                const int pref[3] = {(prev + 1) & 3, prev, (prev + 3) & 3};
                for (int k = 0; k < 3 && next < 0; k++)
                    if ((out[cur] >> pref[k] & 1) || (cur == v && pref[k] == d0))
                        next = pref[k];
                if (next < 0 || (cur == v && next == d0))
                    break;
                d = next;
            }
            if (oom || r.n < 3) {
                free(r.xy);
                continue;
            }
            /* close the ring; the first corner may be a straight-through point */
            if (ring_push(&r, r.xy[0], r.xy[1])) {
                free(r.xy);
                oom = 1;
                break;
            }
            if (nrings == caprings) {
                size_t cc = caprings ? 2 * caprings : 16;
                ring_t *vv = realloc(rings, cc * sizeof *vv);
                if (!vv) {
                    free(r.xy);
                    oom = 1;
                    break;
                }
                rings = vv, caprings = cc;
            }
            rings[nrings++] = r;
        }
    free(out);
    GEOSGeometry *result = NULL;
    GEOSContextHandle_t h = geom_ctx();
    if (!oom) {
        /* outers (counter-clockwise) take the holes (clockwise) they contain */
        size_t nout = 0;
        double *area = malloc((nrings + 1) * sizeof *area);
        long *owner = malloc((nrings + 1) * sizeof *owner);
        size_t *slot = malloc((nrings + 1) * sizeof *slot);
        for (size_t i = 0; area && owner && slot && i < nrings; i++) {
            area[i] = ring_area(&rings[i]);
            owner[i] = -1;
            if (area[i] > 0)
                slot[i] = nout++;
            *area_m2 += area[i];
        }
        if (area && owner && slot) {
            for (size_t i = 0; i < nrings; i++) {
                if (area[i] >= 0)
                    continue;
                /* a point a quarter cell to the left of the hole's first edge is in a filled cell */
                const double *p = rings[i].xy;
                double ex = p[2] - p[0], ey = p[3] - p[1], len = hypot(ex, ey);
                double px = (p[0] + p[2]) / 2 - ey / len * c / 4, py = (p[1] + p[3]) / 2 + ex / len * c / 4;
                double best = INFINITY;
                for (size_t k = 0; k < nrings; k++)
                    if (area[k] > 0 && area[k] < best && ring_contains(&rings[k], px, py))
                        best = area[k], owner[i] = (long)k;
            }
            GEOSGeometry **polys = malloc((nout + 1) * sizeof *polys);
            size_t np = 0;
            for (size_t k = 0; polys && k < nrings; k++) {
                if (area[k] <= 0)
                    continue;
                size_t nh = 0;
                for (size_t i = 0; i < nrings; i++)
                    nh += owner[i] == (long)k;
                GEOSGeometry **holes = malloc((nh + 1) * sizeof *holes);
                nh = 0;
                for (size_t i = 0; holes && i < nrings; i++)
                    if (owner[i] == (long)k)
                        holes[nh++] = ring_geos(h, &rings[i]);
                polys[np++] = GEOSGeom_createPolygon_r(h, ring_geos(h, &rings[k]), holes, (unsigned)nh);
                free(holes);
            }
            if (polys)
                result = np == 1 ? polys[0]
                                 : GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
            free(polys);
        }
        free(area);
        free(owner);
        free(slot);
    }
    for (size_t i = 0; i < nrings; i++)
        free(rings[i].xy);
    free(rings);
    return result;
}

static int to_lonlat_cb(double *x, double *y, void *userdata)
{
    const coverage_graph_t *g = userdata;
    cov_to_lonlat(g, *x, *y, x, y);
    return 1;
}

static int run_reach(const coverage_graph_t *g, double lon, double lat, const coverage_params_t *p, int polygon,
                     int with_edges, coverage_isochrone_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = coverage_params_check(p, err);
    if (rc)
        return rc;
    if (!g->nedges)
        return dm_error_set(err, DM_ENOTFOUND, NULL, "no road network has been imported");
    out->budget_m = p->minutes * 60.0 * p->speed_mps;
    out->euclid_area_m2 = M_PI * out->budget_m * out->budget_m;
    coverage_snap_point(g, lon, lat, &out->start);
    double rest = out->budget_m - out->start.access_m;
    if (rest < 0)
        return 0; /* too far from any road: nothing is reached (an empty answer, not an error) */
    out->reached = 1;
    cov_search_t s;
    if (cov_search_init(&s, g))
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    cov_seed_t seeds[2];
    cov_snap_seeds(g, &out->start, 0, seeds);
    if (cov_search_run(&s, seeds, 2, out->budget_m)) {
        cov_search_free(&s);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    GEOSContextHandle_t h = geom_ctx();
    pieces_t pc;
    memset(&pc, 0, sizeof pc);
    int oom = 0;
    /* each reached edge once: from its lower-numbered reached end, plus the start edge */
    uint32_t start_e = out->start.edge;
    for (size_t t = 0; t <= s.ntouched && !oom; t++) {
        uint32_t node = t < s.ntouched ? s.touched[t] : COV_NONE;
        uint32_t a0 = node == COV_NONE ? 0 : g->adj_off[node], a1 = node == COV_NONE ? 1 : g->adj_off[node + 1];
        for (uint32_t a = a0; a < a1 && !oom; a++) {
            uint32_t e = node == COV_NONE ? start_e : g->adj_edge[a];
            uint32_t u = g->edge_u[e], v = g->edge_v[e];
            if (node != COV_NONE) {
                uint32_t other = u == node ? v : u;
                if (e == start_e || (s.dist[other] < INFINITY && other < node))
                    continue;
            }
            double len = g->edge_len[e], du = s.dist[u], dv = s.dist[v];
            ival_t iv[3];
            size_t n = 0;
            if (du <= out->budget_m)
                iv[n++] = (ival_t){0, out->budget_m - du};
            if (dv <= out->budget_m)
                iv[n++] = (ival_t){len - (out->budget_m - dv), len};
            if (e == start_e)
                iv[n++] = (ival_t){out->start.offset_m - rest, out->start.offset_m + rest};
            double total;
            n = merge(iv, n, len, &total);
            if (!n)
                continue;
            out->reach_length_m += total;
            if (n == 1 && iv[0].a <= 0 && iv[0].b >= len)
                out->edges_full++;
            else
                out->edges_partial++;
            if (!polygon && !with_edges)
                continue;
            for (size_t i = 0; i < n && !oom; i++)
                oom = add_piece(&pc, g, e, iv[i].a, iv[i].b) != 0;
        }
    }
    cov_search_free(&s);
    if (oom) {
        pieces_free(&pc);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (polygon && p->exact && pc.npieces > COVERAGE_MAX_EXACT_PIECES) {
        pieces_free(&pc);
        coverage_isochrone_clear(out);
        return dm_error_set(err, DM_EINVAL, "exact",
                            "the exact polygon is limited to %d reachable edge pieces (this walk reaches %zu): "
                            "leave out exact=true",
                            COVERAGE_MAX_EXACT_PIECES, pc.npieces);
    }
    if (pc.npieces) {
        GEOSGeometry *lines = (with_edges || p->exact) ? pieces_lines(&pc) : NULL;
        GEOSGeometry *area = NULL;
        if ((with_edges || p->exact) && !lines)
            rc = dm_error_set(err, DM_EGEOM, NULL, "cannot assemble reachable edges: %s", geom_last_error());
        else if (polygon && p->exact) {
            GEOSBufferParams *bp = GEOSBufferParams_create_r(h);
            GEOSBufferParams_setQuadrantSegments_r(h, bp, 4);
            area = GEOSBufferWithParams_r(h, lines, bp, p->buffer_m);
            GEOSBufferParams_destroy_r(h, bp);
            if (area)
                GEOSArea_r(h, area, &out->area_m2);
            else
                rc = dm_error_set(err, DM_EGEOM, NULL, "cannot buffer reachable edges: %s", geom_last_error());
        } else if (polygon && !(area = raster_area(&pc, p->buffer_m, &out->area_m2)))
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory building the reachable area");
        if (area) {
            out->area = GEOSGeom_transformXY_r(h, area, to_lonlat_cb, (void *)g);
            GEOSGeom_destroy_r(h, area);
        }
        if (lines && with_edges)
            out->edges = GEOSGeom_transformXY_r(h, lines, to_lonlat_cb, (void *)g);
        if (lines)
            GEOSGeom_destroy_r(h, lines);
    }
    pieces_free(&pc);
    if (rc)
        coverage_isochrone_clear(out);
    return rc;
}

int coverage_isochrone(const coverage_graph_t *g, double lon, double lat, const coverage_params_t *p, int with_edges,
                       coverage_isochrone_t *out, dm_error *err)
{
    return run_reach(g, lon, lat, p, 1, with_edges, out, err);
}

int coverage_reach(const coverage_graph_t *g, double lon, double lat, const coverage_params_t *p,
                   coverage_isochrone_t *out, dm_error *err)
{
    return run_reach(g, lon, lat, p, 0, 0, out, err);
}

void coverage_isochrone_clear(coverage_isochrone_t *iso)
{
    GEOSContextHandle_t h = geom_ctx();
    if (iso->area)
        GEOSGeom_destroy_r(h, iso->area);
    if (iso->edges)
        GEOSGeom_destroy_r(h, iso->edges);
    iso->area = iso->edges = NULL;
}

int coverage_facility_isochrone(store_t *s, const coverage_graph_t *g, int64_t id, const coverage_params_t *p,
                                int with_edges, coverage_isochrone_t *out, double *lon, double *lat, dm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = store_cov_facility_point(s, id, lon, lat, err);
    if (rc == DM_ENOTFOUND)
        return dm_error_set(err, DM_EINVAL, "facility", "no facility with id %lld", (long long)id);
    if (rc)
        return rc;
    return coverage_isochrone(g, *lon, *lat, p, with_edges, out, err);
}
