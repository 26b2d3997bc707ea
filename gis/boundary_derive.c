/* boundary_derive.c — boundary lines (行政区域界线) derived from the division
 * outlines of one level, with a snap tolerance; see boundary.h.
 *
 * Why a tolerance: outlines from different sources, or simplified one by one
 * (the DataV county outlines of the demo data), do not share vertices; two
 * neighbours leave slivers and gaps of a few to tens of metres between them,
 * so an exact shared-edge computation finds almost nothing. The line between
 * A and B (A having the smaller code) is therefore taken as the part of A's
 * outline lying within tolerance_m of B, computed in a local metric frame
 * (boundaryInt.h) so the tolerance is in metres in every direction; pieces
 * shorter than min_length_m (corner touches, brief approaches) are dropped.
 * Each open line is trimmed by tolerance_m at both ends, because the snap
 * reaches that far round the corner where the shared edge ends: on outlines
 * that do share their edges the result is then the exact shared edge.
 * The line follows A's outline; its length is geodesic on CGCS2000. */
#include "gis/boundary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/boundaryInt.h"
#include "gis/geom.h"
#include "gis/store_boundary.h"

typedef struct {
    char code[13];
    char valid_from[11], valid_to[11]; /* "" = since ever / still */
    char *name;
    GEOSGeometry *geom;
} dv_t;

typedef struct {
    dv_t *v;
    size_t n, cap;
    dm_error *err;
} dv_list_t;

static int collect_div(const division_t *d, void *ctx)
{
    dv_list_t *l = ctx;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        dv_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return dm_error_set(l->err, DM_ENOMEM, NULL, "out of memory");
        l->v = v;
        l->cap = cap;
    }
    GEOSGeometry *g = geom_from_wkb(d->wkb, d->wkb_len, l->err);
    if (!g)
        return DM_EGEOM;
    dv_t *e = &l->v[l->n++];
    memcpy(e->code, d->code, sizeof e->code);
    memcpy(e->valid_from, d->valid_from, sizeof e->valid_from);
    memcpy(e->valid_to, d->valid_to, sizeof e->valid_to);
    e->name = strdup(d->name);
    e->geom = g;
    return e->name ? 0 : dm_error_set(l->err, DM_ENOMEM, NULL, "out of memory");
}

static void dv_free(dv_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        GEOSGeom_destroy_r(geom_ctx(), l->v[i].geom);
    }
    free(l->v);
}

void boundary_line_name(const char *left_name, const char *right_name, char *out, size_t n)
{
    snprintf(out, n, "%s\u2014%s", left_name, right_name);
}

void boundary_line_code(const char left[13], const char right[13], division_level_t level, char out[5])
{
    out[0] = '\0';
    if (level == LEVEL_PROVINCE)
        snprintf(out, 5, "%.2s%.2s", left, right);
    else if (level == LEVEL_COUNTY && strncmp(left, right, 4) == 0)
        snprintf(out, 5, "%.2s%.2s", left + 4, right + 4);
}

typedef struct {
    GEOSGeometry **parts;
    size_t n;
} hits_t;

static void on_hit(void *item, void *ud)
{
    hits_t *h = ud;
    GEOSGeometry **p = realloc(h->parts, (h->n + 1) * sizeof *p);
    if (!p)
        return;
    h->parts = p;
    h->parts[h->n++] = item;
}

/* A copy of line (metres) without its first and last `cut` metres, or NULL
 * when nothing is left. */
static GEOSGeometry *trim_line(GEOSContextHandle_t h, const GEOSGeometry *line, double cut)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n) || n < 2)
        return NULL;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *at = malloc(n * sizeof *at);
    GEOSGeometry *res = NULL;
    if (!x || !y || !at)
        goto done;
    for (unsigned i = 0; i < n; i++) {
        GEOSCoordSeq_getXY_r(h, cs, i, &x[i], &y[i]);
        at[i] = i ? at[i - 1] + hypot(x[i] - x[i - 1], y[i] - y[i - 1]) : 0;
    }
    double from = cut, to = at[n - 1] - cut;
    if (to - from <= 0)
        goto done;
    GEOSCoordSequence *out = GEOSCoordSeq_create_r(h, n + 2, 2);
    unsigned k = 0;
    for (unsigned i = 1; i < n; i++) {
        double a0 = at[i - 1], a1 = at[i];
        if (a1 < from || a0 > to || a1 <= a0)
            continue;
        if (k == 0) { /* the start point on this segment */
            double t = (from - a0) / (a1 - a0);
            t = t < 0 ? 0 : t;
            GEOSCoordSeq_setXY_r(h, out, k++, x[i - 1] + t * (x[i] - x[i - 1]), y[i - 1] + t * (y[i] - y[i - 1]));
        }
        if (a1 <= to)
            GEOSCoordSeq_setXY_r(h, out, k++, x[i], y[i]);
        else {
            double t = (to - a0) / (a1 - a0);
            GEOSCoordSeq_setXY_r(h, out, k++, x[i - 1] + t * (x[i] - x[i - 1]), y[i - 1] + t * (y[i] - y[i - 1]));
            break;
        }
    }
    if (k >= 2) {
        GEOSCoordSequence *exact = GEOSCoordSeq_create_r(h, k, 2);
        for (unsigned i = 0; i < k; i++) {
            double px, py;
            GEOSCoordSeq_getXY_r(h, out, i, &px, &py);
            GEOSCoordSeq_setXY_r(h, exact, i, px, py);
        }
        res = GEOSGeom_createLineString_r(h, exact);
    }
    GEOSCoordSeq_destroy_r(h, out);
done:
    free(x), free(y), free(at);
    return res;
}

/* From the intersection g (local metres; consumed): the linear parts merged
 * into maximal lines, each open line trimmed by `cut` metres at both ends
 * (the snap buffer reaches `cut` metres round the corner where a shared edge
 * ends, and would otherwise lengthen every line by that much at each end),
 * lines shorter than min_m dropped. NULL when nothing is left. */
static GEOSGeometry *clean_lines(GEOSContextHandle_t h, GEOSGeometry *g, double cut, double min_m)
{
    int n = GEOSGetNumGeometries_r(h, g), k = 0, cap = 16;
    GEOSGeometry **lines = malloc((size_t)cap * sizeof *lines);
    for (int i = 0; lines && i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, p), m = t == GEOS_MULTILINESTRING ? GEOSGetNumGeometries_r(h, p) : 1;
        if (t != GEOS_LINESTRING && t != GEOS_MULTILINESTRING)
            continue;
        for (int j = 0; j < m; j++) {
            if (k == cap) {
                GEOSGeometry **more = realloc(lines, (size_t)(cap *= 2) * sizeof *lines);
                if (!more)
                    break;
                lines = more;
            }
            lines[k++] = GEOSGeom_clone_r(h, t == GEOS_LINESTRING ? p : GEOSGetGeometryN_r(h, p, j));
        }
    }
    GEOSGeom_destroy_r(h, g);
    if (!lines || k == 0) {
        free(lines);
        return NULL;
    }
    GEOSGeometry *ml = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, lines, (unsigned)k);
    free(lines);
    GEOSGeometry *merged = ml ? GEOSLineMerge_r(h, ml) : NULL;
    if (ml)
        GEOSGeom_destroy_r(h, ml);
    if (!merged)
        return NULL;
    n = GEOSGetNumGeometries_r(h, merged);
    GEOSGeometry **keep = calloc((size_t)(n > 0 ? n : 1), sizeof *keep);
    k = 0;
    for (int i = 0; keep && i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, merged, i);
        if (GEOSGeomTypeId_r(h, p) != GEOS_LINESTRING)
            continue;
        GEOSGeometry *t = GEOSisClosed_r(h, p) == 1 ? GEOSGeom_clone_r(h, p) : trim_line(h, p, cut);
        double len = 0;
        if (t && GEOSLength_r(h, t, &len) && len >= min_m)
            keep[k++] = t;
        else if (t)
            GEOSGeom_destroy_r(h, t);
    }
    GEOSGeom_destroy_r(h, merged);
    GEOSGeometry *res = k ? GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, keep, (unsigned)k) : NULL;
    free(keep);
    return res;
}

/* The shared edge of a and b (lon/lat), or NULL. */
static GEOSGeometry *shared_edge(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b, double tol_m,
                                 double min_m)
{
    double ax0, ay0, ax1, ay1, bx0, by0, bx1, by1;
    GEOSGeom_getXMin_r(h, a, &ax0), GEOSGeom_getYMin_r(h, a, &ay0);
    GEOSGeom_getXMax_r(h, a, &ax1), GEOSGeom_getYMax_r(h, a, &ay1);
    GEOSGeom_getXMin_r(h, b, &bx0), GEOSGeom_getYMin_r(h, b, &by0);
    GEOSGeom_getXMax_r(h, b, &bx1), GEOSGeom_getYMax_r(h, b, &by1);
    double dlon, dlat;
    metric_degrees((ay0 + ay1) / 2, tol_m * 2, &dlon, &dlat);
    /* Work only where the two can meet: the overlap of their envelopes, grown. */
    double x0 = fmax(ax0, bx0) - dlon, y0 = fmax(ay0, by0) - dlat;
    double x1 = fmin(ax1, bx1) + dlon, y1 = fmin(ay1, by1) + dlat;
    if (x0 > x1 || y0 > y1)
        return NULL;
    const metric_frame_t *f = metric_frame((x0 + x1) / 2, (y0 + y1) / 2);
    if (!f)
        return NULL;
    GEOSGeometry *ab = GEOSBoundary_r(h, a);
    GEOSGeometry *ab_clip = ab ? GEOSClipByRect_r(h, ab, x0, y0, x1, y1) : NULL;
    GEOSGeometry *b_clip = GEOSClipByRect_r(h, b, x0, y0, x1, y1);
    GEOSGeometry *res = NULL;
    if (ab_clip && b_clip && !GEOSisEmpty_r(h, ab_clip) && !GEOSisEmpty_r(h, b_clip)) {
        GEOSGeometry *la = metric_to_local(f, ab_clip), *lb = metric_to_local(f, b_clip);
        GEOSGeometry *buf = lb ? GEOSBuffer_r(h, lb, tol_m, 4) : NULL;
        GEOSGeometry *inter = la && buf ? GEOSIntersection_r(h, la, buf) : NULL;
        if (inter && !GEOSisEmpty_r(h, inter)) {
            GEOSGeometry *lines = clean_lines(h, GEOSGeom_clone_r(h, inter), tol_m, min_m);
            if (lines) {
                res = metric_to_lonlat(f, lines);
                GEOSGeom_destroy_r(h, lines);
            }
        }
        GEOSGeometry *tmp[] = {la, lb, buf, inter};
        for (size_t i = 0; i < sizeof tmp / sizeof *tmp; i++)
            if (tmp[i])
                GEOSGeom_destroy_r(h, tmp[i]);
    }
    if (ab)
        GEOSGeom_destroy_r(h, ab);
    if (ab_clip)
        GEOSGeom_destroy_r(h, ab_clip);
    if (b_clip)
        GEOSGeom_destroy_r(h, b_clip);
    return res;
}

/* One derived line version before it is stored: the pair, its period
 * (the overlap of the two division versions), its geometry. */
typedef struct {
    const dv_t *a, *b;
    char valid_from[11], valid_to[11];
    char inherit_from[11]; /* the previous version with the same course, or "" */
    int inherit;
    GEOSGeometry *geom;
} cand_t;

static int cmp_cand(const void *x, const void *y)
{
    const cand_t *p = x, *q = y;
    int c = strcmp(p->a->code, q->a->code);
    if (!c)
        c = strcmp(p->b->code, q->b->code);
    return c ? c : strcmp(p->valid_from, q->valid_from);
}

/* The period in which versions a and b are both in force: from the later
 * start to the earlier end. 0 if they never are. */
static int overlap(const dv_t *a, const dv_t *b, char from[11], char to[11])
{
    memcpy(from, strcmp(a->valid_from, b->valid_from) >= 0 ? a->valid_from : b->valid_from, 11);
    if (!a->valid_to[0] || !b->valid_to[0])
        memcpy(to, a->valid_to[0] ? a->valid_to : b->valid_to, 11);
    else
        memcpy(to, strcmp(a->valid_to, b->valid_to) <= 0 ? a->valid_to : b->valid_to, 11);
    return !to[0] || strcmp(from, to) < 0;
}

/* Lines are versioned with the divisions (DOMAIN.md §6): the line between
 * versions A and B is in force while both are. Every pair of versions that
 * are in force together and touch gives a line version; consecutive versions
 * of a pair with the same geometry (a neighbour renamed, or changed away from
 * this edge) are joined into one, so a line changes — and loses its 勘定
 * status — only when its course does. Without a date the whole history is
 * derived; with one, the versions in force on it. */
static int derive_level(store_t *s, division_level_t level, const boundary_derive_opts_t *o, double tol_m,
                        double min_m, boundary_derive_report_t *rep, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    dv_list_t l = {.err = err};
    int rc = store_boundary_divisions_at_level(s, level, o->date, collect_div, &l, err);
    rep->divisions[level] = (long)l.n;
    if (!rc)
        rc = store_boundary_mark(s, level, o->date, err);
    GEOSSTRtree *tree = NULL;
    if (!rc && l.n > 1) {
        tree = GEOSSTRtree_create_r(h, 10);
        for (size_t i = 0; i < l.n; i++)
            GEOSSTRtree_insert_r(h, tree, l.v[i].geom, &l.v[i]);
    }
    cand_t *cv = NULL;
    size_t nc = 0, capc = 0;
    for (size_t i = 0; !rc && tree && i < l.n; i++) {
        dv_t *a = &l.v[i];
        double x0, y0, x1, y1;
        GEOSGeom_getXMin_r(h, a->geom, &x0), GEOSGeom_getYMin_r(h, a->geom, &y0);
        GEOSGeom_getXMax_r(h, a->geom, &x1), GEOSGeom_getYMax_r(h, a->geom, &y1);
        double dlon, dlat;
        metric_degrees((y0 + y1) / 2, tol_m, &dlon, &dlat);
        GEOSGeometry *env = GEOSGeom_createRectangle_r(h, x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat);
        hits_t hits = {0};
        GEOSSTRtree_query_r(h, tree, env, on_hit, &hits);
        GEOSGeom_destroy_r(h, env);
        for (size_t j = 0; !rc && j < hits.n; j++) {
            dv_t *b = (dv_t *)hits.parts[j];
            char from[11], to[11];
            if (strcmp(b->code, a->code) <= 0 || !overlap(a, b, from, to))
                continue;
            GEOSGeometry *edge = shared_edge(h, a->geom, b->geom, tol_m, min_m);
            if (!edge)
                continue;
            if (nc == capc) {
                cand_t *more = realloc(cv, (capc = capc ? capc * 2 : 64) * sizeof *cv);
                if (!more) {
                    GEOSGeom_destroy_r(h, edge);
                    rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
                    break;
                }
                cv = more;
            }
            cand_t *c = &cv[nc++];
            memset(c, 0, sizeof *c);
            c->a = a, c->b = b, c->geom = edge;
            memcpy(c->valid_from, from, 11), memcpy(c->valid_to, to, 11);
        }
        free(hits.parts);
    }
    if (nc)
        qsort(cv, nc, sizeof *cv, cmp_cand);
    /* Join a version into the previous one of the pair when it follows it
     * directly with the same course (within 1e-7°, about 1 cm) and names.
     * When only a name changed (a neighbour renamed), the new version is kept
     * — the name is part of the record — but inherits the 勘定 status: the
     * agreed course did not move. */
    size_t k = 0;
    for (size_t i = 0; i < nc; i++) {
        cand_t *p = k ? &cv[k - 1] : NULL;
        if (p && strcmp(p->a->code, cv[i].a->code) == 0 && strcmp(p->b->code, cv[i].b->code) == 0 &&
            p->valid_to[0] && strcmp(p->valid_to, cv[i].valid_from) == 0 &&
            GEOSEqualsExact_r(h, p->geom, cv[i].geom, 1e-7) == 1) {
            if (strcmp(p->a->name, cv[i].a->name) == 0 && strcmp(p->b->name, cv[i].b->name) == 0) {
                memcpy(p->valid_to, cv[i].valid_to, 11);
                GEOSGeom_destroy_r(h, cv[i].geom);
                continue;
            }
            cv[i].inherit = 1;
            memcpy(cv[i].inherit_from, p->valid_from, 11);
        }
        cv[k++] = cv[i];
    }
    nc = k;
    for (size_t i = 0; !rc && i < nc; i++) {
        const dv_t *a = cv[i].a, *b = cv[i].b;
        boundary_line_t bl;
        memset(&bl, 0, sizeof bl);
        char name[512], lcode[5];
        bl.level = level;
        memcpy(bl.left_code, a->code, 13);
        memcpy(bl.right_code, b->code, 13);
        boundary_line_name(a->name, b->name, name, sizeof name);
        boundary_line_code(a->code, b->code, level, lcode);
        bl.name = name;
        bl.line_code = lcode;
        bl.length_m = geom_length_m(cv[i].geom);
        bl.tolerance_m = tol_m;
        bl.source = "derived";
        bl.valid_from = cv[i].valid_from;
        bl.valid_to = cv[i].valid_to;
        char st[16], ref[256];
        if (cv[i].inherit) {
            dm_error e;
            if (store_boundary_version_status(s, level, a->code, b->code, cv[i].inherit_from, st, sizeof st, ref,
                                              sizeof ref, &e) == 0) {
                bl.status = st;
                bl.agreement_ref = ref[0] ? ref : NULL;
            }
        }
        unsigned char *wkb = geom_to_wkb(cv[i].geom, &bl.wkb_len);
        bl.wkb = wkb;
        rc = wkb ? store_boundary_upsert(s, &bl, err) : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        free(wkb);
        if (!rc) {
            rep->lines[level]++;
            rep->length_m[level] += bl.length_m;
        }
    }
    for (size_t i = 0; i < nc; i++)
        GEOSGeom_destroy_r(h, cv[i].geom);
    free(cv);
    if (tree)
        GEOSSTRtree_destroy_r(h, tree);
    if (!rc) {
        long removed = store_boundary_sweep(s, level, o->date, err);
        if (removed < 0)
            rc = (int)removed;
        else
            rep->removed[level] = removed;
    }
    dv_free(&l);
    return rc;
}

int boundary_derive(store_t *s, const boundary_derive_opts_t *opt, boundary_derive_report_t *rep, dm_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    double tol = opt->tolerance_m > 0 ? opt->tolerance_m : 50;
    double min_len = opt->min_length_m > 0 ? opt->min_length_m : 2 * tol;
    if (!(tol <= 1000))
        return dm_error_set(err, DM_EINVAL, "tolerance", "tolerance must be at most 1000 m");
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    for (int lv = LEVEL_PROVINCE; lv <= LEVEL_VILLAGE && !rc; lv++)
        if (opt->level == LEVEL_NONE || (int)opt->level == lv)
            rc = derive_level(s, (division_level_t)lv, opt, tol, min_len, rep, err);
    if (rc) {
        store_rollback(s);
        return rc;
    }
    rc = store_commit(s, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return rc;
}
