/* test_signs.c — GET /signs/audit, GET /names/export (csv, json, gpkg),
 * GET /names/candidates and POST /names/audit/enterprises against the real
 * server, on a temp database built by the real `diming import` from
 * tests/fixtures/hierarchy.geojson and tests/fixtures/signs/ (see its
 * README). The CLI (`diming signs audit`, `diming names export|candidates`)
 * must give the same documents and bytes. Bad input gets 400/404 naming the
 * parameter. */
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

static int import(const char *layer, const char *fixture, const char *srs)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
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
    g_dir = t_tmpdir("http-signs");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "signs.sqlite");
    if (import("divisions", "hierarchy.geojson", NULL) || import("names", "signs/names.geojson", NULL) ||
        import("roads", "signs/roads.geojson", NULL) || import("signs", "signs/signs.csv", "EPSG:4490"))
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

static void get(const char *target, int expect, t_response_t *res)
{
    assert_int_equal(t_get(g_srv.port, target, res), 0);
    if (res->status != expect)
        fprintf(stderr, "GET %s: %d %s\n", target, res->status, res->body);
    assert_int_equal(res->status, expect);
}

static void assert_error(const char *target, int status, const char *param)
{
    t_response_t res;
    get(target, status, &res);
    assert_non_null(res.json);
    assert_int_equal(t_json_int(res.json, "error.status"), status);
    assert_string_equal(t_json_str(res.json, "error.param"), param);
    assert_true(strlen(t_json_str(res.json, "error.message")) > 0);
    t_response_free(&res);
}

/* ---- /signs/audit --------------------------------------------------------------- */

static void audit_lists_findings_with_rules_and_both_languages(void **state)
{
    (void)state;
    t_response_t res;
    get("/signs/audit?division=320402", 200, &res);
    json_t *j = res.json;
    assert_string_equal(t_json_str(j, "type"), "FeatureCollection");
    assert_string_equal(t_json_str(j, "division.code"), "320402000000");
    assert_int_equal(t_json_int(j, "signs"), 10);
    static const char *const rules[] = {"SIGN-TEXT", "SIGN-PINYIN", "SIGN-ROAD", "SIGN-LINK", "SIGN-LINK",
                                        "SIGN-ROAD", "SIGN-PINYIN", "SIGN-MISSING-ROAD", "SIGN-MISSING-VILLAGE"};
    static const long signs[] = {2, 3, 4, 6, 7, 7, 10, -1, -1};
    assert_int_equal(t_json_len(j, "features"), 9);
    char path[96];
    for (int i = 0; i < 9; i++) {
        snprintf(path, sizeof path, "features.%d.properties.rule", i);
        assert_string_equal(t_json_str(j, path), rules[i]);
        snprintf(path, sizeof path, "features.%d.properties.sign_id", i);
        if (signs[i] > 0)
            assert_int_equal(t_json_int(j, path), signs[i]);
        else
            assert_true(t_json_is_null(j, path));
    }
    assert_string_equal(t_json_str(j, "features.1.properties.message_zh"),
                        "标志拼音“Qingyang Road”与标准拼写“Qingyang Lu”不一致");
    assert_string_equal(t_json_str(j, "features.1.properties.message_en"),
                        "sign pinyin 'Qingyang Road' differs from the standard spelling 'Qingyang Lu'");
    assert_string_equal(t_json_str(j, "features.2.properties.found"), "丽华路");
    assert_string_equal(t_json_str(j, "features.2.geometry.type"), "Point");
    assert_true(fabs(t_json_num(j, "features.2.geometry.coordinates.0") - 119.98) < 1e-9);
    assert_string_equal(t_json_str(j, "features.8.properties.division_code"), "320402100201");
    assert_int_equal(t_json_int(j, "counts.SIGN-LINK"), 2);
    assert_int_equal(t_json_int(j, "counts.SIGN-MISSING-ROAD"), 1);
    /* density: 8 signs in the urban 街道, 2 in the rural 镇, each 26.48 km² */
    assert_int_equal(t_json_int(j, "density.urban.signs"), 8);
    assert_int_equal(t_json_int(j, "density.rural.signs"), 2);
    assert_true(fabs(t_json_num(j, "density.urban.area_km2") - 26.48) < 0.02);
    assert_true(fabs(t_json_num(j, "density.rural.signs_per_km2") - 2 / 26.46) < 0.002);
    assert_string_equal(t_json_str(j, "density.units.1.class"), "rural");
    assert_true(t_json_num(j, "params.road_signed_m") == 30);
    t_response_free(&res);

    /* the CLI prints the same document */
    t_run_t r;
    assert_int_equal(T_RUN(&r, "signs", "audit", "--division", "320402", "--db", g_db), 0);
    assert_int_equal(r.status, 0);
    json_t *cli = json_loads(r.out, 0, NULL);
    get("/signs/audit?division=320402", 200, &res);
    assert_true(json_equal(cli, res.json));
    json_decref(cli);
    t_response_free(&res);
    t_run_free(&r);
}

static void audit_bad_input(void **state)
{
    (void)state;
    assert_error("/signs/audit", 400, "division");
    assert_error("/signs/audit?division=32O402", 400, "division");
    assert_error("/signs/audit?division=3204021", 400, "division");
    assert_error("/signs/audit?division=330100", 404, "division");
    assert_error("/signs/audit?division=320402&date=2021-13-01", 400, "date");
    assert_error("/signs/audit?division=320402&radius=5", 400, "radius");
    t_response_t res;
    assert_int_equal(t_http(g_srv.port, "POST", "/signs/audit?division=320402", NULL, "", 0, &res), 0);
    assert_int_equal(res.status, 405);
    t_response_free(&res);
}

/* ---- /names/export ------------------------------------------------------------------ */

static const char CSV[] =
    "id,name,pinyin,category,division_code,status,lon,lat,approval_doc,approved_on,former_names\r\n"
    "6,红梅公园,Hongmei Gongyuan,landmark,,approved,119.9700000,30.9750000,,,\r\n"
    "4,焦溪路,Jiaoxi Lu,road,320402000000,approved,119.9600000,31.0250000,,,\r\n"
    "2,劳动路,Laodong Lu,road,320402000000,approved,119.9750000,30.9700000,,,劳动街\r\n"
    "3,丽华路,Lihua Lu,road,320402000000,approved,119.9800000,30.9850000,,,\r\n"
    "1,青洋路,Qingyang Lu,road,320402000000,approved,119.9600000,30.9750000,\"常政复〔2020〕12号,附\"\"图\"\"\","
    "2020-05-01,\r\n"
    "7,舜河桥,Shunhe Qiao,transport,320402100201,approved,119.9800000,31.0200000,,,\r\n";

static void export_csv_is_rfc4180_and_matches_the_cli(void **state)
{
    (void)state;
    t_response_t res;
    get("/names/export?division=320402&format=csv", 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "text/csv; charset=utf-8");
    assert_string_equal(t_header(&res, "Content-Disposition"), "attachment; filename=\"directory-320402.csv\"");
    assert_int_equal(res.body_len, strlen(CSV));
    assert_string_equal(res.body, CSV);
    t_response_free(&res);
    get("/names/export?division=320402&format=csv&bom=1", 200, &res);
    assert_int_equal(res.body_len, strlen(CSV) + 3);
    assert_memory_equal(res.body, "\xEF\xBB\xBF", 3);
    assert_string_equal(res.body + 3, CSV);
    t_response_free(&res);

    char *out = t_path(g_dir, "dir.csv");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "export", "--division", "320402", "--format", "csv", "--out", out, "--db", g_db),
                     0);
    assert_int_equal(r.status, 0);
    size_t len;
    char *file = t_read_file(out, &len);
    assert_non_null(file);
    assert_int_equal(len, strlen(CSV));
    assert_string_equal(file, CSV);
    free(file);
    free(out);
    t_run_free(&r);
}

static void export_json_and_category(void **state)
{
    (void)state;
    t_response_t res;
    get("/names/export?division=320402&category=facility", 200, &res); /* json is the default */
    assert_int_equal(t_json_int(res.json, "count"), 2);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "红梅公园");
    assert_string_equal(t_json_str(res.json, "features.0.properties.pinyin"), "Hongmei Gongyuan");
    assert_string_equal(t_json_str(res.json, "features.1.properties.category"), "transport");
    assert_true(fabs(t_json_num(res.json, "features.1.geometry.coordinates.1") - 31.02) < 1e-9);
    t_response_free(&res);
    get("/names/export?division=320402&format=json&category=road", 200, &res);
    assert_int_equal(t_json_int(res.json, "count"), 4);
    assert_string_equal(t_json_str(res.json, "features.1.properties.former_names"), "劳动街");
    t_response_free(&res);
    /* 钟楼区 has its one road */
    get("/names/export?division=320404", 200, &res);
    assert_int_equal(t_json_int(res.json, "count"), 1);
    assert_string_equal(t_json_str(res.json, "features.0.properties.name"), "钟楼路");
    t_response_free(&res);
}

static void export_gpkg_is_a_geopackage(void **state)
{
    (void)state;
    t_response_t res;
    get("/names/export?division=320402&format=gpkg", 200, &res);
    assert_string_equal(t_header(&res, "Content-Type"), "application/geopackage+sqlite3");
    assert_string_equal(t_header(&res, "Content-Disposition"), "attachment; filename=\"directory-320402.gpkg\"");
    assert_true(res.body_len > 16);
    assert_memory_equal(res.body, "SQLite format 3", 16);
    char *path = t_path(g_dir, "http.gpkg");
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(res.body, 1, res.body_len, f), res.body_len);
    fclose(f);
    t_response_free(&res);
    char *rows = t_sql(path, "SELECT count(*), sum(name = '青洋路' AND pinyin = 'Qingyang Lu') FROM directory");
    assert_string_equal(rows, "6|1\n");
    free(rows);
    rows = t_sql(path, "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'directory'");
    assert_string_equal(rows, "4490\n");
    free(rows);
    free(path);
}

static void export_bad_input(void **state)
{
    (void)state;
    assert_error("/names/export?format=csv", 400, "division");
    assert_error("/names/export?division=abc", 400, "division");
    assert_error("/names/export?division=999999", 404, "division");
    assert_error("/names/export?division=320402&format=xls", 400, "format");
    assert_error("/names/export?division=320402&category=foo", 400, "category");
    assert_error("/names/export?division=320402&bom=yes", 400, "bom");
    assert_error("/names/export?division=320402&limit=3", 400, "limit");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "export", "--division", "320402", "--format", "xls", "--out", "x", "--db", g_db),
                     0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "--format"));
    t_run_free(&r);
}

/* ---- /names/candidates ---------------------------------------------------------------- */

static void candidates_list_unnamed_rural_segments(void **state)
{
    (void)state;
    t_response_t res;
    get("/names/candidates?division=320402", 200, &res);
    json_t *j = res.json;
    assert_int_equal(t_json_int(j, "count"), 2);
    assert_int_equal(t_json_int(j, "features.0.properties.road_id"), 5);
    assert_string_equal(t_json_str(j, "features.0.properties.unit_name"), "焦溪村");
    assert_string_equal(t_json_str(j, "features.0.properties.class"), "residential");
    assert_true(fabs(t_json_num(j, "features.0.properties.length_m") - 1108.7) < 0.5);
    assert_string_equal(t_json_str(j, "features.0.geometry.type"), "LineString");
    assert_int_equal(t_json_int(j, "features.1.properties.road_id"), 8);
    assert_true(fabs(t_json_num(j, "total_length_m") - (1108.7 + 954.9)) < 1);
    t_response_free(&res);
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "candidates", "--division", "320402", "--db", g_db), 0);
    assert_int_equal(r.status, 0);
    json_t *cli = json_loads(r.out, 0, NULL);
    assert_int_equal(t_json_int(cli, "count"), 2);
    json_decref(cli);
    t_run_free(&r);
    assert_error("/names/candidates", 400, "division");
    assert_error("/names/candidates?division=51x", 400, "division");
}

/* ---- /names/audit/enterprises ---------------------------------------------------------- */

static void enterprises_report_codes_and_violations(void **state)
{
    (void)state;
    static const char body[] =
        "{\"observations\":["
        "{\"id\":\"a1\",\"text\":\"劳动街\",\"lon\":119.975,\"lat\":30.9701,\"enterprise\":\"常州甲置业有限公司\","
        "\"credit_code\":\"91350100M000100Y43\"},"
        "{\"id\":\"a2\",\"text\":\"劳动路\",\"lon\":119.975,\"lat\":30.9701,\"enterprise\":\"常州甲置业有限公司\","
        "\"credit_code\":\"91350100M000100Y43\"},"
        "{\"id\":\"b1\",\"text\":\"天宁新天地\",\"lon\":119.97,\"lat\":30.98,\"enterprise\":\"乙商业管理公司\","
        "\"credit_code\":\"91110000600037341X\"},"
        "{\"id\":\"c1\",\"text\":\"某某大厦\",\"lon\":119.97,\"lat\":30.99}]}";
    const char *const h[] = {"Content-Type: application/json", NULL};
    t_response_t res;
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit/enterprises", h, body, strlen(body), &res), 0);
    assert_int_equal(res.status, 200);
    json_t *j = res.json;
    assert_int_equal(t_json_len(j, "enterprises"), 2);
    assert_string_equal(t_json_str(j, "enterprises.0.enterprise"), "乙商业管理公司");
    assert_true(json_is_false(t_json_at(j, "enterprises.0.credit_code_valid")));
    assert_string_equal(t_json_str(j, "enterprises.0.credit_code_status"), "check_digit");
    assert_string_equal(t_json_str(j, "enterprises.0.expected_check_character"), "L");
    assert_string_equal(t_json_str(j, "enterprises.0.findings.0.rule"), "NAME-AUDIT-UNAPPROVED");
    assert_string_equal(t_json_str(j, "enterprises.1.credit_code"), "91350100M000100Y43");
    assert_true(json_is_true(t_json_at(j, "enterprises.1.credit_code_valid")));
    assert_int_equal(t_json_int(j, "enterprises.1.observations"), 2);
    assert_int_equal(t_json_int(j, "enterprises.1.violations"), 1);
    assert_int_equal(t_json_int(j, "enterprises.1.by_type.former_name_used"), 1);
    assert_int_equal(t_json_int(j, "unattributed"), 1);
    assert_int_equal(t_json_int(j, "invalid_credit_codes"), 1);
    t_response_free(&res);

    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit/enterprises?format=csv", h, body, strlen(body), &res), 0);
    assert_int_equal(res.status, 200);
    assert_string_equal(res.body,
                        "enterprise,credit_code,credit_code_status,observations,violations,unapproved_use,"
                        "approved_not_used,used_incompletely,former_name_used\r\n"
                        "乙商业管理公司,91110000600037341X,check_digit,1,1,1,0,0,0\r\n"
                        "常州甲置业有限公司,91350100M000100Y43,ok,2,1,0,0,0,1\r\n");
    t_response_free(&res);

    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit/enterprises?format=xml", h, body, strlen(body), &res), 0);
    assert_int_equal(res.status, 400);
    assert_string_equal(t_json_str(res.json, "error.param"), "format");
    t_response_free(&res);
    static const char bad[] = "{\"observations\":[{\"text\":\"劳动路\",\"credit_code\":7}]}";
    assert_int_equal(t_http(g_srv.port, "POST", "/names/audit/enterprises", h, bad, strlen(bad), &res), 0);
    assert_int_equal(res.status, 400);
    assert_string_equal(t_json_str(res.json, "error.param"), "credit_code");
    t_response_free(&res);
}

/* An import while the server runs is seen by the next request: the new sign
 * signs 丽华路, and the data version moves on. */
static void a_sign_imported_while_serving_is_audited(void **state)
{
    (void)state;
    t_response_t res;
    get("/health", 200, &res);
    long long before = t_json_int(res.json, "data_version");
    t_response_free(&res);
    assert_int_equal(import("signs", "signs/signs_more.csv", "EPSG:4490"), 0);
    get("/signs/audit?division=320402", 200, &res);
    assert_int_equal(t_json_int(res.json, "signs"), 11);
    assert_int_equal(t_json_len(res.json, "features"), 8);
    assert_true(t_json_at(res.json, "counts.SIGN-MISSING-ROAD") == NULL);
    assert_int_equal(t_json_int(res.json, "density.urban.signs"), 9);
    t_response_free(&res);
    char *v = t_sql(g_db, "SELECT version > 0 FROM data_versions WHERE layer = 'signs'");
    assert_string_equal(v, "1\n");
    free(v);
    /* the snapshot follows within the reload interval (1 s by default) */
    long long after = before;
    for (int i = 0; i < 50 && after == before; i++) {
        get("/health", 200, &res);
        after = t_json_int(res.json, "data_version");
        t_response_free(&res);
        if (after == before)
            usleep(100000);
    }
    assert_true(after > before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(audit_lists_findings_with_rules_and_both_languages),
        cmocka_unit_test(audit_bad_input),
        cmocka_unit_test(export_csv_is_rfc4180_and_matches_the_cli),
        cmocka_unit_test(export_json_and_category),
        cmocka_unit_test(export_gpkg_is_a_geopackage),
        cmocka_unit_test(export_bad_input),
        cmocka_unit_test(candidates_list_unnamed_rural_segments),
        cmocka_unit_test(enterprises_report_codes_and_violations),
        cmocka_unit_test(a_sign_imported_while_serving_is_audited),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
