/* signs_geo.c — the local plane, line vertices, outlines and division classes
 * shared by the signs audit, the directory and the naming candidates; see
 * signsInt.h for why a local plane is enough. */
#include "gis/signsInt.h"
#include "gis/geom.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEG (M_PI / 180.0)

void sg_plane_init(sg_plane_t *p, double lat0)
{
    /* Metres per degree on the CGCS2000 ellipsoid at lat0 (series to 3 terms). */
    double f = lat0 * DEG;
    p->lat0 = lat0;
    p->ky = 111132.954 - 559.822 * cos(2 * f) + 1.175 * cos(4 * f);
    p->kx = 111412.84 * cos(f) - 93.5 * cos(3 * f) + 0.118 * cos(5 * f);
}

double sg_dist_m(const sg_plane_t *p, double lon1, double lat1, double lon2, double lat2)
{
    double dx = (lon2 - lon1) * p->kx, dy = (lat2 - lat1) * p->ky;
    return sqrt(dx * dx + dy * dy);
}

void sg_lines_free(sg_lines_t *l)
{
    if (!l)
        return;
    free(l->xy);
    free(l->start);
    memset(l, 0, sizeof *l);
}

typedef struct grow {
    sg_lines_t *l;
    size_t nv, capv, capp;
} grow_t;

static int add_seq(grow_t *gr, const GEOSCoordSequence *seq)
{
    GEOSContextHandle_t h = geom_ctx();
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n == 0)
        return 0;
    sg_lines_t *l = gr->l;
    if (gr->nv + n > gr->capv) {
        size_t cap = (gr->nv + n) * 2;
        double *x = realloc(l->xy, cap * 2 * sizeof *x);
        if (!x)
            return -1;
        l->xy = x, gr->capv = cap;
    }
    if (l->nparts + 2 > gr->capp) {
        size_t cap = (l->nparts + 2) * 2;
        size_t *s = realloc(l->start, cap * sizeof *s);
        if (!s)
            return -1;
        l->start = s, gr->capp = cap;
    }
    l->start[l->nparts++] = gr->nv;
    for (unsigned int i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        l->xy[2 * gr->nv] = x, l->xy[2 * gr->nv + 1] = y;
        gr->nv++;
        if (x < l->minx) l->minx = x;
        if (x > l->maxx) l->maxx = x;
        if (y < l->miny) l->miny = y;
        if (y > l->maxy) l->maxy = y;
    }
    l->start[l->nparts] = gr->nv;
    return 0;
}

static int add_geom(grow_t *gr, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    switch (t) {
    case GEOS_POINT:
    case GEOS_LINESTRING:
    case GEOS_LINEARRING:
        return add_seq(gr, GEOSGeom_getCoordSeq_r(h, g));
    case GEOS_POLYGON: {
        if (add_seq(gr, GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g))))
            return -1;
        int k = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < k; i++)
            if (add_seq(gr, GEOSGeom_getCoordSeq_r(h, GEOSGetInteriorRingN_r(h, g, i))))
                return -1;
        return 0;
    }
    default: {
        int k = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < k; i++)
            if (add_geom(gr, GEOSGetGeometryN_r(h, g, i)))
                return -1;
        return 0;
    }
    }
}

int sg_lines_from_geom(const GEOSGeometry *g, sg_lines_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    out->minx = out->miny = INFINITY;
    out->maxx = out->maxy = -INFINITY;
    grow_t gr = {.l = out};
    if (add_geom(&gr, g)) {
        sg_lines_free(out);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    return 0;
}

int sg_lines_from_wkb(const unsigned char *wkb, size_t len, sg_lines_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    GEOSGeometry *g = geom_from_wkb(wkb, len, err);
    if (!g)
        return err ? err->code : DM_EGEOM;
    int rc = sg_lines_from_geom(g, out, err);
    GEOSGeom_destroy_r(geom_ctx(), g);
    return rc;
}

static double seg_dist(const sg_plane_t *p, double px, double py, double ax, double ay, double bx, double by)
{
    /* On the plane, metres from the point. */
    double x1 = (ax - px) * p->kx, y1 = (ay - py) * p->ky, x2 = (bx - px) * p->kx, y2 = (by - py) * p->ky;
    double dx = x2 - x1, dy = y2 - y1, L = dx * dx + dy * dy;
    double t = L > 0 ? -(x1 * dx + y1 * dy) / L : 0;
    if (t < 0)
        t = 0;
    if (t > 1)
        t = 1;
    double x = x1 + t * dx, y = y1 + t * dy;
    return sqrt(x * x + y * y);
}

double sg_dist_point_lines(const sg_plane_t *p, double lon, double lat, const sg_lines_t *l)
{
    double best = INFINITY;
    for (size_t k = 0; k < l->nparts; k++) {
        size_t a = l->start[k], b = l->start[k + 1];
        if (b - a == 1) {
            double d = sg_dist_m(p, lon, lat, l->xy[2 * a], l->xy[2 * a + 1]);
            if (d < best)
                best = d;
            continue;
        }
        for (size_t i = a; i + 1 < b; i++) {
            double d = seg_dist(p, lon, lat, l->xy[2 * i], l->xy[2 * i + 1], l->xy[2 * i + 2], l->xy[2 * i + 3]);
            if (d < best)
                best = d;
        }
    }
    return best;
}

void sg_lines_midpoint(const sg_plane_t *p, const sg_lines_t *l, double *lon, double *lat)
{
    *lon = *lat = NAN;
    double best_len = -1;
    size_t best = 0;
    for (size_t k = 0; k < l->nparts; k++) {
        double len = 0;
        for (size_t i = l->start[k]; i + 1 < l->start[k + 1]; i++)
            len += sg_dist_m(p, l->xy[2 * i], l->xy[2 * i + 1], l->xy[2 * i + 2], l->xy[2 * i + 3]);
        if (len > best_len)
            best_len = len, best = k;
    }
    if (best_len < 0)
        return;
    size_t a = l->start[best], b = l->start[best + 1];
    *lon = l->xy[2 * a], *lat = l->xy[2 * a + 1];
    double half = best_len / 2, run = 0;
    for (size_t i = a; i + 1 < b; i++) {
        double d = sg_dist_m(p, l->xy[2 * i], l->xy[2 * i + 1], l->xy[2 * i + 2], l->xy[2 * i + 3]);
        if (run + d >= half && d > 0) {
            double t = (half - run) / d;
            *lon = l->xy[2 * i] + t * (l->xy[2 * i + 2] - l->xy[2 * i]);
            *lat = l->xy[2 * i + 1] + t * (l->xy[2 * i + 3] - l->xy[2 * i + 1]);
            return;
        }
        run += d;
    }
}

static double ring_area(const sg_plane_t *p, const GEOSCoordSequence *seq)
{
    GEOSContextHandle_t h = geom_ctx();
    unsigned int n = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(h, seq, &n) || n < 4)
        return 0;
    double s = 0, x0, y0;
    GEOSCoordSeq_getXY_r(h, seq, 0, &x0, &y0);
    double px = 0, py = 0;
    for (unsigned int i = 1; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
        double cx = (x - x0) * p->kx, cy = (y - y0) * p->ky;
        s += px * cy - cx * py;
        px = cx, py = cy;
    }
    return fabs(s) / 2;
}

static double poly_area(const sg_plane_t *p, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_POLYGON) {
        double a = ring_area(p, GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g)));
        int k = GEOSGetNumInteriorRings_r(h, g);
        for (int i = 0; i < k; i++)
            a -= ring_area(p, GEOSGeom_getCoordSeq_r(h, GEOSGetInteriorRingN_r(h, g, i)));
        return a;
    }
    if (t == GEOS_MULTIPOLYGON || t == GEOS_GEOMETRYCOLLECTION) {
        double a = 0;
        int k = GEOSGetNumGeometries_r(h, g);
        for (int i = 0; i < k; i++)
            a += poly_area(p, GEOSGetGeometryN_r(h, g, i));
        return a;
    }
    return 0;
}

double sg_area_km2(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    double miny, maxy;
    if (!GEOSGeom_getYMin_r(h, g, &miny) || !GEOSGeom_getYMax_r(h, g, &maxy))
        return 0;
    sg_plane_t p;
    sg_plane_init(&p, (miny + maxy) / 2);
    return poly_area(&p, g) / 1e6;
}

int sg_outline_from_wkb(const unsigned char *wkb, size_t len, sg_outline_t *out, dm_error *err)
{
    memset(out, 0, sizeof *out);
    GEOSContextHandle_t h = geom_ctx();
    if (!(out->g = geom_from_wkb(wkb, len, err)))
        return err ? err->code : DM_EGEOM;
    if (!(out->prep = GEOSPrepare_r(h, out->g)) || !GEOSGeom_getXMin_r(h, out->g, &out->minx) ||
        !GEOSGeom_getYMin_r(h, out->g, &out->miny) || !GEOSGeom_getXMax_r(h, out->g, &out->maxx) ||
        !GEOSGeom_getYMax_r(h, out->g, &out->maxy)) {
        sg_outline_free(out);
        return dm_error_set(err, DM_EGEOM, NULL, "cannot prepare outline: %s", geom_last_error());
    }
    return 0;
}

int sg_outline_contains(const sg_outline_t *o, double lon, double lat)
{
    if (isnan(lon) || lon < o->minx || lon > o->maxx || lat < o->miny || lat > o->maxy)
        return 0;
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, lon, lat);
    int in = pt ? GEOSPreparedIntersects_r(h, o->prep, pt) == 1 : 0;
    GEOSGeom_destroy_r(h, pt);
    return in;
}

int sg_outline_intersects_wkb(const sg_outline_t *o, const unsigned char *wkb, size_t len)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = wkb ? geom_from_wkb(wkb, len, NULL) : NULL;
    if (!g)
        return 0;
    int in = GEOSPreparedIntersects_r(h, o->prep, g) == 1;
    GEOSGeom_destroy_r(h, g);
    return in;
}

void sg_outline_free(sg_outline_t *o)
{
    if (!o)
        return;
    GEOSContextHandle_t h = geom_ctx();
    if (o->prep)
        GEOSPreparedGeom_destroy_r(h, o->prep);
    if (o->g)
        GEOSGeom_destroy_r(h, o->g);
    memset(o, 0, sizeof *o);
}

int sg_division_class(const division_t *d)
{
    if (d->urban_rural && (d->urban_rural[0] == '1' || d->urban_rural[0] == '2'))
        return d->urban_rural[0] - '0';
    static const char *const urban[] = {"街道", "社区", "区", NULL};
    static const char *const rural[] = {"镇", "乡", "民族乡", "苏木", "村", "县", NULL};
    for (int i = 0; d->type && urban[i]; i++)
        if (strcmp(d->type, urban[i]) == 0)
            return 1;
    for (int i = 0; d->type && rural[i]; i++)
        if (strcmp(d->type, rural[i]) == 0)
            return 2;
    return 0;
}

void sg_copy(char *dst, size_t n, const char *s)
{
    if (!n)
        return;
    if (!s)
        s = "";
    size_t len = strlen(s);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}
