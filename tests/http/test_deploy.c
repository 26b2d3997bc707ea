/* test_deploy.c — diming started the way docs/deploy/diming.service starts it:
 * the unit's ExecStart options (with the database and port swapped for test
 * ones) are accepted by the real CLI, the server answers, and the unit's
 * KillSignal stops it with exit status 0 within TimeoutStopSec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/support.h"

static char *unit_value(const char *unit, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = unit; p && *p;) {
        if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
            const char *v = p + kl + 1, *e = strchr(v, '\n');
            return strndup(v, e ? (size_t)(e - v) : strlen(v));
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return NULL;
}

static void server_starts_as_the_unit_says(void **state)
{
    (void)state;
    char *unit = t_read_file(DIMING_SOURCE_DIR "/docs/deploy/diming.service", NULL);
    assert_non_null(unit);
    char *exec = unit_value(unit, "ExecStart");
    char *kill_signal = unit_value(unit, "KillSignal");
    char *env = unit_value(unit, "Environment");
    assert_non_null(exec);
    assert_non_null(env);
    assert_string_equal(kill_signal, "SIGTERM"); /* what t_server_stop sends */
    assert_int_equal(strncmp(env, "DIMING_DB=", 10), 0);

    char *dir = t_tmpdir("deploy");
    char *db = t_path(dir, "d.sqlite");
    char *fixture = t_fixture("hierarchy.geojson");
    t_run_t r;
    assert_int_equal(T_RUN(&r, "import", "divisions", fixture, "--db", db, "--quiet"), 0);
    assert_int_equal(r.status, 0);
    t_run_free(&r);

    /* Split ExecStart as systemd does (white space), expand ${DIMING_DB}. */
    const char *args[32];
    int n = 0;
    char *save = NULL;
    char *tok = strtok_r(exec, " ", &save);
    assert_string_equal(tok, "/usr/local/bin/diming");
    tok = strtok_r(NULL, " ", &save);
    assert_string_equal(tok, "serve");
    int saw_db = 0;
    while ((tok = strtok_r(NULL, " ", &save)) && n < 30) {
        if (strcmp(tok, "${DIMING_DB}") == 0) {
            args[n++] = db;
            saw_db = 1;
        } else if (n > 0 && strcmp(args[n - 1], "--port") == 0)
            args[n++] = "0"; /* a free port instead of 8080 */
        else
            args[n++] = tok;
    }
    args[n] = NULL;
    assert_true(saw_db);

    t_server_t srv;
    assert_int_equal(t_server_start(&srv, db, args), 0);
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/divisions/locate?lon=120.05&lat=31.05", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    char *err = NULL;
    assert_int_equal(t_server_stop(&srv, &err), 0);
    /* --access-log - : one line per request on stderr, then the stop notice. */
    assert_non_null(strstr(err, "GET /divisions/locate route=/divisions/locate 200"));
    assert_non_null(strstr(err, "SIGTERM received"));
    free(err);

    free(fixture);
    free(db);
    t_rmtree(dir);
    free(dir);
    free(exec);
    free(kill_signal);
    free(env);
    free(unit);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(server_starts_as_the_unit_says),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
