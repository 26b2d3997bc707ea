/* fuzz_http.c — libFuzzer target: request targets (paths and query strings:
 * lon/lat, dates, codes, parent, geometry flags, and whatever else arrives)
 * sent to the real server over loopback. The server is started once on a free
 * port with a small database. Property: every answer is an HTTP response with
 * a 2xx/3xx/4xx status — a 5xx, a dropped connection or a crash is a bug. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "importers/import.h"
#include "server/http.h"

static server_t *srv;
static unsigned port;
static char db[64];

static void cleanup(void)
{
    char p[80];
    unlink(db);
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

static void start(void)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(db, sizeof db, "/tmp/diming-fuzz-http-%d.sqlite", (int)getpid());
    unlink(db);
    atexit(cleanup);
    store_t *s;
    dm_error e;
    if (store_open(db, 0, &s, &e))
        abort();
    import_options_t opt;
    memset(&opt, 0, sizeof opt);
    opt.layer = LAYER_DIVISIONS;
    opt.path = DIMING_FIXTURES "/hierarchy.geojson";
    import_report_t rep;
    if (import_run(s, &opt, &rep, &e))
        abort();
    import_report_free(&rep);
    store_close(s);
    server_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.db_path = db;
    cfg.threads = 1;
    cfg.access_log = getenv("FUZZ_HTTP_LOG") ? "-" : "off";
    if (server_start(&cfg, &srv, &e))
        abort();
    port = server_port(srv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!srv)
        start();
    if (size > 4000)
        return 0;
    /* The target may be any bytes but CR, LF, space and NUL, which would end
     * the request line: replace them so the input stays one target. */
    char req[4200];
    size_t n = (size_t)snprintf(req, sizeof req, "GET /");
    for (size_t i = 0; i < size; i++) {
        char c = (char)data[i];
        req[n++] = (c == '\r' || c == '\n' || c == ' ' || c == '\0' || c == '\t') ? '_' : c;
    }
    n += (size_t)snprintf(req + n, sizeof req - n, " HTTP/1.1\r\nHost: fuzz\r\nConnection: close\r\n\r\n");
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        abort();
    if (write(fd, req, n) != (ssize_t)n)
        abort();
    char buf[16];
    size_t got = 0;
    ssize_t r;
    /* libFuzzer's timer signal (SIGALRM, for -timeout) has no SA_RESTART: a
     * request taking over a second would see EINTR, not the server's answer. */
    while (got < sizeof buf - 1 &&
           ((r = read(fd, buf + got, sizeof buf - 1 - got)) > 0 || (r < 0 && errno == EINTR)))
        if (r > 0)
            got += (size_t)r;
    buf[got] = '\0';
    close(fd);
    if (got < 12 || strncmp(buf, "HTTP/1.1 ", 9) != 0) {
        fprintf(stderr, "fuzz_http: no HTTP answer (%zu bytes: '%s')\n", got, buf);
        abort();
    }
    int status = atoi(buf + 9);
    if (status < 200 || status >= 500) {
        fprintf(stderr, "fuzz_http: answered %d\n", status);
        abort();
    }
    return 0;
}
