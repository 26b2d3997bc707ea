/* test_cli.c — the `diming` executable as a user meets it: help texts, exit
 * statuses (server/cli.h: 0 success, 1 failure with one line on stderr, 2
 * usage), the one-line error of a failed import, the --json report, and
 * `diming serve` refusing a database that is not there. Each test runs the
 * real binary (DIMING_BIN) through tests/support. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "gis/store.h"
#include "tests/support/support.h"

typedef struct {
    char *dir, *db;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    fx->dir = t_tmpdir("cli");
    if (!fx->dir)
        return -1;
    fx->db = t_path(fx->dir, "cli.sqlite");
    *state = fx;
    return 0;
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

static void assert_contains(const char *haystack, const char *needle)
{
    if (!strstr(haystack, needle))
        fprintf(stderr, "expected to find '%s' in:\n%s\n", needle, haystack);
    assert_non_null(strstr(haystack, needle));
}

static int starts_with(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* ---- help ------------------------------------------------------------------------ */

static void help_lists_the_commands(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_contains(r.out, "usage: diming <command> [options]");
    assert_contains(r.out, "  import <layer> FILE");
    assert_contains(r.out, "  serve ");
    assert_contains(r.out, "  version ");
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "help"), 0);
    assert_int_equal(r.status, 0);
    assert_contains(r.out, "usage: diming <command> [options]");
    t_run_free(&r);
}

static void import_help_lists_its_options(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_true(starts_with(r.out, "usage: diming import <layer> FILE [options]\n"));
    static const char *const opts[] = {"--db PATH", "--src-srs SRS", "--encoding ENC", "--layer NAME",
                                       "--field T=COL", "--valid-from DATE", "--strict", "--json", "--quiet",
                                       "--help", "GCJ02", "divisions markers names facilities residential roads"};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        assert_contains(r.out, opts[i]);
    t_run_free(&r);
}

static void serve_help_lists_its_options(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "serve", "--help"), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    assert_true(starts_with(r.out, "usage: diming serve [options]\n"));
    static const char *const opts[] = {"--db PATH", "--bind ADDR", "--port N", "--threads N", "--max-body BYTES",
                                       "--max-connections N", "--timeout SECONDS", "--access-log PATH", "--help"};
    for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
        assert_contains(r.out, opts[i]);
    t_run_free(&r);
}

static void version_names_the_schema(void **state)
{
    (void)state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "version"), 0);
    assert_int_equal(r.status, 0);
    char suffix[64];
    snprintf(suffix, sizeof suffix, " (schema version %d)\n", STORE_SCHEMA_VERSION);
    assert_true(starts_with(r.out, "diming "));
    assert_true(strlen(r.out) > strlen(suffix));
    assert_string_equal(r.out + strlen(r.out) - strlen(suffix), suffix);
    t_run_free(&r);
}

/* ---- usage errors: exit 2 --------------------------------------------------------- */

static void usage_errors_exit_2(void **state)
{
    fx_t *fx = *state;
    t_run_t r;
    char *hier = t_fixture("hierarchy.geojson");

    assert_int_equal(T_RUN(&r, "frobnicate"), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.out, "");
    assert_string_equal(r.err, "diming: unknown command 'frobnicate' (try 'diming --help')\n");
    t_run_free(&r);

    assert_int_equal(t_run((const char *const[]){NULL}, &r), 0);
    assert_int_equal(r.status, 2);
    assert_contains(r.err, "usage: diming <command> [options]");
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "import", "rivers", hier, "--db", fx->db), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err,
                        "diming import: unknown layer 'rivers' (divisions markers names facilities residential roads signs)\n");
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "import", "divisions", "--db", fx->db), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming import: expected <layer> FILE (try --help)\n");
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "import", "divisions", hier, "--db", fx->db, "--no-such-option"), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "serve", "--port", "abc", "--db", fx->db), 0);
    assert_int_equal(r.status, 2);
    assert_string_equal(r.err, "diming serve: --port must be a whole number up to 65535, got 'abc'\n");
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "serve", "--port", "65536", "--db", fx->db), 0);
    assert_int_equal(r.status, 2);
    t_run_free(&r);

    /* None of these created the database. */
    assert_int_equal(access(fx->db, F_OK), -1);
    free(hier);
}

/* ---- failed imports: exit 1, one error line ------------------------------------------ */

/* Runs a failing import and checks stderr is exactly the expected error line. */
static void assert_import_fails(const char *db, const char *layer, const char *file, const char *extra,
                                const char *expect_err_line)
{
    t_run_t r;
    if (extra)
        assert_int_equal(T_RUN(&r, "import", layer, file, "--db", db, extra), 0);
    else
        assert_int_equal(T_RUN(&r, "import", layer, file, "--db", db), 0);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    assert_int_equal(t_count_lines(r.err), 1);
    assert_true(starts_with(r.err, "diming import: error: "));
    assert_string_equal(r.err, expect_err_line);
    t_run_free(&r);
}

static void failed_import_exits_1_with_one_error_line(void **state)
{
    fx_t *fx = *state;
    char *missing = t_fixture("no-such-file.geojson");
    char *random = t_fixture("bad_random.dat");
    char *csv = t_fixture("facilities_lonlat.csv");
    char *noprj = t_fixture("bad_noprj.shp");
    char line[2048];

    snprintf(line, sizeof line, "diming import: error: file not found: %s (database unchanged)\n", missing);
    assert_import_fails(fx->db, "divisions", missing, NULL, line);

    snprintf(line, sizeof line,
             "diming import: error: cannot read %s as vector data: unknown format (expected Shapefile, GeoJSON, "
             "GeoPackage, CSV or OSM) (database unchanged)\n",
             random);
    assert_import_fails(fx->db, "divisions", random, NULL, line);

    snprintf(line, sizeof line,
             "diming import: error: %s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, "
             "EPSG:4326, EPSG:4549, GCJ02) (database unchanged)\n",
             csv);
    assert_import_fails(fx->db, "facilities", csv, NULL, line);
    snprintf(line, sizeof line,
             "diming import: error: %s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, "
             "EPSG:4326, EPSG:4549, GCJ02) (database unchanged)\n",
             noprj);
    assert_import_fails(fx->db, "divisions", noprj, "--quiet", line);

    assert_import_fails(fx->db, "divisions", csv, "--valid-from=2020-02-30",
                        "diming import: error: valid-from is not a real date: 2020-02-30 (database unchanged)\n");
    free(missing);
    free(random);
    free(csv);
    free(noprj);
}

/* --strict: the rejected rows are listed ("  row N: …" lines), then the one
 * error line, which is last. */
static void strict_import_lists_rows_then_the_error(void **state)
{
    fx_t *fx = *state;
    char *csv = t_fixture("facilities_lonlat.csv");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "facilities", csv, "--db", fx->db, "--src-srs", "EPSG:4490", "--strict"), 0);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "  row 4: rejected: nursing_beds 12 exceed beds 10\n"
                               "diming import: error: 1 of 4 records rejected and --strict given; nothing imported "
                               "(database unchanged)\n");
    t_run_free(&r);

    /* --quiet leaves only the error line. */
    assert_int_equal(
        T_RUN(&r, "import", "facilities", csv, "--db", fx->db, "--src-srs", "EPSG:4490", "--strict", "--quiet"), 0);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.err, "diming import: error: 1 of 4 records rejected and --strict given; nothing imported "
                               "(database unchanged)\n");
    t_run_free(&r);
    free(csv);
}

/* ---- --json ------------------------------------------------------------------------------- */

static void json_report_of_a_successful_import(void **state)
{
    fx_t *fx = *state;
    char *csv = t_fixture("facilities_lonlat.csv");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "facilities", csv, "--db", fx->db, "--src-srs", "EPSG:4490", "--json"), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.err, "");
    json_error_t jerr;
    json_t *doc = json_loads(r.out, 0, &jerr);
    if (!doc)
        fprintf(stderr, "not JSON (%s): %s\n", jerr.text, r.out);
    assert_non_null(doc);
    assert_true(json_is_true(t_json_at(doc, "ok")));
    assert_string_equal(t_json_str(doc, "layer"), "facilities");
    assert_string_equal(t_json_str(doc, "source"), csv);
    assert_string_equal(t_json_str(doc, "driver"), "CSV");
    assert_string_equal(t_json_str(doc, "src_srs"), "EPSG:4490");
    assert_string_equal(t_json_str(doc, "encoding"), "UTF-8");
    assert_int_equal(t_json_int(doc, "batch_id"), 1);
    assert_int_equal(t_json_int(doc, "read"), 4);
    assert_int_equal(t_json_int(doc, "imported"), 3);
    assert_int_equal(t_json_int(doc, "repaired"), 0);
    assert_int_equal(t_json_int(doc, "rejected"), 1);
    assert_int_equal(t_json_int(doc, "skipped"), 0);
    assert_true(t_json_num(doc, "seconds") >= 0);
    assert_int_equal(t_json_len(doc, "issues"), 1);
    assert_string_equal(t_json_str(doc, "issues.0.kind"), "rejected");
    assert_int_equal(t_json_int(doc, "issues.0.row"), 4);
    assert_string_equal(t_json_str(doc, "issues.0.field"), "nursing_beds");
    assert_string_equal(t_json_str(doc, "issues.0.message"), "nursing_beds 12 exceed beds 10");
    assert_null(t_json_at(doc, "error"));
    json_decref(doc);
    t_run_free(&r);

    /* The rows are really there. */
    char *rows = t_sql(fx->db, "SELECT count(*) FROM facilities");
    assert_string_equal(rows, "3\n");
    free(rows);
    free(csv);
}

static void json_report_of_a_failed_import(void **state)
{
    fx_t *fx = *state;
    char *missing = t_fixture("no-such-file.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", missing, "--db", fx->db, "--json"), 0);
    assert_int_equal(r.status, 1);
    json_t *doc = json_loads(r.out, 0, NULL);
    assert_non_null(doc);
    assert_true(json_is_false(t_json_at(doc, "ok")));
    assert_int_equal(t_json_int(doc, "batch_id"), 0);
    assert_int_equal(t_json_int(doc, "imported"), 0);
    assert_string_equal(t_json_str(doc, "error.code"), "not_found");
    assert_string_equal(t_json_str(doc, "error.param"), "file");
    char msg[1024];
    snprintf(msg, sizeof msg, "file not found: %s", missing);
    assert_string_equal(t_json_str(doc, "error.message"), msg);
    json_decref(doc);
    char line[1200];
    snprintf(line, sizeof line, "diming import: error: %s (database unchanged)\n", msg);
    assert_string_equal(r.err, line);
    t_run_free(&r);
    free(missing);
}

/* The human summary of a good import is one line on stderr naming the counts. */
static void human_summary_of_a_successful_import(void **state)
{
    fx_t *fx = *state;
    char *hier = t_fixture("hierarchy.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", hier, "--db", fx->db), 0);
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "");
    assert_int_equal(t_count_lines(r.err), 1);
    char expect[1024];
    snprintf(expect, sizeof expect,
             "%s: 12 divisions imported (0 repaired, 0 rejected, 0 skipped) from %s [GeoJSON, EPSG:4490, UTF-8] as "
             "batch 1 in ",
             fx->db, hier);
    assert_true(starts_with(r.err, expect));
    t_run_free(&r);
    free(hier);
}

/* ---- serve ------------------------------------------------------------------------------------ */

static void serve_on_missing_database_exits_1(void **state)
{
    fx_t *fx = *state;
    t_run_t r;
    assert_int_equal(T_RUN(&r, "serve", "--db", fx->db, "--port", "0", "--access-log", "off"), 0);
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "");
    char expect[1024];
    snprintf(expect, sizeof expect, "diming serve: error: database %s does not exist (import data first)\n", fx->db);
    assert_string_equal(r.err, expect);
    t_run_free(&r);
    assert_int_equal(access(fx->db, F_OK), -1); /* and it did not create one */
}

/* A file that is not SQLite at all: store.c means to say "%s is not a diming
 * database" (the SQLITE_NOTADB branch of store_open_at), naming the file. */
static void not_a_database_is_named_as_such(void **state)
{
    fx_t *fx = *state;
    char *geojson = t_fixture("hierarchy.geojson");
    char *csv = t_fixture("division_codes.csv");
    char expect[1024];
    t_run_t r;
    assert_int_equal(T_RUN(&r, "serve", "--db", geojson, "--port", "0", "--access-log", "off"), 0);
    int status = r.status;
    snprintf(expect, sizeof expect, "diming serve: error: %s is not a diming database\n", geojson);
    int same = strcmp(r.err, expect) == 0;
    if (!same)
        fprintf(stderr, "got:      %sexpected: %s", r.err, expect);
    t_run_free(&r);

    assert_int_equal(T_RUN(&r, "import", "divisions", csv, "--db", geojson), 0);
    int status2 = r.status;
    snprintf(expect, sizeof expect, "diming import: error: %s is not a diming database\n", geojson);
    int same2 = strcmp(r.err, expect) == 0;
    if (!same2)
        fprintf(stderr, "got:      %sexpected: %s", r.err, expect);
    t_run_free(&r);
    free(geojson);
    free(csv);
    (void)fx;
    assert_int_equal(status, 1);
    assert_true(same);
    assert_int_equal(status2, 1);
    assert_true(same2);
}

/* Another program's SQLite database: import refuses it ("not a diming one");
 * serve must not advise opening it read-write to "upgrade" it, which import
 * would then refuse. */
static void foreign_sqlite_database_is_refused_consistently(void **state)
{
    fx_t *fx = *state;
    char *csv = t_fixture("division_codes.csv");
    sqlite3 *db;
    assert_int_equal(sqlite3_open(fx->db, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE other(x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", csv, "--db", fx->db), 0);
    assert_int_equal(r.status, 1);
    char expect[1024];
    snprintf(expect, sizeof expect, "diming import: error: %s is a SQLite database but not a diming one\n", fx->db);
    assert_string_equal(r.err, expect);
    t_run_free(&r);
    free(csv);

    assert_int_equal(T_RUN(&r, "serve", "--db", fx->db, "--port", "0", "--access-log", "off"), 0);
    int status = r.status;
    int one_line = t_count_lines(r.err) == 1 && strncmp(r.err, "diming serve: error: ", 21) == 0;
    int says_not_diming = strstr(r.err, "not a diming") != NULL;
    int says_upgrade = strstr(r.err, "upgrade") != NULL;
    if (!says_not_diming || says_upgrade)
        fprintf(stderr, "serve said: %s", r.err);
    t_run_free(&r);
    assert_int_equal(status, 1);
    assert_true(one_line);
    assert_true(says_not_diming);
    assert_false(says_upgrade);
}

static void import_into_an_unwritable_place_exits_1(void **state)
{
    fx_t *fx = *state;
    char *csv = t_fixture("division_codes.csv");
    char *db = t_path(fx->dir, "no/such/dir/x.sqlite");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", csv, "--db", db), 0);
    assert_int_equal(r.status, 1);
    assert_int_equal(t_count_lines(r.err), 1);
    char expect[1024];
    snprintf(expect, sizeof expect, "diming import: error: cannot open database %s: ", db);
    assert_true(starts_with(r.err, expect));
    t_run_free(&r);
    free(db);
    free(csv);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(help_lists_the_commands),
        T(import_help_lists_its_options),
        T(serve_help_lists_its_options),
        T(version_names_the_schema),
        T(usage_errors_exit_2),
        T(failed_import_exits_1_with_one_error_line),
        T(strict_import_lists_rows_then_the_error),
        T(json_report_of_a_successful_import),
        T(json_report_of_a_failed_import),
        T(human_summary_of_a_successful_import),
        T(serve_on_missing_database_exits_1),
        T(not_a_database_is_named_as_such),
        T(foreign_sqlite_database_is_refused_consistently),
        T(import_into_an_unwritable_place_exits_1),
    };
#undef T
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
