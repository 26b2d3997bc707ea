/* support.c — scratch files, child processes, the HTTP client and JSON / SQL
 * helpers of the test suite; see support.h.
 *
 * Nothing here waits on a clock for correctness: children are waited for with
 * waitpid, pipes are read until EOF, and the only timeouts (poll on a
 * server's first line, socket receive timeout) are generous safety nets that
 * turn a hung server into a failed test instead of a hung ctest. */
#include "tests/support/support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
/* after sqlite3.h, which it needs */
#include <spatialite.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAFETY_TIMEOUT_MS 60000

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("support: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        abort();
    return d;
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        abort();
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A growable byte buffer, always NUL-terminated. */
typedef struct {
    char *p;
    size_t len, cap;
} buf_t;

static void buf_add(buf_t *b, const char *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p)
            abort();
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* ---- files ---------------------------------------------------------------- */

char *t_tmpdir(const char *tag)
{
    mkdir(DIMING_TEST_TMP, 0755);
    char *dir = xprintf("%s/%s-XXXXXX", DIMING_TEST_TMP, tag);
    if (!mkdtemp(dir)) {
        fail("mkdtemp %s: %s", dir, strerror(errno));
        free(dir);
        return NULL;
    }
    return dir;
}

char *t_path(const char *dir, const char *name) { return xprintf("%s/%s", dir, name); }
char *t_fixture(const char *name) { return xprintf("%s/%s", DIMING_FIXTURES, name); }

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void t_rmtree(const char *dir)
{
    if (dir)
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *t_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    buf_t b = {0};
    buf_add(&b, "", 0);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_add(&b, chunk, n);
    fclose(f);
    if (len)
        *len = b.len;
    return b.p;
}

size_t t_count_lines(const char *s)
{
    size_t n = 0;
    for (const char *p = s; p && *p; p++)
        if (*p == '\n')
            n++;
    if (s && *s && s[strlen(s) - 1] != '\n')
        n++;
    return n;
}

/* ---- running `diming` --------------------------------------------------------- */

static char **full_argv(const char *const args[], const char *const extra[])
{
    size_t n = 0, m = 0;
    while (args && args[n])
        n++;
    while (extra && extra[m])
        m++;
    char **argv = calloc(n + m + 2, sizeof *argv);
    if (!argv)
        abort();
    argv[0] = (char *)"diming";
    for (size_t i = 0; i < n; i++)
        argv[1 + i] = (char *)args[i];
    for (size_t i = 0; i < m; i++)
        argv[1 + n + i] = (char *)extra[i];
    return argv;
}

static int decode_status(int ws)
{
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    if (WIFSIGNALED(ws))
        return 128 + WTERMSIG(ws);
    return -1;
}

int t_run(const char *const args[], t_run_t *res)
{
    memset(res, 0, sizeof *res);
    int out[2], err[2];
    if (pipe(out) || pipe(err))
        return fail("pipe: %s", strerror(errno));
    char **argv = full_argv(args, NULL);
    pid_t pid = fork();
    if (pid < 0) {
        free(argv);
        return fail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        close(out[0]), close(err[0]), close(out[1]), close(err[1]), close(in);
        execv(DIMING_BIN, argv);
        _exit(127);
    }
    free(argv);
    close(out[1]);
    close(err[1]);
    buf_t bo = {0}, be = {0};
    buf_add(&bo, "", 0);
    buf_add(&be, "", 0);
    struct pollfd pf[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        int pr = poll(pf, 2, SAFETY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            /* Silent for a minute: a hung child. Kill it so the test fails. */
            fail("%s %s: no output for %d s, killing it", DIMING_BIN, args[0] ? args[0] : "",
                 SAFETY_TIMEOUT_MS / 1000);
            kill(pid, SIGKILL);
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char chunk[4096];
            ssize_t n = read(pf[i].fd, chunk, sizeof chunk);
            if (n > 0)
                buf_add(i == 0 ? &bo : &be, chunk, (size_t)n);
            else if (n == 0 || errno != EINTR) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pf[i].fd >= 0)
            close(pf[i].fd);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    res->status = decode_status(ws);
    res->out = bo.p, res->out_len = bo.len;
    res->err = be.p, res->err_len = be.len;
    return 0;
}

void t_run_free(t_run_t *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    memset(res, 0, sizeof *res);
}

/* ---- `diming serve` as a child ------------------------------------------------- */

/* Reads one line (without '\n') from fd, waiting at most the safety timeout. */
static char *read_line(int fd)
{
    buf_t b = {0};
    buf_add(&b, "", 0);
    for (;;) {
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, SAFETY_TIMEOUT_MS);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        char c;
        ssize_t n = read(fd, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (c == '\n')
            return b.p;
        buf_add(&b, &c, 1);
    }
    free(b.p);
    return NULL;
}

int t_import(const char *db, const char *layer, const char *fixture, const char *srs)
{
    char *path = t_fixture(fixture);
    t_run_t r;
    int rc = srs ? T_RUN(&r, "import", layer, path, "--db", db, "--quiet", "--src-srs", srs)
                 : T_RUN(&r, "import", layer, path, "--db", db, "--quiet");
    if (rc || r.status != 0) {
        fprintf(stderr, "import %s %s failed (%d): %s\n", layer, fixture, r.status, r.err ? r.err : "");
        rc = -1;
    }
    free(path);
    t_run_free(&r);
    return rc;
}

int t_server_start(t_server_t *srv, const char *db, const char *const extra[])
{
    memset(srv, 0, sizeof *srv);
    srv->out_fd = -1;
    srv->err_path = xprintf("%s/server-XXXXXX.log", DIMING_TEST_TMP);
    int errfd = mkstemps(srv->err_path, 4);
    if (errfd < 0) {
        free(srv->err_path);
        srv->err_path = NULL;
        return fail("mkstemps: %s", strerror(errno));
    }
    int out[2];
    if (pipe(out)) {
        close(errfd);
        return fail("pipe: %s", strerror(errno));
    }
    const char *const args[] = {"serve", "--db", db, "--port", "0", "--access-log", "off", NULL};
    char **argv = full_argv(args, extra);
    pid_t pid = fork();
    if (pid < 0) {
        free(argv);
        return fail("fork: %s", strerror(errno));
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out[1], 1);
        dup2(errfd, 2);
        close(out[0]), close(out[1]), close(errfd), close(in);
        execv(DIMING_BIN, argv);
        _exit(127);
    }
    free(argv);
    close(out[1]);
    close(errfd);
    srv->pid = pid;
    srv->out_fd = out[0];
    srv->first_line = read_line(srv->out_fd);
    /* "serving http://ADDR:PORT/" or https:// (serve --tls-cert) */
    const char *p = srv->first_line ? strstr(srv->first_line, "://") : NULL;
    p = p ? strchr(p + 3, ':') : NULL;
    unsigned port = 0;
    if (!p || sscanf(p, ":%u/", &port) != 1 || port == 0 || port > 65535) {
        char *err = NULL;
        int st = t_server_stop(srv, &err);
        fail("diming serve did not start (status %d): %s", st, err ? err : "");
        free(err);
        return -1;
    }
    srv->port = port;
    return 0;
}

int t_server_stop(t_server_t *srv, char **err_text)
{
    int status = -1;
    if (srv->pid > 0) {
        kill(srv->pid, SIGTERM);
        int ws = 0;
        pid_t r;
        while ((r = waitpid(srv->pid, &ws, 0)) < 0 && errno == EINTR)
            ;
        if (r == srv->pid)
            status = decode_status(ws);
    }
    if (srv->out_fd >= 0)
        close(srv->out_fd);
    if (err_text)
        *err_text = srv->err_path ? t_read_file(srv->err_path, NULL) : NULL;
    if (srv->err_path)
        unlink(srv->err_path);
    free(srv->err_path);
    free(srv->first_line);
    memset(srv, 0, sizeof *srv);
    srv->out_fd = -1;
    return status;
}

/* ---- HTTP/1.1 client -------------------------------------------------------------- */

int t_conn_open(t_conn_t *c, unsigned port)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (c->fd < 0)
        return fail("socket: %s", strerror(errno));
    struct timeval tv = {SAFETY_TIMEOUT_MS / 1000, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        int e = errno;
        close(c->fd);
        c->fd = -1;
        return fail("connect 127.0.0.1:%u: %s", port, strerror(e));
    }
    return 0;
}

void t_conn_close(t_conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return fail("send: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads more bytes into c->buf; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t fill(t_conn_t *c)
{
    if (c->len + 4096 + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8192;
        while (c->len + 4096 + 1 > cap)
            cap *= 2;
        char *p = realloc(c->buf, cap);
        if (!p)
            abort();
        c->buf = p;
        c->cap = cap;
    }
    ssize_t n;
    while ((n = recv(c->fd, c->buf + c->len, 4096, 0)) < 0 && errno == EINTR)
        ;
    if (n > 0) {
        c->len += (size_t)n;
        c->buf[c->len] = '\0';
    }
    return n;
}

/* Removes the first n buffered bytes. */
static void consume(t_conn_t *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    if (c->buf)
        c->buf[c->len] = '\0';
}

/* Makes sure n bytes are buffered; -1 if the connection ends first. */
static int need(t_conn_t *c, size_t n)
{
    while (c->len < n)
        if (fill(c) <= 0)
            return -1;
    return 0;
}

/* Offset just past the next CRLF at or after `from`, waiting for more data. */
static long line_end(t_conn_t *c, size_t from)
{
    for (;;) {
        for (size_t i = from; i + 1 < c->len; i++)
            if (c->buf[i] == '\r' && c->buf[i + 1] == '\n')
                return (long)(i + 2);
        if (fill(c) <= 0)
            return -1;
    }
}

static int read_chunked(t_conn_t *c, buf_t *body)
{
    for (;;) {
        long e = line_end(c, 0);
        if (e < 0)
            return fail("chunked body ended early");
        unsigned long size = strtoul(c->buf, NULL, 16);
        consume(c, (size_t)e);
        if (size == 0) {
            /* Trailers until an empty line. */
            for (;;) {
                long t = line_end(c, 0);
                if (t < 0)
                    return fail("chunked trailer ended early");
                consume(c, (size_t)t);
                if (t == 2)
                    return 0;
            }
        }
        if (need(c, size + 2))
            return fail("chunk ended early");
        buf_add(body, c->buf, size);
        consume(c, size + 2);
    }
}

static int read_response(t_conn_t *c, const char *method, t_response_t *res)
{
    memset(res, 0, sizeof *res);
    /* The head: status line and headers up to an empty line. */
    size_t head_len = 0;
    for (;;) {
        char *end = c->buf ? strstr(c->buf, "\r\n\r\n") : NULL;
        if (end) {
            head_len = (size_t)(end - c->buf) + 4;
            break;
        }
        if (fill(c) <= 0)
            return fail("connection closed before a complete response head");
    }
    char *head = strndup(c->buf, head_len - 4);
    if (!head)
        abort();
    consume(c, head_len);
    char *save = NULL;
    char *line = strtok_r(head, "\r\n", &save);
    int major = 0, minor = 0, status = 0, off = 0;
    if (!line || sscanf(line, "HTTP/%d.%d %d %n", &major, &minor, &status, &off) < 3) {
        fail("bad status line: %s", line ? line : "(none)");
        free(head);
        return -1;
    }
    res->status = status;
    res->reason = xstrdup(off > 0 ? line + off : "");
    while ((line = strtok_r(NULL, "\r\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        t_header_t *h = realloc(res->headers, (res->nheaders + 1) * sizeof *h);
        if (!h)
            abort();
        res->headers = h;
        h[res->nheaders].name = xstrdup(line);
        h[res->nheaders].value = xstrdup(v);
        res->nheaders++;
    }
    free(head);

    buf_t body = {0};
    buf_add(&body, "", 0);
    const char *cl = t_header(res, "Content-Length");
    const char *te = t_header(res, "Transfer-Encoding");
    int no_body = strcmp(method, "HEAD") == 0 || status / 100 == 1 || status == 204 || status == 304;
    int rc = 0;
    if (no_body)
        ;
    else if (te && strcasecmp(te, "chunked") == 0)
        rc = read_chunked(c, &body);
    else if (cl) {
        size_t n = (size_t)strtoull(cl, NULL, 10);
        if (need(c, n))
            rc = fail("body shorter than Content-Length %zu", n);
        else {
            buf_add(&body, c->buf, n);
            consume(c, n);
        }
    } else {
        while (fill(c) > 0)
            ;
        buf_add(&body, c->buf ? c->buf : "", c->len);
        consume(c, c->len);
    }
    res->body = body.p;
    res->body_len = body.len;
    if (res->body_len)
        res->json = json_loadb(res->body, res->body_len, 0, NULL);
    return rc;
}

int t_conn_request(t_conn_t *c, const char *method, const char *target, const char *const headers[],
                   const char *body, size_t body_len, t_response_t *res)
{
    memset(res, 0, sizeof *res);
    buf_t req = {0};
    char *line = xprintf("%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, target);
    buf_add(&req, line, strlen(line));
    free(line);
    int chunked = 0;
    for (size_t i = 0; headers && headers[i]; i++) {
        if (strncasecmp(headers[i], "Transfer-Encoding:", 18) == 0)
            chunked = 1;
        buf_add(&req, headers[i], strlen(headers[i]));
        buf_add(&req, "\r\n", 2);
    }
    if (body && !chunked) {
        line = xprintf("Content-Length: %zu\r\n", body_len);
        buf_add(&req, line, strlen(line));
        free(line);
    }
    buf_add(&req, "\r\n", 2);
    if (body)
        buf_add(&req, body, body_len);
    int rc = send_all(c->fd, req.p, req.len);
    free(req.p);
    if (rc)
        return rc;
    return read_response(c, method, res);
}

int t_http(unsigned port, const char *method, const char *target, const char *const headers[], const char *body,
           size_t body_len, t_response_t *res)
{
    memset(res, 0, sizeof *res);
    t_conn_t c;
    if (t_conn_open(&c, port))
        return -1;
    size_t n = 0;
    while (headers && headers[n])
        n++;
    const char **all = calloc(n + 2, sizeof *all);
    if (!all)
        abort();
    for (size_t i = 0; i < n; i++)
        all[i] = headers[i];
    all[n] = "Connection: close";
    int rc = t_conn_request(&c, method, target, all, body, body_len, res);
    free(all);
    t_conn_close(&c);
    return rc;
}

int t_get(unsigned port, const char *target, t_response_t *res)
{
    return t_http(port, "GET", target, NULL, NULL, 0, res);
}

const char *t_header(const t_response_t *res, const char *name)
{
    for (size_t i = 0; i < res->nheaders; i++)
        if (strcasecmp(res->headers[i].name, name) == 0)
            return res->headers[i].value;
    return NULL;
}

void t_response_free(t_response_t *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->nheaders; i++) {
        free(res->headers[i].name);
        free(res->headers[i].value);
    }
    free(res->headers);
    free(res->reason);
    free(res->body);
    json_decref(res->json);
    memset(res, 0, sizeof *res);
}

/* ---- JSON ---------------------------------------------------------------------------- */

json_t *t_json_at(json_t *root, const char *path)
{
    json_t *cur = root;
    const char *p = path;
    while (cur && p && *p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        char key[128];
        if (n >= sizeof key)
            return NULL;
        memcpy(key, p, n);
        key[n] = '\0';
        if (json_is_array(cur)) {
            char *end;
            unsigned long i = strtoul(key, &end, 10);
            cur = (*key && !*end) ? json_array_get(cur, i) : NULL;
        } else if (json_is_object(cur))
            cur = json_object_get(cur, key);
        else
            cur = NULL;
        p = dot ? dot + 1 : NULL;
    }
    return cur;
}

const char *t_json_str(json_t *root, const char *path)
{
    json_t *v = t_json_at(root, path);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

long long t_json_int(json_t *root, const char *path)
{
    json_t *v = t_json_at(root, path);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -999999;
}

double t_json_num(json_t *root, const char *path)
{
    json_t *v = t_json_at(root, path);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

int t_json_is_null(json_t *root, const char *path)
{
    json_t *v = t_json_at(root, path);
    return v != NULL && json_is_null(v);
}

long t_json_len(json_t *root, const char *path)
{
    json_t *v = t_json_at(root, path);
    return json_is_array(v) ? (long)json_array_size(v) : -1;
}

/* ---- SQL ------------------------------------------------------------------------------- */

char *t_sql(const char *db_path, const char *sql)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fail("open %s: %s", db_path, db ? sqlite3_errmsg(db) : "?");
        sqlite3_close(db);
        return NULL;
    }
    void *cache = spatialite_alloc_connection();
    spatialite_init_ex(db, cache, 0);
    sqlite3_stmt *st = NULL;
    char *result = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail("%s: %s", sql, sqlite3_errmsg(db));
    else {
        buf_t b = {0};
        buf_add(&b, "", 0);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int i = 0; i < sqlite3_column_count(st); i++) {
                const unsigned char *t = sqlite3_column_text(st, i);
                if (i)
                    buf_add(&b, "|", 1);
                if (t)
                    buf_add(&b, (const char *)t, strlen((const char *)t));
            }
            buf_add(&b, "\n", 1);
        }
        if (rc == SQLITE_DONE)
            result = b.p;
        else {
            fail("%s: %s", sql, sqlite3_errmsg(db));
            free(b.p);
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    spatialite_cleanup_ex(cache);
    return result;
}

int t_server_stop_checked(t_server_t *srv)
{
    char *err = NULL;
    int status = t_server_stop(srv, &err);
    if (status != 0)
        fprintf(stderr, "server exit status %d, stderr:\n%s\n", status, err ? err : "");
    free(err);
    return status == 0 ? 0 : -1;
}
