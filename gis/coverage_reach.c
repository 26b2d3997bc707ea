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

/* The part [a, b] (metres from the first node) of edge e as a GEOS line in
 * the plane. */
static GEOSGeometry *edge_piece(const coverage_graph_t *g, uint32_t e, double a, double b)
{
    GEOSContextHandle_t h = geom_ctx();
    uint32_t k0 = g->edge_coff[e], k1 = g->edge_coff[e + 1];
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, k1 - k0 + 2, 2);
    if (!cs)
        return NULL;
    unsigned n = 0;
    double along = 0;
    for (uint32_t k = k0; k + 1 < k1; k++) {
        const double *p = g->coords + 2 * k;
        double seg = hypot(p[2] - p[0], p[3] - p[1]);
        double s0 = along, s1 = along + seg;
        along = s1;
        if (s1 < a || s0 > b || seg <= 0)
            continue;
        if (!n) {
            double t = (a - s0) / seg;
            t = t < 0 ? 0 : t;
            GEOSCoordSeq_setXY_r(h, cs, n++, p[0] + t * (p[2] - p[0]), p[1] + t * (p[3] - p[1]));
        }
        double t = (b - s0) / seg;
        t = t > 1 ? 1 : t;
        GEOSCoordSeq_setXY_r(h, cs, n++, p[0] + t * (p[2] - p[0]), p[1] + t * (p[3] - p[1]));
        if (s1 >= b)
            break;
    }
    if (n < 2) {
        GEOSCoordSeq_destroy_r(h, cs);
        return NULL;
    }
    /* shrink to the points written */
    GEOSCoordSequence *fit = GEOSCoordSeq_create_r(h, n, 2);
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        GEOSCoordSeq_setXY_r(h, fit, i, x, y);
    }
    GEOSCoordSeq_destroy_r(h, cs);
    return GEOSGeom_createLineString_r(h, fit);
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
    GEOSGeometry **parts = NULL;
    size_t nparts = 0, capparts = 0;
    int oom = 0;
    /* each reached edge once: from its lower-numbered reached end, plus the start edge */
    uint32_t start_e = out->start.edge;
    for (size_t t = 0; t <= s.ntouched && !oom; t++) {
        uint32_t node = t < s.ntouched ? s.touched[t] : COV_NONE;
        uint32_t a0 = node == COV_NONE ? 0 : g->adj_off[node], a1 = node == COV_NONE ? 1 : g->adj_off[node + 1];
        for (uint32_t a = a0; a < a1; a++) {
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
            for (size_t i = 0; i < n; i++) {
                GEOSGeometry *piece = edge_piece(g, e, iv[i].a, iv[i].b);
                if (!piece)
                    continue;
                if (nparts == capparts) {
                    size_t c = capparts ? 2 * capparts : 256;
                    GEOSGeometry **q = realloc(parts, c * sizeof *q);
                    if (!q) {
                        GEOSGeom_destroy_r(h, piece);
                        oom = 1;
                        break;
                    }
                    parts = q, capparts = c;
                }
                parts[nparts++] = piece;
            }
        }
    }
    cov_search_free(&s);
    if (oom) {
        for (size_t i = 0; i < nparts; i++)
            GEOSGeom_destroy_r(h, parts[i]);
        free(parts);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (nparts) {
        GEOSGeometry *lines = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, parts, (unsigned)nparts);
        free(parts);
        parts = NULL;
        if (!lines)
            return dm_error_set(err, DM_EGEOM, NULL, "cannot assemble reachable edges: %s", geom_last_error());
        if (polygon) {
            GEOSBufferParams *bp = GEOSBufferParams_create_r(h);
            GEOSBufferParams_setQuadrantSegments_r(h, bp, 4);
            GEOSGeometry *area = GEOSBufferWithParams_r(h, lines, bp, p->buffer_m);
            GEOSBufferParams_destroy_r(h, bp);
            if (!area) {
                GEOSGeom_destroy_r(h, lines);
                return dm_error_set(err, DM_EGEOM, NULL, "cannot buffer reachable edges: %s", geom_last_error());
            }
            GEOSArea_r(h, area, &out->area_m2);
            out->area = GEOSGeom_transformXY_r(h, area, to_lonlat_cb, (void *)g);
            GEOSGeom_destroy_r(h, area);
        }
        if (with_edges)
            out->edges = GEOSGeom_transformXY_r(h, lines, to_lonlat_cb, (void *)g);
        GEOSGeom_destroy_r(h, lines);
    }
    free(parts);
    return 0;
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
