/* test_names.c — /names/pinyin, /names/standardize and /names/check against
 * the real server: the group setup imports tests/fixtures/hierarchy.geojson
 * (divisions) and tests/fixtures/names/register.geojson (nine standard names,
 * see its README) with the real `diming import`, then starts `diming serve`.
 * Each rule of the check has its own case with the exact verdict, rule ids
 * and conflict; bad input gets 400 with the parameter at fault. */
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

static int import(const char *layer, const char *fixture)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    if (rc || r.status != 0) {
        fprintf(stderr, "import %s failed (%d): %s\n", fixture, r.status, r.err ? r.err : "");
        rc = -1;
    }
    t_run_free(&r);
    return rc;
}

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-names");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "names.sqlite");
    if (import("divisions", "hierarchy.geojson") || import("names", "names/register.geojson"))
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

static void get_json(const char *target, int expect, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

static void post_json(const char *body, size_t len, int expect, t_response_t *res)
{
    const char *const h[] = {"Content-Type: application/json", NULL};
    assert_int_equal(t_http(g_srv.port, "POST", "/names/check", h, body, len, res), 0);
    if (res->status != expect)
        fprintf(stderr, "POST %s: %d %s\n", body, res->status, res->body);
    assert_int_equal(res->status, expect);
    assert_non_null(res->json);
}

/* ---- pinyin ---------------------------------------------------------------- */

static void test_pinyin(void **state)
{
    (void)state;
    t_response_t r;
    /* 中山北路, URL-encoded */
    get_json("/names/pinyin?q=%E4%B8%AD%E5%B1%B1%E5%8C%97%E8%B7%AF", 200, &r);
    assert_string_equal(t_json_str(r.json, "pinyin"), "Zhongshan Beilu");
    assert_string_equal(t_json_str(r.json, "pinyin_toned"), "Zhōngshān Běilù");
    assert_string_equal(t_json_str(r.json, "specific"), "中山");
    assert_string_equal(t_json_str(r.json, "generic"), "北路");
    t_response_free(&r);
    /* 六安 as a division */
    get_json("/names/pinyin?q=%E5%85%AD%E5%AE%89&category=division", 200, &r);
    assert_string_equal(t_json_str(r.json, "pinyin"), "Lu'an");
    t_response_free(&r);
    /* 王村 as a village: joined */
    get_json("/names/pinyin?q=%E7%8E%8B%E6%9D%91&category=village", 200, &r);
    assert_string_equal(t_json_str(r.json, "pinyin"), "Wangcun");
    t_response_free(&r);
}

static void expect_error(const char *method, const char *target, const char *body, int status, const char *param,
                         const char *message)
{
    t_response_t r;
    if (strcmp(method, "GET") == 0)
        get_json(target, status, &r);
    else
        post_json(body, strlen(body), status, &r);
    if (param)
        assert_string_equal(t_json_str(r.json, "error.param"), param);
    assert_string_equal(t_json_str(r.json, "error.message"), message);
    t_response_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    expect_error("GET", "/names/pinyin", NULL, 400, "q", "q is required (a place name)");
    expect_error("GET", "/names/pinyin?q=", NULL, 400, "q", "q is required (a place name)");
    expect_error("GET", "/names/pinyin?q=%FF%FE", NULL, 400, "q", "q is not valid UTF-8");
    expect_error("GET", "/names/pinyin?q=abc&category=park", NULL, 400, "category",
                 "unknown category 'park' (road, residential, building, division, village, natural, facility)");
    expect_error("GET", "/names/standardize?q=abc&near=120", NULL, 400, "near",
                 "near must be lon,lat in degrees, got '120'");
    expect_error("GET", "/names/standardize?q=abc&division=3204x", NULL, 400, "division",
                 "division must be a code of 2, 4, 6, 9 or 12 digits, got '3204x'");
    expect_error("GET", "/names/standardize?q=abc&limit=0", NULL, 400, "limit",
                 "limit must be a number between 1 and 100, got '0'");
    /* a 10 kB name */
    char *big = malloc(10300), *target = malloc(10400);
    memset(big, 'a', 10240);
    big[10240] = '\0';
    snprintf(target, 10400, "/names/standardize?q=%s", big);
    expect_error("GET", target, NULL, 400, "q", "q is too long (10240 bytes, at most 256)");
    char *body = malloc(10400);
    snprintf(body, 10400, "{\"name\":\"%s\",\"category\":\"road\"}", big);
    expect_error("POST", NULL, body, 400, "name", "name is too long (10240 bytes, at most 256)");
    free(big);
    free(target);
    free(body);
    /* check bodies */
    expect_error("POST", NULL, "{\"name\":\"\",\"category\":\"road\"}", 400, "name", "name must be a non-empty string");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"park\"}", 400, "category",
                 "unknown category 'park' (road, residential, building, division, village, natural, facility)");
    expect_error("POST", NULL, "{\"name\":\"青枫路\"}", 400, "category", "category must be a string");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"geometry\":{\"type\":\"Point\"}}", 400,
                 "geometry",
                 "geometry is not valid GeoJSON: ParseException: Error parsing JSON: "
                 "'[json.exception.out_of_range.403] key 'coordinates' not found'");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"geometry\":[1,2]}", 400, "geometry",
                 "geometry must be a GeoJSON geometry object");
    expect_error("POST", NULL,
                 "{\"name\":\"青枫路\",\"category\":\"road\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[500,"
                 "30]}}",
                 400, "geometry", "geometry must be non-empty lon/lat (CGCS2000)");
    /* the optional facts of a proposal */
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"width_m\":-3}", 400, "width_m",
                 "width_m must be a number in (0, 1000]");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"area_ha\":\"2\"}", 400, "area_ha",
                 "area_ha must be a number in (0, 100000]");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"pinyin\":\"\"}", 400, "pinyin",
                 "pinyin must be a non-empty string of at most 256 bytes");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"replaces\":7}", 400, "replaces",
                 "replaces must be a non-empty string of at most 256 bytes");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"replaces\":\"·\"}", 400, "replaces",
                 "replaces must be a place name");
    expect_error("POST", NULL, "{\"name\":\"青枫路\",\"category\":\"road\",\"heritage_override\":\"yes\"}", 400,
                 "heritage_override", "heritage_override must be true or false");
    /* the same bad names on the lookup */
    expect_error("GET", "/names/standardize?q=", NULL, 400, "q", "q is required (a place name)");
    expect_error("GET", "/names/standardize?q=%E6%B9%9F%FF", NULL, 400, "q", "q is not valid UTF-8");
    expect_error("GET", "/names/standardize?q=abc&category=park", NULL, 400, "category",
                 "unknown category 'park' (road, residential, building, division, village, natural, facility)");
    /* invalid UTF-8 and broken JSON are refused by the parser */
    t_response_t r;
    const char *bad_utf8 = "{\"name\":\"\xff\xfe\",\"category\":\"road\"}";
    post_json(bad_utf8, strlen(bad_utf8), 400, &r);
    assert_string_equal(t_json_str(r.json, "error.code"), "invalid_body");
    t_response_free(&r);
    post_json("{\"name\":", 8, 400, &r);
    assert_string_equal(t_json_str(r.json, "error.code"), "invalid_body");
    t_response_free(&r);
    /* wrong method */
    assert_int_equal(t_get(g_srv.port, "/names/check", &r), 0);
    assert_int_equal(r.status, 405);
    t_response_free(&r);
}

/* ---- standardize ---------------------------------------------------------- */

typedef struct {
    const char *target;
    const char *name, *match;
    double score;
    long count;
} std_case_t;

static void test_standardize(void **state)
{
    (void)state;
    static const std_case_t cases[] = {
        /* 湟新路 */
        {"/names/standardize?q=%E6%B9%9F%E6%96%B0%E8%B7%AF", "湟新路", "exact", 1.0, 1},
        /* 湟新: the generic is missing */
        {"/names/standardize?q=%E6%B9%9F%E6%96%B0", "湟新路", "missing_generic", 0.8, 1},
        /* 長樂路: traditional form */
        {"/names/standardize?q=%E9%95%B7%E6%A8%82%E8%B7%AF", "长乐路", "traditional", 0.95, 1},
        /* ｃｈａｎｇｌｅ ｌｕ would be pinyin; here: huangxin lu */
        {"/names/standardize?q=huangxin+lu", "湟新路", "pinyin", 0.7, 1},
        /* 东门路: a former name */
        {"/names/standardize?q=%E4%B8%9C%E9%97%A8%E8%B7%AF", "湟新路", "former_name", 0.9, 1},
        /* 竹材路: one character off */
        {"/names/standardize?q=%E7%AB%B9%E6%9D%90%E8%B7%AF", "竹林路", "fuzzy", 0.5, 1},
        /* ２湟新路 full width... 湟新路 typed full-width with a space: "湟新 路" */
        {"/names/standardize?q=%E6%B9%9F%E6%96%B0%E3%80%80%E8%B7%AF", "湟新路", "normalised", 0.95, 1},
        /* 人民路 within 钟楼区 only */
        {"/names/standardize?q=%E4%BA%BA%E6%B0%91%E8%B7%AF&division=320404", "人民路", "exact", 1.0, 1},
        /* residential only: no road called 人民路 matches */
        {"/names/standardize?q=%E4%BA%BA%E6%B0%91%E8%B7%AF&category=residential", NULL, NULL, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        t_response_t r;
        get_json(cases[i].target, 200, &r);
        assert_string_equal(t_json_str(r.json, "type"), "FeatureCollection");
        if (t_json_len(r.json, "features") != cases[i].count)
            fprintf(stderr, "%s: %s\n", cases[i].target, r.body);
        assert_int_equal(t_json_len(r.json, "features"), cases[i].count);
        if (cases[i].name) {
            assert_string_equal(t_json_str(r.json, "features.0.properties.name"), cases[i].name);
            assert_string_equal(t_json_str(r.json, "features.0.properties.match"), cases[i].match);
            assert_true(fabs(t_json_num(r.json, "features.0.properties.score") - cases[i].score) < 1e-9);
            assert_string_equal(t_json_str(r.json, "features.0.geometry.type"), "Point");
        }
        t_response_free(&r);
    }
    /* near= ranks the 人民路 of 天宁区 (605 m away) above the one of 钟楼区. */
    t_response_t r;
    get_json("/names/standardize?q=%E4%BA%BA%E6%B0%91%E8%B7%AF&near=119.99,31.02", 200, &r);
    assert_int_equal(t_json_len(r.json, "features"), 2);
    assert_int_equal(t_json_int(r.json, "features.0.properties.id"), 5);
    assert_int_equal(t_json_int(r.json, "features.0.properties.distance_m"), 605);
    assert_int_equal(t_json_int(r.json, "features.1.properties.id"), 4);
    assert_true(t_json_num(r.json, "features.0.properties.score") > t_json_num(r.json, "features.1.properties.score"));
    t_response_free(&r);
}

/* ---- check ----------------------------------------------------------------- */

typedef struct {
    const char *name, *category, *geometry;
    const char *verdict;
    const char *rules;     /* the findings' rules in order, space-separated; NULL for none */
    const char *conflict;  /* the conflicting name, NULL for none */
    const char *extra;     /* more members of the body (",\"width_m\":24"), or NULL */
} check_case_t;

#define AT_TIANNING "{\"type\":\"Point\",\"coordinates\":[119.965,30.965]}"

/* The table of proposed names: verdict, rule ids, conflict (issue 3). */
static void test_check_rules(void **state)
{
    (void)state;
    static const check_case_t cases[] = {
        {"青枫路", "road", AT_TIANNING, "accept", NULL, NULL, NULL},
        {"长乐路", "road", AT_TIANNING, "reject", "NAME-DUP-EXACT", "长乐路", NULL},
        {"長樂路", "road", AT_TIANNING, "reject", "NAME-DUP-VARIANT", "长乐路", NULL},
        {"长乐街", "road", AT_TIANNING, "reject", "NAME-DUP-SPECIFIC", "长乐路", NULL},
        {"新长乐路", "road", AT_TIANNING, "reject", "NAME-DUP-SPECIFIC", "长乐路", NULL},
        {"洪梅路", "road", AT_TIANNING, "warn", "NAME-HOM-TONED", "红梅路", NULL},
        {"宏美路", "road", AT_TIANNING, "warn", "NAME-HOM-TONELESS", "红梅路", NULL},
        {"竹园路", "road", AT_TIANNING, "warn", "NAME-DUP-NEAR", "竹林路", NULL},
        /* 黄王不分 in the Wu dialect of 常州 (dialect.tsv, region 32): 王新 reads like
         * 湟新, which is also one character apart and 556 m away */
        {"王新路", "road", AT_TIANNING, "warn", "NAME-DUP-NEAR NAME-HOM-DIALECT", "湟新路", NULL},
        /* 黄 and 湟 are 普通话 homophones already: no second, dialect finding */
        {"黄新路", "road", AT_TIANNING, "warn", "NAME-HOM-TONED", "湟新路", NULL},
        {"堃华路", "road", AT_TIANNING, "warn", "NAME-RARE-CHAR", NULL, NULL},
        {"A1路", "road", AT_TIANNING, "reject", "NAME-SCRIPT", NULL, NULL},
        {"é路", "road", AT_TIANNING, "reject", "NAME-SCRIPT", NULL, NULL},
        {"あさひ路", "road", AT_TIANNING, "reject", "NAME-SCRIPT", NULL, NULL},
        /* NAME-TEXT-BAD: GBK's rendering of U+FFFD, a question mark for a lost character */
        {"锟斤拷路", "road", AT_TIANNING, "reject", "NAME-TEXT-BAD", NULL, NULL},
        {"青枫？路", "road", AT_TIANNING, "reject", "NAME-TEXT-BAD", NULL, NULL},
        {"青枫", "road", AT_TIANNING, "reject", "NAME-GENERIC-MISSING", NULL, NULL},
        {"青枫花园", "road", AT_TIANNING, "reject", "NAME-GENERIC-MISSING", NULL, NULL},
        {"华夏大厦广场", "building", AT_TIANNING, "warn", "NAME-GENERIC-STACK", NULL, NULL},
        {"二马路", "road", AT_TIANNING, "reject", "NAME-ORDINAL-ONLY", NULL, NULL},
        {"国际大道", "road", AT_TIANNING, "warn", "NAME-GRANDIOSE", NULL, NULL},
        {"曼哈顿路", "road", AT_TIANNING, "reject", "NAME-FOREIGN", NULL, NULL},
        {"万达路", "road", AT_TIANNING, "reject", "NAME-BRAND", NULL, NULL},
        {"恽代英路", "road", AT_TIANNING, "warn", "NAME-PERSON", NULL, NULL},
        {"霸王路", "road", AT_TIANNING, "warn", "NAME-MEANING", NULL, NULL},
        {"青枫路", "road", "{\"type\":\"LineString\",\"coordinates\":[[119.98,30.97],[120.02,30.97]]}", "warn",
         "NAME-CROSS-BOUNDARY", NULL, NULL},
        /* the same name in another county is outside the road scope */
        {"人民路", "road", "{\"type\":\"Point\",\"coordinates\":[120.03,30.97]}", "reject", "NAME-DUP-EXACT",
         "人民路", NULL},
        {"丽华新村", "residential", "{\"type\":\"Point\",\"coordinates\":[120.03,30.97]}", "accept", NULL, NULL,
         NULL},
        /* NAME-GENERIC-SCALE (scale.tsv): 大街 needs a 40 m red line, 花园 2 ha and 100,000 m² */
        {"青枫大街", "road", AT_TIANNING, "warn", "NAME-GENERIC-SCALE", NULL, ",\"width_m\":24"},
        {"青枫大街", "road", AT_TIANNING, "accept", NULL, NULL, ",\"width_m\":45"},
        {"青枫花园", "residential", AT_TIANNING, "warn", "NAME-GENERIC-SCALE NAME-GENERIC-SCALE", NULL,
         ",\"area_ha\":1.2,\"floor_area_m2\":30000"},
        {"青枫花园", "residential", AT_TIANNING, "accept", NULL, NULL, ",\"area_ha\":3.5"},
        /* NAME-FACILITY-LOCALITY (第九条(八)): the point lies in 丽华社区, 雕庄街道, 天宁区, 常州市 */
        {"青枫站", "facility", AT_TIANNING, "accept", "NAME-FACILITY-LOCALITY", NULL, NULL},
        {"雕庄站", "facility", AT_TIANNING, "accept", NULL, NULL, NULL},
        {"常州站", "facility", AT_TIANNING, "accept", NULL, NULL, NULL},
        {"青枫站", "facility", AT_TIANNING, "accept", NULL, NULL, ",\"locality\":\"青枫\""},
        /* NAME-HERITAGE: renaming 青果巷 (heritage.tsv); with the override it is recorded only */
        {"青枫路", "road", AT_TIANNING, "warn", "NAME-HERITAGE", NULL, ",\"replaces\":\"青果巷\""},
        {"青枫路", "road", AT_TIANNING, "accept", "NAME-HERITAGE", NULL,
         ",\"replaces\":\"青果巷\",\"heritage_override\":true"},
        {"青枫路", "road", AT_TIANNING, "accept", NULL, NULL, ",\"replaces\":\"湟新路\""},
        /* NAME-PINYIN: capitals and tone marks are allowed; a translated generic or a
         * split orientation is not (1984 rules; GB 17733-2008) */
        {"青枫路", "road", AT_TIANNING, "accept", NULL, NULL, ",\"pinyin\":\"QĪNGFĒNG  LÙ\""},
        {"青枫路", "road", AT_TIANNING, "warn", "NAME-PINYIN", NULL, ",\"pinyin\":\"Qingfeng Road\""},
        {"青枫北路", "road", AT_TIANNING, "warn", "NAME-PINYIN", NULL, ",\"pinyin\":\"Qingfeng Bei Lu\""},
        {"绿水路", "road", AT_TIANNING, "warn", "NAME-PINYIN", NULL, ",\"pinyin\":\"Lushui Lu\""},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const check_case_t *c = &cases[i];
        char body[1024];
        snprintf(body, sizeof body, "{\"name\":\"%s\",\"category\":\"%s\",\"geometry\":%s%s}", c->name, c->category,
                 c->geometry, c->extra ? c->extra : "");
        t_response_t r;
        post_json(body, strlen(body), 200, &r);
        const char *verdict = t_json_str(r.json, "verdict");
        long nf = t_json_len(r.json, "findings");
        char rules[512] = "";
        for (long k = 0; k < nf; k++) {
            char path[64];
            snprintf(path, sizeof path, "findings.%ld.rule", k);
            size_t L = strlen(rules);
            snprintf(rules + L, sizeof rules - L, "%s%s", k ? " " : "", t_json_str(r.json, path));
            snprintf(path, sizeof path, "findings.%ld.message_zh", k);
            assert_non_null(t_json_str(r.json, path));
            snprintf(path, sizeof path, "findings.%ld.message_en", k);
            assert_non_null(t_json_str(r.json, path));
            snprintf(path, sizeof path, "findings.%ld.source", k);
            assert_non_null(t_json_str(r.json, path));
        }
        long nconf = t_json_len(r.json, "conflicts.features");
        const char *conf = nconf > 0 ? t_json_str(r.json, "conflicts.features.0.properties.name") : NULL;
        if (strcmp(verdict, c->verdict) != 0 || strcmp(rules, c->rules ? c->rules : "") != 0 ||
            nconf != (c->conflict ? 1 : 0) || (c->conflict && (!conf || strcmp(conf, c->conflict) != 0))) {
            fprintf(stderr, "case %zu %s%s: got %s [%s] %ld conflicts, want %s [%s]\n  %s\n", i, c->name,
                    c->extra ? c->extra : "", verdict, rules, nconf, c->verdict, c->rules ? c->rules : "", r.body);
            failures++;
        }
        t_response_free(&r);
    }
    assert_int_equal(failures, 0);
}

static void test_check_details(void **state)
{
    (void)state;
    t_response_t r;
    const char *body = "{\"name\":\"长乐街\",\"category\":\"road\",\"geometry\":" AT_TIANNING "}";
    post_json(body, strlen(body), 200, &r);
    /* split and pinyin */
    assert_string_equal(t_json_str(r.json, "name.specific"), "长乐");
    assert_string_equal(t_json_str(r.json, "name.generic"), "街");
    assert_string_equal(t_json_str(r.json, "name.pinyin"), "Changle Jie");
    assert_string_equal(t_json_str(r.json, "findings.0.severity"), "error");
    assert_string_equal(t_json_str(r.json, "findings.0.source"), "铜陵市地名管理规定 (同名/同音 definitions)");
    /* divisions the point lies in: 江苏省 → 常州市 → 天宁区 → 雕庄街道 → 丽华社区 */
    assert_int_equal(t_json_len(r.json, "divisions"), 5);
    assert_string_equal(t_json_str(r.json, "divisions.2.code"), "320402000000");
    assert_string_equal(t_json_str(r.json, "divisions.4.name"), "丽华社区");
    /* the conflict as a GeoJSON Feature with its distance: 长乐路's bbox centre
     * (119.965, 30.970) is 556 m north of the proposal */
    assert_string_equal(t_json_str(r.json, "conflicts.type"), "FeatureCollection");
    assert_int_equal(t_json_int(r.json, "conflicts.features.0.properties.distance_m"), 556);
    assert_string_equal(t_json_str(r.json, "conflicts.features.0.properties.rule"), "NAME-DUP-SPECIFIC");
    t_response_free(&r);
}

/* ---- audit ----------------------------------------------------------------- */

static void test_audit(void **state)
{
    (void)state;
    /* Five uses near 湟新路 (bbox centre 119.965, 30.960), tolerance 500 m. */
    const char *body =
        "{\"tolerance_m\":500,\"observations\":["
        "{\"id\":\"s1\",\"text\":\"湟新路\",\"channel\":\"sign\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s2\",\"text\":\"湟新\",\"channel\":\"internet_map\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s3\",\"text\":\"湟新街\",\"channel\":\"property\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s4\",\"text\":\"东门路\",\"channel\":\"household\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s5\",\"text\":\"锦绣花园\",\"channel\":\"advert\",\"category\":\"residential\","
        "\"lon\":119.966,\"lat\":30.968}]}";
    const char *const h[] = {"Content-Type: application/json", NULL};
    t_response_t r;
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit", h, body, strlen(body), &r), 0);
    if (r.status != 200)
        fprintf(stderr, "%s\n", r.body);
    assert_int_equal(r.status, 200);
    static const struct {
        const char *type, *subtype, *rule, *obs, *standard;
    } want[] = {
        {"used_incompletely", "generic_missing", "NAME-AUDIT-PARTIAL", "s2", "湟新路"},
        {"used_incompletely", "wrong_generic", "NAME-AUDIT-PARTIAL", "s3", "湟新路"},
        {"former_name_used", "former_name", "NAME-AUDIT-FORMER", "s4", "湟新路"},
        {"unapproved_use", "no_standard_name", "NAME-AUDIT-UNAPPROVED", "s5", NULL},
        /* 用而不全 (ii): right on the sign (s1), only wrong on the map, the property
         * and the household registers */
        {"used_incompletely", "channel_gap", "NAME-AUDIT-CHANNEL", NULL, "湟新路"},
        /* 批而不用: 湟新路 has one correct use and three competing ones */
        {"approved_not_used", "dominated", "NAME-AUDIT-NOT-USED", NULL, "湟新路"},
        /* 长乐路 (bbox centre 119.965, 30.970) lies in the audited area and no one uses it */
        {"approved_not_used", "no_correct_use", "NAME-AUDIT-NOT-USED", NULL, "长乐路"},
    };
    assert_int_equal(t_json_len(r.json, "features"), 7);
    for (size_t i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof path, "features.%zu.properties.type", i);
        assert_string_equal(t_json_str(r.json, path), want[i].type);
        snprintf(path, sizeof path, "features.%zu.properties.subtype", i);
        assert_string_equal(t_json_str(r.json, path), want[i].subtype);
        snprintf(path, sizeof path, "features.%zu.properties.rule", i);
        assert_string_equal(t_json_str(r.json, path), want[i].rule);
        snprintf(path, sizeof path, "features.%zu.properties.observation_id", i);
        if (want[i].obs)
            assert_string_equal(t_json_str(r.json, path), want[i].obs);
        snprintf(path, sizeof path, "features.%zu.properties.standard_name", i);
        if (want[i].standard)
            assert_string_equal(t_json_str(r.json, path), want[i].standard);
        else
            assert_true(t_json_is_null(r.json, path));
    }
    /* 湟新 is 222 m from 湟新路's centre */
    assert_int_equal(t_json_int(r.json, "features.0.properties.distance_m"), 222);
    /* the evidence of the channel gap and of 批而不用: s2, s3, s4 */
    assert_int_equal(t_json_len(r.json, "features.4.properties.evidence"), 3);
    assert_string_equal(t_json_str(r.json, "features.4.properties.channel"), "internet_map");
    assert_string_equal(t_json_str(r.json, "features.4.properties.evidence.0.observation_id"), "s2");
    assert_string_equal(t_json_str(r.json, "features.4.properties.evidence.2.channel"), "household");
    assert_int_equal(t_json_len(r.json, "features.5.properties.evidence"), 3);
    assert_int_equal(t_json_len(r.json, "features.6.properties.evidence"), 0);
    t_response_free(&r);

    /* Only the sign and the household register required: the gap is the household
     * register alone (the map's 湟新 is no gap, the enterprise row is right). */
    const char *body3 =
        "{\"tolerance_m\":500,\"required_channels\":[\"sign\",\"户籍\"],\"observations\":["
        "{\"id\":\"s1\",\"text\":\"湟新路\",\"channel\":\"sign\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s2\",\"text\":\"湟新\",\"channel\":\"internet_map\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"s4\",\"text\":\"东门路\",\"channel\":\"household\",\"lon\":119.965,\"lat\":30.962},"
        "{\"id\":\"e1\",\"text\":\"湟新路\",\"channel\":\"enterprise\",\"enterprise\":\"常州湟新商贸有限公司\","
        "\"credit_code\":\"91320402MA1P2B3C4Y\",\"lon\":119.965,\"lat\":30.962}]}";
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit", h, body3, strlen(body3), &r), 0);
    assert_int_equal(r.status, 200);
    /* s2, s4 and the channel gap; 湟新路 has two correct uses against two
     * competing ones, so it is not dominated (and 长乐路 lies outside the area) */
    assert_int_equal(t_json_len(r.json, "features"), 3);
    assert_string_equal(t_json_str(r.json, "features.2.properties.rule"), "NAME-AUDIT-CHANNEL");
    assert_int_equal(t_json_len(r.json, "features.2.properties.evidence"), 1);
    assert_string_equal(t_json_str(r.json, "features.2.properties.evidence.0.observation_id"), "s4");
    t_response_free(&r);

    /* approved_before earlier than 2020-05-01 (the register's approval date): nothing is "not used" */
    const char *body2 = "{\"approved_before\":\"2019-01-01\",\"observations\":[{\"text\":\"湟新路\","
                        "\"lon\":119.965,\"lat\":30.962}]}";
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit", h, body2, strlen(body2), &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(t_json_len(r.json, "features"), 0);
    t_response_free(&r);

    /* Signs with their pinyin (GB 17733-2008: the lower 2/5 of a street plate):
     * all capitals are fine, a translated generic is not (NAME-PINYIN). */
    const char *body4 =
        "{\"tolerance_m\":500,\"observations\":["
        "{\"id\":\"p1\",\"text\":\"湟新路\",\"channel\":\"地名标志\",\"pinyin\":\"HUANGXIN LU\",\"lon\":119.965,"
        "\"lat\":30.962},"
        "{\"id\":\"p2\",\"text\":\"湟新路\",\"channel\":\"sign\",\"pinyin\":\"Huangxin Road\",\"lon\":119.966,"
        "\"lat\":30.962}]}";
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit", h, body4, strlen(body4), &r), 0);
    assert_int_equal(r.status, 200);
    assert_int_equal(t_json_len(r.json, "features"), 1);
    assert_string_equal(t_json_str(r.json, "features.0.properties.rule"), "NAME-PINYIN");
    assert_string_equal(t_json_str(r.json, "features.0.properties.type"), "used_incompletely");
    assert_string_equal(t_json_str(r.json, "features.0.properties.subtype"), "wrong_pinyin");
    assert_string_equal(t_json_str(r.json, "features.0.properties.observation_id"), "p2");
    assert_string_equal(t_json_str(r.json, "features.0.properties.pinyin"), "Huangxin Road");
    assert_string_equal(t_json_str(r.json, "features.0.properties.channel_kind"), "sign");
    t_response_free(&r);

    static const struct {
        const char *body, *param, *message;
    } bad[] = {
        {"{\"observations\":[]}", "observations", "observations must be a non-empty array"},
        {"{\"observations\":[{\"text\":\"\"}]}", "text", "observations[0].text must be a non-empty string"},
        {"{\"observations\":[{\"text\":\"湟新路\",\"lon\":119.9}]}", "lon",
         "observations[0]: lon and lat must be given together, in degrees"},
        {"{\"observations\":[{\"text\":\"湟新路\",\"category\":\"park\"}]}", "category",
         "unknown category 'park' (road, residential, building, division, village, natural, facility)"},
        {"{\"tolerance_m\":-1,\"observations\":[{\"text\":\"湟新路\"}]}", "tolerance_m",
         "tolerance_m must be a number in (0, 50000]"},
        {"{\"required_channels\":[\"leaflet\"],\"observations\":[{\"text\":\"湟新路\"}]}", "required_channels",
         "required_channels must be an array of 1 to 16 known channels (sign, household, property, enterprise, "
         "internet_map, advert)"},
        {"{\"observations\":[{\"text\":\"湟新路\",\"credit_code\":91320402}]}", "credit_code",
         "observations[0]: enterprise and credit_code must be strings"},
        {"{\"observations\":[{\"text\":\"湟新路\",\"pinyin\":[\"Huangxin\"]}]}", "pinyin",
         "observations[0].pinyin must be a string"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(t_http(g_srv.port, "POST", "/names/audit", h, bad[i].body, strlen(bad[i].body), &r), 0);
        assert_int_equal(r.status, 400);
        assert_string_equal(t_json_str(r.json, "error.param"), bad[i].param);
        assert_string_equal(t_json_str(r.json, "error.message"), bad[i].message);
        t_response_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinyin),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_standardize),
        cmocka_unit_test(test_check_rules),
        cmocka_unit_test(test_check_details),
        cmocka_unit_test(test_audit),
    };
    return cmocka_run_group_tests_name("http/names", tests, group_setup, group_teardown);
}
