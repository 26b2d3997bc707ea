/* test_divisions.c — the division endpoints and the HTTP behaviour every
 * endpoint shares, against the real server: the group setup runs the real
 * `diming import divisions tests/fixtures/hierarchy.geojson` into a scratch
 * database and starts `diming serve --port 0` on it; the tests speak HTTP/1.1
 * to 127.0.0.1 through tests/support and check exact answers.
 *
 * The hierarchy (tests/fixtures/README.md) is squares in lon/lat:
 *   江苏省 320000 [119.90, 120.10] × [30.90, 31.10]
 *   常州市 320400 [119.95, 120.05] × [30.95, 31.05]
 *   天宁区 320402 lon [119.95, 120.00], 钟楼区 320404 lon [120.00, 120.05]
 *   雕庄街道 320402001 lat [30.95, 31.00] → 丽华社区 320402001001 (same square)
 *   郑陆镇 320402100 lat [31.00, 31.05] → 焦溪村 …200 lon [119.95, 119.975],
 *                                        舜河村 …201 lon [119.975, 120.00]
 *   荷花池街道 320404001 (all of 钟楼区) → 320404001001 运河社区 until
 *   2021-06-30, 新运河社区 from 2021-06-30. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gis/date.h"
#include "gis/store.h"
#include "tests/support/support.h"

#define MAX_BODY 1024

static char *g_dir, *g_db;
static t_server_t g_srv;

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-divisions");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "divisions.sqlite");
    char *hier = t_fixture("hierarchy.geojson");
    t_run_t r;
    int rc = T_RUN(&r, "import", "divisions", hier, "--db", g_db, "--quiet");
    free(hier);
    if (rc || r.status != 0) {
        fprintf(stderr, "import failed (%d): %s\n", r.status, r.err ? r.err : "");
        t_run_free(&r);
        return -1;
    }
    t_run_free(&r);
    const char *const extra[] = {"--max-body", "1024", "--threads", "2", NULL};
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

/* GET on the shared server; the response must be JSON. */
static void get_json(const char *target, int expect_status, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect_status)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect_status);
    assert_string_equal(t_header(res, "Content-Type"), "application/json; charset=utf-8");
    assert_non_null(res->json);
}

/* A JSON error body: {"error":{"code","status","message","param"?,"request_id"}}. */
static void assert_error(const t_response_t *res, int status, const char *code, const char *param)
{
    assert_int_equal(res->status, status);
    assert_non_null(res->json);
    assert_int_equal(json_object_size(res->json), 1);
    assert_string_equal(t_json_str(res->json, "error.code"), code);
    assert_int_equal(t_json_int(res->json, "error.status"), status);
    const char *msg = t_json_str(res->json, "error.message");
    assert_non_null(msg);
    assert_true(strlen(msg) > 0);
    if (param)
        assert_string_equal(t_json_str(res->json, "error.param"), param);
    else
        assert_null(t_json_at(res->json, "error.param"));
    /* The request id in the body is the one in the header. */
    assert_non_null(t_header(res, "X-Request-Id"));
    assert_string_equal(t_json_str(res->json, "error.request_id"), t_header(res, "X-Request-Id"));
    assert_string_equal(t_header(res, "Access-Control-Allow-Origin"), "*");
}

typedef struct {
    const char *code, *name, *level, *type, *parent, *urban_rural;
} link_t;

static const link_t JIANGSU = {"320000000000", "江苏省", "province", "省", NULL, NULL};
static const link_t CHANGZHOU = {"320400000000", "常州市", "prefecture", "市", "320000000000", NULL};
static const link_t TIANNING = {"320402000000", "天宁区", "county", "区", "320400000000", NULL};
static const link_t ZHONGLOU = {"320404000000", "钟楼区", "county", "区", "320400000000", NULL};
static const link_t DIAOZHUANG = {"320402001000", "雕庄街道", "township", "街道", "320402000000", NULL};
static const link_t ZHENGLU = {"320402100000", "郑陆镇", "township", "镇", "320402000000", NULL};
static const link_t HEHUACHI = {"320404001000", "荷花池街道", "township", "街道", "320404000000", NULL};
static const link_t LIHUA = {"320402001001", "丽华社区", "village", "社区", "320402001000", "111"};
static const link_t JIAOXI = {"320402100200", "焦溪村", "village", "村", "320402100000", "220"};
static const link_t SHUNHE = {"320402100201", "舜河村", "village", "村", "320402100000", "220"};
static const link_t YUNHE = {"320404001001", "运河社区", "village", "社区", "320404001000", "111"};
static const link_t XINYUNHE = {"320404001001", "新运河社区", "village", "社区", "320404001000", "112"};

static void assert_feature(json_t *f, const link_t *w)
{
    assert_string_equal(t_json_str(f, "type"), "Feature");
    assert_string_equal(t_json_str(f, "id"), w->code);
    assert_string_equal(t_json_str(f, "properties.code"), w->code);
    assert_string_equal(t_json_str(f, "properties.name"), w->name);
    assert_string_equal(t_json_str(f, "properties.level"), w->level);
    assert_string_equal(t_json_str(f, "properties.type"), w->type);
    static const char *const levels[] = {"province", "prefecture", "county", "township", "village"};
    long long level_no = 0;
    for (int i = 0; i < 5; i++)
        if (strcmp(levels[i], w->level) == 0)
            level_no = i + 1;
    assert_int_equal(t_json_int(f, "properties.level_no"), level_no);
    if (w->parent)
        assert_string_equal(t_json_str(f, "properties.parent_code"), w->parent);
    else
        assert_true(t_json_is_null(f, "properties.parent_code"));
    if (w->urban_rural)
        assert_string_equal(t_json_str(f, "properties.urban_rural"), w->urban_rural);
    else
        assert_true(t_json_is_null(f, "properties.urban_rural"));
}

/* /divisions/locate answer: a FeatureCollection of exactly these links. */
static void assert_chain(json_t *doc, const link_t *const *want, size_t n)
{
    assert_string_equal(t_json_str(doc, "type"), "FeatureCollection");
    long got = t_json_len(doc, "features");
    if (got != (long)n) {
        char *text = json_dumps(doc, 0);
        fprintf(stderr, "chain of %ld, expected %zu: %s\n", got, n, text);
        free(text);
    }
    assert_int_equal(got, (long)n);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(json_object_get(doc, "features"), i);
        assert_true(json_is_null(json_object_get(f, "geometry")));
        assert_feature(f, want[i]);
    }
}

static void locate(double lon, double lat, const char *date, const link_t *const *want, size_t n)
{
    char target[160];
    if (date)
        snprintf(target, sizeof target, "/divisions/locate?lon=%.4f&lat=%.4f&date=%s", lon, lat, date);
    else
        snprintf(target, sizeof target, "/divisions/locate?lon=%.4f&lat=%.4f", lon, lat);
    t_response_t res;
    char before[11], after[11];
    date_today(before);
    get_json(target, 200, &res);
    date_today(after);
    assert_chain(res.json, want, n);
    assert_true(t_json_num(res.json, "query.lon") == lon);
    assert_true(t_json_num(res.json, "query.lat") == lat);
    const char *echo = t_json_str(res.json, "query.date");
    assert_non_null(echo);
    if (date)
        assert_string_equal(echo, date);
    else /* today, even if UTC midnight passed during the request */
        assert_true(strcmp(echo, before) == 0 || strcmp(echo, after) == 0);
    t_response_free(&res);
}

#define CHAIN(...) ((const link_t *const[]){__VA_ARGS__}), (sizeof((const link_t *const[]){__VA_ARGS__}) / sizeof(void *))

/* ---- /divisions/locate ----------------------------------------------------------- */

static void locate_inside_a_village(void **state)
{
    (void)state;
    locate(119.96, 31.03, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &ZHENGLU, &JIAOXI));
    locate(119.99, 31.04, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &ZHENGLU, &SHUNHE));
    locate(119.97, 30.97, "2024-01-01", CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &DIAOZHUANG, &LIHUA));
}

static void locate_outside_the_prefecture_gives_the_province_only(void **state)
{
    (void)state;
    locate(120.07, 31.0, NULL, CHAIN(&JIANGSU));
}

static void locate_outside_everything_is_an_empty_collection(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/locate?lon=121.5&lat=31.2", 200, &res);
    assert_string_equal(t_json_str(res.json, "type"), "FeatureCollection");
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
}

/* On the shared border of 天宁区 and 钟楼区 (lon 120.00) both cover the point;
 * the answer is the lower code, then children of the chosen parent. The same
 * query always gives the same bytes. */
static void locate_on_a_county_border_is_deterministic(void **state)
{
    (void)state;
    locate(120.0, 31.02, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &ZHENGLU, &SHUNHE));
    locate(120.0, 30.97, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &DIAOZHUANG, &LIHUA));
    /* The corner where four townships meet: 雕庄街道 has the lowest code. */
    locate(120.0, 31.0, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &DIAOZHUANG, &LIHUA));
    t_response_t a, b;
    get_json("/divisions/locate?lon=120.0&lat=31.02&date=2024-01-01", 200, &a);
    for (int i = 0; i < 3; i++) {
        get_json("/divisions/locate?lon=120.0&lat=31.02&date=2024-01-01", 200, &b);
        assert_string_equal(a.body, b.body);
        t_response_free(&b);
    }
    t_response_free(&a);
}

static void locate_honours_the_date(void **state)
{
    (void)state;
    locate(120.02, 31.02, "2021-06-29", CHAIN(&JIANGSU, &CHANGZHOU, &ZHONGLOU, &HEHUACHI, &YUNHE));
    locate(120.02, 31.02, "2021-06-30", CHAIN(&JIANGSU, &CHANGZHOU, &ZHONGLOU, &HEHUACHI, &XINYUNHE));
    locate(120.02, 31.02, NULL, CHAIN(&JIANGSU, &CHANGZHOU, &ZHONGLOU, &HEHUACHI, &XINYUNHE));

    t_response_t res;
    get_json("/divisions/locate?lon=120.02&lat=31.02&date=2021-06-29", 200, &res);
    assert_string_equal(t_json_str(res.json, "features.4.properties.valid_to"), "2021-06-30");
    assert_true(t_json_is_null(res.json, "features.4.properties.valid_from"));
    t_response_free(&res);

    get_json("/divisions/locate?lon=120.02&lat=31.02&date=2021-02-30", 400, &res);
    assert_error(&res, 400, "invalid_parameter", "date");
    t_response_free(&res);
}

/* Every malformed lon/lat is a 400 naming the parameter at fault. */
static void locate_rejects_bad_coordinates(void **state)
{
    (void)state;
    static const struct {
        const char *query, *code, *param;
    } cases[] = {
        {"", "missing_parameter", "lon"},
        {"lat=31", "missing_parameter", "lon"},
        {"lon=120", "missing_parameter", "lat"},
        {"lon=abc&lat=31", "invalid_parameter", "lon"},
        {"lon=120&lat=abc", "invalid_parameter", "lat"},
        {"lon=&lat=31", "invalid_parameter", "lon"},
        {"lon=120abc&lat=31", "invalid_parameter", "lon"},
        {"lon=181&lat=31", "invalid_parameter", "lon"},
        {"lon=-180.5&lat=31", "invalid_parameter", "lon"},
        {"lon=120&lat=90.01", "invalid_parameter", "lat"},
        {"lon=120&lat=-91", "invalid_parameter", "lat"},
        {"lon=1e999&lat=31", "invalid_parameter", "lon"},
        {"lon=120&lat=1e999", "invalid_parameter", "lat"},
        {"lon=-1e999&lat=31", "invalid_parameter", "lon"},
        {"lon=nan&lat=31", "invalid_parameter", "lon"},
        {"lon=120&lat=nan", "invalid_parameter", "lat"},
        {"lon=NaN&lat=NaN", "invalid_parameter", "lon"},
        {"lon=inf&lat=31", "invalid_parameter", "lon"},
        {"lon=120&lat=-infinity", "invalid_parameter", "lat"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char target[128];
        snprintf(target, sizeof target, "/divisions/locate?%s", cases[i].query);
        t_response_t res;
        get_json(target, 400, &res);
        assert_error(&res, 400, cases[i].code, cases[i].param);
        t_response_free(&res);
    }
    /* The edges of the ranges are fine. */
    t_response_t res;
    get_json("/divisions/locate?lon=-180&lat=90", 200, &res);
    assert_int_equal(t_json_len(res.json, "features"), 0);
    t_response_free(&res);
}

/* http.h: "the whole value must be a finite number". strtod also reads C
 * hex floats and skips leading white space; trailing white space is already
 * refused, so both ends should be, and 0x78 is not a longitude. */
static void locate_accepts_only_decimal_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *query, *param;
    } cases[] = {
        {"lon=120%20&lat=31", "lon"}, {"lon=%20120&lat=31", "lon"},     {"lon=120&lat=%0A31", "lat"},
        {"lon=0x78&lat=31", "lon"},   {"lon=120&lat=0x1.fp4", "lat"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char target[128];
        snprintf(target, sizeof target, "/divisions/locate?%s", cases[i].query);
        t_response_t res;
        assert_int_equal(t_get(g_srv.port, target, &res), 0);
        if (res.status != 400)
            fprintf(stderr, "GET %s: %d (expected 400)\n", target, res.status);
        int status = res.status;
        const char *param = t_json_str(res.json, "error.param");
        int param_ok = param && strcmp(param, cases[i].param) == 0;
        t_response_free(&res);
        assert_int_equal(status, 400);
        assert_true(param_ok);
    }
}

/* http.h: errors are always {"error": {"code", "status", "message", …}}.
 * Messages quote the offending input; when that input is not UTF-8, or a
 * CJK value is cut at a byte limit, the message must still be there. */
static void error_bodies_always_have_a_message(void **state)
{
    (void)state;
    static const struct {
        const char *target, *param;
        int status;
    } cases[] = {
        /* 一二三四五六七八九十一二三四: 42 bytes, quoted up to 40. */
        {"/divisions/locate?lat=31&lon=%E4%B8%80%E4%BA%8C%E4%B8%89%E5%9B%9B%E4%BA%94%E5%85%AD%E4%B8%83%E5%85%AB"
         "%E4%B9%9D%E5%8D%81%E4%B8%80%E4%BA%8C%E4%B8%89%E5%9B%9B",
         "lon", 400},
        {"/divisions/locate?lat=31&lon=%FF", "lon", 400},
        {"/divisions/locate?lon=120&lat=31&date=%FF%FE", "date", 400},
        {"/nope%FF", NULL, 404},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        assert_int_equal(t_get(g_srv.port, cases[i].target, &res), 0);
        int status = res.status;
        const char *param = t_json_str(res.json, "error.param");
        int param_ok = cases[i].param ? (param && strcmp(param, cases[i].param) == 0) : param == NULL;
        int has_message = t_json_str(res.json, "error.message") != NULL;
        if (!has_message)
            fprintf(stderr, "GET %s: no message in %s\n", cases[i].target, res.body);
        t_response_free(&res);
        assert_int_equal(status, cases[i].status);
        assert_true(param_ok);
        assert_true(has_message);
    }
}

/* ---- /divisions/{code} -------------------------------------------------------------- */

static void get_division_in_12_9_and_6_digit_forms(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/320402100201", 200, &res);
    assert_feature(res.json, &SHUNHE);
    json_t *want = json_loads("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[119.975,31.0],[120.0,31.0],"
                              "[120.0,31.05],[119.975,31.05],[119.975,31.0]]]]}",
                              0, NULL);
    assert_non_null(want);
    assert_true(json_equal(t_json_at(res.json, "geometry"), want));
    json_decref(want);
    assert_string_equal(t_json_str(res.json, "properties.short_code"), "320402100201");
    assert_true(t_json_is_null(res.json, "properties.adcode"));
    t_response_free(&res);

    get_json("/divisions/320402100", 200, &res);
    assert_feature(res.json, &ZHENGLU);
    assert_string_equal(t_json_str(res.json, "geometry.type"), "MultiPolygon");
    assert_string_equal(t_json_str(res.json, "properties.short_code"), "320402100");
    t_response_free(&res);

    get_json("/divisions/320402", 200, &res);
    assert_feature(res.json, &TIANNING);
    assert_string_equal(t_json_str(res.json, "geometry.type"), "MultiPolygon");
    assert_string_equal(t_json_str(res.json, "properties.adcode"), "320402");
    assert_string_equal(t_json_str(res.json, "properties.short_code"), "320402");
    t_response_free(&res);

    get_json("/divisions/32", 200, &res);
    assert_feature(res.json, &JIANGSU);
    t_response_free(&res);
}

static void get_division_on_a_date(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions/320404001001?date=2021-01-01", 200, &res);
    assert_feature(res.json, &YUNHE);
    assert_string_equal(t_json_str(res.json, "properties.valid_to"), "2021-06-30");
    t_response_free(&res);
    get_json("/divisions/320404001001", 200, &res);
    assert_feature(res.json, &XINYUNHE);
    assert_string_equal(t_json_str(res.json, "properties.valid_from"), "2021-06-30");
    assert_true(t_json_is_null(res.json, "properties.valid_to"));
    t_response_free(&res);
}

static void get_unknown_code_is_404_naming_code(void **state)
{
    (void)state;
    t_response_t res;
    char before[11], after[11], msg1[128], msg2[128];
    date_today(before);
    get_json("/divisions/320402999000", 404, &res);
    date_today(after);
    assert_error(&res, 404, "not_found", "code");
    snprintf(msg1, sizeof msg1, "no division with code 320402999000 valid on %s", before);
    snprintf(msg2, sizeof msg2, "no division with code 320402999000 valid on %s", after);
    const char *msg = t_json_str(res.json, "error.message");
    assert_non_null(msg);
    assert_true(strcmp(msg, msg1) == 0 || strcmp(msg, msg2) == 0);
    t_response_free(&res);

    get_json("/divisions/320404001001?date=1899-12-31", 400, &res);
    assert_error(&res, 400, "invalid_parameter", "date");
    t_response_free(&res);
}

static void get_malformed_code_is_400(void **state)
{
    (void)state;
    static const char *const bad[] = {"/divisions/32040", "/divisions/abc", "/divisions/3204021002011",
                                      "/divisions/00", "/divisions/%EF%BC%93%EF%BC%92"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        t_response_t res;
        get_json(bad[i], 400, &res);
        assert_error(&res, 400, "invalid_parameter", "code");
        t_response_free(&res);
    }
    t_response_t res;
    get_json("/divisions/32040", 400, &res);
    assert_string_equal(t_json_str(res.json, "error.message"),
                        "division code must have 2, 4, 6, 9 or 12 digits (DIV-CODE-FMT), got 5");
    t_response_free(&res);
}

/* ---- /divisions?parent= ---------------------------------------------------------------- */

static void assert_codes(json_t *doc, const char *const *codes, size_t n)
{
    assert_string_equal(t_json_str(doc, "type"), "FeatureCollection");
    assert_int_equal(t_json_len(doc, "features"), (long)n);
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "features.%zu.id", i);
        assert_string_equal(t_json_str(doc, path), codes[i]);
    }
}

static void children_in_code_order(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions?parent=320402", 200, &res);
    assert_codes(res.json, (const char *const[]){"320402001000", "320402100000"}, 2);
    assert_feature(json_array_get(json_object_get(res.json, "features"), 0), &DIAOZHUANG);
    assert_feature(json_array_get(json_object_get(res.json, "features"), 1), &ZHENGLU);
    assert_true(t_json_is_null(res.json, "features.0.geometry"));
    assert_string_equal(t_json_str(res.json, "parent"), "320402000000");
    t_response_free(&res);

    get_json("/divisions?parent=320402100000&geometry=true", 200, &res);
    assert_codes(res.json, (const char *const[]){"320402100200", "320402100201"}, 2);
    assert_string_equal(t_json_str(res.json, "features.0.geometry.type"), "MultiPolygon");
    assert_string_equal(t_json_str(res.json, "features.1.geometry.type"), "MultiPolygon");
    t_response_free(&res);

    get_json("/divisions?parent=3204", 200, &res);
    assert_codes(res.json, (const char *const[]){"320402000000", "320404000000"}, 2);
    t_response_free(&res);

    get_json("/divisions", 200, &res);
    assert_codes(res.json, (const char *const[]){"320000000000"}, 1);
    assert_true(t_json_is_null(res.json, "parent"));
    t_response_free(&res);

    get_json("/divisions?parent=320404001&date=2021-06-29", 200, &res);
    assert_codes(res.json, (const char *const[]){"320404001001"}, 1);
    assert_feature(json_array_get(json_object_get(res.json, "features"), 0), &YUNHE);
    assert_string_equal(t_json_str(res.json, "date"), "2021-06-29");
    t_response_free(&res);

    get_json("/divisions?parent=320402100201", 200, &res); /* a village has no children */
    assert_codes(res.json, NULL, 0);
    t_response_free(&res);
}

static void children_of_unknown_or_bad_parent(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/divisions?parent=320499", 404, &res);
    assert_error(&res, 404, "not_found", "parent");
    t_response_free(&res);
    get_json("/divisions?parent=32x", 400, &res);
    assert_error(&res, 400, "invalid_parameter", "parent");
    t_response_free(&res);
    get_json("/divisions?parent=320402&geometry=maybe", 400, &res);
    assert_error(&res, 400, "invalid_parameter", "geometry");
    t_response_free(&res);
}

/* ---- /health and HTTP behaviour ----------------------------------------------------------- */

static void health_reports_the_index(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/health", 200, &res);
    assert_string_equal(t_json_str(res.json, "status"), "ok");
    assert_int_equal(t_json_int(res.json, "schema_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(t_json_int(res.json, "data_version"), 1);
    assert_int_equal(t_json_int(res.json, "divisions_index.divisions"), 12);
    assert_int_equal(t_json_int(res.json, "divisions_index.vertices"), 60); /* 12 closed squares */
    assert_string_equal(t_header(&res, "Access-Control-Allow-Origin"), "*");
    t_response_free(&res);

    assert_int_equal(t_http(g_srv.port, "HEAD", "/health", NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    assert_int_equal(res.body_len, 0);
    t_response_free(&res);
}

static void unknown_path_is_404_json(void **state)
{
    (void)state;
    t_response_t res;
    get_json("/nope", 404, &res);
    assert_error(&res, 404, "not_found", NULL);
    assert_string_equal(t_json_str(res.json, "error.message"), "no such endpoint: /nope");
    t_response_free(&res);
    get_json("/divisions/", 404, &res);
    assert_error(&res, 404, "not_found", NULL);
    t_response_free(&res);
    get_json("/divisions/320402/children", 404, &res);
    assert_error(&res, 404, "not_found", NULL);
    t_response_free(&res);
}

static void wrong_method_is_405_with_allow(void **state)
{
    (void)state;
    static const struct {
        const char *method, *target;
    } cases[] = {{"POST", "/health"}, {"POST", "/divisions/locate?lon=120&lat=31"}, {"DELETE", "/divisions/320402"},
                 {"PUT", "/divisions"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t res;
        assert_int_equal(t_http(g_srv.port, cases[i].method, cases[i].target, NULL, "{}", 2, &res), 0);
        assert_error(&res, 405, "method_not_allowed", NULL);
        assert_string_equal(t_header(&res, "Allow"), "GET");
        t_response_free(&res);
    }
}

static void options_preflight_is_204_with_cors(void **state)
{
    (void)state;
    const char *const hdrs[] = {"Origin: http://example.org", "Access-Control-Request-Method: GET",
                                "Access-Control-Request-Headers: Content-Type", NULL};
    t_response_t res;
    assert_int_equal(t_http(g_srv.port, "OPTIONS", "/divisions/locate", hdrs, NULL, 0, &res), 0);
    assert_int_equal(res.status, 204);
    assert_int_equal(res.body_len, 0);
    assert_string_equal(t_header(&res, "Access-Control-Allow-Origin"), "*");
    const char *methods = t_header(&res, "Access-Control-Allow-Methods");
    assert_non_null(methods);
    assert_non_null(strstr(methods, "GET"));
    const char *allowed = t_header(&res, "Access-Control-Allow-Headers");
    assert_non_null(allowed);
    assert_non_null(strstr(allowed, "Content-Type"));
    t_response_free(&res);
}

static void cors_header_on_normal_and_error_responses(void **state)
{
    (void)state;
    const char *const targets[] = {"/health", "/divisions/320402", "/divisions/locate?lon=120&lat=31", "/nope",
                                   "/divisions/locate?lon=x&lat=31"};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        t_response_t res;
        assert_int_equal(t_get(g_srv.port, targets[i], &res), 0);
        assert_string_equal(t_header(&res, "Access-Control-Allow-Origin"), "*");
        assert_string_equal(t_header(&res, "X-Content-Type-Options"), "nosniff");
        t_response_free(&res);
    }
}

static void body_over_max_body_is_413(void **state)
{
    (void)state;
    char *big = malloc(MAX_BODY + 1);
    memset(big, 'x', MAX_BODY + 1);
    t_response_t res;
    /* Announced by Content-Length. */
    assert_int_equal(t_http(g_srv.port, "POST", "/health", NULL, big, MAX_BODY + 1, &res), 0);
    assert_error(&res, 413, "body_too_large", NULL);
    t_response_free(&res);

    /* Sent chunked, so the size is only known while reading. */
    char chunked[MAX_BODY + 64];
    int n = snprintf(chunked, sizeof chunked, "%x\r\n", MAX_BODY + 1);
    memcpy(chunked + n, big, MAX_BODY + 1);
    n += MAX_BODY + 1;
    n += snprintf(chunked + n, sizeof chunked - (size_t)n, "\r\n0\r\n\r\n");
    const char *const te[] = {"Transfer-Encoding: chunked", NULL};
    assert_int_equal(t_http(g_srv.port, "POST", "/health", te, chunked, (size_t)n, &res), 0);
    assert_error(&res, 413, "body_too_large", NULL);
    t_response_free(&res);

    /* Exactly the limit is accepted (and then refused for the method). */
    assert_int_equal(t_http(g_srv.port, "POST", "/health", NULL, big, MAX_BODY, &res), 0);
    assert_error(&res, 405, "method_not_allowed", NULL);
    t_response_free(&res);
    free(big);
}

static void keep_alive_serves_several_requests_on_one_connection(void **state)
{
    (void)state;
    t_conn_t c;
    assert_int_equal(t_conn_open(&c, g_srv.port), 0);
    const char *const targets[] = {"/health", "/divisions/locate?lon=119.96&lat=31.03", "/divisions/320402",
                                   "/nope"};
    const int statuses[] = {200, 200, 200, 404};
    for (size_t i = 0; i < 4; i++) {
        t_response_t res;
        assert_int_equal(t_conn_request(&c, "GET", targets[i], NULL, NULL, 0, &res), 0);
        assert_int_equal(res.status, statuses[i]);
        assert_non_null(res.json);
        const char *conn = t_header(&res, "Connection");
        if (conn)
            fprintf(stderr, "response %zu says Connection: %s\n", i, conn);
        assert_true(conn == NULL || strcasecmp(conn, "close") != 0);
        t_response_free(&res);
    }
    t_response_t res;
    assert_int_equal(t_conn_request(&c, "GET", "/divisions/locate?lon=119.96&lat=31.03", NULL, NULL, 0, &res), 0);
    assert_chain(res.json, CHAIN(&JIANGSU, &CHANGZHOU, &TIANNING, &ZHENGLU, &JIAOXI));
    t_response_free(&res);
    t_conn_close(&c);
}

/* Two keep-alive connections used in turns: each gets its own answers. */
static void two_connections_interleaved(void **state)
{
    (void)state;
    t_conn_t a, b;
    assert_int_equal(t_conn_open(&a, g_srv.port), 0);
    assert_int_equal(t_conn_open(&b, g_srv.port), 0);
    for (int i = 0; i < 3; i++) {
        t_response_t ra, rb;
        assert_int_equal(t_conn_request(&a, "GET", "/divisions/320402", NULL, NULL, 0, &ra), 0);
        assert_int_equal(t_conn_request(&b, "GET", "/divisions/320404", NULL, NULL, 0, &rb), 0);
        assert_int_equal(ra.status, 200);
        assert_int_equal(rb.status, 200);
        assert_string_equal(t_json_str(ra.json, "properties.name"), "天宁区");
        assert_string_equal(t_json_str(rb.json, "properties.name"), "钟楼区");
        t_response_free(&ra);
        t_response_free(&rb);
    }
    t_conn_close(&a);
    t_conn_close(&b);
}

static void port_in_use_exits_1(void **state)
{
    (void)state;
    char port[16], expect[128];
    snprintf(port, sizeof port, "%u", g_srv.port);
    t_run_t r;
    assert_int_equal(T_RUN(&r, "serve", "--db", g_db, "--port", port, "--access-log", "off"), 0);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    snprintf(expect, sizeof expect, "diming serve: error: cannot listen on 127.0.0.1:%u (in use?)\n", g_srv.port);
    assert_string_equal(r.err, expect);
    t_run_free(&r);
    /* The first server is unaffected. */
    t_response_t res;
    get_json("/health", 200, &res);
    t_response_free(&res);
}

/* A second server on the same database: answers, then SIGTERM stops it with
 * status 0 and one line on stderr (so no sanitizer report either). */
static void sigterm_stops_the_server_cleanly(void **state)
{
    (void)state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, g_db, NULL), 0);
    assert_non_null(strstr(srv.first_line, "12 division outlines indexed"));
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/health", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    /* Leave a keep-alive connection open across the shutdown. */
    t_conn_t c;
    assert_int_equal(t_conn_open(&c, srv.port), 0);
    assert_int_equal(t_conn_request(&c, "GET", "/divisions/320402", NULL, NULL, 0, &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    char *err = NULL;
    int status = t_server_stop(&srv, &err);
    t_conn_close(&c);
    assert_non_null(err);
    if (status != 0)
        fprintf(stderr, "server stderr:\n%s\n", err);
    assert_int_equal(status, 0);
    assert_string_equal(err, "diming: SIGTERM received, stopping\n");
    free(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(locate_inside_a_village),
        cmocka_unit_test(locate_outside_the_prefecture_gives_the_province_only),
        cmocka_unit_test(locate_outside_everything_is_an_empty_collection),
        cmocka_unit_test(locate_on_a_county_border_is_deterministic),
        cmocka_unit_test(locate_honours_the_date),
        cmocka_unit_test(locate_rejects_bad_coordinates),
        cmocka_unit_test(locate_accepts_only_decimal_numbers),
        cmocka_unit_test(error_bodies_always_have_a_message),
        cmocka_unit_test(get_division_in_12_9_and_6_digit_forms),
        cmocka_unit_test(get_division_on_a_date),
        cmocka_unit_test(get_unknown_code_is_404_naming_code),
        cmocka_unit_test(get_malformed_code_is_400),
        cmocka_unit_test(children_in_code_order),
        cmocka_unit_test(children_of_unknown_or_bad_parent),
        cmocka_unit_test(health_reports_the_index),
        cmocka_unit_test(unknown_path_is_404_json),
        cmocka_unit_test(wrong_method_is_405_with_allow),
        cmocka_unit_test(options_preflight_is_204_with_cors),
        cmocka_unit_test(cors_header_on_normal_and_error_responses),
        cmocka_unit_test(body_over_max_body_is_413),
        cmocka_unit_test(keep_alive_serves_several_requests_on_one_connection),
        cmocka_unit_test(two_connections_interleaved),
        cmocka_unit_test(port_in_use_exits_1),
        cmocka_unit_test(sigterm_stops_the_server_cleanly),
    };
    return cmocka_run_group_tests_name("http/divisions", tests, group_setup, group_teardown);
}
