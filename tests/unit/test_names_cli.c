/* test_names_cli.c — `diming names …` as a user runs it: the real executable,
 * a scratch database imported from tests/fixtures (hierarchy.geojson and
 * names/register.geojson), exact output and exit status (0 success, 1
 * failure, 2 usage or bad input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;

static int import(const char *layer, const char *fixture)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = T_RUN(&r, "import", layer, path, "--db", g_db, "--quiet");
    free(path);
    rc = rc || r.status != 0 ? -1 : 0;
    t_run_free(&r);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("cli-names");
    g_db = g_dir ? t_path(g_dir, "names.sqlite") : NULL;
    if (!g_db || import("divisions", "hierarchy.geojson") || import("names", "names/register.geojson"))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return 0;
}

static void test_pinyin(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "pinyin", "经五路"), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "Jing 5 Lu\tJīng 5 Lù\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "pinyin", "厦门", "--category", "division"), 0);
    assert_string_equal(r.out, "Xiamen\tXiàmén\n");
    t_run_free(&r);
}

static void test_bad_input(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "pinyin", "人民路", "--category", "park"), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err,
                        "diming names: unknown category 'park' (road, residential, building, division, village, "
                        "natural, facility)\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "pinyin", "\xff\xfe"), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming names pinyin: name is not valid UTF-8\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "check", "青枫路", "--category", "road", "--geometry", "{\"type\":", "--db",
                           g_db),
                     0);
    assert_int_equal(r.status, 2);
    assert_non_null(strstr(r.err, "geometry is not valid GeoJSON"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "check", "青枫大街", "--category", "road", "--width-m", "wide", "--db", g_db), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming names check: --width-m must be a positive number\n");
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "frobnicate", "x"), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "names", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "usage: diming names pinyin NAME"));
    t_run_free(&r);
}

static void test_standardize_and_check(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "standardize", "長樂路", "--db", g_db), 0);
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(t_json_str(doc, "features.0.properties.name"), "长乐路");
    assert_string_equal(t_json_str(doc, "features.0.properties.match"), "traditional");
    json_decref(doc);
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "names", "check", "洪梅路", "--category", "road", "--geometry",
                           "{\"type\":\"Point\",\"coordinates\":[119.965,30.965]}", "--db", g_db),
                     0);
    assert_int_equal(r.status, 0);
    doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(t_json_str(doc, "verdict"), "warn");
    assert_string_equal(t_json_str(doc, "findings.0.rule"), "NAME-HOM-TONED");
    assert_string_equal(t_json_str(doc, "conflicts.features.0.properties.name"), "红梅路");
    json_decref(doc);
    t_run_free(&r);

    /* the options of the session-2 rules: a sign spelling, a narrow 大街, a protected name renamed */
    assert_int_equal(T_RUN(&r, "names", "check", "青枫大街", "--category", "road", "--pinyin", "Qingfeng Street",
                           "--width-m", "18", "--replaces", "青果巷", "--db", g_db),
                     0);
    assert_int_equal(r.status, 0);
    doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(t_json_str(doc, "verdict"), "warn");
    assert_int_equal(t_json_len(doc, "findings"), 3);
    assert_string_equal(t_json_str(doc, "findings.0.rule"), "NAME-GENERIC-SCALE");
    assert_string_equal(t_json_str(doc, "findings.1.rule"), "NAME-HERITAGE");
    assert_string_equal(t_json_str(doc, "findings.2.rule"), "NAME-PINYIN");
    assert_string_equal(t_json_str(doc, "findings.2.message_en"),
                        "the spelling 'Qingfeng Street' differs from the standard 'Qingfeng Dajie'");
    assert_string_equal(t_json_str(doc, "name.category"), "road");
    json_decref(doc);
    t_run_free(&r);
}

static void test_audit_csv(void **state)
{
    (void)state;
    char *csv = t_fixture("names/observations.csv");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "names", "audit", csv, "--tolerance", "500", "--db", g_db), 0);
    free(csv);
    assert_int_equal(r.status, 0);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    /* s1 (the sign) is right; s2–s5 use 湟新路 wrongly in four other channels */
    assert_int_equal(t_json_len(doc, "features"), 6);
    assert_string_equal(t_json_str(doc, "features.0.properties.subtype"), "generic_missing");
    assert_string_equal(t_json_str(doc, "features.0.properties.observation_id"), "s2");
    assert_string_equal(t_json_str(doc, "features.1.properties.subtype"), "wrong_generic");
    assert_string_equal(t_json_str(doc, "features.1.properties.text"), "湟新街");
    assert_string_equal(t_json_str(doc, "features.2.properties.type"), "former_name_used");
    assert_string_equal(t_json_str(doc, "features.2.properties.channel"), "household");
    /* the enterprise-register row carries its enterprise and 统一社会信用代码 */
    assert_string_equal(t_json_str(doc, "features.3.properties.observation_id"), "s5");
    assert_string_equal(t_json_str(doc, "features.3.properties.channel"), "企业登记");
    assert_string_equal(t_json_str(doc, "features.3.properties.channel_kind"), "enterprise");
    assert_string_equal(t_json_str(doc, "features.3.properties.enterprise"), "常州湟新商贸有限公司");
    assert_string_equal(t_json_str(doc, "features.3.properties.credit_code"), "91320402MA1P2B3C4Y");
    /* 用而不全 (ii): right on the sign, wrong in four required channels */
    assert_string_equal(t_json_str(doc, "features.4.properties.rule"), "NAME-AUDIT-CHANNEL");
    assert_string_equal(t_json_str(doc, "features.4.properties.subtype"), "channel_gap");
    assert_string_equal(t_json_str(doc, "features.4.properties.standard_name"), "湟新路");
    assert_int_equal(t_json_len(doc, "features.4.properties.evidence"), 4);
    assert_string_equal(t_json_str(doc, "features.4.properties.evidence.3.credit_code"), "91320402MA1P2B3C4Y");
    /* 批而不用: one correct use against four non-standard ones */
    assert_string_equal(t_json_str(doc, "features.5.properties.type"), "approved_not_used");
    assert_string_equal(t_json_str(doc, "features.5.properties.subtype"), "dominated");
    assert_int_equal(t_json_len(doc, "features.5.properties.evidence"), 4);
    assert_string_equal(t_json_str(doc, "features.5.properties.evidence.0.observation_id"), "s2");
    json_decref(doc);
    t_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pinyin),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_standardize_and_check),
        cmocka_unit_test(test_audit_csv),
    };
    return cmocka_run_group_tests_name("names cli", tests, setup, teardown);
}
