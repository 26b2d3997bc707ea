/* test_import_header.c — a CSV whose header names a column twice is refused
 * before GDAL reads it, with one line naming the column and both positions,
 * exit status 1 and the database as it was. The first fixture is the input
 * fuzz_import_csv found crashing GDAL 3.6's CSV reader (a repeated lon/lat
 * pair with KEEP_GEOM_COLUMNS=NO); the others are a plain repeat and a
 * semicolon-separated file repeating a coordinate column in another case;
 * the last is another fuzzer input, with both `lon` and `longitude`.
 * Distinct columns that merely look alike still import. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

static void repeated_columns_are_refused_by_name(void **state)
{
    (void)state;
    char *dir = t_tmpdir("import-header"), *db = t_path(dir, "h.sqlite");
    assert_int_equal(t_import(db, "divisions", "hierarchy.geojson", NULL), 0);
    char *before = t_sql(db, "SELECT count(*) || '/' || (SELECT count(*) FROM import_batches) FROM facilities");
    static const struct {
        const char *file, *message;
    } cases[] = {
        {"bad_duplicate_columns_fuzz.csv", "column 'status' appears twice in the header (columns 5 and 8)"},
        {"bad_duplicate_columns.csv", "column 'status' appears twice in the header (columns 4 and 7)"},
        {"bad_duplicate_columns_semicolon.csv", "column 'LAT' appears twice in the header (columns 3 and 5)"},
        /* lon and longitude: two longitude columns (the second GDAL crash fuzz_import_csv found) */
        {"bad_coordinate_columns_fuzz.csv", "columns 'lon' and 'longitude' (6 and 8) both look like the longitude"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *fx = t_fixture(cases[i].file);
        t_run_t r;
        assert_int_equal(T_RUN(&r, "import", "facilities", fx, "--db", db, "--src-srs", "EPSG:4490"), 0);
        if (r.status != 1 || !strstr(r.err, cases[i].message))
            fail_msg("%s: status %d, stderr: %s", cases[i].file, r.status, r.err);
        assert_int_equal(t_count_lines(r.err), 1);
        t_run_free(&r);
        free(fx);
        char *after = t_sql(db, "SELECT count(*) || '/' || (SELECT count(*) FROM import_batches) FROM facilities");
        assert_string_equal(after, before);
        free(after);
    }
    /* lon and lon2 are two columns: the file imports. */
    char *ok = t_path(dir, "ok.csv");
    FILE *f = fopen(ok, "w");
    assert_non_null(f);
    fputs("name,type,lon,lat,lon2\n丽华托老所,托老所,119.96,31.04,1\n", f);
    fclose(f);
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "facilities", ok, "--db", db, "--src-srs", "EPSG:4490", "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    char *n = t_sql(db, "SELECT count(*) FROM facilities");
    assert_string_equal(n, "1\n");
    free(n), free(ok), free(before);
    t_rmtree(dir);
    free(dir), free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(repeated_columns_are_refused_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
