/* test_coverage.c — the walking graph, reach, coverage and greedy siting on a
 * small hand-made network with known distances (gis/coverage.h).
 *
 * The network is drawn in metres on a plane centred on the equator and
 * converted to lon/lat with the CGCS2000 scale at latitude 0, so every
 * distance below is exact to the millimetre:
 *
 *        (200,300)          (400,300)    (700,300)
 *            |  bridge (OSM)    | 支路        | 横街
 *   (0,0)----+-------------(400,0)-----(700,0)-----(1000,0)   主路
 *            |                               |
 *        (200,-300)                      (700,-300)
 *
 * 主路 has a vertex at (400,0) where 支路 ends (split at a shared vertex);
 * 横街 crosses 主路 at (700,0) with no vertex there (split at the crossing,
 * both are non-OSM lines); the OSM "bridge" crosses 主路 at (200,0) without a
 * shared node and stays unconnected. A facility stands at (100,20): 20 m
 * from 主路, 100 m along it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gis/coverage.h"
#include "gis/geom.h"

static double kx, ky;

static void scale_init(void)
{
    const double a = 6378137.0, f = 1.0 / 298.257222101, e2 = f * (2 - f);
    kx = a * M_PI / 180.0;            /* prime vertical radius × cos 0 */
    ky = a * (1 - e2) * M_PI / 180.0; /* meridian radius at the equator */
}

#define LL(x, y) ((x) / kx), ((y) / ky)

static coverage_graph_t *make_graph(void)
{
    scale_init();
    double main_road[] = {LL(0, 0), LL(400, 0), LL(1000, 0)};
    double side[] = {LL(400, 0), LL(400, 300)};
    double cross[] = {LL(700, -300), LL(700, 300)};
    double bridge[] = {LL(200, -300), LL(200, 300)};
    coverage_line_t lines[] = {
        {main_road, 3, "主路", 0},
        {side, 2, "支路", 0},
        {cross, 2, "横街", 0},
        {bridge, 2, "桥", 1},
    };
    coverage_graph_t *g = NULL;
    dm_error err;
    assert_int_equal(coverage_graph_from_lines(lines, 4, &g, &err), 0);
    return g;
}

static coverage_params_t params(double minutes)
{
    coverage_params_t p = coverage_params_default();
    p.minutes = minutes;
    return p;
}

static void test_graph_is_noded(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_graph_stats_t st = coverage_graph_stats(g);
    assert_int_equal(st.input_lines, 4);
    /* 主路 → 3 edges (at 400 and 700), 横街 → 2, 支路 1, bridge 1 */
    assert_int_equal(st.edges, 7);
    assert_int_equal(st.nodes, 9);
    assert_int_equal(st.crossings, 2); /* the (700,0) point, inserted into both lines */
    assert_true(fabs(st.length_m - (1000 + 300 + 600 + 600)) < 0.01);
    assert_true(st.memory_bytes > 0);
    coverage_graph_free(g);
}

/* A line ending on another's interior (a T-junction without a shared vertex):
 * noded for generic line layers, left apart for OSM ways. */
static void test_t_junction(void **state)
{
    (void)state;
    scale_init();
    double a[] = {LL(0, -150), LL(1000, -150)}, b[] = {LL(500, -150), LL(500, 150)};
    for (int osm = 0; osm < 2; osm++) {
        coverage_line_t lines[] = {{a, 2, "甲路", osm}, {b, 2, "乙路", osm}};
        coverage_graph_t *g = NULL;
        dm_error err;
        assert_int_equal(coverage_graph_from_lines(lines, 2, &g, &err), 0);
        coverage_graph_stats_t st = coverage_graph_stats(g);
        assert_int_equal(st.edges, osm ? 2 : 3);
        assert_int_equal(st.nodes, osm ? 4 : 4);
        assert_int_equal(st.crossings, osm ? 0 : 1);
        /* from the west end, 900 m: 甲路 to x = 900, and 乙路 (at 500 m) whole when joined */
        coverage_params_t p = params(900.0 / 60.0);
        coverage_isochrone_t iso;
        assert_int_equal(coverage_reach(g, LL(0, -150), &p, &iso, &err), 0);
        assert_true(fabs(iso.reach_length_m - (osm ? 900 : 900 + 300)) < 0.01);
        coverage_graph_free(g);
    }
}

static void test_snap_counts_access(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_snap_t sn;
    assert_int_equal(coverage_snap_point(g, LL(100, 20), &sn), 1);
    assert_true(fabs(sn.access_m - 20) < 0.01);
    assert_true(fabs(sn.offset_m - 100) < 0.01);
    assert_true(fabs(sn.lon - 100 / kx) < 1e-9 && fabs(sn.lat) < 1e-9);
    /* far outside the network: still the nearest edge, 500 m away */
    assert_int_equal(coverage_snap_point(g, LL(1500, 0), &sn), 1);
    assert_true(fabs(sn.access_m - 500) < 0.01);
    coverage_graph_free(g);
}

static void test_reach_partial_edges(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_params_t p = params(10); /* 600 m */
    coverage_isochrone_t iso;
    dm_error err;
    assert_int_equal(coverage_isochrone(g, LL(100, 20), &p, 1, &iso, &err), 0);
    assert_int_equal(iso.reached, 1);
    assert_true(fabs(iso.budget_m - 600) < 1e-9);
    /* (0,0) at 120 m, (400,0) at 320 m: 0–400 whole, 280 m of 400–700 and of 支路 */
    assert_int_equal(iso.edges_full, 1);
    assert_int_equal(iso.edges_partial, 2);
    assert_true(fabs(iso.reach_length_m - 960) < 0.01);
    assert_non_null(iso.area);
    assert_non_null(iso.edges);
    GEOSContextHandle_t h = geom_ctx();
    assert_int_equal(GEOSisValid_r(h, iso.area), 1);
    int parts = GEOSGetNumGeometries_r(h, iso.edges);
    assert_int_equal(parts, 3);
    /* the polygon covers the reached end of 支路 but not the bridge */
    GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, LL(400, 270));
    assert_int_equal(GEOSCovers_r(h, iso.area, pt), 1);
    GEOSGeom_destroy_r(h, pt);
    pt = GEOSGeom_createPointFromXY_r(h, LL(400, 300 + 60));
    assert_int_equal(GEOSCovers_r(h, iso.area, pt), 0);
    GEOSGeom_destroy_r(h, pt);
    /* an area of ~ 960 m × 100 m plus caps: between the line area and the box */
    assert_true(iso.area_m2 > 90000 && iso.area_m2 < 110000);
    double grid_area = iso.area_m2;
    coverage_isochrone_clear(&iso);
    /* the exact GEOS buffer: same reach, an area within a few % of the grid's */
    p.exact = 1;
    assert_int_equal(coverage_isochrone(g, LL(100, 20), &p, 0, &iso, &err), 0);
    assert_int_equal(GEOSisValid_r(h, iso.area), 1);
    assert_true(fabs(iso.area_m2 - grid_area) / iso.area_m2 < 0.05);
    assert_null(iso.edges);
    coverage_isochrone_clear(&iso);
    p.exact = 0;

    /* a start whose own edge is only partly walked: 50 m budget, 20 m access */
    p.minutes = 50.0 / 60.0;
    assert_int_equal(coverage_reach(g, LL(100, 20), &p, &iso, &err), 0);
    assert_int_equal(iso.edges_full, 0);
    assert_int_equal(iso.edges_partial, 1);
    assert_true(fabs(iso.reach_length_m - 60) < 0.01); /* 30 m either way */
    /* a start farther from any road than the budget reaches nothing */
    assert_int_equal(coverage_reach(g, LL(100, 200), &p, &iso, &err), 0);
    assert_int_equal(iso.reached, 0);
    assert_true(fabs(iso.reach_length_m) < 1e-9);
    coverage_graph_free(g);
}

static void test_bad_params(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_isochrone_t iso;
    dm_error err;
    coverage_params_t p = params(0);
    assert_int_equal(coverage_isochrone(g, LL(0, 0), &p, 0, &iso, &err), DM_EINVAL);
    assert_string_equal(err.param, "minutes");
    p = params(15);
    p.speed_mps = 10;
    assert_int_equal(coverage_isochrone(g, LL(0, 0), &p, 0, &iso, &err), DM_EINVAL);
    assert_string_equal(err.param, "speed_mps");
    p = params(121);
    assert_int_equal(coverage_params_check(&p, &err), DM_EINVAL);
    coverage_graph_free(g);
}

/* Areas: A1 same edge as the facility, A2 on 支路, A3 on 400–700, A4 on 横街
 * beyond the budget, A5 on the unconnected bridge, 128 m from the facility
 * in a straight line. */
static void make_areas(coverage_area_t a[5])
{
    memset(a, 0, 5 * sizeof *a);
    const double xy[5][2] = {{300, -30}, {400, 250}, {650, 10}, {690, 40}, {200, 100}};
    const long pop[5] = {10, 20, 30, 100, 50};
    for (int i = 0; i < 5; i++) {
        a[i].id = i + 1;
        a[i].lon = xy[i][0] / kx, a[i].lat = xy[i][1] / ky;
        a[i].pop_60 = pop[i], a[i].pop_80 = pop[i] / 10, a[i].households = 2 * pop[i];
    }
}

static void test_assign_exact(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_facility_t fac = {1, "站", "日间照料中心", "助餐", NULL, 100 / kx, 20 / ky};
    coverage_area_t a[5];
    make_areas(a);
    coverage_params_t p = params(10);
    assert_string_equal(coverage_assign(g, &p, &fac, 1, a, 5), "network");
    const int covered[5] = {1, 1, 1, 0, 0};
    const double walk[5] = {250, 570, 580, INFINITY, INFINITY}; /* the search stops at the budget */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(a[i].covered, covered[i]);
        if (isinf(walk[i]))
            assert_true(isinf(a[i].walk_m));
        else
            assert_true(fabs(a[i].walk_m - walk[i]) < 0.01);
    }
    assert_int_equal(a[0].nearest, 0);
    assert_int_equal(a[4].nearest, -1);
    /* 12 minutes (720 m) reaches A4 through the crossing node at (700,0) */
    p = params(12);
    coverage_assign(g, &p, &fac, 1, a, 5);
    assert_int_equal(a[3].covered, 1);
    assert_true(fabs(a[3].walk_m - 670) < 0.01);
    assert_int_equal(a[4].covered, 0);
    /* a second facility at (900,10) on 700–1000: A3 at 270 m, A4 at 260 m */
    coverage_facility_t two[2] = {fac, {2, "点", "老年助餐点", "助餐", NULL, 900 / kx, 10 / ky}};
    p = params(10);
    coverage_assign(g, &p, two, 2, a, 5);
    const long within[5] = {1, 1, 2, 1, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(a[i].facilities_within, within[i]);
    assert_int_equal(a[2].nearest, 1);
    assert_true(fabs(a[2].walk_m - 270) < 0.01);
    assert_true(fabs(a[3].walk_m - 260) < 0.01);
    /* no network: straight lines, and the bridge area is 128 m away */
    coverage_graph_t *empty = NULL;
    dm_error err;
    assert_int_equal(coverage_graph_from_lines(NULL, 0, &empty, &err), 0);
    p = params(10);
    assert_string_equal(coverage_assign(empty, &p, &fac, 1, a, 5), "straight-line");
    assert_int_equal(a[4].covered, 1);
    assert_true(fabs(a[4].walk_m - hypot(100, 80)) < 0.01);
    coverage_graph_free(empty);
    coverage_graph_free(g);
}

static void test_greedy_default_and_given(void **state)
{
    (void)state;
    coverage_graph_t *g = make_graph();
    coverage_facility_t fac = {1, "站", "日间照料中心", "助餐", NULL, 100 / kx, 20 / ky};
    coverage_area_t a[5];
    make_areas(a);
    coverage_params_t p = params(10);
    coverage_assign(g, &p, &fac, 1, a, 5);
    coverage_site_t *sites;
    size_t ns, nc;
    dm_error err;
    /* default candidates: A4 and A5 lie on different components, so two sites */
    assert_int_equal(coverage_greedy(g, &p, a, 5, 3, NULL, 0, &sites, &ns, &nc, &err), 0);
    assert_int_equal(ns, 2);
    assert_string_equal(sites[0].source, "residential");
    assert_int_equal(sites[0].pop_60_gain, 100);
    assert_int_equal(sites[0].areas_gain, 1);
    assert_true(fabs(sites[0].lon - 690 / kx) < 1e-9);
    assert_int_equal(sites[1].pop_60_gain, 50);
    assert_true(nc > 2); /* the two area points and the nodes near them */
    free(sites);
    /* given candidates: (200,150) on the bridge covers A5, (700,200) covers A4 */
    const double cand[] = {LL(200, 150), LL(700, 200), LL(1000, 0)};
    assert_int_equal(coverage_greedy(g, &p, a, 5, 3, cand, 3, &sites, &ns, &nc, &err), 0);
    assert_int_equal(nc, 3);
    assert_int_equal(ns, 2);
    assert_int_equal(sites[0].candidate, 1);
    assert_int_equal(sites[0].pop_60_gain, 100);
    assert_int_equal(sites[0].households_gain, 200);
    assert_int_equal(sites[1].candidate, 0);
    assert_int_equal(sites[1].pop_60_gain, 50);
    assert_int_equal(sites[1].pop_80_gain, 5);
    free(sites);
    coverage_graph_free(g);
}

/* The exact GEOS polygon is refused past COVERAGE_MAX_EXACT_PIECES pieces;
 * the default polygon is not limited. A 120 × 120 lattice, 50 m apart. */
static void test_exact_limit(void **state)
{
    (void)state;
    scale_init();
    enum { N = 120 };
    double *pts = malloc(2 * 2 * N * N * 2 * sizeof *pts);
    coverage_line_t *lines = malloc(2 * N * N * sizeof *lines);
    size_t nl = 0;
    for (int j = 0; j < N; j++)
        for (int i = 0; i < N; i++)
            for (int dir = 0; dir < 2; dir++) {
                if ((dir == 0 && i + 1 == N) || (dir == 1 && j + 1 == N))
                    continue;
                double *q = pts + 4 * nl;
                q[0] = (i * 50.0 - 3000) / kx, q[1] = (j * 50.0 - 2975) / ky;
                q[2] = ((i + (dir == 0)) * 50.0 - 3000) / kx, q[3] = ((j + (dir == 1)) * 50.0 - 2975) / ky;
                lines[nl] = (coverage_line_t){q, 2, NULL, 1};
                nl++;
            }
    coverage_graph_t *g = NULL;
    dm_error err;
    assert_int_equal(coverage_graph_from_lines(lines, nl, &g, &err), 0);
    assert_int_equal(coverage_graph_stats(g).edges, 2 * N * (N - 1));
    coverage_params_t p = params(120);
    p.speed_mps = 3;
    p.exact = 1;
    coverage_isochrone_t iso;
    assert_int_equal(coverage_isochrone(g, 0, 0, &p, 0, &iso, &err), DM_EINVAL);
    assert_string_equal(err.param, "exact");
    assert_null(iso.area);
    p.exact = 0;
    assert_int_equal(coverage_isochrone(g, 0, 0, &p, 0, &iso, &err), 0);
    assert_int_equal(iso.edges_full, 2 * N * (N - 1)); /* 21.6 km reaches every street */
    assert_int_equal(GEOSisValid_r(geom_ctx(), iso.area), 1);
    coverage_isochrone_clear(&iso);
    coverage_graph_free(g);
    free(lines);
    free(pts);
}

static void test_filters(void **state)
{
    (void)state;
    assert_int_equal(coverage_facility_matches("老年助餐点", "助餐", "老年助餐点,养老机构", NULL), 1);
    assert_int_equal(coverage_facility_matches("养老机构", "全托;医疗", "老年助餐点", NULL), 0);
    assert_int_equal(coverage_facility_matches("日间照料中心", "日间照料;助餐;文化娱乐", NULL, "助餐"), 1);
    assert_int_equal(coverage_facility_matches("日间照料中心", "日间照料、文化娱乐", NULL, "助餐"), 0);
    assert_int_equal(coverage_facility_matches("日间照料中心", "日间照料、文化娱乐", NULL, "文化娱乐"), 1);
    assert_int_equal(coverage_facility_matches(NULL, NULL, NULL, NULL), 1);
    assert_int_equal(coverage_facility_matches(NULL, NULL, "养老机构", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_graph_is_noded),     cmocka_unit_test(test_t_junction),
        cmocka_unit_test(test_snap_counts_access),
        cmocka_unit_test(test_reach_partial_edges), cmocka_unit_test(test_bad_params),
        cmocka_unit_test(test_assign_exact),        cmocka_unit_test(test_greedy_default_and_given),
        cmocka_unit_test(test_exact_limit),         cmocka_unit_test(test_filters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
