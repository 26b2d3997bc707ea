/* test_signs.c — the signs and directory modules at the library level:
 * GB 32100-2015 credit codes, sign pinyin folding, the sign audit, the
 * directory (CSV bytes), the naming candidates and the audit per enterprise,
 * on a database built by the real `diming import` from tests/fixtures/signs
 * (see its README for what each sign is meant to trip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/creditcode.h"
#include "gis/directory.h"
#include "gis/signs.h"
#include "gis/signsInt.h"
#include "tests/support/support.h"

static char *g_dir, *g_db;
static store_t *g_store;
static names_lexicon_t *g_lx;
static names_worker_t *g_w;

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

static int setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("unit-signs");
    g_db = t_path(g_dir, "signs.sqlite");
    if (import("divisions", "hierarchy.geojson", NULL) || import("names", "signs/names.geojson", NULL) ||
        import("roads", "signs/roads.geojson", NULL) || import("signs", "signs/signs.csv", "EPSG:4490"))
        return -1;
    dm_error e;
    names_config_t cfg = {DIMING_SOURCE_DIR "/share/names", DIMING_PINYIN_DICT, 1};
    if (store_open(g_db, STORE_READONLY, &g_store, &e) || names_lexicon_load(&cfg, &g_lx, &e) ||
        !(g_w = names_worker_new(g_lx, &e))) {
        fprintf(stderr, "setup: %s\n", e.message);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    names_worker_free(g_w);
    names_lexicon_free(g_lx);
    store_close(g_store);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return 0;
}

/* ---- credit codes --------------------------------------------------------- */

static void credit_codes_follow_gb32100(void **state)
{
    (void)state;
    char canon[19], want;
    /* published examples whose check characters are 3 and L */
    assert_int_equal(creditcode_check("91350100M000100Y43", canon, &want), CREDITCODE_OK);
    assert_int_equal(want, '3');
    assert_int_equal(creditcode_check(" 91110000600037341L ", canon, &want), CREDITCODE_OK);
    assert_string_equal(canon, "91110000600037341L");
    /* lower case is read as capitals */
    assert_int_equal(creditcode_check("91350100m000100y43", canon, &want), CREDITCODE_OK);
    assert_string_equal(canon, "91350100M000100Y43");
    /* one character changed: the check character no longer fits, and says what it should be */
    assert_int_equal(creditcode_check("91110000600037341X", canon, &want), CREDITCODE_CHECK);
    assert_int_equal(want, 'L');
    assert_int_equal(creditcode_check("91350100M000100Y44", NULL, &want), CREDITCODE_CHECK);
    assert_int_equal(want, '3');
    assert_int_equal(creditcode_check("9135010OM000100Y43", NULL, NULL), CREDITCODE_CHARSET); /* O is not used */
    assert_int_equal(creditcode_check("91350100M000100Y4", NULL, NULL), CREDITCODE_LENGTH);
    assert_int_equal(creditcode_check("", NULL, NULL), CREDITCODE_EMPTY);
    assert_int_equal(creditcode_check(NULL, NULL, NULL), CREDITCODE_EMPTY);
    /* letters where the division code's digits belong */
    char bad[19] = "91AB0100M000100Y40", w2;
    assert_int_not_equal(creditcode_check(bad, NULL, &w2), CREDITCODE_OK);
    bad[17] = w2; /* give it a fitting check character: still refused for the division digits */
    assert_int_equal(creditcode_check(bad, NULL, NULL), CREDITCODE_DIVISION);
    assert_string_equal(creditcode_status_name(CREDITCODE_CHECK), "check_digit");
}

static void pinyin_fold_keeps_word_division(void **state)
{
    (void)state;
    char a[64], b[64];
    signs_pinyin_fold("  ZHONGSHAN   BEILU ", a, sizeof a);
    signs_pinyin_fold("Zhongshan Beilu", b, sizeof b);
    assert_string_equal(a, "zhongshan beilu");
    assert_string_equal(a, b);
    signs_pinyin_fold("Zhongshan Bei Lu", b, sizeof b);
    assert_string_not_equal(a, b);
    signs_pinyin_fold("Chang'an Jie", b, sizeof b);
    assert_string_equal(b, "chang'an jie");
}

static void plane_distances(void **state)
{
    (void)state;
    sg_plane_t p;
    sg_plane_init(&p, 31.0);
    /* at 31° on the CGCS2000 ellipsoid a degree of latitude is 110869.46 m
     * (meridian radius of curvature × π/180), of longitude 95504.26 m */
    assert_true(fabs(sg_dist_m(&p, 120, 31, 120, 32) - 110869.46) < 0.5);
    assert_true(fabs(sg_dist_m(&p, 120, 31, 121, 31) - 95504.26) < 0.5);
    double xy[] = {119.96, 30.96, 119.96, 30.99};
    size_t start[] = {0, 2};
    sg_lines_t l = {xy, start, 1, 119.96, 30.96, 119.96, 30.99};
    /* 0.0002° of longitude at 31°: 19.1 m */
    double d = sg_dist_point_lines(&p, 119.9602, 30.97, &l);
    assert_true(d > 19.0 && d < 19.2);
    double lon, lat;
    sg_lines_midpoint(&p, &l, &lon, &lat);
    assert_true(fabs(lon - 119.96) < 1e-12 && fabs(lat - 30.975) < 1e-9);
}

/* ---- the sign audit ---------------------------------------------------------- */

static void audit_finds_each_planted_error(void **state)
{
    (void)state;
    signs_audit_result_t r;
    dm_error e;
    assert_int_equal(signs_audit(g_store, g_w, "320402", NULL, &r, &e), 0);
    assert_string_equal(r.division_code, "320402000000");
    assert_string_equal(r.division_name, "天宁区");
    assert_int_equal(r.signs, 10);
    static const struct {
        const char *rule;
        int64_t sign;
        const char *subject, *expected, *found;
    } want[] = {
        {"SIGN-TEXT", 2, "劳动街", "劳动路", "劳动街"},
        {"SIGN-PINYIN", 3, "青洋路", "Qingyang Lu", "Qingyang Road"},
        {"SIGN-ROAD", 4, "劳动路", "劳动路", "丽华路"},
        {"SIGN-LINK", 6, "红梅公园", "", ""},
        {"SIGN-LINK", 7, "旧城巷", "", "retired"},
        {"SIGN-ROAD", 7, "旧城巷", "", ""},
        {"SIGN-PINYIN", 10, "青洋路", "Qingyang Lu", ""},
        {"SIGN-MISSING-ROAD", 0, "丽华路", "丽华路", ""},
        {"SIGN-MISSING-VILLAGE", 0, "舜河村", "舜河村", ""},
    };
    assert_int_equal(r.nfindings, sizeof want / sizeof *want);
    for (size_t i = 0; i < r.nfindings; i++) {
        assert_string_equal(r.findings[i].rule, want[i].rule);
        assert_int_equal(r.findings[i].sign_id, want[i].sign);
        assert_string_equal(r.findings[i].subject, want[i].subject);
        assert_string_equal(r.findings[i].expected, want[i].expected);
        assert_string_equal(r.findings[i].found, want[i].found);
    }
    assert_string_equal(r.findings[0].message_zh, "标志文字“劳动街”与标准地名“劳动路”不一致");
    assert_string_equal(r.findings[0].message_en, "sign text '劳动街' differs from the standard name '劳动路'");
    assert_string_equal(r.findings[0].severity, "error");
    /* the sign beside 丽华路 is 11 m from it (0.0001° of latitude) */
    assert_true(r.findings[2].value_m > 11.0 && r.findings[2].value_m < 11.2);
    assert_string_equal(r.findings[5].message_en, "no road within 100 m of sign '旧城巷'");
    assert_string_equal(r.findings[8].division_code, "320402100201");
    /* 丽华路 runs 0.03° of longitude at 30.985°: 2865 m */
    assert_true(fabs(r.findings[7].value_m - 2865) <= 1);
    /* density: the urban 街道 holds signs 1–7 and 10, the rural 镇 signs 8 and 9 */
    assert_int_equal(r.nunits, 2);
    assert_string_equal(r.units[0].name, "雕庄街道");
    assert_int_equal(r.units[0].urban_class, 1);
    assert_int_equal(r.units[0].signs, 8);
    assert_string_equal(r.units[1].name, "郑陆镇");
    assert_int_equal(r.units[1].urban_class, 2);
    assert_int_equal(r.units[1].signs, 2);
    /* each half is 0.05° × 0.05°: 4.777 km × 5.543 km */
    assert_true(fabs(r.units[0].area_km2 - 26.48) < 0.02);
    assert_int_equal(r.class_signs[1], 8);
    assert_int_equal(r.class_signs[2], 2);
    signs_audit_clear(&r);

    /* a township alone: only its own signs, 舜河村 still unsigned */
    assert_int_equal(signs_audit(g_store, g_w, "320402100", NULL, &r, &e), 0);
    assert_int_equal(r.signs, 2);
    assert_int_equal(r.nfindings, 1);
    assert_string_equal(r.findings[0].rule, "SIGN-MISSING-VILLAGE");
    signs_audit_clear(&r);
}

static void audit_refuses_bad_divisions(void **state)
{
    (void)state;
    signs_audit_result_t r;
    dm_error e;
    assert_int_equal(signs_audit(g_store, g_w, "3204x2", NULL, &r, &e), DM_EINVAL);
    assert_string_equal(e.param, "division");
    assert_int_equal(signs_audit(g_store, g_w, "330100", NULL, &r, &e), DM_ENOTFOUND);
    assert_string_equal(e.param, "division");
}

/* ---- the directory ------------------------------------------------------------ */

static void directory_lists_standard_names_by_category_and_pinyin(void **state)
{
    (void)state;
    directory_t d;
    dm_error e;
    assert_int_equal(directory_build(g_store, g_w, "320402", NULL, &d, &e), 0);
    static const char *const names[] = {"红梅公园", "焦溪路", "劳动路", "丽华路", "青洋路", "舜河桥"};
    assert_int_equal(d.n, 6); /* not 旧城巷 (retired), 规划一路 (planned), 钟楼路 (钟楼区) */
    for (size_t i = 0; i < d.n; i++)
        assert_string_equal(d.entries[i].name, names[i]);
    char *csv;
    size_t len;
    assert_int_equal(directory_write_csv(&d, 0, &csv, &len, &e), 0);
    const char *want =
        "id,name,pinyin,category,division_code,status,lon,lat,approval_doc,approved_on,former_names\r\n"
        "6,红梅公园,Hongmei Gongyuan,landmark,,approved,119.9700000,30.9750000,,,\r\n"
        "4,焦溪路,Jiaoxi Lu,road,320402000000,approved,119.9600000,31.0250000,,,\r\n"
        "2,劳动路,Laodong Lu,road,320402000000,approved,119.9750000,30.9700000,,,劳动街\r\n"
        "3,丽华路,Lihua Lu,road,320402000000,approved,119.9800000,30.9850000,,,\r\n"
        "1,青洋路,Qingyang Lu,road,320402000000,approved,119.9600000,30.9750000,\"常政复〔2020〕12号,附\"\"图\"\"\","
        "2020-05-01,\r\n"
        "7,舜河桥,Shunhe Qiao,transport,320402100201,approved,119.9800000,31.0200000,,,\r\n";
    assert_int_equal(len, strlen(want));
    assert_string_equal(csv, want);
    free(csv);
    assert_int_equal(directory_write_csv(&d, 1, &csv, &len, &e), 0);
    assert_memory_equal(csv, "\xEF\xBB\xBFid,name", 10);
    assert_int_equal(len, strlen(want) + 3);
    free(csv);
    directory_clear(&d);

    directory_params_t p = {.has_category = 1, .category = NAME_CAT_FACILITY};
    assert_int_equal(directory_build(g_store, g_w, "320402", &p, &d, &e), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.entries[0].name, "红梅公园");
    assert_string_equal(d.entries[1].name, "舜河桥");
    directory_clear(&d);
    /* 郑陆镇: 焦溪路 lies in it (by location), 舜河桥 by its code */
    assert_int_equal(directory_build(g_store, g_w, "320402100", NULL, &d, &e), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.entries[0].name, "焦溪路");
    assert_string_equal(d.entries[1].name, "舜河桥");
    directory_clear(&d);
}

static void candidates_are_unnamed_streets_in_rural_villages(void **state)
{
    (void)state;
    naming_candidates_t c;
    dm_error e;
    assert_int_equal(directory_candidates(g_store, "320402", NULL, &c, &e), 0);
    /* edge 5 (residential, 焦溪村) and 8 (unclassified, 舜河村); not the footway
     * (6) nor the street in the urban 街道 (7) */
    assert_int_equal(c.n, 2);
    assert_int_equal(c.c[0].road_id, 5);
    assert_string_equal(c.c[0].unit_name, "焦溪村");
    assert_string_equal(c.c[0].unit_type, "村");
    assert_int_equal(c.c[1].road_id, 8);
    assert_string_equal(c.c[1].unit_code, "320402100201");
    /* 0.01° of latitude at 31.025°: 1108.7 m; 0.01° of longitude at 31.01°: 954.9 m */
    assert_true(fabs(c.c[0].length_m - 1108.7) < 0.5);
    assert_true(fabs(c.c[1].length_m - 954.9) < 0.5);
    assert_int_equal(c.rural_units, 3); /* 郑陆镇, 焦溪村, 舜河村 */
    directory_candidates_clear(&c);
    /* the urban 街道 has none */
    assert_int_equal(directory_candidates(g_store, "320402001", NULL, &c, &e), 0);
    assert_int_equal(c.n, 0);
    directory_candidates_clear(&c);
}

static void enterprise_audit_groups_by_credit_code(void **state)
{
    (void)state;
    names_index_t *ix;
    dm_error e;
    assert_int_equal(names_index_build(g_store, g_lx, &ix, &e), 0);
    name_observation_t obs[] = {
        {.id = "a1", .text = "劳动街", .lon = 119.975, .lat = 30.9701},     /* former name */
        {.id = "a2", .text = "劳动路", .lon = 119.975, .lat = 30.9701},     /* correct */
        {.id = "b1", .text = "天宁新天地", .lon = 119.97, .lat = 30.98},    /* unapproved */
        {.id = "b2", .text = "天宁新天地广场", .lon = 119.97, .lat = 30.98}, /* unapproved */
        {.id = "c1", .text = "某某大厦", .lon = 119.97, .lat = 30.99},      /* nobody's */
    };
    enterprise_ref_t ents[] = {
        {"常州甲置业有限公司", "91350100M000100Y43"},
        {"常州甲置业", "91350100m000100y43"}, /* the same code in lower case: the same enterprise */
        {"乙商业管理公司", "91110000600037341X"},
        {"乙商业管理公司", "91110000600037341X"},
        {NULL, NULL},
    };
    enterprise_report_t r;
    assert_int_equal(directory_enterprise_audit(g_w, ix, obs, ents, 5, NULL, &r, &e), 0);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.e[0].name, "乙商业管理公司");
    assert_int_equal(r.e[0].code_status, CREDITCODE_CHECK);
    assert_int_equal(r.e[0].expected_check, 'L');
    assert_int_equal(r.e[0].observations, 2);
    assert_int_equal(r.e[0].violations, 2);
    assert_int_equal(r.e[0].by_type[NAME_AUDIT_UNAPPROVED], 2);
    assert_string_equal(r.e[1].name, "常州甲置业有限公司");
    assert_string_equal(r.e[1].credit_code, "91350100M000100Y43");
    assert_int_equal(r.e[1].code_status, CREDITCODE_OK);
    assert_int_equal(r.e[1].observations, 2);
    assert_int_equal(r.e[1].violations, 1);
    assert_int_equal(r.e[1].by_type[NAME_AUDIT_FORMER], 1);
    assert_int_equal(r.unattributed, 1);
    directory_enterprise_clear(&r);
    names_index_free(ix);
}

/* The importer's signs layer: Chinese and English column names, and each bad
 * value rejected with its row and field. */
static void import_rejects_bad_sign_rows(void **state)
{
    (void)state;
    char *db = t_path(g_dir, "bad.sqlite"), *csv = t_fixture("signs/signs_bad.csv");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "signs", csv, "--db", db, "--src-srs", "EPSG:4490", "--json"), 0);
    assert_int_equal(r.status, 0);
    json_t *j = json_loads(r.out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(t_json_int(j, "imported"), 1);
    assert_int_equal(t_json_int(j, "rejected"), 5);
    static const char *const fields[] = {"type", "installed", "text", "condition", "geometry"};
    char path[64];
    for (int i = 0; i < 5; i++) {
        snprintf(path, sizeof path, "issues.%d.row", i);
        assert_int_equal(t_json_int(j, path), i + 1);
        snprintf(path, sizeof path, "issues.%d.field", i);
        assert_string_equal(t_json_str(j, path), fields[i]);
    }
    assert_string_equal(t_json_str(j, "issues.0.message"),
                        "type 'billboard' is not one of road, lane, building, village, guide");
    json_decref(j);
    t_run_free(&r);
    char *rows = t_sql(db, "SELECT type, text, pinyin, name_text, installed_on, condition, X(geom) FROM signs");
    assert_string_equal(rows, "lane|劳动路|Laodong Lu|劳动路|2020-01-01|good|119.97\n");
    free(rows);
    /* the Chinese headers of the fixture: 类型 路牌 → road, 村牌 → village, 完好 → good */
    rows = t_sql(g_db, "SELECT type || ':' || count(*) FROM signs GROUP BY type ORDER BY type");
    assert_string_equal(rows, "guide:1\nlane:1\nroad:7\nvillage:1\n");
    free(rows);
    rows = t_sql(g_db, "SELECT name_id, condition FROM signs WHERE id = 6");
    assert_string_equal(rows, "9999|good\n");
    free(rows);
    free(db);
    free(csv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(credit_codes_follow_gb32100),
        cmocka_unit_test(pinyin_fold_keeps_word_division),
        cmocka_unit_test(plane_distances),
        cmocka_unit_test(audit_finds_each_planted_error),
        cmocka_unit_test(audit_refuses_bad_divisions),
        cmocka_unit_test(directory_lists_standard_names_by_category_and_pinyin),
        cmocka_unit_test(candidates_are_unnamed_streets_in_rural_villages),
        cmocka_unit_test(enterprise_audit_groups_by_credit_code),
        cmocka_unit_test(import_rejects_bad_sign_rows),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
