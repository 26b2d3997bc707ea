/* boundary_qa.c — topology QA of sibling divisions; see boundary.h.
 *
 * Everything is computed in one transverse Mercator frame centred on the
 * parent (boundaryInt.h), so areas are m² and the tolerance is metres: a
 * piece of overlap, gap or overhang counts only when its area exceeds
 * tolerance_m² and it is wider than tolerance_m (it survives an inward buffer
 * of tolerance_m / 2) — slivers from independently digitised outlines are
 * then ignored while a real overlap of a few hundred square metres is not.
 * For a parent 150 km across the frame's area scale error stays under 2e-4.
 * The tolerance is at least 1 cm. */
#include "gis/boundary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/boundaryInt.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/store_boundary.h"

static const char *const QA_NAMES[QA__COUNT] = {
    [QA_INVALID_GEOMETRY] = "invalid_geometry", [QA_OVERLAP] = "overlap",
    [QA_GAP] = "gap",                           [QA_OUTSIDE_PARENT] = "outside_parent",
    [QA_PARENT_NOT_COVERED] = "parent_not_covered", [QA_CODE_MISMATCH] = "code_mismatch",
    [QA_LEVEL_MISMATCH] = "level_mismatch",     [QA_NO_OUTLINE] = "no_outline",
};

const char *qa_kind_name(qa_kind_t k) { return k < QA__COUNT ? QA_NAMES[k] : "?"; }

void boundary_qa_result_clear(boundary_qa_result_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        if (r->findings[i].geom)
            GEOSGeom_destroy_r(geom_ctx(), r->findings[i].geom);
    free(r->findings);
    memset(r, 0, sizeof *r);
}

static qa_finding_t *add(boundary_qa_result_t *r, qa_kind_t kind, const char *a, const char *b)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        qa_finding_t *f = realloc(r->findings, cap * sizeof *f);
        if (!f)
            return NULL;
        r->findings = f;
        r->cap = cap;
    }
    qa_finding_t *f = &r->findings[r->n++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    snprintf(f->code_a, sizeof f->code_a, "%s", a ? a : "");
    snprintf(f->code_b, sizeof f->code_b, "%s", b ? b : "");
    f->area_m2 = NAN;
    return f;
}

typedef struct {
    char code[13], parent_code[13];
    char *name;
    division_level_t level;
    GEOSGeometry *local; /* metres; NULL without outline */
    int valid;
} child_t;

typedef struct {
    child_t *v;
    size_t n, cap;
    const metric_frame_t *frame;
    boundary_qa_result_t *r;
    dm_error *err;
} children_t;

static int load_child(const division_t *d, void *ctx)
{
    children_t *c = ctx;
    GEOSContextHandle_t h = geom_ctx();
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        child_t *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            return dm_error_set(c->err, DM_ENOMEM, NULL, "out of memory");
        c->v = v;
        c->cap = cap;
    }
    child_t *e = &c->v[c->n++];
    memset(e, 0, sizeof *e);
    memcpy(e->code, d->code, 13);
    memcpy(e->parent_code, d->parent_code, 13);
    e->name = strdup(d->name ? d->name : "");
    e->level = d->level;
    if (d->wkb) {
        GEOSGeometry *g = geom_from_wkb(d->wkb, d->wkb_len, c->err);
        if (!g)
            return DM_EGEOM;
        e->valid = GEOSisValid_r(h, g) == 1;
        if (!e->valid) {
            char *why = GEOSisValidReason_r(h, g);
            qa_finding_t *f = add(c->r, QA_INVALID_GEOMETRY, d->code, NULL);
            if (f)
                snprintf(f->reason, sizeof f->reason, "outline of %s is invalid: %s", d->name, why ? why : "?");
            GEOSFree_r(h, why);
        }
        e->local = metric_to_local(c->frame, g);
        GEOSGeom_destroy_r(h, g);
    }
    return 0;
}

/* The polygonal parts of g (local metres) that matter at tolerance tol: area
 * above tol² and wider than tol. New MultiPolygon (possibly empty) or NULL. */
static GEOSGeometry *significant(GEOSContextHandle_t h, const GEOSGeometry *g, double tol)
{
    int n = GEOSGetNumGeometries_r(h, g), k = 0;
    GEOSGeometry **keep = calloc((size_t)(n > 0 ? n : 1), sizeof *keep);
    if (!keep)
        return NULL;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, p);
        if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
            GEOSGeometry *sub = significant(h, p, tol);
            for (int j = 0; sub && j < GEOSGetNumGeometries_r(h, sub); j++) {
                GEOSGeometry **more = realloc(keep, (size_t)(n + k + 1) * sizeof *keep);
                if (!more)
                    break;
                keep = more;
                keep[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, sub, j));
            }
            if (sub)
                GEOSGeom_destroy_r(h, sub);
            continue;
        }
        if (t != GEOS_POLYGON)
            continue;
        double a = 0;
        GEOSArea_r(h, p, &a);
        if (a <= tol * tol || a <= 0)
            continue;
        if (tol > 0) {
            GEOSGeometry *core = GEOSBuffer_r(h, p, -tol / 2, 4);
            int wide = core && GEOSisEmpty_r(h, core) == 0;
            if (core)
                GEOSGeom_destroy_r(h, core);
            if (!wide)
                continue;
        }
        keep[k++] = GEOSGeom_clone_r(h, p);
    }
    GEOSGeometry *res = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, keep, (unsigned)k);
    free(keep);
    return res;
}

static double area_of(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    double a = 0;
    GEOSArea_r(h, g, &a);
    return a;
}

/* Records each significant piece of `pieces` (local; consumed) as a finding. */
static void record_pieces(GEOSContextHandle_t h, const metric_frame_t *fr, GEOSGeometry *pieces, double tol,
                          qa_kind_t kind, const char *a, const char *b, const char *what, boundary_qa_result_t *r)
{
    if (!pieces)
        return;
    GEOSGeometry *sig = significant(h, pieces, tol);
    GEOSGeom_destroy_r(h, pieces);
    if (!sig)
        return;
    if (GEOSisEmpty_r(h, sig) == 1) {
        GEOSGeom_destroy_r(h, sig);
        return;
    }
    qa_finding_t *f = add(r, kind, a, b);
    if (!f) {
        GEOSGeom_destroy_r(h, sig);
        return;
    }
    f->area_m2 = area_of(h, sig);
    snprintf(f->reason, sizeof f->reason, "%s: %.1f m² in %d piece%s", what, f->area_m2,
             GEOSGetNumGeometries_r(h, sig), GEOSGetNumGeometries_r(h, sig) == 1 ? "" : "s");
    f->geom = metric_to_lonlat(fr, sig);
    GEOSGeom_destroy_r(h, sig);
}

typedef struct {
    size_t *idx;
    size_t n;
    child_t *base;
} cand_t;

static void on_cand(void *item, void *ud)
{
    cand_t *c = ud;
    size_t *p = realloc(c->idx, (c->n + 1) * sizeof *p);
    if (!p)
        return;
    c->idx = p;
    c->idx[c->n++] = (size_t)((child_t *)item - c->base);
}

int boundary_qa(store_t *s, const boundary_qa_opts_t *opt, boundary_qa_result_t *r, dm_error *err)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(r, 0, sizeof *r);
    GEOSContextHandle_t h = geom_ctx();
    /* Below 1 cm (the 7th decimal of a degree) differences are rounding: the
     * same edge densified for projection in a parent and in a child differs
     * by nanometres, which must not become findings. */
    double tol = opt->tolerance_m >= 0.01 ? opt->tolerance_m : 0.01;
    division_t parent;
    int rc = store_division_get(s, opt->parent, opt->date, 1, &parent, err);
    if (rc) {
        snprintf(err->param, sizeof err->param, "parent");
        return rc;
    }
    division_level_t level = opt->level ? opt->level : (division_level_t)(parent.level + 1);
    if (level <= parent.level || level > LEVEL_VILLAGE) {
        division_clear(&parent);
        return dm_error_set(err, DM_EINVAL, "level", "level must be below the parent's (%s)",
                            division_level_name(parent.level));
    }
    GEOSGeometry *pg = parent.wkb ? geom_from_wkb(parent.wkb, parent.wkb_len, err) : NULL;
    if (!pg) {
        division_clear(&parent);
        return dm_error_set(err, DM_EINVAL, "parent", "division %s has no outline to check against", opt->parent);
    }
    double x0, y0, x1, y1;
    GEOSGeom_getXMin_r(h, pg, &x0), GEOSGeom_getYMin_r(h, pg, &y0);
    GEOSGeom_getXMax_r(h, pg, &x1), GEOSGeom_getYMax_r(h, pg, &y1);
    const metric_frame_t *fr = metric_frame((x0 + x1) / 2, (y0 + y1) / 2);
    GEOSGeometry *plocal = fr ? metric_to_local(fr, pg) : NULL;
    GEOSGeom_destroy_r(h, pg);
    char prefix[13];
    divcode_short(parent.code, prefix);
    children_t c = {.frame = fr, .r = r, .err = err};
    rc = plocal ? store_boundary_divisions_under(s, prefix, parent.code, level, opt->date, load_child, &c, err)
                : dm_error_set(err, DM_EINTERNAL, NULL, "no metric frame");
    r->children = (long)c.n;
    if (!rc && GEOSisValid_r(h, plocal) != 1) {
        qa_finding_t *f = add(r, QA_INVALID_GEOMETRY, parent.code, NULL);
        if (f)
            snprintf(f->reason, sizeof f->reason, "outline of the parent %s is invalid", parent.name);
    }

    /* Codes and levels (DOMAIN.md §2). */
    for (size_t i = 0; !rc && i < c.n; i++) {
        child_t *e = &c.v[i];
        char derived[13];
        divcode_parent(e->code, derived);
        qa_finding_t *f;
        dm_error te;
        if (level == parent.level + 1 &&
            (strcmp(e->parent_code, parent.code) != 0 || strcmp(derived, parent.code) != 0)) {
            if ((f = add(r, QA_CODE_MISMATCH, e->code, parent.code)))
                snprintf(f->reason, sizeof f->reason,
                         "%s is filed under %s but its code says %s (DIV-CODE-PARENT)", e->name, e->parent_code,
                         derived);
        } else if (divcode_check_type(e->code, e->name, &te)) {
            if ((f = add(r, QA_CODE_MISMATCH, e->code, NULL)))
                snprintf(f->reason, sizeof f->reason, "%.200s (DIV-CODE-TYPE)", te.message);
        }
        if (divcode_level(e->code) != e->level && (f = add(r, QA_LEVEL_MISMATCH, e->code, NULL)))
            snprintf(f->reason, sizeof f->reason, "%s is stored at level %s but its code denotes %s", e->name,
                     division_level_name(e->level), division_level_name(divcode_level(e->code)));
        if (!e->local && (f = add(r, QA_NO_OUTLINE, e->code, NULL)))
            snprintf(f->reason, sizeof f->reason, "%s has no outline", e->name);
    }

    /* Overlaps between siblings, through an STRtree of their outlines. */
    GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
    const GEOSPreparedGeometry *pparent = plocal ? GEOSPrepare_r(h, plocal) : NULL;
    GEOSGeometry **parts = calloc(c.n ? c.n : 1, sizeof *parts);
    size_t nparts = 0;
    for (size_t i = 0; !rc && i < c.n; i++)
        if (c.v[i].local && c.v[i].valid) {
            GEOSSTRtree_insert_r(h, tree, c.v[i].local, &c.v[i]);
            parts[nparts++] = c.v[i].local;
            r->children_area_m2 += area_of(h, c.v[i].local);
        }
    for (size_t i = 0; !rc && i < c.n; i++) {
        child_t *a = &c.v[i];
        if (!a->local || !a->valid)
            continue;
        cand_t cand = {.base = c.v};
        GEOSSTRtree_query_r(h, tree, a->local, on_cand, &cand);
        const GEOSPreparedGeometry *pa = cand.n > 1 ? GEOSPrepare_r(h, a->local) : NULL;
        for (size_t k = 0; k < cand.n; k++) {
            child_t *b = &c.v[cand.idx[k]];
            if (strcmp(b->code, a->code) <= 0 || !pa || GEOSPreparedIntersects_r(h, pa, b->local) != 1)
                continue;
            char what[160];
            snprintf(what, sizeof what, "%s and %s overlap", a->name, b->name);
            record_pieces(h, fr, GEOSIntersection_r(h, a->local, b->local), tol, QA_OVERLAP, a->code, b->code, what,
                          r);
        }
        free(cand.idx);
        if (pa)
            GEOSPreparedGeom_destroy_r(h, pa);
        /* Pieces of the child outside its parent: most children are covered
         * (one prepared test); for the others only the part of the parent
         * near the child takes part in the difference. */
        if (pparent && GEOSPreparedCovers_r(h, pparent, a->local) == 1)
            continue;
        double cx0, cy0, cx1, cy1;
        GEOSGeom_getXMin_r(h, a->local, &cx0), GEOSGeom_getYMin_r(h, a->local, &cy0);
        GEOSGeom_getXMax_r(h, a->local, &cx1), GEOSGeom_getYMax_r(h, a->local, &cy1);
        GEOSGeometry *near = GEOSClipByRect_r(h, plocal, cx0 - 1, cy0 - 1, cx1 + 1, cy1 + 1);
        char what[160];
        snprintf(what, sizeof what, "%s extends outside %s", a->name, parent.name);
        if (near) {
            record_pieces(h, fr, GEOSDifference_r(h, a->local, near), tol, QA_OUTSIDE_PARENT, a->code, parent.code,
                          what, r);
            GEOSGeom_destroy_r(h, near);
        }
    }

    /* What of the parent no child covers. */
    if (!rc && plocal) {
        r->parent_area_m2 = area_of(h, plocal);
        /* A collection owns its members (GEOS 3.11 cannot release them), so it gets clones. */
        for (size_t i = 0; i < nparts; i++)
            parts[i] = GEOSGeom_clone_r(h, parts[i]);
        GEOSGeometry *coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)nparts);
        GEOSGeometry *uni = coll ? GEOSUnaryUnion_r(h, coll) : NULL;
        if (coll)
            GEOSGeom_destroy_r(h, coll);
        GEOSGeometry *uncovered = uni ? GEOSDifference_r(h, plocal, uni) : GEOSGeom_clone_r(h, plocal);
        GEOSGeometry *sig = uncovered ? significant(h, uncovered, tol) : NULL;
        for (int i = 0; sig && i < GEOSGetNumGeometries_r(h, sig); i++) {
            const GEOSGeometry *piece = GEOSGetGeometryN_r(h, sig, i);
            /* Which children border the piece (within the tolerance)? */
            const child_t *near[2] = {NULL, NULL};
            int nnear = 0;
            cand_t cand = {.base = c.v};
            GEOSGeometry *grown = GEOSBuffer_r(h, piece, tol > 0 ? tol : 0.01, 2);
            if (grown)
                GEOSSTRtree_query_r(h, tree, grown, on_cand, &cand);
            for (size_t k = 0; grown && k < cand.n; k++)
                if (GEOSIntersects_r(h, grown, c.v[cand.idx[k]].local) == 1) {
                    if (nnear < 2)
                        near[nnear] = &c.v[cand.idx[k]];
                    nnear++;
                }
            free(cand.idx);
            if (grown)
                GEOSGeom_destroy_r(h, grown);
            qa_kind_t kind = nnear >= 2 ? QA_GAP : QA_PARENT_NOT_COVERED;
            qa_finding_t *f = add(r, kind, kind == QA_GAP ? near[0]->code : parent.code,
                                  kind == QA_GAP ? near[1]->code : (nnear ? near[0]->code : NULL));
            if (f) {
                f->area_m2 = area_of(h, piece);
                if (kind == QA_GAP)
                    snprintf(f->reason, sizeof f->reason, "%.1f m² between %d children (%s, %s…) belongs to none",
                             f->area_m2, nnear, near[0]->name, near[1]->name);
                else
                    snprintf(f->reason, sizeof f->reason, "%.1f m² of %s is covered by none of its children",
                             f->area_m2, parent.name);
                f->geom = metric_to_lonlat(fr, piece);
            }
        }
        if (sig)
            GEOSGeom_destroy_r(h, sig);
        if (uncovered)
            GEOSGeom_destroy_r(h, uncovered);
        if (uni)
            GEOSGeom_destroy_r(h, uni);
    }
    GEOSSTRtree_destroy_r(h, tree);
    if (pparent)
        GEOSPreparedGeom_destroy_r(h, pparent);
    free(parts);
    for (size_t i = 0; i < c.n; i++) {
        free(c.v[i].name);
        if (c.v[i].local)
            GEOSGeom_destroy_r(h, c.v[i].local);
    }
    free(c.v);
    if (plocal)
        GEOSGeom_destroy_r(h, plocal);
    division_clear(&parent);
    if (rc) {
        boundary_qa_result_clear(r);
        return rc;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return 0;
}
