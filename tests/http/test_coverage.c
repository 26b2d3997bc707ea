/* test_coverage.c — the coverage endpoints against the real server, on the
 * hand-made network of tests/fixtures/coverage (make.py draws it in metres
 * around (119.975, 30.975), inside 雕庄街道 of hierarchy.geojson):
 *
 *   丽华路 (-1000,0)–(0,0)–(1000,0), 青龙路 (0,0)–(0,800): walkable
 *   沪蓉高速 (motorway, y = 100) and 禁行路 (foot=no, y = -300): not walkable
 *   F1 日间照料中心 (-200,30); F2 老年助餐点 (500,95) next to the motorway,
 *   which it must not be attached to; F3 planned (does not count)
 *   H1 (-700,-20) 550 m from F1; H2 (15,600) 845 m; H3 (20,780) 1030 m;
 *   H4 (600,-200) 395 m from F2 (200 m access, the foot=no road is nearer);
 *   H5 in 郑陆镇, 2.9 km from any road; 郑陆颐养院 (120 beds, 90 nursing, no
 *   医疗) 7 km from the roads and 4.5 km from H5, for the plan targets.
 *
 * The group setup imports divisions, roads, facilities and residential areas
 * with the real `diming import` and starts `diming serve`. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;

static int import(const char *db, const char *layer, const char *fixture, const char *srs)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", db, "--quiet");
    free(path);
    if (rc || r.status != 0)
        fprintf(stderr, "import %s failed (%d): %s\n", fixture, r.status, r.err ? r.err : "");
    rc = rc || r.status != 0 ? -1 : 0;
    t_run_free(&r);
    return rc;
}

static int import_all(const char *db, int with_roads)
{
    return import(db, "divisions", "hierarchy.geojson", NULL) ||
           (with_roads && import(db, "roads", "coverage/roads.geojson", NULL)) ||
           import(db, "facilities", "coverage/facilities.csv", "EPSG:4490") ||
           import(db, "residential", "coverage/residential.geojson", NULL);
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-coverage");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "coverage.sqlite");
    if (import_all(g_db, 1))
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

static void request(unsigned port, const char *method, const char *target, const char *body, int expect,
                    t_response_t *res)
{
    assert_int_equal(t_http(port, method, target, NULL, body, body ? strlen(body) : 0, res), 0);
    if (res->status != expect)
        fprintf(stderr, "%s %s: %d %s\n", method, target, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

/* The area feature called `name` in a /coverage answer. */
static json_t *area(json_t *doc, const char *name)
{
    json_t *features = json_object_get(doc, "features");
    for (size_t i = 0; i < json_array_size(features); i++) {
        json_t *p = json_object_get(json_array_get(features, i), "properties");
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n && strcmp(n, name) == 0)
            return p;
    }
    fail_msg("no area %s", name);
    return NULL;
}

static void test_coverage_exact(void **state)
{
    (void)state;
    t_response_t res;
    request(g_srv.port, "GET", "/coverage?division=320402", NULL, 200, &res);
    json_t *d = res.json;
    assert_string_equal(t_json_str(d, "method"), "network");
    assert_int_equal(t_json_int(d, "facilities_used"), 3); /* the planned home does not count */
    assert_true(fabs(t_json_num(d, "params.budget_m") - 900) < 1e-9);
    assert_int_equal(t_json_int(d, "summary.areas"), 5);
    assert_int_equal(t_json_int(d, "summary.areas_covered"), 3);
    assert_int_equal(t_json_int(d, "summary.households_covered"), 870);
    assert_int_equal(t_json_int(d, "summary.pop_60"), 660);
    assert_int_equal(t_json_int(d, "summary.pop_60_covered"), 350);
    assert_int_equal(t_json_int(d, "summary.pop_80_covered"), 35);
    assert_true(fabs(t_json_num(d, "summary.areas_share") - 0.6) < 1e-9);
    assert_int_equal(t_json_len(d, "subdivisions"), 2);
    assert_string_equal(t_json_str(d, "subdivisions.0.name"), "雕庄街道");
    assert_int_equal(t_json_int(d, "subdivisions.0.areas_covered"), 3);
    assert_int_equal(t_json_int(d, "subdivisions.1.areas"), 1);
    assert_int_equal(t_json_int(d, "subdivisions.1.areas_covered"), 0);
    /* sensitivity: 720 m loses H2 (845 m), 1080 m gains H3 (1030 m) */
    assert_int_equal(t_json_int(d, "sensitivity.0.areas_covered"), 2);
    assert_int_equal(t_json_int(d, "sensitivity.1.areas_covered"), 4);
    assert_int_equal(t_json_int(d, "sensitivity.1.pop_60_covered"), 650);

    const struct {
        const char *name;
        int covered;
        double walk_m;
        const char *facility;
    } want[] = {{"H1丽华一村", 1, 550, "丽华日间照料中心"},
                {"H2丽华二村", 1, 845, "丽华日间照料中心"},
                {"H3丽华三村", 0, NAN, NULL},
                {"H4高速新村", 1, 395, "高速边助餐点"},
                {"H5焦溪小区", 0, NAN, NULL}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        json_t *p = area(d, want[i].name);
        assert_int_equal(json_is_true(json_object_get(p, "covered")), want[i].covered);
        assert_int_equal(t_json_int(p, "facilities_within"), want[i].covered); /* F1 and F2 never overlap here */
        if (want[i].facility) {
            assert_true(fabs(t_json_num(p, "walk_m") - want[i].walk_m) < 0.5);
            assert_string_equal(t_json_str(p, "nearest_facility.name"), want[i].facility);
        } else {
            assert_true(t_json_is_null(p, "walk_m"));
            assert_true(t_json_is_null(p, "nearest_facility"));
        }
    }
    /* the last feature is the union of the uncovered areas: H3 and H5 */
    long n = t_json_len(d, "features");
    assert_int_equal(n, 6);
    char path[64];
    snprintf(path, sizeof path, "features.%ld.properties.kind", n - 1);
    assert_string_equal(t_json_str(d, path), "uncovered");
    snprintf(path, sizeof path, "features.%ld.geometry.type", n - 1);
    assert_string_equal(t_json_str(d, path), "MultiPolygon");
    t_response_free(&res);
}

static void test_coverage_filters_and_minutes(void **state)
{
    (void)state;
    const struct {
        const char *target;
        long facilities, covered;
    } cases[] = {
        {"/coverage?division=320402&types=%E8%80%81%E5%B9%B4%E5%8A%A9%E9%A4%90%E7%82%B9", 1, 1}, /* 老年助餐点 */
        {"/coverage?division=320402&functions=%E6%97%A5%E9%97%B4%E7%85%A7%E6%96%99", 1, 2},     /* 日间照料 */
        {"/coverage?division=320402&functions=%E5%8A%A9%E9%A4%90", 2, 3},                       /* 助餐 */
        {"/coverage?division=320402&minutes=10", 3, 2},                                           /* 600 m */
        {"/coverage?division=320402&minutes=15&speed_mps=1.2", 3, 4},
        {"/coverage?division=320402001", 3, 3},
        {"/coverage?division=320402100200", 3, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        request(g_srv.port, "GET", cases[i].target, NULL, 200, &res);
        assert_int_equal(t_json_int(res.json, "facilities_used"), cases[i].facilities);
        assert_int_equal(t_json_int(res.json, "summary.areas_covered"), cases[i].covered);
        t_response_free(&res);
    }
}

static void test_isochrone(void **state)
{
    (void)state;
    t_response_t res;
    /* from F1, 10 minutes = 600 m: (0,0) at 230 m, then 370 m up 青龙路 and
     * east on 丽华路; west the start edge reaches its 570 m */
    request(g_srv.port, "GET", "/coverage/isochrone?lon=119.972906399&lat=30.97527059&minutes=10&edges=true", NULL,
            200, &res);
    json_t *d = res.json;
    assert_true(json_is_true(json_object_get(d, "reached")));
    assert_int_equal(t_json_len(d, "features"), 2);
    assert_string_equal(t_json_str(d, "features.0.properties.kind"), "isochrone");
    assert_string_equal(t_json_str(d, "features.0.geometry.type"), "Polygon");
    assert_int_equal(t_json_int(d, "features.0.properties.edges_full"), 0);
    assert_int_equal(t_json_int(d, "features.0.properties.edges_partial"), 3);
    assert_true(fabs(t_json_num(d, "features.0.properties.reach_length_m") - 1510) < 0.5);
    assert_true(fabs(t_json_num(d, "features.0.properties.access_m") - 30) < 0.1);
    assert_string_equal(t_json_str(d, "features.1.properties.kind"), "reachable_edges");
    assert_string_equal(t_json_str(d, "features.1.geometry.type"), "MultiLineString");
    assert_int_equal(t_json_len(d, "features.1.geometry.coordinates"), 3);
    t_response_free(&res);

    /* the same from the facility's id (F1 is id 1) */
    request(g_srv.port, "GET", "/coverage/isochrone?facility=1&minutes=10", NULL, 200, &res);
    assert_int_equal(t_json_int(res.json, "query.facility"), 1);
    assert_true(fabs(t_json_num(res.json, "features.0.properties.reach_length_m") - 1510) < 0.5);
    t_response_free(&res);

    /* the exact GEOS buffer on request */
    request(g_srv.port, "GET", "/coverage/isochrone?lon=119.972906399&lat=30.97527059&minutes=10&exact=true", NULL,
            200, &res);
    assert_string_equal(t_json_str(res.json, "features.0.properties.polygon"), "exact GEOS buffer");
    assert_true(fabs(t_json_num(res.json, "features.0.properties.reach_length_m") - 1510) < 0.5);
    t_response_free(&res);

    /* next to the motorway: attached to 丽华路 95 m away, never the motorway */
    request(g_srv.port, "GET", "/coverage/isochrone?lon=119.980234003&lat=30.975856867&minutes=5", NULL, 200, &res);
    assert_true(fabs(t_json_num(res.json, "features.0.properties.access_m") - 95) < 0.1);
    t_response_free(&res);

    /* 2.9 km from any road with a 5-minute budget: an empty answer */
    request(g_srv.port, "GET", "/coverage/isochrone?lon=119.9645&lat=31.0066&minutes=5", NULL, 200, &res);
    assert_false(json_is_true(json_object_get(res.json, "reached")));
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
}

static void test_suggest(void **state)
{
    (void)state;
    t_response_t res;
    /* default candidates: H3's own point covers it; H5 is out of reach of the network */
    request(g_srv.port, "POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":2}", 200, &res);
    json_t *d = res.json;
    assert_int_equal(t_json_len(d, "features"), 1);
    assert_string_equal(t_json_str(d, "features.0.properties.source"), "residential");
    assert_int_equal(t_json_int(d, "features.0.properties.pop_60_gain"), 300);
    assert_int_equal(t_json_int(d, "features.0.properties.areas_gain"), 1);
    assert_int_equal(t_json_int(d, "before.pop_60_covered"), 350);
    assert_int_equal(t_json_int(d, "after.pop_60_covered"), 650);
    assert_int_equal(t_json_int(d, "after.areas_covered"), 4);
    t_response_free(&res);

    /* given candidates: the second, on 青龙路 at y = 700, covers H3 */
    request(g_srv.port, "POST", "/coverage/suggest",
            "{\"division\":\"320402\",\"k\":3,\"candidates\":[[119.99,30.99],{\"lon\":119.975105,\"lat\":30.981313756}]}",
            200, &res);
    d = res.json;
    assert_int_equal(t_json_int(d, "candidates_considered"), 2);
    assert_int_equal(t_json_len(d, "features"), 1);
    assert_int_equal(t_json_int(d, "features.0.properties.candidate"), 1);
    assert_int_equal(t_json_int(d, "features.0.properties.pop_60_gain"), 300);
    t_response_free(&res);

    /* 1.2 m/s already covers H3: nothing left that the network can reach */
    request(g_srv.port, "POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"speed_mps\":1.2}", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
}

static void test_bad_input(void **state)
{
    (void)state;
    const struct {
        const char *method, *target, *body, *param;
    } cases[] = {
        {"GET", "/coverage", NULL, "division"},
        {"GET", "/coverage?division=320499", NULL, "division"},
        {"GET", "/coverage?division=abc", NULL, "division"},
        {"GET", "/coverage?division=320402&minutes=0", NULL, "minutes"},
        {"GET", "/coverage?division=320402&minutes=-5", NULL, "minutes"},
        {"GET", "/coverage?division=320402&minutes=100000", NULL, "minutes"},
        {"GET", "/coverage?division=320402&minutes=abc", NULL, "minutes"},
        {"GET", "/coverage?division=320402&speed_mps=0", NULL, "speed_mps"},
        {"GET", "/coverage?division=320402&speed_mps=30", NULL, "speed_mps"},
        {"GET", "/coverage?division=320402&date=2021-02-30", NULL, "date"},
        {"GET", "/coverage/isochrone?lon=200&lat=31", NULL, "lon"},
        {"GET", "/coverage/isochrone?lat=31", NULL, "lon"},
        {"GET", "/coverage/isochrone?facility=99", NULL, "facility"},
        {"GET", "/coverage/isochrone?facility=1.5", NULL, "facility"},
        {"GET", "/coverage/isochrone?facility=0", NULL, "facility"},
        {"GET", "/coverage/isochrone?lon=119.97&lat=30.97&buffer_m=0", NULL, "buffer_m"},
        {"GET", "/coverage/isochrone?lon=119.97&lat=30.97&edges=maybe", NULL, "edges"},
        {"POST", "/coverage/suggest", "not json", "body"},
        {"POST", "/coverage/suggest", "[1,2]", "body"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\"}", "k"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":0}", "k"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1000}", "k"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1.5}", "k"},
        {"POST", "/coverage/suggest", "{\"k\":1}", "division"},
        {"POST", "/coverage/suggest", "{\"division\":\"999999\",\"k\":1}", "division"},
        {"POST", "/coverage/suggest", "{\"division\":320402,\"k\":1}", "division"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"minutes\":0}", "minutes"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"minutes\":\"15\"}", "minutes"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"speed_mps\":9}", "speed_mps"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"candidates\":[[1]]}", "candidates"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"candidates\":[[1,95]]}", "candidates"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"candidates\":{\"a\":1}}", "candidates"},
        {"POST", "/coverage/suggest", "{\"division\":\"320402\",\"k\":1,\"candidates\":[[\"a\",\"b\"]]}",
         "candidates"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        request(g_srv.port, cases[i].method, cases[i].target, cases[i].body, 400, &res);
        const char *param = t_json_str(res.json, "error.param");
        if (!param || strcmp(param, cases[i].param) != 0)
            fprintf(stderr, "%s %s: param %s, want %s\n", cases[i].method, cases[i].target, param ? param : "-",
                    cases[i].param);
        assert_non_null(param);
        assert_string_equal(param, cases[i].param);
        assert_non_null(t_json_str(res.json, "error.message"));
        t_response_free(&res);
    }
    t_response_t res;
    request(g_srv.port, "GET", "/coverage/suggest", NULL, 405, &res);
    t_response_free(&res);
}

/* Without roads: straight lines, said so; after `diming import roads` the
 * running server rebuilds its graph and answers over the network. */
static void test_straight_line_then_rebuild(void **state)
{
    (void)state;
    char *db = t_path(g_dir, "noroads.sqlite");
    assert_int_equal(import_all(db, 0), 0);
    t_server_t srv;
    const char *const extra[] = {"--threads", "2", "--reload-interval", "100", NULL};
    assert_int_equal(t_server_start(&srv, db, extra), 0);
    t_response_t res;
    request(srv.port, "GET", "/coverage?division=320402", NULL, 200, &res);
    assert_string_equal(t_json_str(res.json, "method"), "straight-line");
    /* H1 502 m, H2 609 m, H3 782 m from F1, H4 311 m from F2 in a straight line */
    assert_int_equal(t_json_int(res.json, "summary.areas_covered"), 4);
    assert_true(fabs(t_json_num(area(res.json, "H3丽华三村"), "walk_m") - hypot(220, 750)) < 0.5);
    t_response_free(&res);
    request(srv.port, "GET", "/coverage/isochrone?lon=119.97&lat=30.97", NULL, 404, &res);
    t_response_free(&res);

    assert_int_equal(import(db, "roads", "coverage/roads.geojson", NULL), 0);
    /* The server looks for new data every 100 ms; allow a loaded machine 20 s. */
    for (int i = 0; i < 200; i++) {
        request(srv.port, "GET", "/coverage?division=320402", NULL, 200, &res);
        if (strcmp(t_json_str(res.json, "method"), "network") == 0)
            break;
        t_response_free(&res);
        usleep(100000);
    }
    assert_string_equal(t_json_str(res.json, "method"), "network");
    assert_int_equal(t_json_int(res.json, "summary.areas_covered"), 3);
    t_response_free(&res);
    char *err = NULL;
    assert_int_equal(t_server_stop(&srv, &err), 0);
    free(err);
    free(db);
}

/* The indicator of `id` in a /reports/elderly answer. */
static json_t *indicator(json_t *doc, const char *id)
{
    json_t *list = json_object_get(doc, "indicators");
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(t_json_str(json_array_get(list, i), "id"), id) == 0)
            return json_array_get(list, i);
    fail_msg("no indicator %s", id);
    return NULL;
}

static void check_indicator(json_t *doc, const char *id, int pass, double value, const char *failing)
{
    json_t *it = indicator(doc, id);
    assert_true(json_is_true(json_object_get(it, "evaluated")));
    assert_int_equal(json_is_true(json_object_get(it, "pass")), pass);
    assert_true(fabs(t_json_num(it, "value") - value) < 1e-4);
    json_t *features = t_json_at(it, "failing.features");
    /* failing: the names of the failing units, '|'-separated, in order */
    char names[512] = "";
    for (size_t i = 0; i < json_array_size(features); i++) {
        if (i)
            strcat(names, "|");
        strcat(names, t_json_str(json_array_get(features, i), "properties.name"));
    }
    assert_string_equal(names, failing);
}

/* Targets are configuration: a targets directory with one target of each
 * kind (tests/fixtures/coverage/share) through $DIMING_SHARE. */
static void test_report_kinds(void **state)
{
    (void)state;
    char *share = t_fixture("coverage/share");
    setenv("DIMING_SHARE", share, 1);
    t_server_t srv;
    const char *const extra[] = {"--threads", "2", NULL};
    int rc = t_server_start(&srv, g_db, extra);
    unsetenv("DIMING_SHARE");
    free(share);
    assert_int_equal(rc, 0);
    t_response_t res;
    request(srv.port, "GET", "/reports/elderly?division=320402", NULL, 200, &res);
    json_t *d = res.json;
    assert_string_equal(t_json_str(d, "division.name"), "天宁区");
    assert_int_equal(t_json_len(d, "indicators"), 8);
    assert_int_equal(t_json_int(d, "counts.passed"), 3);
    assert_int_equal(t_json_int(d, "counts.failed"), 4);
    assert_int_equal(t_json_int(d, "counts.not_evaluated"), 1);
    check_indicator(d, "T-UNIT", 0, 0.5, "郑陆镇");             /* 雕庄街道 has F1, 郑陆镇 nothing of the type */
    check_indicator(d, "T-UNIT-URBAN", 1, 1.0, "");           /* 丽华社区 (111) has F2; the 村 are rural */
    check_indicator(d, "T-RATIO", 1, 0.75, "");               /* 90 / 120 nursing beds */
    check_indicator(d, "T-PER1000", 0, 120.0 / 660 * 1000, ""); /* 120 beds, 660 people 60+ */
    check_indicator(d, "T-ATTR", 0, 0.0, "郑陆颐养院");         /* 120 beds, no 医疗 */
    check_indicator(d, "T-REACH", 1, 350.0 / 660, "H3丽华三村|H5焦溪小区");
    check_indicator(d, "T-COUNT", 0, 1.0, "");                /* the planned home does not count */
    json_t *m = indicator(d, "T-MANUAL");
    assert_true(json_is_false(json_object_get(m, "evaluated")));
    assert_true(t_json_is_null(m, "pass"));
    assert_string_equal(t_json_str(m, "why_not"), "needs data diming does not hold");
    t_response_free(&res);
    /* a division the file does not apply to gets none of its targets */
    request(srv.port, "GET", "/reports/elderly?division=320404", NULL, 200, &res);
    assert_int_equal(t_json_len(res.json, "indicators"), 0);
    t_response_free(&res);
    char *err = NULL;
    assert_int_equal(t_server_stop(&srv, &err), 0);
    free(err);
}

/* The shipped targets (share/coverage/targets): 天宁区 gets Changzhou's,
 * Tianning's and the national ones. */
static void test_report_shipped(void **state)
{
    (void)state;
    t_response_t res;
    request(g_srv.port, "GET", "/reports/elderly?division=320402", NULL, 200, &res);
    json_t *d = res.json;
    assert_int_equal(t_json_len(d, "indicators"), 22);
    assert_int_equal(t_json_int(d, "counts.passed"), 2);
    assert_int_equal(t_json_int(d, "counts.failed"), 15);
    assert_int_equal(t_json_int(d, "counts.not_evaluated"), 5);
    check_indicator(d, "CZ-1", 0, 0.0, "雕庄街道");
    check_indicator(d, "CZ-3", 0, 0.5, "郑陆镇");
    check_indicator(d, "CZ-4", 1, 1.0, "");
    check_indicator(d, "CZ-5", 0, 0.75, ""); /* 80 % binding in Changzhou */
    check_indicator(d, "CN-1", 1, 0.75, ""); /* 55 % nationally */
    check_indicator(d, "CZ-7", 0, 0.6, "H3丽华三村|H5焦溪小区");
    assert_string_equal(t_json_str(indicator(d, "CZ-5"), "binding"), "binding");
    assert_string_equal(t_json_str(indicator(d, "TN-1"), "jurisdiction"), "常州市天宁区");
    t_response_free(&res);

    const struct {
        const char *target, *param;
    } bad[] = {{"/reports/elderly", "division"},
               {"/reports/elderly?division=320499", "division"},
               {"/reports/elderly?division=32x", "division"},
               {"/reports/elderly?division=320402&date=2021-13-01", "date"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        request(g_srv.port, "GET", bad[i].target, NULL, 400, &res);
        assert_string_equal(t_json_str(res.json, "error.param"), bad[i].param);
        t_response_free(&res);
    }
}

static void test_cli(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "coverage", "--division", "320402", "--db", g_db), 0);
    assert_int_equal(r.status, 0);
    json_t *d = json_loads(r.out, 0, NULL);
    assert_non_null(d);
    assert_string_equal(t_json_str(d, "method"), "network");
    assert_int_equal(t_json_int(d, "summary.areas_covered"), 3);
    assert_int_equal(t_json_int(d, "subdivisions.0.pop_60_covered"), 350);
    json_decref(d);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "coverage", "--division", "320402", "--minutes", "0", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "minutes"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "coverage", "--division", "320499", "--db", g_db), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "no division with code 320499000000"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "coverage", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--division CODE"));
    t_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_coverage_exact), cmocka_unit_test(test_coverage_filters_and_minutes),
        cmocka_unit_test(test_isochrone),      cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_straight_line_then_rebuild),
        cmocka_unit_test(test_report_kinds),   cmocka_unit_test(test_report_shipped),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
