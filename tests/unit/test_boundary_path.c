/* test_boundary_path.c — metric_path_nearest (the flat, run-pruned copy of a
 * geometry that answers "how far is this point from the boundary" on every
 * lookup) must find the same nearest point as a plain scan of every segment
 * written here, on polygons with holes, multi-parts, long rings cut into many
 * runs, lines and points; and metric_point_distance_m must report the
 * geodesic distance to it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundaryInt.h"
#include "gis/crs.h"
#include "gis/geom.h"

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    assert_non_null(g);
    return g;
}

/* A wiggly ring of n vertices around (cx, cy), radius r degrees, as WKT text. */
static void ring_text(char *out, size_t cap, double cx, double cy, double r, int n, int clockwise)
{
    size_t len = (size_t)snprintf(out, cap, "(");
    for (int i = 0; i <= n; i++) {
        int k = i % n;
        double t = 2 * M_PI * k / n * (clockwise ? -1 : 1);
        double rr = r * (1 + 0.15 * sin(7 * t) + 0.05 * cos(23 * t));
        len += (size_t)snprintf(out + len, cap - len, "%s%.9f %.9f", i ? "," : "", cx + rr * cos(t), cy + rr * sin(t));
    }
    snprintf(out + len, cap - len, ")");
}

/* The reference: every segment of every ring or line, projected in the
 * plane tangent at the point, through GEOS's own coordinate accessors. */
typedef struct {
    double lon, lat, kx, ky, best, bx, by;
} brute_t;

static void brute_point(brute_t *b, double x, double y)
{
    double d = hypot((x - b->lon) * b->kx, (y - b->lat) * b->ky);
    if (d < b->best)
        b->best = d, b->bx = x, b->by = y;
}

static void brute_seq(brute_t *b, const GEOSCoordSequence *cs)
{
    GEOSContextHandle_t h = geom_ctx();
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(h, cs, &n);
    double px = 0, py = 0;
    for (unsigned i = 0; i < n; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        brute_point(b, x, y);
        if (i > 0) {
            double ax = (px - b->lon) * b->kx, ay = (py - b->lat) * b->ky;
            double dx = (x - px) * b->kx, dy = (y - py) * b->ky, l2 = dx * dx + dy * dy;
            double t = l2 > 0 ? -(ax * dx + ay * dy) / l2 : 0;
            if (t > 0 && t < 1)
                brute_point(b, px + t * (x - px), py + t * (y - py));
        }
        px = x, py = y;
    }
}

static void brute_geom(brute_t *b, const GEOSGeometry *g)
{
    GEOSContextHandle_t h = geom_ctx();
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_POINT || type == GEOS_LINESTRING || type == GEOS_LINEARRING)
        brute_seq(b, GEOSGeom_getCoordSeq_r(h, g));
    else if (type == GEOS_POLYGON) {
        brute_seq(b, GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g)));
        for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); i++)
            brute_seq(b, GEOSGeom_getCoordSeq_r(h, GEOSGetInteriorRingN_r(h, g, i)));
    } else
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            brute_geom(b, GEOSGetGeometryN_r(h, g, i));
}

static void compare(const GEOSGeometry *g, double x0, double y0, double x1, double y1, int npoints)
{
    metric_path_t *p = metric_path_new(g);
    assert_non_null(p);
    srand48(7);
    for (int i = 0; i < npoints; i++) {
        double lon = x0 + drand48() * (x1 - x0), lat = y0 + drand48() * (y1 - y0);
        double kx, ky, nlon, nlat, slon, slat;
        metric_scale(lat, &kx, &ky);
        double plane = metric_path_nearest(p, lon, lat, kx, ky, &nlon, &nlat);
        brute_t b = {lon, lat, kx, ky, INFINITY, 0, 0};
        brute_geom(&b, g);
        assert_true(isfinite(plane));
        /* The same nearest point (or one as near: ties on symmetric parts). */
        if (fabs(plane - b.best) > 1e-9 * (1 + b.best))
            fail_msg("point %d (%.7f %.7f): path %.6f m at (%.7f %.7f), full scan %.6f m at (%.7f %.7f)", i, lon, lat,
                     plane, nlon, nlat, b.best, b.bx, b.by);
        /* The distance reported is the geodesic one to that point, and the
         * plane distance that ranks candidates is within 0.1 % of it. */
        double geo = metric_point_distance_m(g, lon, lat, &slon, &slat);
        assert_true(fabs(geo - crs_geodesic_distance_m(lon, lat, nlon, nlat)) < 1e-6);
        assert_true(fabs(plane - geo) <= 1e-3 * geo + 1e-6);
    }
    metric_path_free(p);
}

static void polygons_with_holes_and_parts_match_a_full_scan(void **state)
{
    (void)state;
    static char shell[64000], hole[16000], island[16000], text[100000];
    ring_text(shell, sizeof shell, 104.0, 30.6, 0.05, 1500, 0); /* ~94 runs of 16 segments */
    ring_text(hole, sizeof hole, 104.005, 30.6, 0.01, 300, 1);
    ring_text(island, sizeof island, 104.1, 30.7, 0.01, 17, 0); /* 17 segments: a run of 16 and one of 1 */
    snprintf(text, sizeof text, "MULTIPOLYGON((%s,%s),(%s))", shell, hole, island);
    GEOSGeometry *g = wkt(text);
    compare(g, 103.9, 30.5, 104.15, 30.75, 3000);
    GEOSGeom_destroy_r(geom_ctx(), g);
}

/* More groups than metric_path_nearest orders (a coastline-sized ring):
 * the unordered, pruned visit must agree too. */
static void very_long_rings_match_a_full_scan(void **state)
{
    (void)state;
    size_t cap = 140000 * 28 + 64;
    char *ring = malloc(cap), *text = malloc(cap + 32);
    assert_non_null(ring);
    assert_non_null(text);
    ring_text(ring, cap, 120.0, 30.0, 0.3, 140000, 0);
    snprintf(text, cap + 32, "POLYGON(%s)", ring);
    GEOSGeometry *g = wkt(text);
    compare(g, 119.6, 29.6, 120.4, 30.4, 150);
    GEOSGeom_destroy_r(geom_ctx(), g);
    free(ring);
    free(text);
}

static void lines_and_points_match_a_full_scan(void **state)
{
    (void)state;
    GEOSGeometry *l = wkt("MULTILINESTRING((119.9 31.7,119.95 31.72,120.0 31.71),(120.0 31.71,120.02 31.8))");
    compare(l, 119.85, 31.65, 120.05, 31.85, 2000);
    GEOSGeom_destroy_r(geom_ctx(), l);
    GEOSGeometry *pt = wkt("POINT(119.95 31.75)");
    compare(pt, 119.9, 31.7, 120.0, 31.8, 200);
    GEOSGeom_destroy_r(geom_ctx(), pt);
}

static void empty_geometries_have_no_path(void **state)
{
    (void)state;
    GEOSGeometry *g = wkt("POLYGON EMPTY");
    assert_null(metric_path_new(g));
    GEOSGeom_destroy_r(geom_ctx(), g);
    assert_true(isnan(metric_path_nearest(NULL, 104, 30, 1, 1, NULL, NULL)));
    metric_path_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(polygons_with_holes_and_parts_match_a_full_scan),
        cmocka_unit_test(very_long_rings_match_a_full_scan),
        cmocka_unit_test(lines_and_points_match_a_full_scan),
        cmocka_unit_test(empty_geometries_have_no_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
