/* cmd_serve.c — `diming serve`: options, signal handling (PLATFORM.md trap 2:
 * SIGINT/SIGTERM are blocked in every thread and taken by sigwait here, so
 * libmicrohttpd's threads never see them) and a clean stop. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cli.h"
#include "server/http.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: diming serve [options]\n"
            "\n"
            "options:\n"
            "  --db PATH              database (default $DIMING_DB or ./diming.sqlite)\n"
            "  --bind ADDR            IPv4 address to listen on (default 127.0.0.1)\n"
            "  --port N               TCP port (default 8080; 0 picks a free one)\n"
            "  --threads N            worker threads (default: number of CPUs)\n"
            "  --max-body BYTES       largest request body accepted (default 1048576)\n"
            "  --max-connections N    concurrent connections (default 1024)\n"
            "  --timeout SECONDS      idle connection timeout (default 30)\n"
            "  --access-log PATH      access log file, '-' for stderr (default), 'off'\n"
            "  --reload-interval MS   how often to look for newly imported data (default 1000)\n"
            "  --tile-cache-mb N      memory for cached vector tiles, MiB (default 64)\n"
            "  --names-data DIR       name word lists (default $DIMING_NAMES_DATA or share/names)\n"
            "  --pinyin-dict FILE     pinyin word list (default $DIMING_PINYIN_DICT or rime-data-luna-pinyin)\n"
            "  --web-dir DIR          the web map's folder, served at / and /web/ (default: the source tree's web/)\n"
            "  --basemap URL          a raster XYZ tile URL ({z}/{x}/{y}) the web map draws under its layers\n"
            "  --deadline-ms N        longest a request may run before it is stopped with 503 (default 30000)\n"
            "  --max-vertices N       vertices in a posted geometry, more is 413 (default 100000)\n"
            "  --max-bbox-km2 N       area of a bbox parameter, more is 422 (default 2500000)\n"
            "  --max-coverage-km2 N   extent of a division asked for coverage, more is 422 (default 50000)\n"
            "  --tls-cert FILE        serve HTTPS with this PEM certificate (chain) …\n"
            "  --tls-key FILE         … and this PEM private key\n"
            "  --allow-insecure-tokens  accept bearer tokens over plain HTTP from other hosts (default: refused)\n"
            "  --help                 this text\n"
            "\n"
            "Prints the URL once listening; SIGINT or SIGTERM stop it cleanly.\n");
}

static int parse_uint(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    char *end;
    unsigned long n = strtoul(v, &end, 10);
    if (!*v || *end || n > max || v[0] == '-') {
        fprintf(stderr, "diming serve: %s must be a whole number up to %lu, got '%s'\n", opt, max, v);
        return -1;
    }
    *out = n;
    return 0;
}

/* A limit: a whole number from 1 to max (0 would turn the limit off). */
static int parse_limit(const char *opt, const char *v, unsigned long max, unsigned long *out)
{
    if (parse_uint(opt, v, max, out))
        return -1;
    if (*out == 0) {
        fprintf(stderr, "diming serve: %s must be at least 1\n", opt);
        return -1;
    }
    return 0;
}

int cmd_serve(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"bind", required_argument, 0, 'b'},
                                         {"port", required_argument, 0, 'p'},
                                         {"threads", required_argument, 0, 't'},
                                         {"max-body", required_argument, 0, 'm'},
                                         {"max-connections", required_argument, 0, 'c'},
                                         {"timeout", required_argument, 0, 'T'},
                                         {"access-log", required_argument, 0, 'a'},
                                         {"reload-interval", required_argument, 0, 'r'},
                                         {"tile-cache-mb", required_argument, 0, 'C'},
                                         {"names-data", required_argument, 0, 'N'},
                                         {"pinyin-dict", required_argument, 0, 'P'},
                                         {"web-dir", required_argument, 0, 'w'},
                                         {"basemap", required_argument, 0, 'B'},
                                         {"deadline-ms", required_argument, 0, 'D'},
                                         {"max-vertices", required_argument, 0, 'V'},
                                         {"max-bbox-km2", required_argument, 0, 'X'},
                                         {"max-coverage-km2", required_argument, 0, 'K'},
                                         {"tls-cert", required_argument, 0, 'S'},
                                         {"tls-key", required_argument, 0, 'k'},
                                         {"allow-insecure-tokens", no_argument, 0, 'I'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    server_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.port = 8080;
    unsigned long v = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': cfg.db_path = optarg; break;
        case 'b': cfg.bind_addr = optarg; break;
        case 'p':
            if (parse_uint("--port", optarg, 65535, &v))
                return 2;
            cfg.port = (unsigned)v;
            break;
        case 't':
            if (parse_uint("--threads", optarg, 256, &v))
                return 2;
            if (v == 0) {
                fprintf(stderr, "diming serve: --threads must be at least 1\n");
                return 2;
            }
            cfg.threads = (unsigned)v;
            break;
        case 'm':
            if (parse_uint("--max-body", optarg, 1ul << 30, &v) || v == 0)
                return 2;
            cfg.max_body_bytes = v;
            break;
        case 'c':
            if (parse_uint("--max-connections", optarg, 100000, &v) || v == 0)
                return 2;
            cfg.max_connections = (unsigned)v;
            break;
        case 'T':
            if (parse_uint("--timeout", optarg, 86400, &v) || v == 0)
                return 2;
            cfg.timeout_s = (unsigned)v;
            break;
        case 'a': cfg.access_log = optarg; break;
        case 'C':
            if (parse_uint("--tile-cache-mb", optarg, 65536, &v) || v == 0) {
                if (v == 0)
                    fprintf(stderr, "diming serve: --tile-cache-mb must be at least 1\n");
                return 2;
            }
            cfg.tile_cache_mb = v;
            break;
        case 'r':
            if (parse_uint("--reload-interval", optarg, 3600000, &v) || v < 10) {
                if (v < 10)
                    fprintf(stderr, "diming serve: --reload-interval must be at least 10 ms\n");
                return 2;
            }
            cfg.reload_interval_ms = (unsigned)v;
            break;
        case 'N': cfg.names_data = optarg; break;
        case 'P': cfg.pinyin_dict = optarg; break;
        case 'w': cfg.web_dir = optarg; break;
        case 'B':
            if (strncmp(optarg, "https://", 8) != 0 && strncmp(optarg, "http://", 7) != 0) {
                fprintf(stderr, "diming serve: --basemap must be an http(s) tile URL with {z}/{x}/{y}, got '%s'\n",
                        optarg);
                return 2;
            }
            cfg.basemap_url = optarg;
            break;
        /* request limits (server/reqlimits.h); 0 is refused: every limit stays on */
        case 'D':
            if (parse_limit("--deadline-ms", optarg, 86400000, &v))
                return 2;
            cfg.deadline_ms = (unsigned)v;
            break;
        case 'V':
            if (parse_limit("--max-vertices", optarg, 100000000, &v))
                return 2;
            cfg.max_vertices = (unsigned)v;
            break;
        case 'X':
        case 'K':
            if (parse_limit(c == 'X' ? "--max-bbox-km2" : "--max-coverage-km2", optarg, 1000000000, &v))
                return 2;
            *(c == 'X' ? &cfg.max_bbox_km2 : &cfg.max_coverage_km2) = (double)v;
            break;
        case 'S': cfg.tls_cert = optarg; break;
        case 'k': cfg.tls_key = optarg; break;
        case 'I': cfg.allow_insecure_tokens = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "diming serve: unexpected argument '%s' (try --help)\n", argv[optind]);
        return 2;
    }
    if (!cfg.db_path)
        cfg.db_path = cli_default_db();

    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    server_t *srv;
    dm_error err;
    if (server_start(&cfg, &srv, &err)) {
        fprintf(stderr, "diming serve: error: %s\n", err.message);
        return 1;
    }
    division_index_stats_t st = server_division_stats(srv);
    printf("diming: serving %s://%s:%u/ (database %s, %zu division outlines indexed in %.2f s)\n",
           cfg.tls_cert ? "https" : "http", cfg.bind_addr ? cfg.bind_addr : "127.0.0.1", server_port(srv), cfg.db_path, st.divisions,
           st.build_seconds);
    fflush(stdout);
    int sig = 0;
    sigwait(&sigs, &sig);
    fprintf(stderr, "diming: %s received, stopping\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    server_stop(srv);
    return 0;
}
