/* test_limits.c — per-request deadlines (gis/limits.h): a statement on a
 * store connection stops when the thread's deadline has passed and runs to
 * the end without one; the sticky flag; box areas; counting the positions
 * of a posted GeoJSON geometry (server/reqlimits.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>

#include "gis/limits.h"
#include "gis/storeInt.h"
#include "gis/store_limits.h"
#include "server/reqlimits.h"
#include "tests/support/support.h"

/* A statement of about five million VM steps. */
static const char *const LONG_SQL = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000)"
                                    " SELECT count(*) FROM c";

static void deadline_stops_a_statement(void **state)
{
    (void)state;
    char *dir = t_tmpdir("limits");
    char *db = t_path(dir, "d.sqlite");
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(db, 0, &s, &e), 0);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), LONG_SQL, -1, &st, NULL), SQLITE_OK);

    /* No deadline (the CLI): runs to the end. */
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 500000);
    sqlite3_reset(st);
    assert_int_equal(limits_deadline_hit(), 0);

    /* A deadline far ahead: also to the end, and not "hit". */
    limits_deadline_set(limits_now() + 3600);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    sqlite3_reset(st);
    assert_int_equal(limits_deadline_hit(), 0);

    /* A deadline already past: interrupted, and the flag stays set. */
    limits_deadline_set(limits_now() - 0.001);
    assert_int_equal(sqlite3_step(st), SQLITE_INTERRUPT);
    assert_int_equal(limits_deadline_hit(), 1);
    assert_int_equal(limits_deadline_passed(), 1);
    /* What the server does after such a request: no statement stays busy. */
    store_limits_reset_statements(s);
    assert_int_equal(sqlite3_stmt_busy(st), 0);

    /* Cleared: the connection works again. */
    limits_deadline_clear();
    assert_int_equal(limits_deadline_hit(), 0);
    assert_int_equal(limits_deadline_passed(), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 500000);
    sqlite3_finalize(st);
    store_close(s);
    t_rmtree(dir);
    free(dir), free(db);
}

static void bbox_areas(void **state)
{
    (void)state;
    /* R² Δλ (sin φ2 − sin φ1), R = 6378.137 km */
    assert_float_equal(limits_bbox_km2((double[]){0, 0, 1, 1}), 12391.3999, 1e-3);
    assert_float_equal(limits_bbox_km2((double[]){119.95, 30.95, 120.0, 31.05}), 53.12, 0.01);
    assert_float_equal(limits_bbox_km2((double[]){-180, -90, 180, 90}), 4 * M_PI * 6378.137 * 6378.137, 1e-3);
    assert_float_equal(limits_bbox_km2((double[]){10, 5, 10, 6}), 0, 0);
}

static void counting_positions(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        size_t n;
    } cases[] = {
        {"{\"type\":\"Point\",\"coordinates\":[1,2]}", 1},
        {"{\"type\":\"LineString\",\"coordinates\":[[1,2],[3,4],[5,6,7]]}", 3},
        {"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,0]],[[0.2,0.2],[0.3,0.2],[0.2,0.3],[0.2,0.2]]]}", 8},
        {"{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,5]]]]}", 8},
        {"{\"type\":\"GeometryCollection\",\"geometries\":[{\"type\":\"Point\",\"coordinates\":[1,2]},"
         "{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}]}", 3},
        {"{\"type\":\"Point\",\"coordinates\":\"x\"}", 0},
        {"{\"type\":\"LineString\",\"coordinates\":[[[[[[[[[[[1,2]]]]]]]]]]]}", 0}, /* deeper than any geometry */
        {"[1,2]", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        json_t *doc = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
        assert_non_null(doc);
        assert_int_equal(reqlimits_count_positions(doc), cases[i].n);
        json_decref(doc);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deadline_stops_a_statement),
        cmocka_unit_test(bbox_areas),
        cmocka_unit_test(counting_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
