/* test_crash_import.c — an import killed with SIGKILL at random moments never
 * damages the database: afterwards PRAGMA integrity_check is ok and the
 * database holds exactly the old data or exactly the old data plus the whole
 * new batch, and the server starts on it and answers (SQLite's atomic commit
 * in WAL mode; the importer writes one transaction). 20 runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/support/support.h"

#define RUNS 20
#define BIG DIMING_SOURCE_DIR "/seeds/divisions/chengdu-villages-synthetic.geojson"
#define BIG_ROWS 3047

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *data = t_read_file(from, &n);
    assert_non_null(data);
    FILE *f = fopen(to, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
    free(data);
}

static void remove_db(const char *path)
{
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
}

/* Starts the import; kills it after `delay` seconds unless it ended first.
 * Returns 1 if it was killed, 0 if it finished (with status 0). */
static int import_and_kill(const char *db, double delay)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        freopen("/dev/null", "w", stderr);
        execl(DIMING_BIN, DIMING_BIN, "import", "divisions", BIG, "--db", db, "--quiet", (char *)NULL);
        _exit(127);
    }
    double end = now_s() + delay;
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
            return 0;
        }
        if (now_s() >= end)
            break;
        usleep(2000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status)) { /* it finished just before the kill */
        assert_int_equal(WEXITSTATUS(status), 0);
        return 0;
    }
    assert_true(WIFSIGNALED(status));
    return 1;
}

static void killed_imports_leave_old_or_whole_new_data(void **state)
{
    (void)state;
    char *dir = t_tmpdir("crash");
    char *base = t_path(dir, "base.sqlite");
    char *db = t_path(dir, "run.sqlite");
    char *fixture = t_fixture("hierarchy.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", fixture, "--db", base, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);
    char *old = t_sql(base, "SELECT count(*) FROM divisions");
    long old_rows = atol(old);
    free(old);
    assert_true(old_rows > 0);

    /* How long a whole import takes here, to spread the kills over it. */
    copy_file(base, db);
    double t0 = now_s();
    assert_int_equal(import_and_kill(db, 600), 0);
    double full = now_s() - t0;
    remove_db(db);

    srand(20261125);
    int killed = 0, finished = 0;
    for (int run = 0; run < RUNS; run++) {
        copy_file(base, db);
        double delay = full * 1.1 * (double)rand() / RAND_MAX;
        if (import_and_kill(db, delay))
            killed++;
        else
            finished++;
        char *ic = t_sql(db, "PRAGMA integrity_check");
        assert_non_null(ic);
        assert_string_equal(ic, "ok\n");
        free(ic);
        char *counts = t_sql(db, "SELECT (SELECT count(*) FROM divisions), (SELECT count(*) FROM import_batches), "
                                 "(SELECT count(*) FROM divisions WHERE batch_id = 2)");
        long rows = 0, batches = 0, in_batch2 = 0;
        assert_int_equal(sscanf(counts, "%ld|%ld|%ld", &rows, &batches, &in_batch2), 3);
        free(counts);
        int is_old = rows == old_rows && batches == 1 && in_batch2 == 0;
        int is_new = rows == old_rows + BIG_ROWS && batches == 2 && in_batch2 == BIG_ROWS;
        if (!is_old && !is_new)
            fail_msg("run %d: %ld rows, %ld batches, %ld in batch 2: neither old nor new data", run, rows, batches,
                     in_batch2);
        if (run % 5 == 4) { /* and the server starts on it and answers */
            t_server_t srv;
            assert_int_equal(t_server_start(&srv, db, NULL), 0);
            t_response_t res;
            assert_int_equal(t_get(srv.port, "/health", &res), 0);
            assert_int_equal(res.status, 200);
            t_response_free(&res);
            assert_int_equal(t_server_stop(&srv, NULL), 0);
        }
        remove_db(db);
    }
    print_message("crash test: %d runs, %d killed mid-import, %d finished; full import %.2f s\n", RUNS, killed,
                  finished, full);
    assert_true(killed >= RUNS / 2);
    free(fixture);
    free(base);
    free(db);
    t_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(killed_imports_leave_old_or_whole_new_data),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
