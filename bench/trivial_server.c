/* trivial_server.c — the baseline for the HTTP benchmark: libmicrohttpd
 * answering every request with a small constant JSON body.
 *
 * It is started exactly as server/http.c starts diming's daemon (MHD_USE_EPOLL
 * with an internal polling thread, a thread pool, 127.0.0.1, the same
 * connection limit, timeout and backlog) so that "diming req/s ÷ trivial
 * req/s" measures what diming adds on top of libmicrohttpd on this machine:
 * routing, parameter parsing, the lookup, JSON encoding, headers.
 *
 * The response is queued on the second call of the handler, not the first:
 * libmicrohttpd 0.9.75 closes the connection after a response queued on the
 * first call (PLATFORM.md trap 1), which would turn a keep-alive benchmark
 * into a connect benchmark. SIGINT/SIGTERM are blocked before the daemon
 * starts and taken by sigwait (trap 2).
 *
 *   bench_trivial_server [--port N] [--threads N] [--body-bytes N]
 * --body-bytes pads the body to N bytes (default: the 42-byte empty
 * FeatureCollection), to see how much of a gap is only the answer's size.
 * Prints "listening on http://127.0.0.1:PORT/" once ready (port 0, the
 * default, picks a free port). */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char small_body[] = "{\"type\":\"FeatureCollection\",\"features\":[]}";
static const char *body = small_body;
static size_t body_len = sizeof small_body - 1;

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    static int first_call_marker;
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data;
    if (*con_cls == NULL) {
        *con_cls = &first_call_marker;
        return MHD_YES;
    }
    *upload_data_size = 0;
    struct MHD_Response *r =
        MHD_create_response_from_buffer(body_len, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

static int parse_uint(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n > max || v[0] == '-') {
        fprintf(stderr, "bench_trivial_server: %s must be a whole number up to %lu, got '%s'\n", opt, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long port = 0, threads = 2, body_bytes = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            if (parse_uint("--port", argv[++i], 65535, &port))
                return 2;
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (parse_uint("--threads", argv[++i], 256, &threads) || threads == 0)
                return 2;
        } else if (strcmp(argv[i], "--body-bytes") == 0 && i + 1 < argc) {
            if (parse_uint("--body-bytes", argv[++i], 1ul << 24, &body_bytes))
                return 2;
        } else {
            fprintf(stderr, "usage: bench_trivial_server [--port N] [--threads N] [--body-bytes N]\n");
            return 2;
        }
    }

    if (body_bytes > sizeof small_body + 8) {
        /* Same JSON padded to body_bytes: separates "bigger answer" from
         * "more work per request" when comparing with diming. */
        char *b = malloc(body_bytes + 1);
        if (!b)
            return 1;
        size_t head = (size_t)snprintf(b, body_bytes, "{\"type\":\"FeatureCollection\",\"features\":[],\"pad\":\"");
        memset(b + head, 'x', body_bytes - head - 2);
        memcpy(b + body_bytes - 2, "\"}", 3);
        body = b, body_len = body_bytes;
    }

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, on_request, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
        MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_trivial_server: cannot listen on 127.0.0.1:%lu\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("listening on http://127.0.0.1:%u/ (%lu threads)\n", di ? (unsigned)di->port : (unsigned)port, threads);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    MHD_stop_daemon(d);
    return 0;
}
