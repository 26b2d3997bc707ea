/* boundary_index.c — the in-memory boundary index (division outlines of every
 * version, boundary lines, current markers, each in a GEOS STRtree) and the
 * queries on it: boundary_check and boundary_distance; see boundary.h.
 *
 * Thread safety: after boundary_index_build returns nothing in the index is
 * written again (the trees are forced to build at the end of the build, and no
 * prepared geometries are used: GEOS builds their indexes lazily, which would
 * race). A query clips each candidate to the query's rectangle first
 * (GEOSClipByRect is linear and cheap), so large outlines cost little. */
#include "gis/boundary.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundaryInt.h"
#include "gis/crs.h"
#include "gis/geom.h"

typedef struct {
    bdiv_t pub;
    GEOSGeometry *geom;
    metric_path_t *path; /* the outline's rings, for boundary_distance */
} div_entry_t;

#define TILE_VERTICES 256

typedef struct {
    const div_entry_t *div;
    GEOSGeometry *piece;
} tile_t;

typedef struct {
    bline_t pub;
    GEOSGeometry *geom;
    metric_path_t *path;   /* for boundary_distance */
    double x0, y0, x1, y1; /* envelope, to skip lines farther than the best so far */
} line_entry_t;

typedef struct {
    bmarker_t pub;
    GEOSGeometry *pt;
} marker_entry_t;

struct boundary_index {
    div_entry_t *divs;
    size_t ndivs, capdivs;
    line_entry_t *lines;
    size_t nlines, caplines;
    marker_entry_t *markers;
    size_t nmarkers, capmarkers;
    tile_t *tiles;
    size_t ntiles, captiles;
    const div_entry_t **by_code; /* divs sorted by code, for find_div */
    struct line_ref {
        const char *code;          /* left or right code of the line */
        const line_entry_t *line;
    } *lines_by_code;              /* 2 per line, sorted by code: a division's lines */
    GEOSSTRtree *div_tree, *tile_tree, *line_tree, *marker_tree;
};

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *p = realloc(*arr, c * size);
    if (!p)
        return DM_ENOMEM;
    *arr = p;
    *cap = c;
    return 0;
}

static int cmp_line_ref(const void *a, const void *b)
{
    return strcmp(((const struct line_ref *)a)->code, ((const struct line_ref *)b)->code);
}

static int cmp_entry_code(const void *a, const void *b)
{
    return strcmp((*(const div_entry_t *const *)a)->pub.code, (*(const div_entry_t *const *)b)->pub.code);
}

static int add_tile(boundary_index_t *idx, const div_entry_t *d, GEOSGeometry *piece)
{
    if (grow((void **)&idx->tiles, &idx->captiles, idx->ntiles, sizeof *idx->tiles)) {
        GEOSGeom_destroy_r(geom_ctx(), piece);
        return DM_ENOMEM;
    }
    idx->tiles[idx->ntiles].div = d;
    idx->tiles[idx->ntiles++].piece = piece;
    return 0;
}

/* Cuts g (consumed) into pieces of at most TILE_VERTICES vertices. */
static int subdivide(boundary_index_t *idx, const div_entry_t *d, GEOSGeometry *g, int depth)
{
    GEOSContextHandle_t h = geom_ctx();
    if (GEOSisEmpty_r(h, g) == 1) {
        GEOSGeom_destroy_r(h, g);
        return 0;
    }
    if (GEOSGetNumCoordinates_r(h, g) <= TILE_VERTICES || depth >= 12)
        return add_tile(idx, d, g);
    double x0, y0, x1, y1;
    GEOSGeom_getXMin_r(h, g, &x0), GEOSGeom_getYMin_r(h, g, &y0);
    GEOSGeom_getXMax_r(h, g, &x1), GEOSGeom_getYMax_r(h, g, &y1);
    GEOSGeometry *a, *b;
    if (x1 - x0 >= y1 - y0) {
        double xm = (x0 + x1) / 2;
        a = GEOSClipByRect_r(h, g, x0, y0, xm, y1);
        b = GEOSClipByRect_r(h, g, xm, y0, x1, y1);
    } else {
        double ym = (y0 + y1) / 2;
        a = GEOSClipByRect_r(h, g, x0, y0, x1, ym);
        b = GEOSClipByRect_r(h, g, x0, ym, x1, y1);
    }
    GEOSGeom_destroy_r(h, g);
    int rc = 0;
    if (a)
        rc = subdivide(idx, d, a, depth + 1);
    if (b)
        rc = rc ? (GEOSGeom_destroy_r(h, b), rc) : subdivide(idx, d, b, depth + 1);
    return rc;
}

static char *dup0(const char *s) { return strdup(s ? s : ""); }

typedef struct {
    boundary_index_t *idx;
    dm_error *err;
} build_ctx_t;

static int load_div(const division_t *d, void *vctx)
{
    build_ctx_t *b = vctx;
    boundary_index_t *idx = b->idx;
    if (grow((void **)&idx->divs, &idx->capdivs, idx->ndivs, sizeof *idx->divs))
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    GEOSGeometry *g = geom_from_wkb(d->wkb, d->wkb_len, b->err);
    if (!g)
        return DM_EGEOM;
    div_entry_t *e = &idx->divs[idx->ndivs++];
    memset(e, 0, sizeof *e);
    memcpy(e->pub.code, d->code, 13);
    memcpy(e->pub.parent_code, d->parent_code, 13);
    memcpy(e->pub.valid_from, d->valid_from, 11);
    memcpy(e->pub.valid_to, d->valid_to, 11);
    e->pub.level = d->level;
    e->pub.name = dup0(d->name);
    e->pub.type = dup0(d->type);
    e->geom = g;
    if (!(e->path = metric_path_new(g)) && GEOSisEmpty_r(geom_ctx(), g) == 0)
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    return 0;
}

static int load_line(const boundary_line_t *l, void *vctx)
{
    build_ctx_t *b = vctx;
    boundary_index_t *idx = b->idx;
    if (grow((void **)&idx->lines, &idx->caplines, idx->nlines, sizeof *idx->lines))
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    GEOSGeometry *g = geom_from_wkb(l->wkb, l->wkb_len, b->err);
    if (!g)
        return DM_EGEOM;
    line_entry_t *e = &idx->lines[idx->nlines++];
    memset(e, 0, sizeof *e);
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeom_getXMin_r(h, g, &e->x0);
    GEOSGeom_getYMin_r(h, g, &e->y0);
    GEOSGeom_getXMax_r(h, g, &e->x1);
    GEOSGeom_getYMax_r(h, g, &e->y1);
    e->pub.id = l->id;
    e->pub.level = l->level;
    memcpy(e->pub.left_code, l->left_code, 13);
    memcpy(e->pub.right_code, l->right_code, 13);
    e->pub.name = dup0(l->name);
    e->pub.line_code = dup0(l->line_code);
    e->pub.status = dup0(l->status);
    e->pub.agreement_ref = l->agreement_ref ? strdup(l->agreement_ref) : NULL;
    e->pub.length_m = l->length_m;
    snprintf(e->pub.valid_from, sizeof e->pub.valid_from, "%s", l->valid_from ? l->valid_from : "");
    snprintf(e->pub.valid_to, sizeof e->pub.valid_to, "%s", l->valid_to ? l->valid_to : "");
    e->geom = g;
    if (!(e->path = metric_path_new(g)) && GEOSisEmpty_r(h, g) == 0)
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    return 0;
}

static int load_marker(const marker_rec_t *m, void *vctx)
{
    build_ctx_t *b = vctx;
    boundary_index_t *idx = b->idx;
    if (grow((void **)&idx->markers, &idx->capmarkers, idx->nmarkers, sizeof *idx->markers))
        return dm_error_set(b->err, DM_ENOMEM, NULL, "out of memory");
    marker_entry_t *e = &idx->markers[idx->nmarkers++];
    memset(e, 0, sizeof *e);
    e->pub.number = dup0(m->number);
    e->pub.line_code = dup0(m->line_code);
    e->pub.status = dup0(m->status);
    e->pub.type = dup0(m->type);
    e->pub.lon = m->lon;
    e->pub.lat = m->lat;
    e->pt = GEOSGeom_createPointFromXY_r(geom_ctx(), m->lon, m->lat);
    return 0;
}

static void ignore_item(void *item, void *ud) { (void)item, (void)ud; }

static GEOSSTRtree *build_tree(GEOSContextHandle_t h, void *arr, size_t n, size_t size, size_t geom_off)
{
    GEOSSTRtree *t = GEOSSTRtree_create_r(h, 10);
    for (size_t i = 0; i < n; i++) {
        char *item = (char *)arr + i * size;
        GEOSSTRtree_insert_r(h, t, *(GEOSGeometry **)(item + geom_off), item);
    }
    /* The tree is built on its first query: do it now, single-threaded. */
    GEOSGeometry *probe = GEOSGeom_createPointFromXY_r(h, 0, 0);
    GEOSSTRtree_query_r(h, t, probe, ignore_item, NULL);
    GEOSGeom_destroy_r(h, probe);
    return t;
}

int boundary_index_build(store_t *s, boundary_index_t **out, dm_error *err)
{
    *out = NULL;
    boundary_index_t *idx = calloc(1, sizeof *idx);
    if (!idx)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    build_ctx_t b = {idx, err};
    int rc = store_division_each_outline(s, load_div, &b, err);
    if (!rc)
        rc = store_boundary_lines(s, LEVEL_NONE, "", load_line, &b, err);
    if (!rc)
        rc = store_markers(s, "", NULL, load_marker, &b, err);
    if (rc) {
        boundary_index_free(idx);
        return rc;
    }
    GEOSContextHandle_t h = geom_ctx();
    idx->div_tree = build_tree(h, idx->divs, idx->ndivs, sizeof *idx->divs, offsetof(div_entry_t, geom));
    for (size_t i = 0; i < idx->ndivs; i++)
        if (subdivide(idx, &idx->divs[i], GEOSGeom_clone_r(h, idx->divs[i].geom), 0)) {
            boundary_index_free(idx);
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        }
    idx->tile_tree = build_tree(h, idx->tiles, idx->ntiles, sizeof *idx->tiles, offsetof(tile_t, piece));
    idx->by_code = malloc((idx->ndivs ? idx->ndivs : 1) * sizeof *idx->by_code);
    if (!idx->by_code) {
        boundary_index_free(idx);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < idx->ndivs; i++)
        idx->by_code[i] = &idx->divs[i];
    qsort(idx->by_code, idx->ndivs, sizeof *idx->by_code, cmp_entry_code);
    idx->line_tree = build_tree(h, idx->lines, idx->nlines, sizeof *idx->lines, offsetof(line_entry_t, geom));
    idx->lines_by_code = malloc((idx->nlines ? 2 * idx->nlines : 1) * sizeof *idx->lines_by_code);
    if (!idx->lines_by_code) {
        boundary_index_free(idx);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < idx->nlines; i++) {
        idx->lines_by_code[2 * i] = (struct line_ref){idx->lines[i].pub.left_code, &idx->lines[i]};
        idx->lines_by_code[2 * i + 1] = (struct line_ref){idx->lines[i].pub.right_code, &idx->lines[i]};
    }
    qsort(idx->lines_by_code, 2 * idx->nlines, sizeof *idx->lines_by_code, cmp_line_ref);
    idx->marker_tree = build_tree(h, idx->markers, idx->nmarkers, sizeof *idx->markers, offsetof(marker_entry_t, pt));
    *out = idx;
    return 0;
}

void boundary_index_free(boundary_index_t *idx)
{
    if (!idx)
        return;
    GEOSContextHandle_t h = geom_ctx();
    if (idx->div_tree)
        GEOSSTRtree_destroy_r(h, idx->div_tree);
    if (idx->tile_tree)
        GEOSSTRtree_destroy_r(h, idx->tile_tree);
    for (size_t i = 0; i < idx->ntiles; i++)
        GEOSGeom_destroy_r(h, idx->tiles[i].piece);
    free(idx->tiles);
    free(idx->by_code);
    free(idx->lines_by_code);
    if (idx->line_tree)
        GEOSSTRtree_destroy_r(h, idx->line_tree);
    if (idx->marker_tree)
        GEOSSTRtree_destroy_r(h, idx->marker_tree);
    for (size_t i = 0; i < idx->ndivs; i++) {
        free(idx->divs[i].pub.name);
        free(idx->divs[i].pub.type);
        GEOSGeom_destroy_r(h, idx->divs[i].geom);
        metric_path_free(idx->divs[i].path);
    }
    for (size_t i = 0; i < idx->nlines; i++) {
        bline_t *l = &idx->lines[i].pub;
        free(l->name), free(l->line_code), free(l->status), free(l->agreement_ref);
        GEOSGeom_destroy_r(h, idx->lines[i].geom);
        metric_path_free(idx->lines[i].path);
    }
    for (size_t i = 0; i < idx->nmarkers; i++) {
        bmarker_t *m = &idx->markers[i].pub;
        free(m->number), free(m->line_code), free(m->status), free(m->type);
        if (idx->markers[i].pt)
            GEOSGeom_destroy_r(h, idx->markers[i].pt);
    }
    free(idx->divs);
    free(idx->lines);
    free(idx->markers);
    free(idx);
}

/* ---- helpers ----------------------------------------------------------------- */

typedef struct {
    void **items;
    size_t n, cap;
} found_t;

static void on_found(void *item, void *ud)
{
    found_t *f = ud;
    if (f->n == f->cap) {
        size_t c = f->cap ? f->cap * 2 : 64;
        void **p = realloc(f->items, c * sizeof *p);
        if (!p)
            return;
        f->items = p;
        f->cap = c;
    }
    f->items[f->n++] = item;
}

static void query_rect(GEOSSTRtree *t, double x0, double y0, double x1, double y1, found_t *f)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *r = GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
    if (r) {
        GEOSSTRtree_query_r(h, t, r, on_found, f);
        GEOSGeom_destroy_r(h, r);
    }
}

static int cmp_ptr(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (void *const *)a, y = (uintptr_t) * (void *const *)b;
    return (x > y) - (x < y);
}

static void query_line_parts(GEOSSTRtree *t, const GEOSGeometry *line, found_t *f)
{
    GEOSContextHandle_t h = geom_ctx();
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return;
    double px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (i)
            query_rect(t, fmin(px, x), fmin(py, y), fmax(px, x), fmax(py, y), f);
        px = x, py = y;
    }
}

/* Candidates of tree near g: for lines, segment by segment (a diagonal road's
 * envelope holds many units it never comes near), else g's envelope. Sorted,
 * without duplicates. */
static void query_near(GEOSSTRtree *t, const GEOSGeometry *g, found_t *f)
{
    GEOSContextHandle_t h = geom_ctx();
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_LINESTRING)
        query_line_parts(t, g, f);
    else if (type == GEOS_MULTILINESTRING)
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            query_line_parts(t, GEOSGetGeometryN_r(h, g, i), f);
    else {
        double x0, y0, x1, y1;
        GEOSGeom_getXMin_r(h, g, &x0), GEOSGeom_getYMin_r(h, g, &y0);
        GEOSGeom_getXMax_r(h, g, &x1), GEOSGeom_getYMax_r(h, g, &y1);
        query_rect(t, x0, y0, x1, y1, f);
    }
    if (f->n > 1) {
        qsort(f->items, f->n, sizeof *f->items, cmp_ptr);
        size_t k = 1;
        for (size_t i = 1; i < f->n; i++)
            if (f->items[i] != f->items[k - 1])
                f->items[k++] = f->items[i];
        f->n = k;
    }
}

static int valid_on(const bdiv_t *d, const char *date)
{
    if (d->valid_from[0] && strcmp(d->valid_from, date) > 0)
        return 0;
    if (d->valid_to[0] && strcmp(d->valid_to, date) <= 0)
        return 0;
    return 1;
}

static int line_on(const bline_t *l, const char *date)
{
    return (!l->valid_from[0] || strcmp(l->valid_from, date) <= 0) &&
           (!l->valid_to[0] || strcmp(l->valid_to, date) > 0);
}

/* The version of `code` valid on `date` (binary search over the sorted codes). */
static const div_entry_t *find_div_entry(const boundary_index_t *idx, const char *code, const char *date)
{
    size_t lo = 0, hi = idx->ndivs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(idx->by_code[mid]->pub.code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < idx->ndivs && strcmp(idx->by_code[i]->pub.code, code) == 0; i++)
        if (valid_on(&idx->by_code[i]->pub, date))
            return idx->by_code[i];
    return NULL;
}

static const bdiv_t *find_div(const boundary_index_t *idx, const char *code, const char *date)
{
    const div_entry_t *d = find_div_entry(idx, code, date);
    return d ? &d->pub : NULL;
}

static int envelope(const GEOSGeometry *g, double *x0, double *y0, double *x1, double *y1)
{
    GEOSContextHandle_t h = geom_ctx();
    return GEOSGeom_getXMin_r(h, g, x0) && GEOSGeom_getYMin_r(h, g, y0) && GEOSGeom_getXMax_r(h, g, x1) &&
           GEOSGeom_getYMax_r(h, g, y1);
}

/* ---- input --------------------------------------------------------------------- */

#define MAX_INPUT_VERTICES 100000

GEOSGeometry *boundary_parse_geojson(const char *text, const char *param, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeoJSONReader *r = GEOSGeoJSONReader_create_r(h);
    GEOSGeometry *g = r ? GEOSGeoJSONReader_readGeometry_r(h, r, text) : NULL;
    if (r)
        GEOSGeoJSONReader_destroy_r(h, r);
    if (!g) {
        dm_error_set(err, DM_EINVAL, param, "%s is not a GeoJSON geometry: %s", param, geom_last_error());
        return NULL;
    }
    int t = GEOSGeomTypeId_r(h, g);
    const char *why = NULL;
    char buf[300];
    if (t != GEOS_POINT && t != GEOS_MULTIPOINT && t != GEOS_LINESTRING && t != GEOS_MULTILINESTRING &&
        t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON)
        why = "must be a Point, LineString, Polygon or their Multi forms";
    else if (GEOSisEmpty_r(h, g) == 1)
        why = "is empty";
    else if (GEOSGetNumCoordinates_r(h, g) > MAX_INPUT_VERTICES)
        why = "has more than 100000 vertices";
    else if (!geom_in_lonlat_range(g))
        why = "has coordinates out of range (lon must be within -180..180, lat within -90..90, in that order)";
    else {
        double x0, y0, x1, y1;
        envelope(g, &x0, &y0, &x1, &y1);
        if (crs_outside_china(x0, y0) || crs_outside_china(x1, y1))
            why = "lies outside China (coordinates are CGCS2000 longitude, latitude)";
        else if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && GEOSisValid_r(h, g) != 1) {
            char *r2 = GEOSisValidReason_r(h, g);
            snprintf(buf, sizeof buf, "is not a valid polygon: %s", r2 ? r2 : "invalid");
            GEOSFree_r(h, r2);
            why = buf;
        }
    }
    if (why) {
        dm_error_set(err, DM_EINVAL, param, "%s %s", param, why);
        GEOSGeom_destroy_r(h, g);
        return NULL;
    }
    return g;
}

/* ---- check --------------------------------------------------------------------------- */

static int cmp_div(const void *a, const void *b)
{
    const check_division_t *x = a, *y = b;
    if (x->div->level != y->div->level)
        return (int)x->div->level - (int)y->div->level;
    return strcmp(x->div->code, y->div->code);
}

static int cmp_marker(const void *a, const void *b)
{
    const check_marker_t *x = a, *y = b;
    return x->distance_m < y->distance_m ? -1 : x->distance_m > y->distance_m;
}

static int cmp_crossing(const void *a, const void *b)
{
    const check_crossing_t *x = a, *y = b;
    if (x->line->level != y->line->level)
        return (int)x->line->level - (int)y->line->level;
    int c = strcmp(x->line->left_code, y->line->left_code);
    return c ? c : strcmp(x->line->right_code, y->line->right_code);
}

void boundary_check_result_clear(boundary_check_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->ncrossings; i++)
        if (r->crossings[i].points)
            GEOSGeom_destroy_r(geom_ctx(), r->crossings[i].points);
    free(r->divisions);
    free(r->crossings);
    free(r->markers);
    memset(r, 0, sizeof *r);
}

static const char *level_word(division_level_t l)
{
    static const char *const w[] = {"national", "province", "prefecture", "county", "township", "village"};
    return l <= LEVEL_VILLAGE ? w[l] : "?";
}

static void decide_approval(const boundary_index_t *idx, const char *date, boundary_check_result_t *r)
{
    const bdiv_t *counties[64];
    size_t nc = 0;
    for (size_t i = 0; i < r->ndivisions && nc < 64; i++)
        if (r->divisions[i].div->level == LEVEL_COUNTY)
            counties[nc++] = r->divisions[i].div;
    if (nc == 0) {
        snprintf(r->approval_reason, sizeof r->approval_reason, "lies in no county-level division");
        return;
    }
    if (nc == 1) {
        r->approval_level = LEVEL_COUNTY;
        r->approval_by = counties[0];
        snprintf(r->approval_reason, sizeof r->approval_reason, "lies within one county-level division (%s)",
                 counties[0]->name);
        return;
    }
    /* The common parent by code prefix: same 4 digits → prefecture, same 2 → province. */
    int same4 = 1, same2 = 1;
    for (size_t i = 1; i < nc; i++) {
        same4 &= strncmp(counties[i]->code, counties[0]->code, 4) == 0;
        same2 &= strncmp(counties[i]->code, counties[0]->code, 2) == 0;
    }
    char parent[13] = "000000000000";
    r->approval_above_county = 1;
    if (same4) {
        memcpy(parent, counties[0]->code, 4);
        r->approval_level = LEVEL_PREFECTURE;
    } else if (same2) {
        memcpy(parent, counties[0]->code, 2);
        r->approval_level = LEVEL_PROVINCE;
    } else
        r->approval_level = LEVEL_NONE;
    r->approval_by = r->approval_level ? find_div(idx, parent, date) : NULL;
    size_t off = (size_t)snprintf(r->approval_reason, sizeof r->approval_reason, "spans %zu county-level divisions (",
                                  nc);
    for (size_t i = 0; i < nc && off < sizeof r->approval_reason; i++)
        off += (size_t)snprintf(r->approval_reason + off, sizeof r->approval_reason - off, "%s%s", i ? ", " : "",
                                counties[i]->name);
    if (off < sizeof r->approval_reason)
        snprintf(r->approval_reason + off, sizeof r->approval_reason - off, "): approval at %s level%s%s",
                 level_word(r->approval_level), r->approval_by ? " by " : "",
                 r->approval_by ? r->approval_by->name : "");
}

int boundary_check(const boundary_index_t *idx, const GEOSGeometry *g, const boundary_check_opts_t *opt,
                   boundary_check_result_t *r, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    memset(r, 0, sizeof *r);
    const char *date = opt->date;
    int max_markers = opt->max_markers > 0 ? opt->max_markers : 5;
    double radius = opt->marker_radius_m > 0 ? opt->marker_radius_m : 2000;
    double x0, y0, x1, y1;
    if (!envelope(g, &x0, &y0, &x1, &y1))
        return dm_error_set(err, DM_EINVAL, "geometry", "geometry has no extent");
    int dim = GEOSGeom_getDimensions_r(h, g);
    r->dimension = dim;
    if (dim == 1)
        r->length_m = geom_length_m(g);
    else if (dim == 2)
        r->area_m2 = metric_area_m2(g);
    double ex, ey;
    metric_degrees((y0 + y1) / 2, 1.0, &ex, &ey); /* clip rectangles 1 m larger than the geometry */

    /* The query geometry prepared once: an intersects test per candidate is
     * then an indexed segment test instead of a full relate (it is ours and
     * used by this thread only, so lazy indexing is safe). */
    const GEOSPreparedGeometry *pg = GEOSPrepare_r(h, g);
    if (!pg)
        return dm_error_set(err, DM_EGEOM, "geometry", "cannot prepare the geometry: %s", geom_last_error());

    /* Divisions at every level, summed over their tiles. */
    found_t f = {0};
    query_near(idx->tile_tree, g, &f);
    r->divisions = calloc(f.n ? f.n : 1, sizeof *r->divisions);
    if (!r->divisions) {
        free(f.items);
        GEOSPreparedGeom_destroy_r(h, pg);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < f.n; i++) {
        const tile_t *t = f.items[i];
        if (!valid_on(&t->div->pub, date) || GEOSPreparedIntersects_r(h, pg, t->piece) != 1)
            continue;
        double measure = 1;
        if (dim > 0) {
            GEOSGeometry *in = GEOSIntersection_r(h, g, t->piece);
            measure = in ? (dim == 1 ? geom_length_m(in) : metric_area_m2(in)) : 0;
            if (in)
                GEOSGeom_destroy_r(h, in);
            if (!(measure > 0))
                continue;
        }
        check_division_t *cd = NULL;
        for (size_t k = 0; k < r->ndivisions && !cd; k++)
            if (r->divisions[k].div == &t->div->pub)
                cd = &r->divisions[k];
        if (!cd) {
            cd = &r->divisions[r->ndivisions++];
            cd->div = &t->div->pub;
        }
        if (dim == 1)
            cd->length_m += measure;
        else if (dim == 2)
            cd->area_m2 += measure;
    }
    free(f.items);
    for (size_t k = 0; k < r->ndivisions; k++) {
        check_division_t *cd = &r->divisions[k];
        if (dim == 1)
            cd->share = r->length_m > 0 ? cd->length_m / r->length_m : 0;
        else if (dim == 2)
            cd->share = r->area_m2 > 0 ? cd->area_m2 / r->area_m2 : 0;
        else
            cd->share = 1;
    }
    qsort(r->divisions, r->ndivisions, sizeof *r->divisions, cmp_div);

    /* Boundary lines met, with the points where they are met. */
    found_t fl = {0};
    query_near(idx->line_tree, g, &fl);
    r->crossings = calloc(fl.n ? fl.n : 1, sizeof *r->crossings);
    for (size_t i = 0; r->crossings && i < fl.n; i++) {
        const line_entry_t *l = fl.items[i];
        /* The line versions in force on `date` (DOMAIN.md §6). */
        if (!line_on(&l->pub, date))
            continue;
        GEOSGeometry *clip = GEOSClipByRect_r(h, l->geom, x0 - ex, y0 - ey, x1 + ex, y1 + ey);
        if (!clip)
            continue;
        GEOSGeometry *at = GEOSPreparedIntersects_r(h, pg, clip) == 1 ? GEOSIntersection_r(h, g, clip) : NULL;
        GEOSGeom_destroy_r(h, clip);
        if (!at)
            continue;
        if (GEOSisEmpty_r(h, at) == 1) {
            GEOSGeom_destroy_r(h, at);
            continue;
        }
        check_crossing_t *c = &r->crossings[r->ncrossings++];
        c->line = &l->pub;
        c->points = at;
        c->npoints = GEOSGetNumGeometries_r(h, at);
    }
    free(fl.items);
    GEOSPreparedGeom_destroy_r(h, pg);
    if (r->ncrossings)
        qsort(r->crossings, r->ncrossings, sizeof *r->crossings, cmp_crossing);

    /* Nearest markers, in metres in a frame centred on the geometry. */
    double dlon, dlat;
    metric_degrees((y0 + y1) / 2, radius, &dlon, &dlat);
    found_t fm = {0};
    query_rect(idx->marker_tree, x0 - dlon, y0 - dlat, x1 + dlon, y1 + dlat, &fm);
    if (fm.n) {
        const metric_frame_t *fr = metric_frame((x0 + x1) / 2, (y0 + y1) / 2);
        GEOSGeometry *gl = fr ? metric_to_local(fr, g) : NULL;
        r->markers = calloc(fm.n, sizeof *r->markers);
        for (size_t i = 0; gl && r->markers && i < fm.n; i++) {
            const marker_entry_t *m = fm.items[i];
            double mx, my, d = NAN;
            metric_fwd(fr, m->pub.lon, m->pub.lat, &mx, &my);
            GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, mx, my);
            if (p) {
                GEOSDistance_r(h, gl, p, &d);
                GEOSGeom_destroy_r(h, p);
            }
            if (d <= radius) {
                r->markers[r->nmarkers].marker = &m->pub;
                r->markers[r->nmarkers++].distance_m = d;
            }
        }
        if (gl)
            GEOSGeom_destroy_r(h, gl);
        if (r->markers)
            qsort(r->markers, r->nmarkers, sizeof *r->markers, cmp_marker);
        if (r->nmarkers > (size_t)max_markers)
            r->nmarkers = (size_t)max_markers;
    }
    free(fm.items);
    decide_approval(idx, date, r);
    return 0;
}

/* ---- distance to the boundary ------------------------------------------------------------- */

int boundary_distance(const boundary_index_t *idx, double lon, double lat, const char *code, const char *date,
                      boundary_distance_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->line_distance_m = NAN;
    /* Runs on every point lookup: the division and its lines come from
     * sorted arrays by code, not from spatial queries. */
    const div_entry_t *d = find_div_entry(idx, code, date);
    if (!d || !d->geom)
        return dm_error_set(err, DM_ENOTFOUND, "code", "division %s has no outline on %s", code, date);
    /* The outline's rings are its boundary. Candidates are ranked by their
     * distance in the plane tangent at the point (metric_path_nearest); only
     * the winners are measured on the ellipsoid, two geodesics per lookup. */
    double kx, ky;
    metric_scale(lat, &kx, &ky);
    if (!d->path || !isfinite(metric_path_nearest(d->path, lon, lat, kx, ky, &out->nearest_lon, &out->nearest_lat)))
        return dm_error_set(err, DM_EINTERNAL, NULL, "division %s has an empty outline", code);
    out->distance_m = crs_geodesic_distance_m(lon, lat, out->nearest_lon, out->nearest_lat);

    /* The nearest of the division's own boundary lines. */
    size_t lo = 0, hi = 2 * idx->nlines;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(idx->lines_by_code[mid].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* Nearest envelope first, so that the first line measured is most often
     * the winner and the others are skipped on their envelopes alone. */
    enum { MAX_SORTED = 64 };
    struct {
        double d;
        const line_entry_t *l;
    } cand[MAX_SORTED];
    size_t nc = 0;
    for (size_t i = lo; i < 2 * idx->nlines && strcmp(idx->lines_by_code[i].code, code) == 0; i++) {
        const line_entry_t *l = idx->lines_by_code[i].line;
        if (!line_on(&l->pub, date))
            continue;
        double ex = (lon < l->x0 ? l->x0 - lon : lon > l->x1 ? lon - l->x1 : 0) * kx;
        double ey = (lat < l->y0 ? l->y0 - lat : lat > l->y1 ? lat - l->y1 : 0) * ky;
        double ed = sqrt(ex * ex + ey * ey);
        if (nc < MAX_SORTED) {
            size_t j = nc++;
            while (j > 0 && cand[j - 1].d > ed) {
                cand[j] = cand[j - 1];
                j--;
            }
            cand[j].d = ed, cand[j].l = l;
        } else if (ed < cand[nc - 1].d) { /* more than 64 lines: keep the nearest 64 */
            size_t j = nc - 1;
            while (j > 0 && cand[j - 1].d > ed) {
                cand[j] = cand[j - 1];
                j--;
            }
            cand[j].d = ed, cand[j].l = l;
        }
    }
    double best = INFINITY, blon = 0, blat = 0;
    for (size_t i = 0; i < nc && cand[i].d < best; i++) {
        double nlon, nlat, dd = metric_path_nearest(cand[i].l->path, lon, lat, kx, ky, &nlon, &nlat);
        if (isfinite(dd) && dd < best) {
            out->line = &cand[i].l->pub;
            best = dd, blon = nlon, blat = nlat;
        }
    }
    if (out->line)
        out->line_distance_m = crs_geodesic_distance_m(lon, lat, blon, blat);
    return 0;
}
