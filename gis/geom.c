/* geom.c — per-thread GEOS contexts, WKB, repair and coercion; see geom.h. */
#include "gis/geom.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/crs.h"

typedef struct {
    GEOSContextHandle_t ctx;
    char last_error[256];
} geom_thread_t;

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_destroy(void *p)
{
    geom_thread_t *t = p;
    GEOS_finish_r(t->ctx);
    free(t);
}

static void tls_init(void) { pthread_key_create(&tls_key, tls_destroy); }

static void on_geos_error(const char *msg, void *userdata)
{
    geom_thread_t *t = userdata;
    snprintf(t->last_error, sizeof t->last_error, "%s", msg ? msg : "");
}

static void on_geos_notice(const char *msg, void *userdata) { (void)msg, (void)userdata; }

static geom_thread_t *thread_state(void)
{
    pthread_once(&tls_once, tls_init);
    geom_thread_t *t = pthread_getspecific(tls_key);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            abort(); /* no memory for a few hundred bytes: nothing sensible is left to do */
        t->ctx = GEOS_init_r();
        GEOSContext_setErrorMessageHandler_r(t->ctx, on_geos_error, t);
        GEOSContext_setNoticeMessageHandler_r(t->ctx, on_geos_notice, t);
        pthread_setspecific(tls_key, t);
    }
    return t;
}

GEOSContextHandle_t geom_ctx(void) { return thread_state()->ctx; }
const char *geom_last_error(void) { return thread_state()->last_error; }

GEOSGeometry *geom_from_wkb(const unsigned char *wkb, size_t len, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKBReader *r = GEOSWKBReader_create_r(h);
    GEOSGeometry *g = GEOSWKBReader_read_r(h, r, wkb, len);
    GEOSWKBReader_destroy_r(h, r);
    if (!g)
        dm_error_set(err, DM_EGEOM, "geometry", "unreadable geometry: %s", geom_last_error());
    return g;
}

unsigned char *geom_to_wkb(const GEOSGeometry *g, size_t *len)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
    GEOSWKBWriter_setOutputDimension_r(h, w, 2);
    GEOSWKBWriter_setByteOrder_r(h, w, GEOS_WKB_NDR);
    GEOSWKBWriter_setFlavor_r(h, w, GEOS_WKB_ISO);
    size_t n = 0;
    unsigned char *buf = GEOSWKBWriter_write_r(h, w, g, &n);
    GEOSWKBWriter_destroy_r(h, w);
    if (!buf)
        return NULL;
    unsigned char *copy = malloc(n);
    if (copy)
        memcpy(copy, buf, n);
    GEOSFree_r(h, buf);
    *len = n;
    return copy;
}

void geom_destroy_all(GEOSGeometry *first, ...)
{
    GEOSContextHandle_t h = geom_ctx();
    va_list ap;
    va_start(ap, first);
    for (GEOSGeometry *g = first; g; g = va_arg(ap, GEOSGeometry *))
        GEOSGeom_destroy_r(h, g);
    va_end(ap);
}

/* The OGC type name; GEOSGeomType_r would hand back a string to free. */
static const char *type_name(GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT: return "Point";
    case GEOS_LINESTRING: return "LineString";
    case GEOS_LINEARRING: return "LinearRing";
    case GEOS_POLYGON: return "Polygon";
    case GEOS_MULTIPOINT: return "MultiPoint";
    case GEOS_MULTILINESTRING: return "MultiLineString";
    case GEOS_MULTIPOLYGON: return "MultiPolygon";
    case GEOS_GEOMETRYCOLLECTION: return "GeometryCollection";
    default: return "unknown geometry";
    }
}

static int coords_check(double x, double y, void *userdata)
{
    int *ok = userdata;
    if (!isfinite(x) || !isfinite(y) || x < -180.0 || x > 180.0 || y < -90.0 || y > 90.0)
        *ok = 0;
    return 1;
}

/* GEOSGeom_transformXY_r (GEOS 3.11) visits every coordinate; we use it
 * read-only and throw the copy away. */
static int visit_ok(GEOSContextHandle_t h, const GEOSGeometry *g, int (*fn)(double *, double *, void *),
                    void *ud)
{
    GEOSGeometry *copy = GEOSGeom_transformXY_r(h, g, fn, ud);
    if (!copy)
        return 0;
    GEOSGeom_destroy_r(h, copy);
    return 1;
}

static int range_cb(double *x, double *y, void *ud) { return coords_check(*x, *y, ud); }

int geom_in_lonlat_range(const GEOSGeometry *g)
{
    int ok = 1;
    if (!visit_ok(geom_ctx(), g, range_cb, &ok))
        return 0;
    return ok;
}

static int finite_cb(double *x, double *y, void *ud)
{
    if (!isfinite(*x) || !isfinite(*y))
        *(int *)ud = 0;
    return 1;
}

/* Keeps only the parts of dimension `dim` from a collection (MakeValid can
 * return a polygon plus dangling lines). New geometry. */
static GEOSGeometry *extract_dim(GEOSContextHandle_t h, const GEOSGeometry *g, int dim)
{
    (void)dim; /* only polygons are extracted today */
    int n = GEOSGetNumGeometries_r(h, g), cap = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, p);
        if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON)
            cap += GEOSGetNumGeometries_r(h, p);
    }
    GEOSGeometry **parts = calloc((size_t)(cap > 0 ? cap : 1), sizeof *parts);
    if (!parts)
        return NULL;
    int k = 0;
    for (int i = 0; i < n; i++) {
        const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
        int t = GEOSGeomTypeId_r(h, p);
        if (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON)
            for (int j = 0; j < GEOSGetNumGeometries_r(h, p); j++)
                parts[k++] = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, p, j));
    }
    GEOSGeometry *res = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, (unsigned)k);
    free(parts);
    return res;
}

static GEOSGeometry *as_multipolygon(GEOSContextHandle_t h, GEOSGeometry *g)
{
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_MULTIPOLYGON)
        return g;
    GEOSGeometry *res;
    if (t == GEOS_POLYGON) {
        GEOSGeometry *parts[1] = {g};
        res = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts, 1);
        return res; /* takes ownership of g */
    }
    res = extract_dim(h, g, 2);
    GEOSGeom_destroy_r(h, g);
    return res;
}

int geom_conform(GEOSGeometry **gp, geom_kind_t kind, int allow_multi, int *repaired, char *reason,
                 size_t reason_len, dm_error *err)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSGeometry *g = *gp;
    *repaired = 0;
    if (reason_len)
        reason[0] = '\0';
    if (GEOSisEmpty_r(h, g) == 1)
        return dm_error_set(err, DM_EGEOM, "geometry", "geometry is empty");
    int finite = 1;
    if (!visit_ok(h, g, finite_cb, &finite) || !finite)
        return dm_error_set(err, DM_EGEOM, "geometry", "geometry has non-finite coordinates");
    /* Stored geometry is lon/lat; checking first also keeps GEOS's repair
     * away from absurd magnitudes, where it can run for minutes (fuzzing). */
    if (!geom_in_lonlat_range(g))
        return dm_error_set(err, DM_EGEOM, "geometry", "coordinates out of lon/lat range");
    /* Drop Z/M by a round trip through 2D WKB. */
    if (GEOSHasZ_r(h, g) == 1) {
        size_t n;
        unsigned char *wkb = geom_to_wkb(g, &n);
        GEOSGeometry *flat = wkb ? geom_from_wkb(wkb, n, err) : NULL;
        free(wkb);
        if (!flat)
            return DM_EGEOM;
        GEOSGeom_destroy_r(h, g);
        *gp = g = flat;
    }
    int t = GEOSGeomTypeId_r(h, g);
    switch (kind) {
    case GEOM_KIND_POINT:
        if (t == GEOS_MULTIPOINT && GEOSGetNumGeometries_r(h, g) == 1) {
            GEOSGeometry *p = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g, 0));
            GEOSGeom_destroy_r(h, g);
            *gp = g = p;
            t = GEOS_POINT;
        }
        if (t != GEOS_POINT)
            return dm_error_set(err, DM_EGEOM, "geometry", "expected a point, got %s", type_name(h, g));
        return 0;
    case GEOM_KIND_LINE:
        if (t == GEOS_MULTILINESTRING && GEOSGetNumGeometries_r(h, g) == 1) {
            GEOSGeometry *l = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, g, 0));
            GEOSGeom_destroy_r(h, g);
            *gp = g = l;
            t = GEOS_LINESTRING;
        }
        if (t == GEOS_MULTILINESTRING && allow_multi)
            return 0;
        if (t != GEOS_LINESTRING)
            return dm_error_set(err, DM_EGEOM, "geometry", "expected a line, got %s", type_name(h, g));
        if (GEOSGetNumCoordinates_r(h, g) < 2)
            return dm_error_set(err, DM_EGEOM, "geometry", "line has fewer than 2 points");
        return 0;
    case GEOM_KIND_POLYGON: {
        if (t != GEOS_POLYGON && t != GEOS_MULTIPOLYGON)
            return dm_error_set(err, DM_EGEOM, "geometry", "expected a polygon, got %s", type_name(h, g));
        if (GEOSisValid_r(h, g) != 1) {
            char *why = GEOSisValidReason_r(h, g);
            double before = 0, after = 0;
            GEOSArea_r(h, g, &before);
            GEOSGeometry *fixed = GEOSMakeValid_r(h, g);
            GEOSGeometry *poly = fixed ? as_multipolygon(h, fixed) : NULL;
            if (poly)
                GEOSArea_r(h, poly, &after);
            int safe = poly && GEOSisEmpty_r(h, poly) == 0 && GEOSisValid_r(h, poly) == 1 && before > 0 &&
                       fabs(after - before) <= 0.01 * before;
            if (!safe) {
                dm_error_set(err, DM_EGEOM, "geometry",
                             "invalid polygon that cannot be repaired safely: %s", why ? why : "?");
                GEOSFree_r(h, why);
                if (poly)
                    GEOSGeom_destroy_r(h, poly);
                return DM_EGEOM;
            }
            snprintf(reason, reason_len, "%s", why ? why : "invalid");
            GEOSFree_r(h, why);
            GEOSGeom_destroy_r(h, g);
            *gp = poly;
            *repaired = 1;
            return 0;
        }
        GEOSGeometry *mp = as_multipolygon(h, g);
        *gp = mp;
        if (!mp)
            return dm_error_set(err, DM_EGEOM, "geometry", "cannot build multipolygon");
        return 0;
    }
    case GEOM_KIND_ANY:
    default:
        if (GEOSisValid_r(h, g) != 1 && (t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON))
            return geom_conform(gp, GEOM_KIND_POLYGON, 0, repaired, reason, reason_len, err);
        return 0;
    }
}

static double line_length(GEOSContextHandle_t h, const GEOSGeometry *line)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, line);
    unsigned n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n))
        return 0;
    double len = 0, px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        if (i)
            len += crs_geodesic_distance_m(px, py, x, y);
        px = x;
        py = y;
    }
    return len;
}

double geom_length_m(const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t == GEOS_LINESTRING)
        return line_length(h, g);
    double sum = 0;
    if (t == GEOS_MULTILINESTRING)
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            sum += line_length(h, GEOSGetGeometryN_r(h, g, i));
    return sum;
}
