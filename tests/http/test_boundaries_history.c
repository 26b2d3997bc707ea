/* test_boundaries_history.c — divisions over time through the real CLI and
 * server: `diming import divisions FILE --valid-from DATE` applied as
 * editions (tests/fixtures/boundaries/README.md), then GET /divisions/changes,
 * and locate / check as of dates before and after the change.
 *
 * Expected areas are those of lon/lat rectangles on the CGCS2000 ellipsoid,
 * from the closed form A = Δλ a²(1−e²)/2 [q(φ2) − q(φ1)]:
 *   丽华社区 [119.95, 119.97] × [30.95, 31.00]      10591226.4 m²
 *   青龙社区 [119.97, 119.98] × [30.95, 31.00]       5295613.2 m²
 *   strip of 东方社区 [119.98, 119.985]              2647806.6 m²
 *   焦溪村 [119.95, 119.975] × [31.00, 31.05]       13232229.7 m²
 *   each half of 东方社区 (2023 split)                3971709.9 m²
 *   each half of 新华社区                              132420.9 m² */
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

static int import_edition(const char *fixture, const char *date)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = date ? T_RUN(&r, "import", "divisions", path, "--db", g_db, "--valid-from", date, "--quiet")
                  : T_RUN(&r, "import", "divisions", path, "--db", g_db, "--quiet");
    if (rc || r.status != 0) {
        fprintf(stderr, "import %s failed (%d): %s\n", fixture, r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    free(path);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-history");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "h.sqlite");
    if (import_edition("boundaries/nbs-cities-2023.csv", NULL) || import_edition("boundaries/nbs-areas-2022.csv", NULL) ||
        import_edition("boundaries/history-2021.geojson", "2021-01-01") ||
        import_edition("boundaries/history-2022.geojson", "2022-01-01") ||
        import_edition("boundaries/history-2022-again.geojson", "2022-01-01") ||
        import_edition("boundaries/history-2023.geojson", "2023-01-01") ||
        import_edition("boundaries/nbs-zhushan-streets-2021.csv", "2021-10-31") ||
        import_edition("boundaries/nbs-zhushan-streets-2022.csv", "2022-10-31") ||
        import_edition("boundaries/nbs-wuhu-streets-2022.csv", "2022-10-31") ||
        import_edition("boundaries/nbs-wuhu-streets-2023.csv", "2023-06-30"))
        return -1;
    /* the village lines of every edition: without --date the whole history */
    t_run_t r;
    if (T_RUN(&r, "boundaries", "derive", "--db", g_db, "--level", "village", "--tolerance-m", "5") ||
        r.status != 0) {
        fprintf(stderr, "derive failed: %s\n", r.err ? r.err : "");
        t_run_free(&r);
        return -1;
    }
    t_run_free(&r);
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

static void get_json(const char *target, int expect, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

/* The event of `kind` from code `from` (12 digits), or NULL. */
static json_t *event(json_t *doc, const char *kind, const char *from)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        if (strcmp(t_json_str(f, "properties.kind"), kind) == 0 && t_json_str(f, "properties.from.code") &&
            strcmp(t_json_str(f, "properties.from.code"), from) == 0)
            return f;
    }
    return NULL;
}

static void test_merge_of_two_communities_on_a_date(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/changes?from=2021-06-01&to=2022-06-01&parent=320402", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 6);
    /* history-2022-again: the rejected repeat of 丽青社区 is no event, 新华社区 is new */
    size_t i;
    json_t *f;
    int news = 0;
    json_array_foreach(json_object_get(res.json, "features"), i, f) if (strcmp(t_json_str(f, "properties.kind"), "new") == 0)
    {
        assert_string_equal(t_json_str(f, "properties.to.code"), "320402001005");
        news++;
    }
    assert_int_equal(news, 1);
    json_t *m1 = event(res.json, "merged", "320402001001"), *m2 = event(res.json, "merged", "320402001002");
    assert_non_null(m1);
    assert_non_null(m2);
    assert_string_equal(t_json_str(m1, "properties.to.code"), "320402001004");
    assert_string_equal(t_json_str(m1, "properties.to.name"), "丽青社区");
    assert_string_equal(t_json_str(m1, "properties.date"), "2022-01-01");
    assert_float_equal(t_json_num(m1, "properties.area_m2"), 10591226.4, 106); /* 1e-5 */
    assert_string_equal(t_json_str(m1, "geometry.type"), "MultiPolygon");
    assert_float_equal(t_json_num(m2, "properties.area_m2"), 5295613.2, 53);
    /* 丽青社区 also took a strip of 东方社区, which stays with a new outline. */
    json_t *bc = event(res.json, "boundary_change", "320402001003");
    assert_non_null(bc);
    assert_string_equal(t_json_str(bc, "properties.to.code"), "320402001004");
    assert_float_equal(t_json_num(bc, "properties.area_m2"), 2647806.6, 26);
    /* 村改社区: same territory, new code and type. */
    json_t *tc = event(res.json, "type_change", "320402100200");
    assert_non_null(tc);
    assert_string_equal(t_json_str(tc, "properties.from.type"), "村");
    assert_string_equal(t_json_str(tc, "properties.to.type"), "社区");
    assert_string_equal(t_json_str(tc, "properties.to.code"), "320402100001");
    assert_float_equal(t_json_num(tc, "properties.area_m2"), 13232229.7, 132);
    json_t *rn = event(res.json, "renamed", "320402100201");
    assert_non_null(rn);
    assert_string_equal(t_json_str(rn, "properties.from.name"), "舜河村");
    assert_string_equal(t_json_str(rn, "properties.to.name"), "舜河新村");
    assert_true(t_json_is_null(rn, "geometry"));
    t_response_free(&res);
}

static json_t *event_to(json_t *doc, const char *kind, const char *from, const char *to)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(doc, "features"), i, f)
    {
        if (strcmp(t_json_str(f, "properties.kind"), kind) == 0 &&
            strcmp(t_json_str(f, "properties.from.code"), from) == 0 &&
            strcmp(t_json_str(f, "properties.to.code"), to) == 0)
            return f;
    }
    return NULL;
}

static void test_split_and_unchanged(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/changes?from=2022-06-01&to=2023-06-01&parent=320402001", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 4);
    json_t *a = event_to(res.json, "split", "320402001003", "320402001006"),
           *b = event_to(res.json, "split", "320402001003", "320402001007"),
           *c = event_to(res.json, "split", "320402001005", "320402001006"),
           *d = event_to(res.json, "split", "320402001005", "320402001007");
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_non_null(d);
    assert_float_equal(t_json_num(a, "properties.area_m2"), 3971709.9, 40);
    assert_float_equal(t_json_num(b, "properties.area_m2"), 3971709.9, 40);
    assert_float_equal(t_json_num(c, "properties.area_m2"), 132420.9, 1.4);
    t_response_free(&res);
    /* 丽青社区 did not change in 2023: its 2022 version is still the one. */
    get_json("/divisions/320402001004?date=2023-06-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "properties.valid_from"), "2022-01-01");
    t_response_free(&res);
    get_json("/divisions/320402001003?date=2023-06-01", 404, &res);
    t_response_free(&res);
}

static void test_answers_as_of_a_date(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/locate?lon=119.975&lat=30.975&date=2021-06-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "features.2.properties.code"), "320402001002");
    assert_string_equal(t_json_str(res.json, "features.2.properties.name"), "青龙社区");
    assert_string_equal(t_json_str(res.json, "features.2.properties.valid_to"), "2022-01-01");
    t_response_free(&res);
    get_json("/divisions/locate?lon=119.975&lat=30.975&date=2022-06-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "features.2.properties.code"), "320402001004");
    t_response_free(&res);
    /* The unchanged 东方社区 … changed: its old version is closed, the new one open. */
    get_json("/divisions/320402001003?date=2021-06-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "properties.valid_to"), "2022-01-01");
    t_response_free(&res);
    /* check as of a date: a road through 青龙社区 in 2021, through 丽青社区 in 2022 */
    const char *const hdr[] = {"Content-Type: application/json", NULL};
    const char *body2021 = "{\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.972,30.96],[119.978,30.96]]},"
                           "\"date\":\"2021-06-01\"}";
    assert_int_equal(t_http(g_srv.port, "POST", "/boundaries/check", hdr, body2021, strlen(body2021), &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(t_json_str(res.json, "divisions.2.code"), "320402001002");
    t_response_free(&res);
    const char *body2022 = "{\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.972,30.96],[119.978,30.96]]},"
                           "\"date\":\"2022-06-01\"}";
    assert_int_equal(t_http(g_srv.port, "POST", "/boundaries/check", hdr, body2022, strlen(body2022), &res), 0);
    assert_string_equal(t_json_str(res.json, "divisions.2.code"), "320402001004");
    t_response_free(&res);
    /* Lines are versioned with the divisions: a road from 119.975 to 119.99
     * meets 青龙社区—东方社区 at 119.98 in 2021, 东方社区—丽青社区 at 119.985 in 2022
     * (丽青社区 took the strip), 丽青社区—东方一社区 after the 2023 split. */
    static const struct {
        const char *date, *name, *from, *to;
        double lon;
    } cases[] = {
        {"2021-06-01", "青龙社区—东方社区", "2021-01-01", "2022-01-01", 119.98},
        {"2022-06-01", "东方社区—丽青社区", "2022-01-01", "2023-01-01", 119.985},
        {"2023-06-01", "丽青社区—东方一社区", "2023-01-01", NULL, 119.985},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char body[256];
        snprintf(body, sizeof body,
                 "{\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.975,30.96],[119.99,30.96]]},"
                 "\"date\":\"%s\"}",
                 cases[i].date);
        assert_int_equal(t_http(g_srv.port, "POST", "/boundaries/check", hdr, body, strlen(body), &res), 0);
        assert_int_equal(res.status, 200);
        assert_int_equal(t_json_len(res.json, "crossings.features"), 1);
        assert_string_equal(t_json_str(res.json, "crossings.features.0.properties.name"), cases[i].name);
        assert_string_equal(t_json_str(res.json, "crossings.features.0.properties.valid_from"), cases[i].from);
        if (cases[i].to)
            assert_string_equal(t_json_str(res.json, "crossings.features.0.properties.valid_to"), cases[i].to);
        else
            assert_null(t_json_str(res.json, "crossings.features.0.properties.valid_to"));
        assert_float_equal(t_json_num(res.json, "crossings.features.0.geometry.coordinates.0"), cases[i].lon, 1e-9);
        t_response_free(&res);
    }
    /* Before the first edition there were no village lines. */
    const char *cross2020 = "{\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.975,30.96],[119.99,30.96]]},"
                            "\"date\":\"2020-06-01\"}";
    assert_int_equal(t_http(g_srv.port, "POST", "/boundaries/check", hdr, cross2020, strlen(cross2020), &res), 0);
    assert_int_equal(t_json_len(res.json, "crossings.features"), 0);
    t_response_free(&res);
    /* GET /boundaries as of a date: the seven lines of 2021; today's lines by default. */
    get_json("/boundaries?level=village&date=2021-06-01", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 7);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "丽华社区—青龙社区");
    assert_string_equal(t_json_str(res.json, "features.0.properties.valid_to"), "2022-01-01");
    t_response_free(&res);
    get_json("/boundaries?level=village", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 7);
    size_t k;
    json_t *f;
    json_array_foreach(json_object_get(res.json, "features"), k, f)
    {
        assert_null(t_json_str(f, "properties.valid_to"));
    }
    t_response_free(&res);
    /* What the 2022 edition changed on the ground: 7 lines ended, 6 began, none agreed yet. */
    get_json("/boundaries/changes?from=2021-12-31&to=2022-01-01&status=unknown", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 13);
    int started = 0, ended = 0;
    json_array_foreach(json_object_get(res.json, "features"), k, f)
    {
        started += json_is_true(json_object_get(json_object_get(f, "properties"), "started"));
        ended += json_is_true(json_object_get(json_object_get(f, "properties"), "ended"));
    }
    assert_int_equal(started, 6);
    assert_int_equal(ended, 7);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "丽华社区—青龙社区");
    assert_string_equal(t_json_str(res.json, "features.0.properties.valid_to"), "2022-01-01");
    t_response_free(&res);
    get_json("/boundaries/changes?from=2021-12-31&to=2022-01-01&status=agreed", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
    get_json("/boundaries/changes?from=2022-01-01&to=2021-01-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "to");
    t_response_free(&res);
    get_json("/boundaries/changes?from=2022-01-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "to");
    t_response_free(&res);
    get_json("/boundaries?date=2021-13-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "date");
    t_response_free(&res);
}

static void test_real_nbs_editions(void **state)
{
    (void)state;
    t_response_t res;
    /* 珠山区 2021 → 2022: 竟成镇 becomes 竟成街道 (镇改街道, new code); the other
     * ten townships are unchanged and keep their 2021 versions. */
    get_json("/divisions/changes?from=2022-01-01&to=2022-12-31&parent=360203", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.kind"), "type_change");
    assert_string_equal(t_json_str(res.json, "features.0.properties.from.code"), "360203100000");
    assert_string_equal(t_json_str(res.json, "features.0.properties.from.name"), "竟成镇");
    assert_string_equal(t_json_str(res.json, "features.0.properties.to.code"), "360203011000");
    assert_string_equal(t_json_str(res.json, "features.0.properties.to.type"), "街道");
    assert_true(t_json_is_null(res.json, "features.0.properties.area_m2"));
    t_response_free(&res);
    get_json("/divisions/360203001?date=2023-01-01", 200, &res);
    assert_string_equal(t_json_str(res.json, "properties.valid_from"), "2021-10-31");
    assert_true(t_json_is_null(res.json, "properties.valid_to") ||
                strcmp(t_json_str(res.json, "properties.valid_to"), "") == 0);
    t_response_free(&res);
    get_json("/divisions/360203100?date=2022-10-31", 404, &res);
    t_response_free(&res);

    /* 芜湖 2022 → 2023: five townships move from 弋江区 to 三山经济开发区. */
    get_json("/divisions/changes?from=2023-01-01&to=2023-12-31&parent=3402", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 6);
    json_t *rp = event(res.json, "reparented", "340209007000");
    assert_non_null(rp);
    assert_string_equal(t_json_str(rp, "properties.to.code"), "340272005000");
    assert_string_equal(t_json_str(rp, "properties.to.parent_code"), "340272000000");
    assert_non_null(event(res.json, "reparented", "340209100000"));
    assert_non_null(event(res.json, "abolished", "340272400000"));
    t_response_free(&res);
}

static void test_changes_bad_parameters(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/changes?to=2022-01-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "from");
    t_response_free(&res);
    get_json("/divisions/changes?from=2022-02-30&to=2023-01-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "from");
    t_response_free(&res);
    get_json("/divisions/changes?from=2023-01-01&to=2022-01-01", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "to");
    t_response_free(&res);
    get_json("/divisions/changes?from=2021-01-01&to=2023-01-01&parent=999999", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.param"), "parent");
    assert_string_equal(t_json_str(res.json, "error.code"), "unknown_code");
    t_response_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_of_two_communities_on_a_date),
        cmocka_unit_test(test_split_and_unchanged),
        cmocka_unit_test(test_answers_as_of_a_date),
        cmocka_unit_test(test_real_nbs_editions),
        cmocka_unit_test(test_changes_bad_parameters),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
