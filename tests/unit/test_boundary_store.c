/* test_boundary_store.c — the boundary tables over time: migration v6 keeps
 * the lines of a v5 file (with their spatial index) and gives them a period;
 * a pair can then have several line versions, and the versions in force on a
 * date are the ones read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/boundary.h"
#include "gis/geom.h"
#include "gis/store.h"
#include "gis/storeInt.h"
#include "gis/store_boundary.h"

static char path[512];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/test_boundary_store_%d.sqlite", DIMING_TEST_TMP, (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return 0;
}

static long query_long(store_t *s, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_sqlite(s), sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long v = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

typedef struct {
    char got[8][96];
    int n;
} seen_t;

static int collect(const boundary_line_t *l, void *ctx)
{
    seen_t *s = ctx;
    if (s->n < 8)
        snprintf(s->got[s->n++], sizeof s->got[0], "%s|%s|%s|%s|%.1f", l->name, l->status, l->valid_from,
                 l->valid_to, l->length_m);
    return 0;
}

static unsigned char *wkb_of(const char *wkt, size_t *len)
{
    GEOSContextHandle_t h = geom_ctx();
    GEOSWKTReader *r = GEOSWKTReader_create_r(h);
    GEOSGeometry *g = GEOSWKTReader_read_r(h, r, wkt);
    GEOSWKTReader_destroy_r(h, r);
    assert_non_null(g);
    unsigned char *w = geom_to_wkb(g, len);
    GEOSGeom_destroy_r(h, g);
    return w;
}

static void v5_lines_survive_migration_and_gain_versions(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open_at(path, 0, 5, &s, &e), 0);
    assert_int_equal(sqlite3_exec(store_sqlite(s),
                                  "INSERT INTO boundary_lines(level, left_code, right_code, name, line_code, length_m, "
                                  "status, agreement_ref, source, geom) VALUES (3, '320402000000', '320404000000', "
                                  "'天宁区—钟楼区', '0204', 1234.5, 'agreed', '苏民〔2004〕7号', 'derived', "
                                  "GeomFromText('MULTILINESTRING((119.9 31.7, 119.95 31.75))', 4490))",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    store_close(s);

    /* Reopened read-write: migrated to the current schema, the line kept. */
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    store_close(s);
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    assert_int_equal(query_long(s, "SELECT count(*) FROM boundary_lines"), 1);
    /* The spatial index is registered again and holds the line. */
    assert_int_equal(query_long(s, "SELECT count(*) FROM idx_boundary_lines_geom"), 1);
    assert_int_equal(query_long(s, "SELECT count(*) FROM geometry_columns WHERE f_table_name = 'boundary_lines' "
                                   "AND spatial_index_enabled = 1"),
                     1);
    seen_t got = {0};
    assert_int_equal(store_boundary_lines_on(s, LEVEL_NONE, "", NULL, "2020-01-01", collect, &got, &e), 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.got[0], "天宁区—钟楼区|agreed|||1234.5");

    /* A second version of the same pair from 2021: the old one closed then. */
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_boundary_mark(s, LEVEL_COUNTY, NULL, &e), 0);
    size_t len;
    unsigned char *w1 = wkb_of("MULTILINESTRING((119.9 31.7, 119.95 31.75))", &len);
    boundary_line_t l = {.level = LEVEL_COUNTY, .left_code = "320402000000", .right_code = "320404000000",
                         .name = "天宁区—钟楼区", .line_code = "0204", .length_m = 1234.5, .source = "derived",
                         .valid_from = "", .valid_to = "2021-01-01", .wkb = w1, .wkb_len = len};
    assert_int_equal(store_boundary_upsert(s, &l, &e), 0);
    size_t len2;
    unsigned char *w2 = wkb_of("MULTILINESTRING((119.9 31.7, 119.96 31.75))", &len2);
    l.valid_from = "2021-01-01", l.valid_to = "", l.length_m = 1300, l.wkb = w2, l.wkb_len = len2;
    assert_int_equal(store_boundary_upsert(s, &l, &e), 0);
    assert_int_equal(store_boundary_sweep(s, LEVEL_COUNTY, NULL, &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    free(w1), free(w2);

    memset(&got, 0, sizeof got);
    assert_int_equal(store_boundary_lines_on(s, LEVEL_NONE, "", NULL, "2020-06-01", collect, &got, &e), 0);
    assert_int_equal(got.n, 1);
    /* the old version kept its 勘定 status; the new course is not agreed yet */
    assert_string_equal(got.got[0], "天宁区—钟楼区|agreed||2021-01-01|1234.5");
    memset(&got, 0, sizeof got);
    assert_int_equal(store_boundary_lines_on(s, LEVEL_NONE, "", NULL, "2021-01-01", collect, &got, &e), 0);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.got[0], "天宁区—钟楼区|unknown|2021-01-01||1300.0");
    memset(&got, 0, sizeof got);
    assert_int_equal(store_boundary_lines(s, LEVEL_NONE, "", collect, &got, &e), 0);
    assert_int_equal(got.n, 2);

    /* The status is set on the open version only. */
    assert_int_equal(store_boundary_set_status(s, "320404000000", "320402000000", "not_agreed", NULL, &e), 0);
    memset(&got, 0, sizeof got);
    assert_int_equal(store_boundary_lines(s, LEVEL_NONE, "", collect, &got, &e), 0);
    assert_string_equal(got.got[0], "天宁区—钟楼区|agreed||2021-01-01|1234.5");
    assert_string_equal(got.got[1], "天宁区—钟楼区|not_agreed|2021-01-01||1300.0");

    /* An official line for 2021 onwards replaces the derived version of its period. */
    assert_int_equal(store_begin(s, &e), 0);
    unsigned char *w3 = wkb_of("MULTILINESTRING((119.9 31.7, 119.97 31.75))", &len);
    boundary_line_t off = {.level = LEVEL_COUNTY, .left_code = "320402000000", .right_code = "320404000000",
                           .name = "天宁区—钟楼区", .line_code = "0204", .length_m = 1400, .status = "agreed",
                           .agreement_ref = "苏民〔2021〕1号", .valid_from = "2021-03-01", .wkb = w3,
                           .wkb_len = len};
    assert_int_equal(store_boundary_import(s, &off, &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    free(w3);
    assert_int_equal(query_long(s, "SELECT count(*) FROM boundary_lines WHERE source = 'derived'"), 1);
    assert_int_equal(query_long(s, "SELECT count(*) FROM boundary_lines WHERE source = 'imported' "
                                   "AND valid_from = '2021-03-01' AND valid_to IS NULL"),
                     1);
    store_close(s);
}

static void add_division(store_t *s, int64_t batch, const char *code, const char *name, const char *wkt,
                         const char *from)
{
    dm_error e;
    size_t len;
    unsigned char *w = wkb_of(wkt, &len);
    division_t d;
    memset(&d, 0, sizeof d);
    snprintf(d.code, sizeof d.code, "%s", code);
    snprintf(d.parent_code, sizeof d.parent_code, "320402000000");
    d.name = (char *)name;
    d.level = LEVEL_TOWNSHIP;
    snprintf(d.valid_from, sizeof d.valid_from, "%s", from ? from : "");
    d.wkb = w;
    d.wkb_len = len;
    d.batch_id = batch;
    assert_int_equal(store_insert_division(s, &d, &e), 0);
    free(w);
}

static void close_division(store_t *s, const char *code, const char *on)
{
    dm_error e;
    division_t d;
    assert_int_equal(store_division_get(s, code, NULL, 0, &d, &e), 0);
    assert_int_equal(store_division_close(s, d.id, on, &e), 0);
    division_clear(&d);
}

static void derive_townships(store_t *s)
{
    dm_error e;
    boundary_derive_report_t rep;
    boundary_derive_opts_t o = {.level = LEVEL_TOWNSHIP, .tolerance_m = 5};
    assert_int_equal(boundary_derive(s, &o, &rep, &e), 0);
}

/* 雕庄街道 below 31°N, 郑陆镇 above: their line is 31°N from 119.95° to 120°.
 * 郑陆镇 is renamed 郑陆街道 in 2022 (same course: the agreed status carries
 * over); 雕庄街道 shrinks to 119.99° in 2023 (a new course: not agreed yet). */
static void a_renamed_neighbour_keeps_the_agreed_line(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    int64_t batch;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_batch_begin(s, "divisions", "test", NULL, NULL, &batch, &e), 0);
    add_division(s, batch, "320402001000", "雕庄街道", "MULTIPOLYGON(((119.95 30.95,120 30.95,120 31,119.95 31,119.95 30.95)))",
                 NULL);
    add_division(s, batch, "320402100000", "郑陆镇", "MULTIPOLYGON(((119.95 31,120 31,120 31.05,119.95 31.05,119.95 31)))",
                 NULL);
    assert_int_equal(store_commit(s, &e), 0);
    derive_townships(s);
    assert_int_equal(store_boundary_set_status(s, "320402001000", "320402100000", "agreed", "天宁勘界〔2004〕2号", &e), 0);

    assert_int_equal(store_begin(s, &e), 0);
    close_division(s, "320402100000", "2022-01-01");
    add_division(s, batch, "320402100000", "郑陆街道", "MULTIPOLYGON(((119.95 31,120 31,120 31.05,119.95 31.05,119.95 31)))",
                 "2022-01-01");
    close_division(s, "320402001000", "2023-01-01");
    add_division(s, batch, "320402001000", "雕庄街道",
                 "MULTIPOLYGON(((119.95 30.95,119.99 30.95,119.99 31,119.95 31,119.95 30.95)))", "2023-01-01");
    assert_int_equal(store_commit(s, &e), 0);
    derive_townships(s);

    seen_t got = {0};
    assert_int_equal(store_boundary_lines(s, LEVEL_TOWNSHIP, "", collect, &got, &e), 0);
    assert_int_equal(got.n, 3);
    assert_string_equal(got.got[0], "雕庄街道—郑陆镇|agreed||2022-01-01|4775.2");
    assert_string_equal(got.got[1], "雕庄街道—郑陆街道|agreed|2022-01-01|2023-01-01|4775.2");
    assert_string_equal(got.got[2], "雕庄街道—郑陆街道|unknown|2023-01-01||3820.2");
    /* Deriving again changes nothing. */
    derive_townships(s);
    memset(&got, 0, sizeof got);
    assert_int_equal(store_boundary_lines(s, LEVEL_TOWNSHIP, "", collect, &got, &e), 0);
    assert_int_equal(got.n, 3);
    assert_string_equal(got.got[1], "雕庄街道—郑陆街道|agreed|2022-01-01|2023-01-01|4775.2");
    store_close(s);
}

/* Deriving the lines of one date after an edition keeps the history before
 * it: the version the edition superseded is closed, not deleted. */
static void a_dated_derive_keeps_earlier_versions(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    int64_t batch;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    assert_int_equal(store_batch_begin(s, "divisions", "test", NULL, NULL, &batch, &e), 0);
    add_division(s, batch, "320402001000", "雕庄街道", "MULTIPOLYGON(((119.95 30.95,120 30.95,120 31,119.95 31,119.95 30.95)))",
                 NULL);
    add_division(s, batch, "320402100000", "郑陆镇", "MULTIPOLYGON(((119.95 31,120 31,120 31.05,119.95 31.05,119.95 31)))",
                 NULL);
    assert_int_equal(store_commit(s, &e), 0);
    derive_townships(s);
    assert_int_equal(store_boundary_set_status(s, "320402001000", "320402100000", "agreed", NULL, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    close_division(s, "320402100000", "2022-01-01");
    add_division(s, batch, "320402100000", "郑陆街道", "MULTIPOLYGON(((119.95 31,120 31,120 31.05,119.95 31.05,119.95 31)))",
                 "2022-01-01");
    assert_int_equal(store_commit(s, &e), 0);
    boundary_derive_report_t rep;
    boundary_derive_opts_t o = {.level = LEVEL_TOWNSHIP, .tolerance_m = 5, .date = "2024-01-01"};
    assert_int_equal(boundary_derive(s, &o, &rep, &e), 0);
    assert_int_equal(rep.removed[LEVEL_TOWNSHIP], 0);
    seen_t got = {0};
    assert_int_equal(store_boundary_lines(s, LEVEL_TOWNSHIP, "", collect, &got, &e), 0);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.got[0], "雕庄街道—郑陆镇|agreed||2022-01-01|4775.2");
    assert_string_equal(got.got[1], "雕庄街道—郑陆街道|unknown|2022-01-01||4775.2");
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(v5_lines_survive_migration_and_gain_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(a_renamed_neighbour_keeps_the_agreed_line, setup, teardown),
        cmocka_unit_test_setup_teardown(a_dated_derive_keeps_earlier_versions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
