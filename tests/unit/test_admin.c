/* test_admin.c — `diming backup` and `diming check` on real databases: a
 * backup taken while a server reads the database is a complete, checked copy;
 * an existing target is refused; damage (a spatial index missing rows, rows
 * of a vanished batch) is found and makes `check` exit 1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

typedef struct {
    char *dir, *db;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    fx->dir = t_tmpdir("admin");
    fx->db = t_path(fx->dir, "d.sqlite");
    char *fixture = t_fixture("hierarchy.geojson");
    t_run_t r;
    int rc = T_RUN(&r, "import", "divisions", fixture, "--db", fx->db, "--quiet");
    int status = r.status;
    t_run_free(&r);
    free(fixture);
    *state = fx;
    return rc || status ? -1 : 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    t_rmtree(fx->dir);
    free(fx->dir);
    free(fx->db);
    free(fx);
    return 0;
}

static void backup_while_serving_is_a_complete_copy(void **state)
{
    fx_t *fx = *state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, fx->db, NULL), 0);
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/health", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);

    char *out = t_path(fx->dir, "backup.sqlite");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "backup", "--db", fx->db, "--out", out), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    assert_int_equal(t_server_stop(&srv, NULL), 0);

    char *a = t_sql(fx->db, "SELECT count(*), group_concat(code) FROM (SELECT code FROM divisions ORDER BY code)");
    char *b = t_sql(out, "SELECT count(*), group_concat(code) FROM (SELECT code FROM divisions ORDER BY code)");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(a, b);
    assert_int_equal(strncmp(a, "0|", 2) != 0, 1);
    free(a);
    free(b);
    /* The backup is one self-contained file that passes every check … */
    assert_int_equal(T_RUN(&r, "check", "--db", out), 0);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "all checks passed"));
    t_run_free(&r);
    /* … and serves: restoring is replacing the file. */
    assert_int_equal(t_server_start(&srv, out, NULL), 0);
    assert_int_equal(t_get(srv.port, "/divisions", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_server_stop(&srv, NULL), 0);

    /* An existing file is never overwritten. */
    assert_int_equal(T_RUN(&r, "backup", "--db", fx->db, "--out", out), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "already exists"));
    assert_int_equal(t_count_lines(r.err), 1);
    t_run_free(&r);
    free(out);
}

static void check_finds_a_damaged_index_and_orphans(void **state)
{
    fx_t *fx = *state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "check", "--db", fx->db), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT min(pkid) FROM idx_divisions_geom", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long pk = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    char sql[160];
    snprintf(sql, sizeof sql, "DELETE FROM idx_divisions_geom WHERE pkid = %lld", pk);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA foreign_keys = OFF; UPDATE divisions SET batch_id = 999 "
                                      "WHERE id = (SELECT max(id) FROM divisions)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(T_RUN(&r, "check", "--db", fx->db, "--json"), 0);
    assert_int_equal(r.status, 1);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_true(json_is_false(json_object_get(doc, "ok")));
    int failed_index = 0, failed_orphans = 0, failed_other = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(doc, "checks"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (json_is_true(json_object_get(item, "ok")))
            continue;
        if (strcmp(name, "spatial_index:divisions.geom") == 0)
            failed_index = 1;
        else if (strcmp(name, "orphans:divisions") == 0)
            failed_orphans = 1;
        else
            failed_other = 1;
    }
    assert_true(failed_index);
    assert_true(failed_orphans);
    assert_false(failed_other);
    json_decref(doc);
    t_run_free(&r);
}

static void check_and_backup_refuse_a_missing_database(void **state)
{
    fx_t *fx = *state;
    char *missing = t_path(fx->dir, "nope.sqlite");
    char *out = t_path(fx->dir, "b.sqlite");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "check", "--db", missing), 0);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "does not exist"));
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "backup", "--db", missing, "--out", out), 0);
    assert_int_equal(r.status, 1);
    t_run_free(&r);
    assert_int_equal(T_RUN(&r, "backup", "--db", fx->db), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);
    free(missing);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(backup_while_serving_is_a_complete_copy, setup, teardown),
        cmocka_unit_test_setup_teardown(check_finds_a_damaged_index_and_orphans, setup, teardown),
        cmocka_unit_test_setup_teardown(check_and_backup_refuse_a_missing_database, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
