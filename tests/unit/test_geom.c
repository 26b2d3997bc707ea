/* test_geom.c — conforming imported geometry to a layer's kind: unwrapping
 * single-part multis, safe polygon repair, refusals with the type named.
 * Includes the inputs the fuzzer found (tests/fuzz, scripts/fuzz). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

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

static void conform(const char *in, geom_kind_t kind, int want_rc, int want_type, int want_repaired,
                    const char *want_msg)
{
    GEOSGeometry *g = wkt(in);
    int repaired = -1;
    char why[128];
    dm_error e;
    dm_error_clear(&e);
    int rc = geom_conform(&g, kind, 0, &repaired, why, sizeof why, &e);
    assert_int_equal(rc, want_rc);
    if (rc == 0) {
        assert_int_equal(GEOSGeomTypeId_r(geom_ctx(), g), want_type);
        assert_int_equal(repaired, want_repaired);
    } else
        assert_non_null(strstr(e.message, want_msg));
    GEOSGeom_destroy_r(geom_ctx(), g);
}

static void kinds_are_coerced(void **state)
{
    (void)state;
    conform("POLYGON((0 0,1 0,1 1,0 1,0 0))", GEOM_KIND_POLYGON, 0, GEOS_MULTIPOLYGON, 0, NULL);
    conform("MULTIPOINT((1 2))", GEOM_KIND_POINT, 0, GEOS_POINT, 0, NULL);
    conform("MULTILINESTRING((0 0,1 1))", GEOM_KIND_LINE, 0, GEOS_LINESTRING, 0, NULL);
}

static void wrong_kinds_are_refused_by_name(void **state)
{
    (void)state;
    /* Found by fuzz_geometry: the refusal leaked the type name GEOS returned. */
    conform("POINT(1 2)", GEOM_KIND_LINE, DM_EGEOM, 0, 0, "expected a line, got Point");
    conform("LINESTRING(0 0,1 1)", GEOM_KIND_POINT, DM_EGEOM, 0, 0, "expected a point, got LineString");
    conform("POINT(1 2)", GEOM_KIND_POLYGON, DM_EGEOM, 0, 0, "expected a polygon, got Point");
    conform("POLYGON EMPTY", GEOM_KIND_POLYGON, DM_EGEOM, 0, 0, "empty");
}

static void invalid_polygons_are_repaired_only_when_safe(void **state)
{
    (void)state;
    /* A ring touching itself at a vertex: repaired, area kept. */
    conform("POLYGON((0 0,4 0,4 4,2 4,2 2,2 4,0 4,0 0))", GEOM_KIND_POLYGON, 0, GEOS_MULTIPOLYGON, 1, NULL);
    /* A bow-tie: the repair changes the area (two triangles of half the
     * unsigned area), so it is refused. */
    conform("POLYGON((0 0,1 1,1 0,0 1,0 0))", GEOM_KIND_POLYGON, DM_EGEOM, 0, 0, "cannot be repaired safely");
}

/* Found by fuzz_geometry (a timeout): a polygon with coordinates around 1e25
 * sent GEOSMakeValid into minutes of work. Coordinates outside lon/lat range
 * are refused before any repair is tried. */
static const unsigned char extreme_polygon[] = {0x03, 0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xfe, 0x02, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xba, 0x00, 0xf0, 0x3f, 0x00, 0x45, 0x45, 0x00, 0x00, 0x45, 0x45, 0x45, 0x45, 0x45, 0x45, 0xff, 0xff, 0xfa, 0x00, 0x00, 0x00, 0xe6, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x45, 0xbb, 0xba, 0x00, 0x00, 0x45, 0x00, 0x45, 0xba, 0x00, 0xf0, 0x3f, 0x00, 0x4e, 0x34, 0x67, 0x65, 0x6f, 0x73, 0x34, 0x67, 0x65, 0x6f, 0x6d, 0x35, 0x50, 0x6f, 0x69, 0x6e, 0x74, 0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x45, 0xba, 0x00, 0xf0, 0x3f, 0x00, 0x4e, 0x34, 0x67, 0x65, 0x6f, 0x73, 0x34, 0x67, 0x65, 0x6f, 0x6d, 0x35, 0x50, 0x6f, 0x69, 0x6e, 0x74, 0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x00};

static void coordinates_outside_lonlat_are_refused_before_repair(void **state)
{
    (void)state;
    dm_error e;
    GEOSGeometry *g = geom_from_wkb(extreme_polygon + 1, sizeof extreme_polygon - 1, &e);
    assert_non_null(g);
    int repaired = 0;
    char why[128];
    assert_int_equal(geom_conform(&g, GEOM_KIND_ANY, 0, &repaired, why, sizeof why, &e), DM_EGEOM);
    assert_non_null(strstr(e.message, "lon/lat"));
    GEOSGeom_destroy_r(geom_ctx(), g);
    GEOSGeometry *far = wkt("POLYGON((0 0,200 0,200 1,0 1,0 0))");
    assert_int_equal(geom_conform(&far, GEOM_KIND_POLYGON, 0, &repaired, why, sizeof why, &e), DM_EGEOM);
    GEOSGeom_destroy_r(geom_ctx(), far);
}

static void lengths_are_geodesic_metres(void **state)
{
    (void)state;
    GEOSGeometry *g = wkt("LINESTRING(0 0,0 1)");
    double m = geom_length_m(g);
    assert_true(m > 110574.0 && m < 110575.0);
    GEOSGeom_destroy_r(geom_ctx(), g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kinds_are_coerced),
        cmocka_unit_test(wrong_kinds_are_refused_by_name),
        cmocka_unit_test(invalid_polygons_are_repaired_only_when_safe),
        cmocka_unit_test(coordinates_outside_lonlat_are_refused_before_repair),
        cmocka_unit_test(lengths_are_geodesic_metres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
