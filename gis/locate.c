/* locate.c — STRtree of prepared division outlines; see locate.h. */
#include "gis/locate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/geom.h"

typedef struct {
    division_entry_t pub;
    GEOSGeometry *geom;
    const GEOSPreparedGeometry *prep;
} entry_t;

struct division_index {
    entry_t *entries;
    size_t n, cap;
    GEOSSTRtree *tree;
    division_index_stats_t stats;
};

typedef struct {
    division_index_t *idx;
    dm_error *err;
} load_ctx_t;

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

static int load_one(const division_t *d, void *vctx)
{
    load_ctx_t *lc = vctx;
    division_index_t *idx = lc->idx;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = geom_from_wkb(d->wkb, d->wkb_len, lc->err);
    if (!g)
        return DM_EGEOM;
    if (idx->n == idx->cap) {
        size_t cap = idx->cap ? idx->cap * 2 : 1024;
        entry_t *e = realloc(idx->entries, cap * sizeof *e);
        if (!e) {
            GEOSGeom_destroy_r(h, g);
            return dm_error_set(lc->err, DM_ENOMEM, NULL, "out of memory");
        }
        idx->entries = e;
        idx->cap = cap;
    }
    entry_t *e = &idx->entries[idx->n];
    memset(e, 0, sizeof *e);
    e->pub.ordinal = idx->n++;
    memcpy(e->pub.code, d->code, sizeof e->pub.code);
    memcpy(e->pub.parent_code, d->parent_code, sizeof e->pub.parent_code);
    memcpy(e->pub.valid_from, d->valid_from, sizeof e->pub.valid_from);
    memcpy(e->pub.valid_to, d->valid_to, sizeof e->pub.valid_to);
    e->pub.level = d->level;
    e->pub.name = dup_or_null(d->name);
    e->pub.type = dup_or_null(d->type);
    e->pub.urban_rural = dup_or_null(d->urban_rural);
    e->geom = g;
    idx->stats.vertices += (size_t)GEOSGetNumCoordinates_r(h, g);
    return 0;
}

static void collect(void *item, void *userdata);

typedef struct {
    const entry_t *hits[256];
    int n;
} hits_t;

static void collect(void *item, void *userdata)
{
    hits_t *h = userdata;
    if (h->n < (int)(sizeof h->hits / sizeof *h->hits))
        h->hits[h->n++] = item;
}

int division_index_build(store_t *s, division_index_t **out, dm_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    division_index_t *idx = calloc(1, sizeof *idx);
    if (!idx)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    load_ctx_t lc = {idx, err};
    int rc = store_division_each_outline(s, load_one, &lc, err);
    if (rc) {
        division_index_free(idx);
        return rc;
    }
    GEOSContextHandle_t h = geom_ctx();
    idx->tree = GEOSSTRtree_create_r(h, 10);
    for (size_t i = 0; i < idx->n; i++) {
        entry_t *e = &idx->entries[i];
        e->prep = GEOSPrepare_r(h, e->geom);
        if (!e->prep) {
            division_index_free(idx);
            return dm_error_set(err, DM_EGEOM, NULL, "cannot prepare outline of %s: %s", e->pub.code,
                                geom_last_error());
        }
        GEOSSTRtree_insert_r(h, idx->tree, e->geom, e);
        /* Warm the prepared geometry: GEOS builds its point-in-area index
         * lazily on first use, which must not happen concurrently later. */
        GEOSGeometry *pt = GEOSPointOnSurface_r(h, e->geom);
        if (pt) {
            GEOSPreparedIntersects_r(h, e->prep, pt);
            GEOSGeom_destroy_r(h, pt);
        }
    }
    /* The tree is built on its first query; do that now, single-threaded. */
    hits_t hits = {.n = 0};
    GEOSGeometry *probe = GEOSGeom_createPointFromXY_r(h, 0, 0);
    GEOSSTRtree_query_r(h, idx->tree, probe, collect, &hits);
    GEOSGeom_destroy_r(h, probe);
    idx->stats.divisions = idx->n;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    idx->stats.build_seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    *out = idx;
    return 0;
}

const division_entry_t *division_index_entry(const division_index_t *idx, size_t i)
{
    return i < idx->n ? &idx->entries[i].pub : NULL;
}

void division_index_free(division_index_t *idx)
{
    if (!idx)
        return;
    GEOSContextHandle_t h = geom_ctx();
    if (idx->tree)
        GEOSSTRtree_destroy_r(h, idx->tree);
    for (size_t i = 0; i < idx->n; i++) {
        entry_t *e = &idx->entries[i];
        if (e->prep)
            GEOSPreparedGeom_destroy_r(h, e->prep);
        GEOSGeom_destroy_r(h, e->geom);
        free(e->pub.name);
        free(e->pub.type);
        free(e->pub.urban_rural);
    }
    free(idx->entries);
    free(idx);
}

division_index_stats_t division_index_stats(const division_index_t *idx) { return idx->stats; }

static int valid_on(const division_entry_t *e, const char *date)
{
    if (e->valid_from[0] && strcmp(e->valid_from, date) > 0)
        return 0;
    if (e->valid_to[0] && strcmp(e->valid_to, date) <= 0)
        return 0;
    return 1;
}

/* 1 if a should come before b: a child of `parent` before a non-child, then
 * the lower code. */
static int prefer(const entry_t *a, const entry_t *b, const char *parent)
{
    int ac = parent && strcmp(a->pub.parent_code, parent) == 0;
    int bc = parent && strcmp(b->pub.parent_code, parent) == 0;
    if (ac != bc)
        return ac;
    return strcmp(a->pub.code, b->pub.code) < 0;
}

int division_index_locate(const division_index_t *idx, double lon, double lat, const char *date,
                          const division_entry_t *chain[LOCATE_MAX_CHAIN])
{
    GEOSContextHandle_t h = geom_ctx();
    hits_t cand = {.n = 0};
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
    if (!pt)
        return 0;
    GEOSSTRtree_query_r(h, idx->tree, pt, collect, &cand);

    /* Per level, the candidates valid on the date, in the order the chain
     * prefers them: children of the division chosen one level up first, then
     * the lowest code. Only the first that covers the point is needed, so
     * prepared tests stop there (they are three quarters of a lookup). */
    const entry_t *by_level[LOCATE_MAX_CHAIN + 1][64];
    int count[LOCATE_MAX_CHAIN + 1] = {0};
    for (int i = 0; i < cand.n; i++) {
        const entry_t *e = cand.hits[i];
        int lv = (int)e->pub.level;
        if (lv >= 1 && lv <= LOCATE_MAX_CHAIN && count[lv] < 64 && valid_on(&e->pub, date))
            by_level[lv][count[lv]++] = e;
    }
    int n = 0;
    const char *parent = NULL;
    for (int lv = 1; lv <= LOCATE_MAX_CHAIN; lv++) {
        const entry_t **v = by_level[lv];
        int m = count[lv];
        for (int i = 1; i < m; i++) { /* insertion sort: m is a handful */
            const entry_t *x = v[i];
            int j = i - 1;
            while (j >= 0 && prefer(x, v[j], parent)) {
                v[j + 1] = v[j];
                j--;
            }
            v[j + 1] = x;
        }
        const entry_t *best = NULL;
        for (int i = 0; i < m && !best; i++)
            if (GEOSPreparedIntersects_r(h, v[i]->prep, pt) == 1)
                best = v[i];
        if (best) {
            chain[n++] = &best->pub;
            parent = best->pub.code;
        }
    }
    GEOSGeom_destroy_r(h, pt);
    return n;
}
