/* directory_candidates.c — naming candidates (directory.h): road edges with
 * no name inside the rural townships and villages of a division, with their
 * lengths, for the naming plan (地名规划) of a town. Only classes that carry
 * street names count; footways, paths, steps, cycleways, service roads,
 * tracks and motorways are left out (docs/signs.md). */
#include "gis/directory.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/signsInt.h"
#include "gis/store_signs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit {
    char code[13], name[96], type[16];
    int level, rural;
    sg_outline_t o;
} unit_t;

typedef struct cand_ctx {
    unit_t *u;
    size_t nu;
    naming_candidates_t *out;
    size_t cap;
    int oom;
} cand_ctx_t;

static int on_unit(const division_t *d, void *vc)
{
    cand_ctx_t *c = vc;
    if (!d->wkb)
        return 0;
    unit_t *u = realloc(c->u, (c->nu + 1) * sizeof *u);
    if (!u)
        return DM_ENOMEM;
    c->u = u;
    u = &c->u[c->nu];
    memset(u, 0, sizeof *u);
    if (sg_outline_from_wkb(d->wkb, d->wkb_len, &u->o, NULL))
        return 0;
    sg_copy(u->code, sizeof u->code, d->code);
    sg_copy(u->name, sizeof u->name, d->name);
    const char *t = d->type ? d->type : divcode_type_from_digits(d->code);
    sg_copy(u->type, sizeof u->type, t);
    u->level = (int)d->level;
    u->rural = sg_division_class(d) == 2;
    c->nu++;
    return 0;
}

static int names_a_street(const char *cls)
{
    static const char *const skip[] = {"footway", "path", "steps", "cycleway", "pedestrian", "service", "track",
                                       "corridor", "bridleway", "elevator", "platform", "construction", "proposed",
                                       "motorway", "motorway_link", "trunk_link", "primary_link", "secondary_link",
                                       "tertiary_link", NULL};
    for (int i = 0; cls && skip[i]; i++)
        if (strcmp(cls, skip[i]) == 0)
            return 0;
    return 1;
}

static int on_road(const store_road_row_t *r, void *vc)
{
    cand_ctx_t *c = vc;
    if ((r->name && *r->name) || !names_a_street(r->road_class))
        return 0;
    sg_lines_t l;
    if (sg_lines_from_wkb(r->wkb, r->wkb_len, &l, NULL))
        return 0;
    sg_plane_t p;
    sg_plane_init(&p, (l.miny + l.maxy) / 2);
    double lon, lat;
    sg_lines_midpoint(&p, &l, &lon, &lat);
    sg_lines_free(&l);
    /* The deepest unit containing the midpoint decides (villages were loaded
     * after townships, so search backwards). */
    const unit_t *u = NULL;
    for (size_t i = c->nu; i-- > 0 && !u;)
        if (sg_outline_contains(&c->u[i].o, lon, lat))
            u = &c->u[i];
    if (!u || !u->rural)
        return 0;
    naming_candidates_t *o = c->out;
    if (o->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 32;
        naming_candidate_t *x = realloc(o->c, cap * sizeof *x);
        if (!x)
            return DM_ENOMEM;
        o->c = x, c->cap = cap;
    }
    naming_candidate_t *k = &o->c[o->n];
    memset(k, 0, sizeof *k);
    if (!(k->wkb = malloc(r->wkb_len)))
        return DM_ENOMEM;
    memcpy(k->wkb, r->wkb, r->wkb_len);
    k->wkb_len = r->wkb_len;
    o->n++;
    k->road_id = r->id;
    sg_copy(k->road_class, sizeof k->road_class, r->road_class);
    sg_copy(k->osm_id, sizeof k->osm_id, r->osm_id);
    k->length_m = r->length_m;
    k->lon = lon, k->lat = lat;
    sg_copy(k->unit_code, sizeof k->unit_code, u->code);
    sg_copy(k->unit_name, sizeof k->unit_name, u->name);
    sg_copy(k->unit_type, sizeof k->unit_type, u->type);
    o->total_m += r->length_m;
    return 0;
}

static int by_candidate(const void *a, const void *b)
{
    const naming_candidate_t *x = a, *y = b;
    int c = strcmp(x->unit_code, y->unit_code);
    if (!c)
        c = x->length_m > y->length_m ? -1 : x->length_m < y->length_m;
    if (!c)
        c = x->road_id < y->road_id ? -1 : x->road_id > y->road_id;
    return c;
}

int directory_candidates(store_t *s, const char *division, const char *date, naming_candidates_t *out,
                         dm_error *err)
{
    memset(out, 0, sizeof *out);
    char code[13];
    if (divcode_parse(division, code, err)) {
        snprintf(err->param, sizeof err->param, "division");
        return err->code;
    }
    division_t d;
    int rc = store_division_get(s, code, date, 1, &d, err);
    if (rc) {
        snprintf(err->param, sizeof err->param, "division");
        return rc;
    }
    sg_copy(out->division_code, sizeof out->division_code, d.code);
    sg_copy(out->division_name, sizeof out->division_name, d.name);
    cand_ctx_t c = {.out = out};
    char prefix[13];
    divcode_short(d.code, prefix);
    /* Townships, then villages (the division itself when it is one of them). */
    for (int lv = LEVEL_TOWNSHIP; lv <= LEVEL_VILLAGE && !rc; lv++)
        if ((int)d.level <= lv)
            rc = store_divisions_under(s, prefix, (division_level_t)lv, date, on_unit, &c, err);
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t i = 0; i < c.nu; i++) {
        out->rural_units += c.u[i].rural;
        if (!c.u[i].rural)
            continue;
        minx = fmin(minx, c.u[i].o.minx), miny = fmin(miny, c.u[i].o.miny);
        maxx = fmax(maxx, c.u[i].o.maxx), maxy = fmax(maxy, c.u[i].o.maxy);
    }
    if (!rc && minx <= maxx) {
        store_bbox_t box = {minx, miny, maxx, maxy};
        rc = store_roads_in_bbox(s, &box, on_road, &c, err);
    }
    if (rc == DM_ENOMEM)
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < c.nu; i++)
        sg_outline_free(&c.u[i].o);
    free(c.u);
    division_clear(&d);
    if (rc) {
        directory_candidates_clear(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->c, out->n, sizeof *out->c, by_candidate);
    return 0;
}

void directory_candidates_clear(naming_candidates_t *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->c[i].wkb);
    free(c->c);
    c->c = NULL;
    c->n = 0;
}
