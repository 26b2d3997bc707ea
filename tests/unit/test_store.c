/* test_store.c — schema creation and migration, refusal of newer or foreign
 * files, division inserts and reads, transactions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/geom.h"
#include "gis/store.h"
#include "gis/storeInt.h"

static char path[512];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/test_store_%d.sqlite", DIMING_TEST_TMP, (int)getpid());
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

static void new_file_gets_current_schema(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_schema_version(s), 0); /* it was new */
    assert_int_equal(store_count(s, "divisions", &e), 0);
    assert_int_equal(store_count(s, "road_edges", &e), 0);
    assert_int_equal(store_count(s, "nonsense", &e), DM_EINVAL);
    store_close(s);
    assert_int_equal(store_open(path, STORE_READONLY, &s, &e), 0);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
}

static void older_file_is_upgraded_on_open(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open_at(path, 0, 1, &s, &e), 0);
    store_close(s);
    /* Read-only opening refuses to work on an old schema … */
    assert_int_equal(store_open(path, STORE_READONLY, &s, &e), DM_ESCHEMA);
    assert_non_null(strstr(e.message, "schema version 1"));
    /* … a read-write open upgrades it. */
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_schema_version(s), 1);
    store_close(s);
    assert_int_equal(store_open(path, STORE_READONLY, &s, &e), 0);
    assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
    store_close(s);
    /* The v2 index exists. */
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'place_names_name'", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void newer_file_is_refused(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    store_close(s);
    sqlite3 *db;
    sqlite3_open(path, &db);
    assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (99, 'future')", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &s, &e), DM_ESCHEMA);
    assert_non_null(strstr(e.message, "schema version 99"));
    assert_non_null(strstr(e.message, "upgrade diming"));
}

static void foreign_files_are_refused(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE accounts(x)", NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(store_open(path, 0, &s, &e), DM_ESCHEMA);
    assert_non_null(strstr(e.message, "not a diming"));
    unlink(path);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just text that is long enough to fill a header ..........................", f);
    fclose(f);
    assert_true(store_open(path, 0, &s, &e) < 0);
    assert_int_equal(store_open("/nonexistent-dir/x.sqlite", STORE_READONLY, &s, &e), DM_ENOTFOUND);
}

static void divisions_round_trip_with_validity(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    int64_t batch;
    assert_int_equal(store_batch_begin(s, "divisions", "test", "EPSG:4490", NULL, &batch, &e), 0);
    size_t len;
    unsigned char *wkb = wkb_of("MULTIPOLYGON(((120 31,120.1 31,120.1 31.1,120 31.1,120 31)))", &len);
    division_t d;
    memset(&d, 0, sizeof d);
    strcpy(d.code, "320402100000");
    strcpy(d.parent_code, "320402000000");
    d.name = "郑陆镇";
    d.level = LEVEL_TOWNSHIP;
    d.type = "镇";
    strcpy(d.valid_to, "2022-10-31");
    d.wkb = wkb;
    d.wkb_len = len;
    d.batch_id = batch;
    d.row_no = 1;
    assert_int_equal(store_insert_division(s, &d, &e), 0);
    /* Same code, overlapping dates → conflict. */
    assert_int_equal(store_insert_division(s, &d, &e), DM_ECONFLICT);
    /* A successor version from the end date is fine. */
    d.name = "郑陆街道";
    d.type = "街道";
    strcpy(d.valid_from, "2022-10-31");
    d.valid_to[0] = '\0';
    assert_int_equal(store_insert_division(s, &d, &e), 0);
    batch_counts_t c = {2, 0, 0};
    assert_int_equal(store_batch_finish(s, batch, &c, &e), 0);
    assert_int_equal(store_commit(s, &e), 0);
    free(wkb);

    division_t got;
    assert_int_equal(store_division_get(s, "320402100000", "2020-01-01", 1, &got, &e), 0);
    assert_string_equal(got.name, "郑陆镇");
    assert_string_equal(got.valid_to, "2022-10-31");
    assert_non_null(got.wkb);
    division_clear(&got);
    assert_int_equal(store_division_get(s, "320402100000", "2023-01-01", 0, &got, &e), 0);
    assert_string_equal(got.name, "郑陆街道");
    assert_null(got.wkb);
    division_clear(&got);
    assert_int_equal(store_division_get(s, "320402999000", NULL, 0, &got, &e), DM_ENOTFOUND);
    assert_int_equal(store_division_exists(s, "320402100000", "2022-10-30", &e), 1);
    assert_int_equal(store_data_version(s, &e), batch);
    store_close(s);
}

static void rollback_leaves_nothing(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    assert_int_equal(store_begin(s, &e), 0);
    int64_t batch;
    assert_int_equal(store_batch_begin(s, "divisions", "test", NULL, NULL, &batch, &e), 0);
    division_t d;
    memset(&d, 0, sizeof d);
    strcpy(d.code, "320000000000");
    d.name = "江苏省";
    d.level = LEVEL_PROVINCE;
    d.batch_id = batch;
    assert_int_equal(store_insert_division(s, &d, &e), 0);
    store_rollback(s);
    assert_int_equal(store_count(s, "divisions", &e), 0);
    assert_int_equal(store_count(s, "import_batches", &e), 0);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(new_file_gets_current_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(older_file_is_upgraded_on_open, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_file_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_files_are_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(divisions_round_trip_with_validity, setup, teardown),
        cmocka_unit_test_setup_teardown(rollback_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
