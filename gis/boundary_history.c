/* boundary_history.c — divisions over time: applying an edition of the
 * division layer on a date and recording what changed (DOMAIN.md §6); see
 * boundary.h for the rules. The importer owns the transaction and inserts the
 * rows; this file decides which rows are unchanged, closes superseded and
 * abolished versions, and writes the change events with the areas that moved.
 *
 * Areas are m² in a local metric frame (boundaryInt.h). A piece of territory
 * counts when it exceeds 1 m² and 0.01 % of the unit it left, so slivers from
 * redigitised outlines do not become events. */
#include "gis/boundary.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundaryInt.h"
#include "gis/geom.h"
#include "gis/store_boundary.h"

enum { ROW_NEW, ROW_CHANGED, ROW_UNCHANGED };

typedef struct {
    char code[13], parent[13];
    char *name, *type, *ur;
    division_level_t level;
    GEOSGeometry *geom; /* the version valid from the edition date, lon/lat; NULL without outline */
    int state;
    int accounted;      /* a NEW row some event already explains */
    int64_t old_id;     /* CHANGED rows: the closed version */
    /* CHANGED rows: the superseded version */
    char *old_name, *old_type, *old_ur;
    GEOSGeometry *old_geom;
} erow_t;

struct boundary_edition {
    store_t *s;
    char date[11];
    int64_t batch_id;
    erow_t *rows;
    size_t n, cap;
    boundary_edition_summary_t sum;
};

static char *dupn(const char *s) { return s ? strdup(s) : NULL; }

static int same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

int boundary_edition_begin(store_t *s, const char *valid_from, int64_t batch_id, boundary_edition_t **out,
                           dm_error *err)
{
    boundary_edition_t *ed = calloc(1, sizeof *ed);
    if (!ed)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    ed->s = s;
    snprintf(ed->date, sizeof ed->date, "%s", valid_from);
    ed->batch_id = batch_id;
    *out = ed;
    return 0;
}

void boundary_edition_free(boundary_edition_t *ed)
{
    if (!ed)
        return;
    GEOSContextHandle_t h = geom_ctx();
    for (size_t i = 0; i < ed->n; i++) {
        erow_t *r = &ed->rows[i];
        free(r->name), free(r->type), free(r->ur), free(r->old_name), free(r->old_type), free(r->old_ur);
        if (r->geom)
            GEOSGeom_destroy_r(h, r->geom);
        if (r->old_geom)
            GEOSGeom_destroy_r(h, r->old_geom);
    }
    free(ed->rows);
    free(ed);
}

static GEOSGeometry *geom_or_null(const division_t *d)
{
    return d->wkb ? geom_from_wkb(d->wkb, d->wkb_len, NULL) : NULL;
}

/* Same outline: identical WKB, or a symmetric difference under 1 m². */
static int same_outline(const division_t *a, const GEOSGeometry *ga, const division_t *b, const GEOSGeometry *gb)
{
    if (!ga || !gb)
        return !ga && !gb;
    if (a->wkb_len == b->wkb_len && memcmp(a->wkb, b->wkb, a->wkb_len) == 0)
        return 1;
    GEOSGeometry *x = GEOSSymDifference_r(geom_ctx(), ga, gb);
    double area = x ? metric_area_m2(x) : INFINITY;
    if (x)
        GEOSGeom_destroy_r(geom_ctx(), x);
    return area <= 1.0;
}

int boundary_edition_row(boundary_edition_t *ed, const division_t *d, dm_error *err)
{
    if (ed->n == ed->cap) {
        size_t cap = ed->cap ? ed->cap * 2 : 128;
        erow_t *p = realloc(ed->rows, cap * sizeof *p);
        if (!p)
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        ed->rows = p;
        ed->cap = cap;
    }
    erow_t *r = &ed->rows[ed->n];
    memset(r, 0, sizeof *r);
    memcpy(r->code, d->code, 13);
    memcpy(r->parent, d->parent_code, 13);
    r->name = dupn(d->name);
    r->type = dupn(d->type);
    r->ur = dupn(d->urban_rural);
    r->level = d->level;
    r->geom = geom_or_null(d);
    ed->n++;

    division_t old;
    dm_error e;
    int rc = store_division_open_before(ed->s, d->code, ed->date, &old, &e);
    if (rc == DM_ENOTFOUND) {
        r->state = ROW_NEW;
        ed->sum.added++;
        return 0;
    }
    if (rc) {
        *err = e;
        return rc;
    }
    GEOSGeometry *og = geom_or_null(&old);
    /* A code list (no outline in the row) says nothing about the outline. */
    int outline_same = !r->geom || same_outline(&old, og, d, r->geom);
    if (same_text(old.name, d->name) && same_text(old.type, d->type) && same_text(old.urban_rural, d->urban_rural) &&
        same_text(old.parent_code, d->parent_code) && outline_same) {
        r->state = ROW_UNCHANGED;
        if (!r->geom)
            r->geom = og, og = NULL;
        if (og)
            GEOSGeom_destroy_r(geom_ctx(), og);
        division_clear(&old);
        ed->sum.unchanged++;
        return 1;
    }
    r->state = ROW_CHANGED;
    r->old_name = dupn(old.name);
    r->old_type = dupn(old.type);
    r->old_ur = dupn(old.urban_rural);
    r->old_geom = outline_same ? NULL : og;
    if (outline_same && og)
        GEOSGeom_destroy_r(geom_ctx(), og);
    r->old_id = old.id;
    rc = store_division_close(ed->s, old.id, ed->date, err);
    division_clear(&old);
    ed->sum.changed++;
    return rc;
}

/* ---- events ------------------------------------------------------------------- */

typedef struct {
    char code[13], parent[13];
    char *name, *type;
    division_level_t level;
    GEOSGeometry *geom;
} gone_t;

static int emit(boundary_edition_t *ed, const char *kind, division_level_t level, const char *code_from,
                const char *name_from, const char *type_from, const char *parent_from, const char *code_to,
                const char *name_to, const char *type_to, const char *parent_to, const GEOSGeometry *moved,
                dm_error *err)
{
    division_change_t c = {.date = ed->date,
                           .kind = kind,
                           .level = level,
                           .code_from = code_from,
                           .name_from = name_from,
                           .type_from = type_from,
                           .parent_from = parent_from,
                           .code_to = code_to,
                           .name_to = name_to,
                           .type_to = type_to,
                           .parent_to = parent_to,
                           .area_m2 = NAN,
                           .batch_id = ed->batch_id};
    unsigned char *wkb = NULL;
    GEOSGeometry *mp = NULL;
    if (moved) {
        c.area_m2 = metric_area_m2(moved);
        /* The column is MULTIPOLYGON: keep the polygonal parts. */
        GEOSContextHandle_t h = geom_ctx();
        int n = GEOSGetNumGeometries_r(h, moved), k = 0;
        GEOSGeometry **parts = calloc((size_t)(n > 0 ? n : 1) * 4, sizeof *parts);
        for (int i = 0; parts && i < n; i++) {
            const GEOSGeometry *p = GEOSGetGeometryN_r(h, moved, i);
            if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON)
                parts[k++] = GEOSGeom_clone_r(h, p);
            else if (GEOSGeomTypeId_r(h, p) == GEOS_MULTIPOLYGON)
                for (int j = 0; j < GEOSGetNumGeometries_r(h, p) && k < n * 4; j++)
                    parts[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
        }
        mp = parts ? GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k) : NULL;
        free(parts);
        if (mp && k)
            wkb = geom_to_wkb(mp, &c.wkb_len);
        c.wkb = wkb;
    }
    int rc = store_change_insert(ed->s, &c, err);
    free(wkb);
    if (mp)
        GEOSGeom_destroy_r(geom_ctx(), mp);
    if (!rc)
        ed->sum.events++;
    return rc;
}

/* The name without its generic (街道, 镇, 乡, 社区, 村 …), to pair a unit with
 * its successor when outlines are missing (竟成镇 → 竟成街道). */
static void name_stem(const char *name, char *out, size_t n)
{
    static const char *const generics[] = {"街道办事处", "街道", "社区居委会", "居委会", "村委会", "社区",
                                           "民族乡", "镇", "乡", "村", NULL};
    snprintf(out, n, "%s", name ? name : "");
    size_t len = strlen(out);
    for (int i = 0; generics[i]; i++) {
        size_t g = strlen(generics[i]);
        if (len > g && strcmp(out + len - g, generics[i]) == 0) {
            out[len - g] = '\0';
            return;
        }
    }
}

/* Same territory, different code: which attribute tells the story. */
static const char *successor_kind(const gone_t *a, const erow_t *b)
{
    if (!same_text(a->type, b->type))
        return "type_change";
    if (strcmp(a->parent, b->parent) != 0)
        return "reparented";
    if (!same_text(a->name, b->name))
        return "renamed";
    return "recoded";
}

static double piece_threshold(double from_area) { return fmax(1.0, 1e-4 * from_area); }

static int classify_gone(boundary_edition_t *ed, gone_t *a, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    if (a->geom) {
        double total = metric_area_m2(a->geom);
        struct piece {
            erow_t *to;
            GEOSGeometry *g;
            double area;
        } pieces[64];
        int np = 0;
        for (size_t i = 0; i < ed->n && np < 64; i++) {
            erow_t *r = &ed->rows[i];
            if (!r->geom || r->level != a->level || GEOSIntersects_r(h, a->geom, r->geom) != 1)
                continue;
            GEOSGeometry *x = GEOSIntersection_r(h, a->geom, r->geom);
            double area = x ? metric_area_m2(x) : 0;
            if (x && area > piece_threshold(total))
                pieces[np++] = (struct piece){r, x, area};
            else if (x)
                GEOSGeom_destroy_r(h, x);
        }
        int rc = 0;
        if (np == 1 && pieces[0].area >= 0.99 * total) {
            erow_t *b = pieces[0].to;
            double barea = metric_area_m2(b->geom);
            const char *kind = "merged";
            if (b->state == ROW_NEW && fabs(barea - total) <= 0.01 * total) {
                gone_t tmp = *a;
                kind = successor_kind(&tmp, b);
            }
            b->accounted = 1;
            rc = emit(ed, kind, a->level, a->code, a->name, a->type, a->parent, b->code, b->name, b->type, b->parent,
                      pieces[0].g, err);
        } else
            for (int i = 0; i < np && !rc; i++) {
                erow_t *b = pieces[i].to;
                b->accounted = 1;
                rc = emit(ed, np > 1 ? "split" : "merged", a->level, a->code, a->name, a->type, a->parent, b->code,
                          b->name, b->type, b->parent, pieces[i].g, err);
            }
        for (int i = 0; i < np; i++)
            GEOSGeom_destroy_r(h, pieces[i].g);
        if (np || rc)
            return rc;
    }
    /* No outline to follow: pair by name stem, preferring the same parent. */
    char sa[256], sb[256];
    name_stem(a->name, sa, sizeof sa);
    erow_t *best = NULL;
    for (size_t i = 0; i < ed->n; i++) {
        erow_t *r = &ed->rows[i];
        if (r->state != ROW_NEW || r->level != a->level || r->accounted)
            continue;
        name_stem(r->name, sb, sizeof sb);
        if (strcmp(sa, sb) == 0 && (!best || strcmp(r->parent, a->parent) == 0))
            best = r;
    }
    if (best) {
        best->accounted = 1;
        return emit(ed, successor_kind(a, best), a->level, a->code, a->name, a->type, a->parent, best->code,
                    best->name, best->type, best->parent, NULL, err);
    }
    return emit(ed, "abolished", a->level, a->code, a->name, a->type, a->parent, NULL, NULL, NULL, NULL, NULL, err);
}

static int changed_events(boundary_edition_t *ed, erow_t *x, dm_error *err)
{
    int rc = 0;
    if (!same_text(x->old_name, x->name))
        rc = emit(ed, "renamed", x->level, x->code, x->old_name, x->old_type, x->parent, x->code, x->name, x->type,
                  x->parent, NULL, err);
    if (!rc && !same_text(x->old_type, x->type))
        rc = emit(ed, "type_change", x->level, x->code, x->old_name, x->old_type, x->parent, x->code, x->name,
                  x->type, x->parent, NULL, err);
    if (!rc && !same_text(x->old_ur, x->ur))
        rc = emit(ed, "class_change", x->level, x->code, x->old_name, x->old_ur, x->parent, x->code, x->name, x->ur,
                  x->parent, NULL, err);
    if (rc || !x->old_geom || !x->geom)
        return rc;
    /* Territory it lost, and which unit of the new edition has it now. */
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *lost = GEOSDifference_r(h, x->old_geom, x->geom);
    double total = metric_area_m2(x->old_geom);
    for (size_t i = 0; lost && !rc && i < ed->n; i++) {
        erow_t *y = &ed->rows[i];
        if (y == x || !y->geom || y->level != x->level || GEOSIntersects_r(h, lost, y->geom) != 1)
            continue;
        GEOSGeometry *piece = GEOSIntersection_r(h, lost, y->geom);
        if (piece && metric_area_m2(piece) > piece_threshold(total)) {
            y->accounted |= y->state == ROW_NEW ? 0 : 1;
            rc = emit(ed, "boundary_change", x->level, x->code, x->name, x->type, x->parent, y->code, y->name,
                      y->type, y->parent, piece, err);
        }
        if (piece)
            GEOSGeom_destroy_r(h, piece);
    }
    if (lost)
        GEOSGeom_destroy_r(h, lost);
    return rc;
}

typedef struct {
    boundary_edition_t *ed;
    gone_t *gone;
    size_t n, cap;
    dm_error *err;
} gone_list_t;

static int collect_gone(const division_t *d, void *ctx)
{
    gone_list_t *g = ctx;
    for (size_t i = 0; i < g->ed->n; i++)
        if (strcmp(g->ed->rows[i].code, d->code) == 0)
            return 0;
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->gone[i].code, d->code) == 0)
            return 0;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 32;
        gone_t *p = realloc(g->gone, cap * sizeof *p);
        if (!p)
            return dm_error_set(g->err, DM_ENOMEM, NULL, "out of memory");
        g->gone = p;
        g->cap = cap;
    }
    gone_t *a = &g->gone[g->n++];
    memset(a, 0, sizeof *a);
    memcpy(a->code, d->code, 13);
    memcpy(a->parent, d->parent_code, 13);
    a->name = dupn(d->name);
    a->type = dupn(d->type);
    a->level = d->level;
    a->geom = geom_or_null(d);
    return store_division_close(g->ed->s, d->id, g->ed->date, g->err);
}

int boundary_edition_finish(boundary_edition_t *ed, boundary_edition_summary_t *sum, dm_error *err)
{
    gone_list_t g = {.ed = ed, .err = err};
    int rc = 0;
    /* Rows the importer rejected after all (a clashing version, a database
     * constraint) did not become versions: they are no events, and the version
     * a rejected changed row was to supersede is reopened. */
    for (size_t i = 0; !rc && i < ed->n; i++) {
        erow_t *r = &ed->rows[i];
        if (r->state == ROW_UNCHANGED)
            continue;
        int in = store_division_inserted(ed->s, r->code, ed->date, ed->batch_id, err);
        if (in < 0)
            rc = in;
        else if (!in) {
            if (r->state == ROW_CHANGED)
                rc = store_division_close(ed->s, r->old_id, NULL, err);
            else if (r->geom) { /* a territory that is nobody's: no merge target */
                GEOSGeom_destroy_r(geom_ctx(), r->geom);
                r->geom = NULL;
            }
            r->state = ROW_UNCHANGED; /* still in scope: not abolished */
            r->accounted = 1;
        }
    }
    /* Scope: each (parent, level) the edition lists. */
    for (size_t i = 0; !rc && i < ed->n; i++) {
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ed->rows[j].level == ed->rows[i].level && strcmp(ed->rows[j].parent, ed->rows[i].parent) == 0;
        if (!seen)
            rc = store_divisions_open_under(ed->s, ed->rows[i].parent, ed->rows[i].level, ed->date, collect_gone, &g,
                                            err);
    }
    ed->sum.abolished = (long)g.n;
    for (size_t i = 0; !rc && i < ed->n; i++)
        if (ed->rows[i].state == ROW_CHANGED)
            rc = changed_events(ed, &ed->rows[i], err);
    for (size_t i = 0; !rc && i < g.n; i++)
        rc = classify_gone(ed, &g.gone[i], err);
    for (size_t i = 0; !rc && i < ed->n; i++) {
        erow_t *r = &ed->rows[i];
        if (r->state == ROW_NEW && !r->accounted)
            rc = emit(ed, "new", r->level, NULL, NULL, NULL, NULL, r->code, r->name, r->type, r->parent, NULL, err);
    }
    for (size_t i = 0; i < g.n; i++) {
        free(g.gone[i].name), free(g.gone[i].type);
        if (g.gone[i].geom)
            GEOSGeom_destroy_r(geom_ctx(), g.gone[i].geom);
    }
    free(g.gone);
    if (sum)
        *sum = ed->sum;
    return rc;
}
