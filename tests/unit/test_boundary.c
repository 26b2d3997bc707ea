/* test_boundary.c — the pure parts of the boundary module: GB/T 17796-2009
 * marker numbers, line names and numbering units, the metric frame against
 * independent figures (PROJ's `geod` and the closed-form area of a lon/lat
 * rectangle on the CGCS2000 ellipsoid), and the checks on input geometry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/boundary.h"
#include "gis/boundaryInt.h"
#include "gis/geom.h"

static void marker_numbers_follow_gbt_17796(void **state)
{
    (void)state;
    char line[5], letter;
    int seq;
    dm_error e;
    assert_int_equal(boundary_marker_number_parse("0204005Q", line, &seq, &letter, &e), 0);
    assert_string_equal(line, "0204");
    assert_int_equal(seq, 5);
    assert_int_equal(letter, 'Q');
    assert_int_equal(boundary_marker_number_parse("3436120E", line, &seq, &letter, &e), 0);
    assert_int_equal(seq, 120);
    assert_int_equal(letter, 'E');
    const char *bad[] = {"0204005X", "204005Q", "0204005QQ", "02X4005Q", "", "0204000A"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(boundary_marker_number_parse(bad[i], line, &seq, &letter, &e), DM_EINVAL);
        assert_string_equal(e.param, "number");
    }
    assert_non_null(strstr(e.message, "sequence 000"));
    assert_int_equal(boundary_marker_number_parse(NULL, line, &seq, &letter, &e), DM_EINVAL);
}

static void line_names_and_numbering_units(void **state)
{
    (void)state;
    char name[64], code[5];
    boundary_line_name("天宁区", "钟楼区", name, sizeof name);
    assert_string_equal(name, "天宁区—钟楼区");
    boundary_line_code("340000000000", "360000000000", LEVEL_PROVINCE, code);
    assert_string_equal(code, "3436"); /* 皖赣 line, GB/T 17796-2009 */
    boundary_line_code("510104000000", "510108000000", LEVEL_COUNTY, code);
    assert_string_equal(code, "0408"); /* 锦江 + 成华, our county scheme */
    boundary_line_code("320402000000", "510104000000", LEVEL_COUNTY, code);
    assert_string_equal(code, ""); /* different prefectures: no scheme */
    boundary_line_code("320402001000", "320402100000", LEVEL_TOWNSHIP, code);
    assert_string_equal(code, "");
}

static GEOSGeometry *wkt(const char *text)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, text);
    GEOSWKTReader_destroy_r(h, r);
    assert_non_null(g);
    return g;
}

static void metric_frame_matches_geodesic_figures(void **state)
{
    (void)state;
    /* 30 m east of the meridian 120°E at 31.02°N: 0.02° of that parallel is
     * 1909.686 m (geod), so 30 m is 0.02 × 30 / 1909.6865° of longitude. */
    GEOSGeometry *meridian = wkt("LINESTRING (120 30.95, 120 31.05)");
    double d30 = 0.02 * 30 / 1909.6864839, nlon = 0, nlat = 0;
    assert_float_equal(metric_point_distance_m(meridian, 120 + d30, 31.02, &nlon, &nlat), 30.0, 0.001);
    assert_float_equal(nlon, 120.0, 1e-9);
    assert_float_equal(nlat, 31.02, 1e-7);
    /* A point far from the frame's centre: 954.843 m (geod). */
    GEOSGeometry *parallel = wkt("LINESTRING (120 31.02, 120.5 31.02)");
    assert_float_equal(metric_point_distance_m(meridian, 119.99, 31.02, NULL, NULL), 954.843, 0.01);
    /* 丽华社区's rectangle: 10591226.384 m² from the closed form. */
    GEOSGeometry *rect = wkt("POLYGON ((119.95 30.95, 119.97 30.95, 119.97 31, 119.95 31, 119.95 30.95))");
    assert_float_equal(metric_area_m2(rect), 10591226.384, 10.6); /* 1e-6 */
    double lon, lat, x, y;
    const metric_frame_t *f = metric_frame(104.07, 30.66);
    assert_non_null(f);
    metric_fwd(f, 104.07, 30.66, &x, &y);
    metric_inv(f, x, y, &lon, &lat);
    assert_float_equal(lon, 104.07, 1e-9);
    assert_float_equal(lat, 30.66, 1e-9);
    geom_destroy_all(meridian, parallel, rect, NULL);
}

static void input_geometry_is_checked(void **state)
{
    (void)state;
    dm_error e;
    GEOSGeometry *g = boundary_parse_geojson("{\"type\":\"LineString\",\"coordinates\":[[104.0,30.6],[104.1,30.7]]}",
                                             "geometry", &e);
    assert_non_null(g);
    GEOSGeom_destroy_r(geom_ctx(), g);
    struct {
        const char *text, *words;
    } bad[] = {
        {"[1,2", "not a GeoJSON geometry"},
        {"{\"type\":\"GeometryCollection\",\"geometries\":[]}", "must be a Point"},
        {"{\"type\":\"Point\",\"coordinates\":[2.35,48.85]}", "outside China"},
        {"{\"type\":\"Point\",\"coordinates\":[30.6,104.0]}", "in that order"}, /* lat, lon swapped */
        {"{\"type\":\"Point\",\"coordinates\":[181,30]}", "out of range"},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[104,30],[104.1,30.1],[104.1,30],[104,30.1],[104,30]]]}",
         "Self-intersection"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_null(boundary_parse_geojson(bad[i].text, "geometry", &e));
        assert_int_equal(e.code, DM_EINVAL);
        assert_string_equal(e.param, "geometry");
        if (!strstr(e.message, bad[i].words))
            fprintf(stderr, "'%s' lacks '%s'\n", e.message, bad[i].words);
        assert_non_null(strstr(e.message, bad[i].words));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(marker_numbers_follow_gbt_17796),
        cmocka_unit_test(line_names_and_numbering_units),
        cmocka_unit_test(metric_frame_matches_geodesic_figures),
        cmocka_unit_test(input_geometry_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
