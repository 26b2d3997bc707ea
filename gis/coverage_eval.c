/* coverage_eval.c — coverage of residential areas by facilities and greedy
 * choice of new sites (see coverage.h, docs/coverage.md).
 *
 * Coverage is one multi-source Dijkstra from every facility at once, bounded
 * by the budget: each node keeps the distance to, and the label of, its
 * nearest facility, so the work is that of one search over the reachable
 * network whatever the number of facilities. An area's walking distance is
 * its access distance plus the best of the two ends of its edge (or the
 * direct walk along the edge when a facility sits on the same edge).
 *
 * New sites: the maximal covering location problem (MCLP, Church & ReVelle
 * 1974) solved greedily. Coverage is submodular, so the greedy choice reaches
 * at least 1 − 1/e ≈ 63 % of the optimum (Nemhauser, Wolsey & Fisher 1978).
 * Demand is the 60+ population of the areas not covered by the existing
 * facilities; each uncovered area runs one bounded search to find the
 * candidates within its budget (walking is symmetric), giving the
 * area × candidate incidence; the greedy step then takes the candidate with
 * the largest uncovered demand and lowers its neighbours' gains. */
#include "gis/coverageInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/limits.h"
#include "gis/store_coverage.h"

/* ---- filters ------------------------------------------------------------------------ */

/* Length of the separator at p (, ; or the full-width ， ； 、), 0 if none. */
static size_t sep_len(const char *p)
{
    static const char *const seps[] = {",", ";", "，", "；", "、"};
    for (size_t i = 0; i < sizeof seps / sizeof *seps; i++)
        if (strncmp(p, seps[i], strlen(seps[i])) == 0)
            return strlen(seps[i]);
    return 0;
}

/* True if `word` (wlen bytes) is one of the separated items of `list`. */
static int list_has(const char *list, const char *word, size_t wlen)
{
    const char *p = list;
    while (*p) {
        const char *q = p;
        while (*q && !sep_len(q))
            q++;
        if ((size_t)(q - p) == wlen && strncmp(p, word, wlen) == 0)
            return 1;
        p = *q ? q + sep_len(q) : q;
    }
    return 0;
}

/* True if any item of `want` is in `have`. */
static int any_in(const char *want, const char *have)
{
    const char *p = want;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n && have && list_has(have, p, n))
            return 1;
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

int coverage_facility_matches(const char *type, const char *functions, const char *want_types,
                              const char *want_functions)
{
    if (want_types && *want_types && !(type && any_in(want_types, type)))
        return 0;
    if (want_functions && *want_functions && !(functions && any_in(want_functions, functions)))
        return 0;
    return 1;
}

/* ---- the engine --------------------------------------------------------------------------- */

typedef struct {
    uint32_t edge, fac;
    double offset, access;
} on_edge_t;

static int cmp_on_edge(const void *pa, const void *pb)
{
    const on_edge_t *a = pa, *b = pb;
    return a->edge < b->edge ? -1 : a->edge > b->edge ? 1 : (a->fac > b->fac) - (a->fac < b->fac);
}

/* How many facilities each area can reach within the budget (DOMAIN.md §8 B,
 * "reachable-facility count"): one bounded search per facility; the areas on
 * the edges around its reached nodes are checked (each once per facility). */
static int count_within(const coverage_graph_t *g, cov_search_t *s, double budget, const coverage_snap_t *fsn,
                        const unsigned char *fok, size_t nfac, const coverage_snap_t *asn, coverage_area_t *areas,
                        size_t nareas)
{
    on_edge_t *by_edge = malloc((nareas + 1) * sizeof *by_edge);
    uint32_t *eoff = calloc((size_t)g->nedges + 1, sizeof *eoff), *stamp = calloc(nareas + 1, sizeof *stamp);
    if (!by_edge || !eoff || !stamp) {
        free(by_edge), free(eoff), free(stamp);
        return DM_ENOMEM;
    }
    for (size_t i = 0; i < nareas; i++)
        by_edge[i] = (on_edge_t){asn[i].edge, (uint32_t)i, asn[i].offset_m, asn[i].access_m};
    qsort(by_edge, nareas, sizeof *by_edge, cmp_on_edge);
    for (size_t i = 0, e = 0; e < g->nedges; e++) {
        while (i < nareas && by_edge[i].edge < e)
            i++;
        eoff[e] = (uint32_t)i;
    }
    int rc = 0;
    for (size_t f = 0; f < nfac && !rc; f++) {
        if (!fok[f])
            continue;
        if (limits_deadline_passed()) { /* the server's per-request deadline (limits.h) */
            rc = DM_ELIMIT;
            break;
        }
        cov_seed_t seeds[2];
        cov_snap_seeds(g, &fsn[f], 0, seeds);
        cov_search_reset(s);
        if ((rc = cov_search_run(s, seeds, 2, budget)))
            break;
        for (size_t t = 0; t <= s->ntouched; t++) {
            uint32_t node = t < s->ntouched ? s->touched[t] : COV_NONE;
            uint32_t a0 = node == COV_NONE ? 0 : g->adj_off[node], a1 = node == COV_NONE ? 1 : g->adj_off[node + 1];
            for (uint32_t j = a0; j < a1; j++) {
                uint32_t e = node == COV_NONE ? fsn[f].edge : g->adj_edge[j];
                uint32_t end = e + 1 < g->nedges ? eoff[e + 1] : (uint32_t)nareas;
                for (uint32_t q = eoff[e]; q < end; q++) {
                    uint32_t ai = by_edge[q].fac; /* the area's index */
                    if (stamp[ai] == f + 1)
                        continue;
                    double d = cov_search_to(s, &asn[ai], NULL) + asn[ai].access_m;
                    if (e == fsn[f].edge)
                        d = fmin(d, fabs(asn[ai].offset_m - fsn[f].offset_m) + fsn[f].access_m + asn[ai].access_m);
                    if (d <= budget + 1e-3) {
                        stamp[ai] = (uint32_t)(f + 1);
                        areas[ai].facilities_within++;
                    }
                }
            }
        }
    }
    free(by_edge), free(eoff), free(stamp);
    return rc;
}

const char *coverage_assign(const coverage_graph_t *g, const coverage_params_t *p, const coverage_facility_t *fac,
                            size_t nfac, coverage_area_t *areas, size_t nareas)
{
    double budget = p->minutes * 60.0 * p->speed_mps;
    for (size_t i = 0; i < nareas; i++)
        areas[i].covered = 0, areas[i].walk_m = INFINITY, areas[i].nearest = -1, areas[i].facilities_within = 0;
    if (!g || !g->nedges) {
        for (size_t i = 0; i < nareas; i++)
            for (size_t f = 0; f < nfac; f++) {
                double d = coverage_plane_distance_m(g, fac[f].lon, fac[f].lat, areas[i].lon, areas[i].lat);
                if (d < areas[i].walk_m)
                    areas[i].walk_m = d, areas[i].nearest = (long)f;
                areas[i].facilities_within += d <= budget + 1e-3;
            }
    } else {
        cov_search_t s;
        cov_seed_t *seeds = malloc((2 * nfac + 1) * sizeof *seeds);
        on_edge_t *on = malloc((nfac + 1) * sizeof *on);
        coverage_snap_t *fsn = malloc((nfac + 1) * sizeof *fsn), *asn = malloc((nareas + 1) * sizeof *asn);
        unsigned char *fok = calloc(nfac + 1, 1);
        if (!seeds || !on || !fsn || !asn || !fok || cov_search_init(&s, g)) {
            free(seeds), free(on), free(fsn), free(asn), free(fok);
            return NULL;
        }
        size_t ns = 0, non = 0;
        for (size_t f = 0; f < nfac; f++) {
            coverage_snap_point(g, fac[f].lon, fac[f].lat, &fsn[f]);
            if (fsn[f].access_m > budget)
                continue;
            fok[f] = 1;
            ns += (size_t)cov_snap_seeds(g, &fsn[f], (uint32_t)f, seeds + ns);
            on[non++] = (on_edge_t){fsn[f].edge, (uint32_t)f, fsn[f].offset_m, fsn[f].access_m};
        }
        qsort(on, non, sizeof *on, cmp_on_edge);
        int failed = cov_search_run(&s, seeds, ns, budget);
        for (size_t i = 0; !failed && i < nareas; i++) {
            coverage_snap_t sn;
            coverage_snap_point(g, areas[i].lon, areas[i].lat, &sn);
            asn[i] = sn;
            uint32_t label = COV_NONE;
            double d = cov_search_to(&s, &sn, &label) + sn.access_m;
            if (d < INFINITY)
                areas[i].walk_m = d, areas[i].nearest = (long)label;
            /* facilities on the same edge: the direct walk along it */
            size_t lo = 0, hi = non;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (on[mid].edge < sn.edge)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (size_t k = lo; k < non && on[k].edge == sn.edge; k++) {
                double dd = fabs(on[k].offset - sn.offset_m) + on[k].access + sn.access_m;
                if (dd < areas[i].walk_m)
                    areas[i].walk_m = dd, areas[i].nearest = (long)on[k].fac;
            }
        }
        if (!failed)
            failed = count_within(g, &s, budget, fsn, fok, nfac, asn, areas, nareas);
        cov_search_free(&s);
        free(seeds), free(on), free(fsn), free(asn), free(fok);
        if (failed)
            return NULL;
    }
    for (size_t i = 0; i < nareas; i++) {
        /* 1 mm of slack so an area exactly at the budget counts as reached */
        areas[i].covered = areas[i].walk_m <= budget + 1e-3;
        /* beyond the budget the bounded search proves no shortest distance */
        if (!areas[i].covered && g && g->nedges)
            areas[i].walk_m = INFINITY, areas[i].nearest = -1;
    }
    return g && g->nedges ? "network" : "straight-line";
}

/* ---- loading from the store ------------------------------------------------------------------ */

typedef struct {
    coverage_facility_t *v;
    size_t n, cap;
    const coverage_query_t *q;
} fac_list_t;

typedef struct {
    coverage_area_t *v;
    size_t n, cap;
} area_list_t;

static char *dupstr(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int point_of(const unsigned char *wkb, size_t len, double *lon, double *lat)
{
    dm_error e;
    GEOSGeometry *g = geom_from_wkb(wkb, len, &e);
    if (!g)
        return -1;
    GEOSContextHandle_t h = geom_ctx();
    int ok = GEOSGeomGetX_r(h, g, lon) == 1 && GEOSGeomGetY_r(h, g, lat) == 1;
    GEOSGeom_destroy_r(h, g);
    return ok ? 0 : -1;
}

/* Planned and building facilities serve nobody yet (DOMAIN.md §8 status). */
static int operating(const char *status) { return !status || strcmp(status, "operating") == 0; }

static int on_facility(const store_cov_facility_t *f, void *ctx)
{
    fac_list_t *l = ctx;
    if (!operating(f->status) || !coverage_facility_matches(f->type, f->functions, l->q->types, l->q->functions))
        return 0;
    double lon, lat;
    if (point_of(f->wkb, f->wkb_len, &lon, &lat))
        return 0;
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 64;
        coverage_facility_t *v = realloc(l->v, c * sizeof *v);
        if (!v)
            return DM_ENOMEM;
        l->v = v, l->cap = c;
    }
    coverage_facility_t *o = &l->v[l->n++];
    o->id = f->id;
    o->name = dupstr(f->name), o->type = dupstr(f->type), o->functions = dupstr(f->functions);
    o->status = dupstr(f->status);
    o->lon = lon, o->lat = lat;
    return 0;
}

static int on_area(const store_cov_area_t *a, void *ctx)
{
    area_list_t *l = ctx;
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 64;
        coverage_area_t *v = realloc(l->v, c * sizeof *v);
        if (!v)
            return DM_ENOMEM;
        l->v = v, l->cap = c;
    }
    coverage_area_t *o = &l->v[l->n++];
    memset(o, 0, sizeof *o);
    o->id = a->id;
    o->name = dupstr(a->name);
    snprintf(o->division_code, sizeof o->division_code, "%s", a->division_code ? a->division_code : "");
    o->households = a->households, o->pop_60 = a->pop_60, o->pop_80 = a->pop_80;
    o->lon = a->lon, o->lat = a->lat;
    o->wkb = malloc(a->wkb_len ? a->wkb_len : 1);
    if (o->wkb)
        memcpy(o->wkb, a->wkb, a->wkb_len), o->wkb_len = a->wkb_len;
    return 0;
}

/* Significant digits of a code at its level (GB/T 2260, 统计用区划代码). */
static size_t prefix_len(division_level_t level)
{
    static const size_t len[] = {12, 2, 4, 6, 9, 12};
    return level >= 1 && level <= 5 ? len[level] : 12;
}

static void add_to(coverage_summary_t *s, const coverage_area_t *a)
{
    s->areas++;
    s->areas_covered += a->covered;
    long hh = a->households > 0 ? a->households : 0, p6 = a->pop_60 > 0 ? a->pop_60 : 0,
         p8 = a->pop_80 > 0 ? a->pop_80 : 0;
    s->households += hh, s->pop_60 += p6, s->pop_80 += p8;
    if (a->covered)
        s->households_covered += hh, s->pop_60_covered += p6, s->pop_80_covered += p8;
}

typedef struct {
    coverage_summary_t *v;
    size_t n, cap;
} sub_list_t;

static int on_child(const division_t *d, void *ctx)
{
    sub_list_t *l = ctx;
    if (l->n == l->cap) {
        size_t c = l->cap ? 2 * l->cap : 16;
        coverage_summary_t *v = realloc(l->v, c * sizeof *v);
        if (!v)
            return DM_ENOMEM;
        l->v = v, l->cap = c;
    }
    coverage_summary_t *s = &l->v[l->n++];
    memset(s, 0, sizeof *s);
    memcpy(s->code, d->code, sizeof s->code);
    s->name = dupstr(d->name);
    return 0;
}

static int evaluate(store_t *s, const coverage_graph_t *g, const coverage_query_t *q, coverage_result_t *out,
                    division_level_t *level, dm_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = coverage_params_check(&q->params, err);
    if (rc)
        return rc;
    division_t d;
    if ((rc = store_division_get(s, q->division, q->date, 0, &d, err))) {
        if (rc == DM_ENOTFOUND)
            rc = dm_error_set(err, DM_EINVAL, "division", "no division with code %s valid on %s", q->division,
                         q->date);
        return rc;
    }
    *level = d.level;
    memcpy(out->total.code, d.code, sizeof out->total.code);
    out->total.name = dupstr(d.name);
    division_clear(&d);
    char prefix[13];
    size_t plen = prefix_len(*level);
    memcpy(prefix, q->division, plen);
    prefix[plen] = '\0';

    fac_list_t fl = {NULL, 0, 0, q};
    area_list_t al = {NULL, 0, 0};
    sub_list_t sl = {NULL, 0, 0};
    rc = store_cov_facilities(s, on_facility, &fl, err);
    if (!rc)
        rc = store_cov_areas(s, prefix, on_area, &al, err);
    if (!rc)
        rc = store_division_children(s, q->division, q->date, 0, on_child, &sl, err);
    out->facilities = fl.v, out->nfacilities = fl.n;
    out->areas = al.v, out->nareas = al.n;
    out->subs = sl.v, out->nsubs = sl.n;
    if (rc) {
        if (rc == DM_ENOMEM)
            dm_error_set(err, rc, NULL, "out of memory");
        return rc;
    }
    out->budget_m = q->params.minutes * 60.0 * q->params.speed_mps;
    /* sensitivity first, so the areas end with the answer at the asked speed */
    static const double sens[2] = {0.8, 1.2};
    for (int k = 0; k < 2; k++) {
        coverage_params_t sp = q->params;
        sp.speed_mps = sens[k];
        out->sens_speed_mps[k] = sens[k];
        if (!coverage_assign(g, &sp, out->facilities, out->nfacilities, out->areas, out->nareas))
            return limits_deadline_hit() ? dm_error_set(err, DM_ELIMIT, NULL, "stopped: the request ran past its deadline")
                                         : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        for (size_t i = 0; i < out->nareas; i++)
            if (out->areas[i].covered) {
                out->sens_areas_covered[k]++;
                out->sens_pop_60_covered[k] += out->areas[i].pop_60 > 0 ? out->areas[i].pop_60 : 0;
            }
    }
    out->method = coverage_assign(g, &q->params, out->facilities, out->nfacilities, out->areas, out->nareas);
    if (!out->method)
        return limits_deadline_hit() ? dm_error_set(err, DM_ELIMIT, NULL, "stopped: the request ran past its deadline")
                                     : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    size_t clen = prefix_len(*level + 1);
    for (size_t i = 0; i < out->nareas; i++) {
        const coverage_area_t *a = &out->areas[i];
        add_to(&out->total, a);
        for (size_t k = 0; k < out->nsubs; k++)
            if (strncmp(out->subs[k].code, a->division_code, clen) == 0) {
                add_to(&out->subs[k], a);
                break;
            }
    }
    return 0;
}

static GEOSGeometry *union_uncovered(const coverage_area_t *areas, size_t n)
{
    GEOSContextHandle_t h = geom_ctx();
    size_t k = 0;
    GEOSGeometry **parts = malloc((n + 1) * sizeof *parts);
    if (!parts)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (areas[i].covered || !areas[i].wkb)
            continue;
        dm_error e;
        GEOSGeometry *g = geom_from_wkb(areas[i].wkb, areas[i].wkb_len, &e);
        int t = g ? GEOSGeomTypeId_r(h, g) : -1;
        if (g && (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON))
            parts[k++] = g;
        else if (g)
            GEOSGeom_destroy_r(h, g);
    }
    GEOSGeometry *u = NULL;
    if (k) {
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)k);
        if (coll) {
            u = GEOSUnaryUnion_r(h, coll);
            GEOSGeom_destroy_r(h, coll);
        }
    }
    free(parts);
    return u;
}

int coverage_evaluate(store_t *s, const coverage_graph_t *g, const coverage_query_t *q, coverage_result_t *out,
                      dm_error *err)
{
    division_level_t level;
    int rc = evaluate(s, g, q, out, &level, err);
    if (rc) {
        coverage_result_clear(out);
        return rc;
    }
    out->uncovered = union_uncovered(out->areas, out->nareas);
    return 0;
}

static void summary_clear(coverage_summary_t *s) { free(s->name); }

void coverage_result_clear(coverage_result_t *r)
{
    for (size_t i = 0; i < r->nfacilities; i++) {
        free(r->facilities[i].name);
        free(r->facilities[i].type);
        free(r->facilities[i].functions);
        free(r->facilities[i].status);
    }
    free(r->facilities);
    for (size_t i = 0; i < r->nareas; i++) {
        free(r->areas[i].name);
        free(r->areas[i].wkb);
    }
    free(r->areas);
    summary_clear(&r->total);
    for (size_t i = 0; i < r->nsubs; i++)
        summary_clear(&r->subs[i]);
    free(r->subs);
    if (r->uncovered)
        GEOSGeom_destroy_r(geom_ctx(), r->uncovered);
    memset(r, 0, sizeof *r);
}

/* ---- greedy maximal covering ----------------------------------------------------------------- */

typedef struct {
    double lon, lat;
    const char *source;
    long candidate;
    coverage_snap_t sn;
    int snapped;
} cand_t;

typedef struct {
    uint32_t area, cand;
} pair_t;

typedef struct {
    pair_t *v;
    size_t n, cap;
} pairs_t;

static int add_pair(pairs_t *p, uint32_t area, uint32_t cand)
{
    if (p->n == p->cap) {
        size_t c = p->cap ? 2 * p->cap : 1024;
        pair_t *v = realloc(p->v, c * sizeof *v);
        if (!v)
            return DM_ENOMEM;
        p->v = v, p->cap = c;
    }
    p->v[p->n++] = (pair_t){area, cand};
    return 0;
}

typedef struct {
    uint32_t edge, idx;
} edge_idx_t;

static int cmp_edge_idx(const void *pa, const void *pb)
{
    const edge_idx_t *a = pa, *b = pb;
    return a->edge < b->edge ? -1 : a->edge > b->edge ? 1 : (a->idx > b->idx) - (a->idx < b->idx);
}

int coverage_greedy(const coverage_graph_t *g, const coverage_params_t *p, const coverage_area_t *areas,
                    size_t nareas, int k, const double *cand_lonlat, size_t ncand, coverage_site_t **sites,
                    size_t *nsites, size_t *ncandidates, dm_error *err)
{
    *sites = NULL, *nsites = 0, *ncandidates = 0;
    double budget = p->minutes * 60.0 * p->speed_mps;
    int network = g && g->nedges;
    cand_t *c = NULL;
    size_t nc = 0, capc = 0;
    uint32_t *node_cand = NULL; /* default mode: node → candidate index */
    pairs_t pairs = {NULL, 0, 0};
    cov_search_t s;
    int have_search = 0, rc = 0;
    size_t work = 0;
#define GROW_C()                                                                                                      \
    do {                                                                                                              \
        if (nc == capc) {                                                                                             \
            size_t cc = capc ? 2 * capc : 256;                                                                        \
            cand_t *v = realloc(c, cc * sizeof *v);                                                                   \
            if (!v) {                                                                                                 \
                rc = DM_ENOMEM;                                                                                       \
                goto done;                                                                                            \
            }                                                                                                         \
            c = v, capc = cc;                                                                                         \
        }                                                                                                             \
    } while (0)
    /* location candidates: given points, or the uncovered areas' own points */
    if (ncand) {
        for (size_t i = 0; i < ncand; i++) {
            GROW_C();
            c[nc++] = (cand_t){cand_lonlat[2 * i], cand_lonlat[2 * i + 1], "candidate", (long)i, {0}, 0};
        }
    } else {
        for (size_t i = 0; i < nareas; i++)
            if (!areas[i].covered) {
                GROW_C();
                c[nc++] = (cand_t){areas[i].lon, areas[i].lat, "residential", -1, {0}, 0};
            }
    }
    size_t nloc = nc;
    if (!network) {
        for (size_t a = 0; a < nareas; a++)
            if (!areas[a].covered)
                for (size_t i = 0; i < nloc; i++)
                    if (coverage_plane_distance_m(g, c[i].lon, c[i].lat, areas[a].lon, areas[a].lat) <= budget + 1e-3 &&
                        (rc = add_pair(&pairs, (uint32_t)a, (uint32_t)i)))
                        goto done;
    } else {
        for (size_t i = 0; i < nloc; i++) {
            coverage_snap_point(g, c[i].lon, c[i].lat, &c[i].sn);
            c[i].snapped = c[i].sn.access_m <= budget;
        }
        /* candidates sorted by edge, to find those on the edges a search reaches */
        edge_idx_t *by_edge = malloc((nloc + 1) * sizeof *by_edge);
        uint32_t *eoff = calloc((size_t)g->nedges + 1, sizeof *eoff);
        uint32_t *stamp = calloc(nloc + 1, sizeof *stamp);
        if (!by_edge || !eoff || !stamp || cov_search_init(&s, g)) {
            free(by_edge), free(eoff), free(stamp);
            rc = DM_ENOMEM;
            goto done;
        }
        have_search = 1;
        size_t nb = 0;
        for (size_t i = 0; i < nloc; i++)
            if (c[i].snapped)
                by_edge[nb++] = (edge_idx_t){c[i].sn.edge, (uint32_t)i};
        qsort(by_edge, nb, sizeof *by_edge, cmp_edge_idx);
        /* eoff[e] = first position in by_edge with edge >= e */
        for (size_t i = 0, e = 0; e <= g->nedges; e++) {
            while (i < nb && by_edge[i].edge < e)
                i++;
            if (e < g->nedges)
                eoff[e] = (uint32_t)i;
        }
        if (!ncand) {
            node_cand = malloc((size_t)g->nnodes * sizeof *node_cand);
            if (!node_cand) {
                free(by_edge), free(eoff), free(stamp);
                rc = DM_ENOMEM;
                goto done;
            }
            memset(node_cand, 0xff, (size_t)g->nnodes * sizeof *node_cand);
        }
        for (size_t a = 0; a < nareas && !rc; a++) {
            if (areas[a].covered)
                continue;
            coverage_snap_t asn;
            coverage_snap_point(g, areas[a].lon, areas[a].lat, &asn);
            if (asn.access_m > budget)
                continue;
            if (limits_deadline_passed()) { /* the server's per-request deadline (limits.h) */
                rc = DM_ELIMIT;
                break;
            }
            cov_seed_t seeds[2];
            cov_snap_seeds(g, &asn, 0, seeds);
            cov_search_reset(&s);
            if ((rc = cov_search_run(&s, seeds, 2, budget)))
                break;
            /* one request must not hold a worker for minutes (a 2-hour budget over a
             * whole city searches the whole graph once per area) */
            work += s.ntouched;
            if (work > COVERAGE_MAX_SUGGEST_WORK) {
                rc = DM_ELIMIT;
                break;
            }
            /* edges to look at: those around reached nodes, and the area's own */
            for (size_t t = 0; t <= s.ntouched && !rc; t++) {
                uint32_t node = t < s.ntouched ? s.touched[t] : COV_NONE;
                if (node != COV_NONE && node_cand) {
                    if (node_cand[node] == COV_NONE) {
                        GROW_C();
                        double lon, lat;
                        cov_to_lonlat(g, g->node_xy[2 * node], g->node_xy[2 * node + 1], &lon, &lat);
                        node_cand[node] = (uint32_t)nc;
                        c[nc++] = (cand_t){lon, lat, "node", -1, {0}, 0};
                    }
                    rc = add_pair(&pairs, (uint32_t)a, node_cand[node]);
                }
                uint32_t a0 = node == COV_NONE ? 0 : g->adj_off[node], a1 = node == COV_NONE ? 1 : g->adj_off[node + 1];
                for (uint32_t j = a0; j < a1 && !rc; j++) {
                    uint32_t e = node == COV_NONE ? asn.edge : g->adj_edge[j];
                    uint32_t end = e + 1 < g->nedges ? eoff[e + 1] : (uint32_t)nb;
                    for (uint32_t q = eoff[e]; q < end && !rc; q++) {
                        uint32_t ci = by_edge[q].idx;
                        if (stamp[ci] == a + 1)
                            continue;
                        double d = cov_search_to(&s, &c[ci].sn, NULL) + c[ci].sn.access_m;
                        if (e == asn.edge)
                            d = fmin(d, fabs(c[ci].sn.offset_m - asn.offset_m) + asn.access_m + c[ci].sn.access_m);
                        if (d <= budget + 1e-3) {
                            stamp[ci] = (uint32_t)(a + 1);
                            rc = add_pair(&pairs, (uint32_t)a, ci);
                        }
                    }
                }
            }
        }
        free(by_edge), free(eoff), free(stamp);
        if (rc)
            goto done;
    }
    *ncandidates = nc;
    /* greedy: gain[c] = Σ weight of uncovered areas it covers */
    {
        size_t np = pairs.n;
        double *gain = calloc(nc + 1, sizeof *gain);
        uint32_t *coff = calloc(nc + 2, sizeof *coff), *clist = malloc((np + 1) * sizeof *clist);
        uint32_t *aoff = calloc(nareas + 2, sizeof *aoff), *alist = malloc((np + 1) * sizeof *alist);
        unsigned char *done_area = calloc(nareas + 1, 1);
        coverage_site_t *out = calloc((size_t)k + 1, sizeof *out);
        if (!gain || !coff || !clist || !aoff || !alist || !done_area || !out) {
            free(gain), free(coff), free(clist), free(aoff), free(alist), free(done_area), free(out);
            rc = DM_ENOMEM;
            goto done;
        }
        /* weight: the 60+ population, plus a tiny share so areas with no
         * recorded elderly still break ties */
        for (size_t i = 0; i < np; i++) {
            const coverage_area_t *ar = &areas[pairs.v[i].area];
            gain[pairs.v[i].cand] += (ar->pop_60 > 0 ? (double)ar->pop_60 : 0) + 1e-6;
            coff[pairs.v[i].cand + 1]++;
            aoff[pairs.v[i].area + 1]++;
        }
        for (size_t i = 0; i < nc; i++)
            coff[i + 1] += coff[i];
        for (size_t i = 0; i < nareas; i++)
            aoff[i + 1] += aoff[i];
        for (size_t i = 0; i < np; i++) {
            clist[coff[pairs.v[i].cand]++] = pairs.v[i].area;
            alist[aoff[pairs.v[i].area]++] = pairs.v[i].cand;
        }
        memmove(coff + 1, coff, nc * sizeof *coff), coff[0] = 0;
        memmove(aoff + 1, aoff, nareas * sizeof *aoff), aoff[0] = 0;
        size_t ns = 0;
        for (int it = 0; it < k; it++) {
            size_t best = SIZE_MAX;
            for (size_t i = 0; i < nc; i++)
                if (gain[i] > 1e-9 && (best == SIZE_MAX || gain[i] > gain[best] + 1e-9))
                    best = i;
            if (best == SIZE_MAX)
                break; /* nothing left to cover */
            coverage_site_t *st = &out[ns++];
            st->lon = c[best].lon, st->lat = c[best].lat;
            st->source = c[best].source, st->candidate = c[best].candidate;
            for (uint32_t j = coff[best]; j < coff[best + 1]; j++) {
                uint32_t a = clist[j];
                if (done_area[a])
                    continue;
                done_area[a] = 1;
                const coverage_area_t *ar = &areas[a];
                st->areas_gain++;
                st->pop_60_gain += ar->pop_60 > 0 ? ar->pop_60 : 0;
                st->pop_80_gain += ar->pop_80 > 0 ? ar->pop_80 : 0;
                st->households_gain += ar->households > 0 ? ar->households : 0;
                double w = (ar->pop_60 > 0 ? (double)ar->pop_60 : 0) + 1e-6;
                for (uint32_t q = aoff[a]; q < aoff[a + 1]; q++)
                    gain[alist[q]] -= w;
            }
        }
        free(gain), free(coff), free(clist), free(aoff), free(alist), free(done_area);
        *sites = out, *nsites = ns;
    }
done:
#undef GROW_C
    if (have_search)
        cov_search_free(&s);
    free(node_cand);
    free(pairs.v);
    free(c);
    if (rc == DM_ELIMIT && limits_deadline_hit())
        return dm_error_set(err, DM_ELIMIT, NULL, "stopped: the request ran past its deadline");
    if (rc == DM_ELIMIT) /* the parameters ask for too much: the client's to change */
        return dm_error_set(err, DM_EINVAL, "minutes",
                            "choosing sites would search more than %d million nodes: ask for fewer minutes or a "
                            "smaller division", COVERAGE_MAX_SUGGEST_WORK / 1000000);
    if (rc)
        return dm_error_set(err, rc, NULL, "out of memory choosing new sites");
    return 0;
}

int coverage_suggest(store_t *s, const coverage_graph_t *g, const coverage_query_t *q, int k,
                     const double *cand_lonlat, size_t ncand, coverage_suggestion_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    if (k < 1 || k > COVERAGE_MAX_K)
        return dm_error_set(err, DM_EINVAL, "k", "k must be between 1 and %d, got %d", COVERAGE_MAX_K, k);
    for (size_t i = 0; i < ncand; i++)
        if (!(cand_lonlat[2 * i] >= -180 && cand_lonlat[2 * i] <= 180 && cand_lonlat[2 * i + 1] >= -90 &&
              cand_lonlat[2 * i + 1] <= 90))
            return dm_error_set(err, DM_EINVAL, "candidates", "candidate %zu is not a lon/lat point", i);
    division_level_t level;
    int rc = evaluate(s, g, q, &out->before, &level, err);
    if (!rc)
        rc = coverage_greedy(g, &q->params, out->before.areas, out->before.nareas, k, cand_lonlat, ncand,
                             &out->sites, &out->nsites, &out->ncandidates, err);
    if (rc) {
        coverage_suggestion_clear(out);
        return rc;
    }
    out->pop_60_after = out->before.total.pop_60_covered;
    out->areas_after = out->before.total.areas_covered;
    for (size_t i = 0; i < out->nsites; i++)
        out->pop_60_after += out->sites[i].pop_60_gain, out->areas_after += out->sites[i].areas_gain;
    return 0;
}

void coverage_suggestion_clear(coverage_suggestion_t *sg)
{
    coverage_result_clear(&sg->before);
    free(sg->sites);
    memset(sg, 0, sizeof *sg);
}
