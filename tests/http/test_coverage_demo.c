/* test_coverage_demo.c — coverage on the demo city (seeds/): the real OSM
 * network of central Chengdu with the synthetic facilities and residential
 * areas, imported by the real `diming import` (villages are left out: areas
 * are matched to divisions by their code, and the test stays quick).
 *
 * The figures pinned here are this program's answers on seeds/ as committed
 * (see docs/coverage.md, "Demo figures"); the invariants checked beside them
 * (sub-divisions add up, covered areas lie within the budget and have a
 * facility within reach, more time or
 * speed never covers less, a greedy gain never grows) hold for any data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

static int import(const char *layer, const char *seed, const char *srs)
{
    char *path = malloc(strlen(DIMING_SOURCE_DIR) + strlen(seed) + 16);
    sprintf(path, "%s/seeds/%s", DIMING_SOURCE_DIR, seed);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    if (rc || r.status != 0)
        fprintf(stderr, "import %s failed (%d): %s\n", seed, r.status, r.err ? r.err : "");
    rc = rc || r.status != 0 ? -1 : 0;
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-coverage-demo");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "demo.sqlite");
    if (import("divisions", "divisions/chengdu-outlines-gcj02.geojson", "GCJ02") ||
        import("divisions", "divisions/chengdu-townships-synthetic.geojson", NULL) ||
        import("facilities", "facilities/chengdu-facilities-synthetic.csv", "EPSG:4490") ||
        import("residential", "residential/chengdu-residential-synthetic.geojson", NULL) ||
        import("roads", "roads/chengdu-central-roads.geojson", NULL))
        return -1;
    const char *const extra[] = {"--threads", "2", NULL};
    return t_server_start(&g_srv, g_db, extra);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return status;
}

static json_t *get(const char *target, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != 200)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, 200);
    assert_non_null(res->json);
    return res->json;
}

static void test_network(void **state)
{
    (void)state;
    t_response_t res;
    json_t *d = get("/coverage/network", &res);
    char *walkable = t_sql(g_db, "SELECT count(*) FROM road_edges WHERE walkable = 1");
    assert_non_null(walkable);
    assert_int_equal(t_json_int(d, "input_lines"), atol(walkable));
    free(walkable);
    assert_int_equal(t_json_int(d, "input_lines"), 4975);
    /* OSM ways are split at shared nodes already; one line shares an inner vertex */
    assert_int_equal(t_json_int(d, "edges"), 4976);
    assert_int_equal(t_json_int(d, "nodes"), 3499);
    assert_int_equal(t_json_int(d, "crossings"), 0);
    t_response_free(&res);
}

static void test_city(void **state)
{
    (void)state;
    t_response_t res;
    json_t *d = get("/coverage?division=510100", &res);
    assert_string_equal(t_json_str(d, "method"), "network");
    assert_int_equal(t_json_int(d, "facilities_used"), 128);
    assert_int_equal(t_json_int(d, "summary.areas"), 600);
    assert_int_equal(t_json_int(d, "summary.areas_covered"), 470);
    assert_int_equal(t_json_int(d, "summary.pop_60"), 121777);
    assert_int_equal(t_json_int(d, "summary.pop_60_covered"), 92682);
    assert_int_equal(t_json_int(d, "sensitivity.0.areas_covered"), 374);
    assert_int_equal(t_json_int(d, "sensitivity.1.areas_covered"), 529);
    /* the county summaries add up to the city's */
    long areas = 0, covered = 0;
    json_t *subs = json_object_get(d, "subdivisions");
    assert_int_equal(json_array_size(subs), 20);
    for (size_t i = 0; i < json_array_size(subs); i++) {
        areas += t_json_int(json_array_get(subs, i), "areas");
        covered += t_json_int(json_array_get(subs, i), "areas_covered");
    }
    assert_int_equal(areas, 600);
    assert_int_equal(covered, 470);
    /* every covered area is within 900 m; no uncovered one claims a distance */
    json_t *features = json_object_get(d, "features");
    for (size_t i = 0; i < json_array_size(features); i++) {
        json_t *p = json_object_get(json_array_get(features, i), "properties");
        if (strcmp(t_json_str(p, "kind"), "residential_area") != 0)
            continue;
        /* covered exactly when at least one facility is within reach */
        if (json_is_true(json_object_get(p, "covered"))) {
            assert_true(t_json_num(p, "walk_m") <= 900.001);
            assert_true(t_json_int(p, "facilities_within") >= 1);
        } else {
            assert_true(t_json_is_null(p, "walk_m"));
            assert_int_equal(t_json_int(p, "facilities_within"), 0);
        }
    }
    t_response_free(&res);

    d = get("/coverage?division=510104", &res);
    assert_string_equal(t_json_str(d, "summary.name"), "锦江区");
    assert_int_equal(t_json_int(d, "summary.areas"), 38);
    assert_int_equal(t_json_int(d, "summary.areas_covered"), 38);
    t_response_free(&res);
}

static void test_monotone(void **state)
{
    (void)state;
    long last = -1;
    const char *targets[] = {"/coverage?division=510108&minutes=5", "/coverage?division=510108&minutes=10",
                             "/coverage?division=510108&minutes=15", "/coverage?division=510108&minutes=20",
                             "/coverage?division=510108&minutes=20&speed_mps=1.4"};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        t_response_t res;
        long n = t_json_int(get(targets[i], &res), "summary.pop_60_covered");
        assert_true(n >= last);
        last = n;
        t_response_free(&res);
    }
}

static void test_isochrone_demo(void **state)
{
    (void)state;
    t_response_t res;
    /* 中新颐养院, the first demo facility */
    json_t *d = get("/coverage/isochrone?lon=104.073219&lat=30.6585764", &res);
    assert_true(json_is_true(json_object_get(d, "reached")));
    assert_int_equal(t_json_int(d, "features.0.properties.edges_full"), 153);
    assert_int_equal(t_json_int(d, "features.0.properties.edges_partial"), 47);
    double area = t_json_num(d, "features.0.properties.area_m2");
    /* the walk covers less than the straight-line disc of 900 m */
    assert_true(area > 0 && area < M_PI * 900 * 900);
    t_response_free(&res);
}

static void test_suggest_demo(void **state)
{
    (void)state;
    t_response_t res;
    const char *body = "{\"division\":\"510100\",\"k\":5}";
    assert_int_equal(t_http(g_srv.port, "POST", "/coverage/suggest", NULL, body, strlen(body), &res), 0);
    assert_int_equal(res.status, 200);
    json_t *d = res.json;
    assert_int_equal(t_json_len(d, "features"), 5);
    assert_int_equal(t_json_int(d, "features.0.properties.pop_60_gain"), 2952);
    long before = t_json_int(d, "before.pop_60_covered"), sum = 0, last = 1L << 40;
    for (int i = 0; i < 5; i++) {
        char path[64];
        snprintf(path, sizeof path, "features.%d.properties.pop_60_gain", i);
        long g = t_json_int(d, path);
        assert_true(g > 0 && g <= last); /* greedy gains never grow */
        last = g;
        sum += g;
    }
    assert_int_equal(before, 92682);
    assert_int_equal(t_json_int(d, "after.pop_60_covered"), before + sum);
    assert_int_equal(t_json_int(d, "after.pop_60_covered"), 103465);
    t_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network),        cmocka_unit_test(test_city),        cmocka_unit_test(test_monotone),
        cmocka_unit_test(test_isochrone_demo), cmocka_unit_test(test_suggest_demo),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
