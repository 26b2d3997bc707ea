/* test_locate.c — the in-memory division index: exact chains on a hand-made
 * hierarchy, borders, validity dates and overlapping siblings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/geom.h"
#include "gis/locate.h"
#include "gis/store.h"

static char path[512];

static void add(store_t *s, int64_t batch, const char *code, const char *parent, const char *name,
                division_level_t level, const char *wkt, const char *from, const char *to)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
    GEOSWKTReader_destroy_r(h, r);
    assert_non_null(g);
    division_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.code, sizeof d.code, "%s", code);
    snprintf(d.parent_code, sizeof d.parent_code, "%s", parent);
    snprintf(d.valid_from, sizeof d.valid_from, "%s", from);
    snprintf(d.valid_to, sizeof d.valid_to, "%s", to);
    d.name = (char *)name;
    d.level = level;
    d.wkb = geom_to_wkb(g, &d.wkb_len);
    d.batch_id = batch;
    dm_error e;
    assert_int_equal(store_insert_division(s, &d, &e), 0);
    free(d.wkb);
    GEOSGeom_destroy_r(h, g);
}

#define SQ(x0, y0, x1, y1) "MULTIPOLYGON(((" #x0 " " #y0 "," #x1 " " #y0 "," #x1 " " #y1 "," #x0 " " #y1 "," #x0 " " #y0 ")))"

static int setup(void **state)
{
    snprintf(path, sizeof path, "%s/test_locate_%d.sqlite", DIMING_TEST_TMP, (int)getpid());
    unlink(path);
    store_t *s;
    dm_error e;
    if (store_open(path, 0, &s, &e))
        return -1;
    store_begin(s, &e);
    int64_t b;
    store_batch_begin(s, "divisions", "test", NULL, NULL, &b, &e);
    add(s, b, "320000000000", "", "江苏省", LEVEL_PROVINCE, SQ(119, 30, 121, 32), "", "");
    add(s, b, "320400000000", "320000000000", "常州市", LEVEL_PREFECTURE, SQ(119.5, 31, 120.5, 32), "", "");
    add(s, b, "320402000000", "320400000000", "天宁区", LEVEL_COUNTY, SQ(119.5, 31, 120, 32), "", "");
    add(s, b, "320404000000", "320400000000", "钟楼区", LEVEL_COUNTY, SQ(120, 31, 120.5, 32), "", "");
    add(s, b, "320402001000", "320402000000", "茶山街道", LEVEL_TOWNSHIP, SQ(119.5, 31, 120, 31.5), "", "");
    /* A town that became a 街道 on 2022-10-31 (镇改街道, new code). */
    add(s, b, "320402100000", "320402000000", "郑陆镇", LEVEL_TOWNSHIP, SQ(119.5, 31.5, 120, 32), "", "2022-10-31");
    add(s, b, "320402011000", "320402000000", "郑陆街道", LEVEL_TOWNSHIP, SQ(119.5, 31.5, 120, 32), "2022-10-31", "");
    add(s, b, "320402001001", "320402001000", "朝阳社区", LEVEL_VILLAGE, SQ(119.5, 31, 119.75, 31.25), "", "");
    /* A sliver of 钟楼区's township that overlaps 天宁区 (real data has these). */
    add(s, b, "320404001000", "320404000000", "西林街道", LEVEL_TOWNSHIP, SQ(119.99, 31, 120.5, 31.5), "", "");
    batch_counts_t c = {9, 0, 0};
    store_batch_finish(s, b, &c, &e);
    store_commit(s, &e);
    division_index_t *idx;
    int rc = division_index_build(s, &idx, &e);
    store_close(s);
    *state = idx;
    return rc;
}

static int teardown(void **state)
{
    division_index_free(*state);
    unlink(path);
    return 0;
}

static void chain_goes_province_to_village(void **state)
{
    const division_entry_t *ch[LOCATE_MAX_CHAIN];
    int n = division_index_locate(*state, 119.6, 31.1, "2024-01-01", ch);
    assert_int_equal(n, 5);
    assert_string_equal(ch[0]->code, "320000000000");
    assert_string_equal(ch[1]->code, "320400000000");
    assert_string_equal(ch[2]->code, "320402000000");
    assert_string_equal(ch[3]->code, "320402001000");
    assert_string_equal(ch[4]->code, "320402001001");
    assert_string_equal(ch[4]->name, "朝阳社区");
    assert_int_equal(ch[4]->level, LEVEL_VILLAGE);
}

static void point_outside_everything_has_no_chain(void **state)
{
    const division_entry_t *ch[LOCATE_MAX_CHAIN];
    assert_int_equal(division_index_locate(*state, 100, 20, "2024-01-01", ch), 0);
    /* Inside the province only. */
    assert_int_equal(division_index_locate(*state, 119.2, 30.5, "2024-01-01", ch), 1);
    assert_string_equal(ch[0]->name, "江苏省");
}

static void date_selects_the_version(void **state)
{
    const division_entry_t *ch[LOCATE_MAX_CHAIN];
    int n = division_index_locate(*state, 119.7, 31.7, "2021-06-01", ch);
    assert_int_equal(n, 4);
    assert_string_equal(ch[3]->name, "郑陆镇");
    n = division_index_locate(*state, 119.7, 31.7, "2022-10-31", ch);
    assert_int_equal(n, 4);
    assert_string_equal(ch[3]->name, "郑陆街道");
    assert_string_equal(ch[3]->code, "320402011000");
}

static void border_and_overlap_follow_the_parent(void **state)
{
    const division_entry_t *ch[LOCATE_MAX_CHAIN];
    /* On the county border x = 120: both counties cover it; the lower code wins
     * and the township chosen is one of that county's. */
    int n = division_index_locate(*state, 120.0, 31.2, "2024-01-01", ch);
    assert_int_equal(n, 4);
    assert_string_equal(ch[2]->code, "320402000000");
    assert_string_equal(ch[3]->code, "320402001000");
    /* Inside 天宁区 but also inside 钟楼区's overlapping sliver township:
     * the township must belong to the county found. */
    n = division_index_locate(*state, 119.995, 31.2, "2024-01-01", ch);
    assert_int_equal(n, 4);
    assert_string_equal(ch[2]->code, "320402000000");
    assert_string_equal(ch[3]->code, "320402001000");
    /* East of the border only 钟楼区 and 西林街道 remain. */
    n = division_index_locate(*state, 120.2, 31.2, "2024-01-01", ch);
    assert_int_equal(n, 4);
    assert_string_equal(ch[2]->code, "320404000000");
    assert_string_equal(ch[3]->code, "320404001000");
}

static void stats_count_outlines(void **state)
{
    division_index_stats_t st = division_index_stats(*state);
    assert_int_equal(st.divisions, 9);
    assert_int_equal(st.vertices, 9 * 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_goes_province_to_village),
        cmocka_unit_test(point_outside_everything_has_no_chain),
        cmocka_unit_test(date_selects_the_version),
        cmocka_unit_test(border_and_overlap_follow_the_parent),
        cmocka_unit_test(stats_count_outlines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
