/* test_crs.c — reprojection to CGCS2000 lon/lat through PROJ and the GCJ-02
 * conversion, on known point pairs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include <geodesic.h>
#include <stdlib.h>

#include "gis/crs.h"

static double metres(double lon1, double lat1, double lon2, double lat2)
{
    return crs_geodesic_distance_m(lon1, lat1, lon2, lat2);
}

/* Published WGS-84 / GCJ-02 pairs: the first three are the eviltransform
 * project's test points (Shanghai, Shenzhen, Beijing); the fourth is a
 * Beijing point whose GCJ-02 value came from the Amap API itself. */
static const double pairs[][4] = {
    /* wgs lon, wgs lat, gcj lon, gcj lat */
    {121.5272106, 31.1774276, 121.531541859215, 31.17530398364597},
    {113.912316, 22.543847, 113.9171764808363, 22.540796131694766},
    {116.377817, 39.911954, 116.38404722455657, 39.91334545536069},
    {116.39089, 39.90734, 116.39713623, 39.90874539},
};

static void gcj02_forward_matches_published_pairs_within_1m(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        double lon, lat;
        crs_wgs84_to_gcj02(pairs[i][0], pairs[i][1], &lon, &lat);
        assert_true(metres(lon, lat, pairs[i][2], pairs[i][3]) < 1.0);
    }
}

static void gcj02_inverse_recovers_wgs84_within_1m(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof pairs / sizeof *pairs; i++) {
        double lon, lat;
        crs_gcj02_to_wgs84(pairs[i][2], pairs[i][3], &lon, &lat);
        assert_true(metres(lon, lat, pairs[i][0], pairs[i][1]) < 1.0);
    }
    /* Round trip on our own formula is exact to well under a millimetre. */
    double lon, lat, back_lon, back_lat;
    crs_wgs84_to_gcj02(104.0657, 30.6595, &lon, &lat);
    assert_true(metres(lon, lat, 104.0657, 30.6595) > 100.0); /* the offset is real */
    crs_gcj02_to_wgs84(lon, lat, &back_lon, &back_lat);
    assert_true(metres(back_lon, back_lat, 104.0657, 30.6595) < 0.001);
}

static void gcj02_leaves_points_outside_china_alone(void **state)
{
    (void)state;
    double lon, lat;
    crs_wgs84_to_gcj02(2.35, 48.85, &lon, &lat);
    assert_true(lon == 2.35 && lat == 48.85);
    assert_true(crs_outside_china(2.35, 48.85));
    assert_false(crs_outside_china(104.06, 30.66));
}

static void gauss_kruger_cm120_goes_to_lonlat(void **state)
{
    (void)state;
    dm_error e;
    /* EPSG:4549 (CGCS2000 / 3-degree GK CM 120E): on the central meridian
     * easting is 500000; northing 3320000 m is about lat 29.99. */
    crs_transform_t *t = crs_transform_new("EPSG:4549", &e);
    assert_non_null(t);
    assert_string_equal(crs_transform_source_name(t), "EPSG:4549");
    double x = 500000.0, y = 3320000.0;
    assert_int_equal(crs_transform_points(t, &x, &y, 1, &e), 0);
    assert_true(fabs(x - 120.0) < 1e-9);
    assert_true(y > 29.9 && y < 30.1);
    crs_transform_free(t);

    /* The zone-prefixed variant (EPSG:4528, zone 40, x_0 = 40500000) of the same point. */
    t = crs_transform_new("EPSG:4528", &e);
    assert_non_null(t);
    double x2 = 40500000.0, y2 = 3320000.0;
    assert_int_equal(crs_transform_points(t, &x2, &y2, 1, &e), 0);
    assert_true(fabs(x2 - 120.0) < 1e-9 && fabs(y2 - y) < 1e-9);
    crs_transform_free(t);
}

static void epsg4490_is_identity_and_axis_order_is_lonlat(void **state)
{
    (void)state;
    dm_error e;
    crs_transform_t *t = crs_transform_new("EPSG:4490", &e);
    assert_non_null(t);
    assert_true(crs_transform_is_identity(t));
    crs_transform_free(t);
    /* WGS 84 (authority order lat, lon) must come out lon, lat. */
    t = crs_transform_new("EPSG:4326", &e);
    assert_non_null(t);
    double x = 104.06, y = 30.66;
    assert_int_equal(crs_transform_points(t, &x, &y, 1, &e), 0);
    assert_true(fabs(x - 104.06) < 1e-6 && fabs(y - 30.66) < 1e-6);
    crs_transform_free(t);
}

static void unknown_crs_is_refused_with_its_name(void **state)
{
    (void)state;
    dm_error e;
    assert_null(crs_transform_new("EPSG:999999", &e));
    assert_int_equal(e.code, DM_EGEOM);
    assert_non_null(strstr(e.message, "EPSG:999999"));
    assert_null(crs_transform_new("", &e));
    assert_int_equal(e.code, DM_EINVAL);
}

static void geodesic_distance_is_metres_on_the_ellipsoid(void **state)
{
    (void)state;
    /* One degree of latitude at the equator on GRS80/CGCS2000: 110574.4 m. */
    assert_true(fabs(metres(0, 0, 0, 1) - 110574.4) < 0.5);
    assert_true(metres(104, 30, 104, 30) == 0.0);
}

/* Short distances take a planar shortcut (crs.c): it must agree with the
 * full geodesic (PROJ's geod_inverse, Karney) within 5 mm up to 0.1° apart,
 * on either side of the shortcut's limit and across China. */
static void short_geodesics_agree_with_karney_within_5mm(void **state)
{
    (void)state;
    struct geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257222101);
    srand48(42);
    for (int i = 0; i < 20000; i++) {
        double lat = 18 + drand48() * 35, lon = 75 + drand48() * 60, span = i % 2 ? 0.1 : 0.11;
        double lat2 = lat + (drand48() * 2 - 1) * span, lon2 = lon + (drand48() * 2 - 1) * span, s12;
        geod_inverse(&g, lat, lon, lat2, lon2, &s12, NULL, NULL);
        double d = metres(lon, lat, lon2, lat2);
        if (fabs(d - s12) > 0.005)
            fail_msg("(%.6f %.6f)-(%.6f %.6f): %.4f m against Karney's %.4f m", lon, lat, lon2, lat2, d, s12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gcj02_forward_matches_published_pairs_within_1m),
        cmocka_unit_test(gcj02_inverse_recovers_wgs84_within_1m),
        cmocka_unit_test(gcj02_leaves_points_outside_china_alone),
        cmocka_unit_test(gauss_kruger_cm120_goes_to_lonlat),
        cmocka_unit_test(epsg4490_is_identity_and_axis_order_is_lonlat),
        cmocka_unit_test(unknown_crs_is_refused_with_its_name),
        cmocka_unit_test(geodesic_distance_is_metres_on_the_ellipsoid),
        cmocka_unit_test(short_geodesics_agree_with_karney_within_5mm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
