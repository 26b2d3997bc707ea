/* directory_export.c — the directory (地名录) of a division: which standard
 * names belong to it (directory.h), their pinyin and location, and the CSV
 * writer of `diming names export` and GET /names/export (the GeoPackage one
 * is importers/export.c, where GDAL is linked). */
#include "gis/directory.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/signsInt.h"
#include "gis/store_signs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const directory_columns[] = {"id",     "name",       "pinyin",       "category",    "division_code",
                                         "status", "lon",        "lat",          "approval_doc", "approved_on",
                                         "former_names", NULL};

typedef struct build {
    names_worker_t *w;
    const directory_params_t *p;
    sg_outline_t div;
    int has_outline;
    int by_outline; /* the current walk tests the location against the outline */
    size_t nfirst;  /* entries of the first walk (by code), in id order */
    directory_t *out;
    size_t cap;
    name_parts_t *np;
} build_t;

static int is_standard(const char *status)
{
    return !status || strcmp(status, "approved") == 0 || strcmp(status, "published") == 0 ||
           strcmp(status, "in_use") == 0;
}

/* A point that lies on the name's geometry (see directory.h). */
static void location(const unsigned char *wkb, size_t len, double *lon, double *lat)
{
    *lon = *lat = NAN;
    if (!wkb || !len)
        return;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = geom_from_wkb(wkb, len, NULL);
    if (!g)
        return;
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON || t == GEOS_POINT || t == GEOS_MULTIPOINT) {
        GEOSGeometry *pt = GEOSPointOnSurface_r(h, g);
        if (pt) {
            GEOSGeomGetX_r(h, pt, lon);
            GEOSGeomGetY_r(h, pt, lat);
            GEOSGeom_destroy_r(h, pt);
        }
    } else {
        sg_lines_t l;
        if (sg_lines_from_geom(g, &l, NULL) == 0) {
            sg_plane_t p;
            sg_plane_init(&p, (l.miny + l.maxy) / 2);
            sg_lines_midpoint(&p, &l, lon, lat);
            sg_lines_free(&l);
        }
    }
    GEOSGeom_destroy_r(h, g);
}

static char *dup0(const char *s) { return strdup(s ? s : ""); }

static int on_place(const store_place_row_t *r, void *vb)
{
    build_t *b = vb;
    if (!is_standard(r->status))
        return 0;
    name_category_t cat = NAME_CAT_FACILITY;
    if (r->category)
        names_category_parse(r->category, &cat, NULL);
    if (b->p && b->p->has_category && cat != b->p->category)
        return 0;
    if (b->by_outline) { /* the second walk meets names of the first: binary search, ids ascend */
        size_t lo = 0, hi = b->nfirst;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (b->out->entries[mid].id < r->id)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < b->nfirst && b->out->entries[lo].id == r->id)
            return 0;
    }
    double lon, lat;
    location(r->wkb, r->wkb_len, &lon, &lat);
    if (b->by_outline && !sg_outline_contains(&b->div, lon, lat))
        return 0;
    if (b->out->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        directory_entry_t *e = realloc(b->out->entries, cap * sizeof *e);
        if (!e)
            return DM_ENOMEM;
        b->out->entries = e, b->cap = cap;
    }
    directory_entry_t *e = &b->out->entries[b->out->n];
    memset(e, 0, sizeof *e);
    e->id = r->id;
    e->lon = lon, e->lat = lat;
    const char *py = r->pinyin;
    dm_error err;
    if ((!py || !*py) && names_analyze(b->w, r->name, (size_t)-1, cat, b->np, &err) == 0)
        py = b->np->pinyin;
    e->name = dup0(r->name);
    e->pinyin = dup0(py);
    e->category = dup0(r->category);
    e->division_code = dup0(r->division_code);
    e->status = dup0(r->status ? r->status : "approved");
    e->approval_doc = dup0(r->approval_doc);
    e->approved_on = dup0(r->approved_on);
    e->former_names = dup0(r->former_names);
    b->out->n++;
    if (!e->name || !e->pinyin || !e->category || !e->division_code || !e->status || !e->approval_doc ||
        !e->approved_on || !e->former_names)
        return DM_ENOMEM;
    return 0;
}

static int by_entry(const void *a, const void *b)
{
    const directory_entry_t *x = a, *y = b;
    int c = strcmp(x->category, y->category);
    if (!c)
        c = strcasecmp(x->pinyin, y->pinyin);
    if (!c)
        c = x->id < y->id ? -1 : x->id > y->id;
    return c;
}

int directory_build(store_t *s, names_worker_t *w, const char *division, const directory_params_t *p,
                    directory_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    char code[13];
    if (divcode_parse(division, code, err)) {
        snprintf(err->param, sizeof err->param, "division");
        return err->code;
    }
    division_t d;
    int rc = store_division_get(s, code, p ? p->date : NULL, 1, &d, err);
    if (rc) {
        snprintf(err->param, sizeof err->param, "division");
        return rc;
    }
    build_t b = {.w = w, .p = p, .out = out};
    sg_copy(out->division_code, sizeof out->division_code, d.code);
    sg_copy(out->division_name, sizeof out->division_name, d.name);
    if (!(b.np = malloc(sizeof *b.np))) {
        division_clear(&d);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    char prefix[13];
    divcode_short(d.code, prefix);
    rc = store_places_by_division(s, prefix, on_place, &b, err);
    if (!rc && d.wkb && sg_outline_from_wkb(d.wkb, d.wkb_len, &b.div, NULL) == 0) {
        b.has_outline = b.by_outline = 1;
        b.nfirst = out->n;
        store_bbox_t box = {b.div.minx, b.div.miny, b.div.maxx, b.div.maxy};
        rc = store_places_in_bbox(s, &box, on_place, &b, err);
    }
    if (rc == DM_ENOMEM)
        dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    if (b.has_outline)
        sg_outline_free(&b.div);
    free(b.np);
    division_clear(&d);
    if (rc) {
        directory_clear(out);
        return rc;
    }
    if (out->n > 1)
        qsort(out->entries, out->n, sizeof *out->entries, by_entry);
    return 0;
}

void directory_clear(directory_t *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        directory_entry_t *e = &d->entries[i];
        free(e->name), free(e->pinyin), free(e->category), free(e->division_code), free(e->status);
        free(e->approval_doc), free(e->approved_on), free(e->former_names);
    }
    free(d->entries);
    d->entries = NULL;
    d->n = 0;
}

/* ---- CSV ---------------------------------------------------------------------- */

static void csv_field(FILE *f, const char *v)
{
    if (strpbrk(v, ",\"\r\n") == NULL) {
        fputs(v, f);
        return;
    }
    fputc('"', f);
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            fputc('"', f);
        fputc(*p, f);
    }
    fputc('"', f);
}

int directory_write_csv(const directory_t *d, int bom, char **out, size_t *len, dm_error *err)
{
    *out = NULL;
    *len = 0;
    FILE *f = open_memstream(out, len);
    if (!f)
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    if (bom)
        fputs("\xEF\xBB\xBF", f);
    for (int i = 0; directory_columns[i]; i++)
        fprintf(f, "%s%s", i ? "," : "", directory_columns[i]);
    fputs("\r\n", f);
    for (size_t i = 0; i < d->n; i++) {
        const directory_entry_t *e = &d->entries[i];
        fprintf(f, "%lld,", (long long)e->id);
        csv_field(f, e->name);
        fputc(',', f);
        csv_field(f, e->pinyin);
        fputc(',', f);
        csv_field(f, e->category);
        fputc(',', f);
        csv_field(f, e->division_code);
        fputc(',', f);
        csv_field(f, e->status);
        if (isnan(e->lon))
            fputs(",,", f);
        else
            fprintf(f, ",%.7f,%.7f", e->lon, e->lat);
        fputc(',', f);
        csv_field(f, e->approval_doc);
        fputc(',', f);
        csv_field(f, e->approved_on);
        fputc(',', f);
        csv_field(f, e->former_names);
        fputs("\r\n", f);
    }
    if (fclose(f) != 0 || !*out) {
        free(*out);
        *out = NULL;
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    return 0;
}
