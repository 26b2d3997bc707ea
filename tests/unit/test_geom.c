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
        cmocka_unit_test(lengths_are_geodesic_metres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
