/* test_limits.c — hostile clients: hundreds of idle connections do not stop
 * others from being served; the connection limit refuses the excess instead
 * of stalling; idle connections are closed after the configured timeout and
 * the slots they held serve new clients again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/support.h"

static int connect_idle(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* 1 if the server closed the connection within `ms` milliseconds. */
static int closed_within(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, ms) <= 0)
        return 0;
    char c;
    return read(fd, &c, 1) <= 0;
}

typedef struct {
    char *dir, *db;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof *fx);
    fx->dir = t_tmpdir("limits");
    fx->db = t_path(fx->dir, "l.sqlite");
    char *fixture = t_fixture("hierarchy.geojson");
    t_run_t r;
    int rc = T_RUN(&r, "import", "divisions", fixture, "--db", fx->db, "--quiet");
    rc |= r.status;
    t_run_free(&r);
    free(fixture);
    *state = fx;
    return rc ? -1 : 0;
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

static void idle_connections_do_not_block_others(void **state)
{
    fx_t *fx = *state;
    t_server_t srv;
    assert_int_equal(t_server_start(&srv, fx->db, (const char *const[]){"--threads", "2", NULL}), 0);
    enum { IDLE = 300 };
    int fds[IDLE];
    for (int i = 0; i < IDLE; i++) {
        fds[i] = connect_idle(srv.port);
        assert_true(fds[i] >= 0);
    }
    /* A few slow clients too: half a request line. */
    for (int i = 0; i < 20; i++)
        assert_int_equal(write(fds[i], "GET /hea", 8), 8);
    for (int k = 0; k < 10; k++) {
        t_response_t res;
        assert_int_equal(t_get(srv.port, "/divisions/locate?lon=120.05&lat=31.05", &res), 0);
        assert_int_equal(res.status, 200);
        t_response_free(&res);
    }
    for (int i = 0; i < IDLE; i++)
        close(fds[i]);
    assert_int_equal(t_server_stop(&srv, NULL), 0);
}

static void connection_limit_and_idle_timeout(void **state)
{
    fx_t *fx = *state;
    t_server_t srv;
    assert_int_equal(
        t_server_start(&srv, fx->db, (const char *const[]){"--max-connections", "8", "--timeout", "1", NULL}), 0);
    int fds[8];
    for (int i = 0; i < 8; i++) {
        fds[i] = connect_idle(srv.port);
        assert_true(fds[i] >= 0);
    }
    /* The ninth is accepted by the kernel but closed by the server at once. */
    int extra = connect_idle(srv.port);
    assert_true(extra >= 0);
    assert_true(closed_within(extra, 3000));
    close(extra);
    /* The idle ones are closed after the 1 s timeout (allow generous slack) … */
    for (int i = 0; i < 8; i++) {
        assert_true(closed_within(fds[i], 10000));
        close(fds[i]);
    }
    /* … and the freed slots serve again. */
    t_response_t res;
    assert_int_equal(t_get(srv.port, "/health", &res), 0);
    assert_int_equal(res.status, 200);
    t_response_free(&res);
    assert_int_equal(t_server_stop(&srv, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(idle_connections_do_not_block_others, setup, teardown),
        cmocka_unit_test_setup_teardown(connection_limit_and_idle_timeout, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
