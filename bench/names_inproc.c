/* names_inproc.c — bench_names_inproc: the names module in process, on one
 * thread, against a database of standard names (bench/names builds it):
 * lexicon load and index build times, index size, process memory, then the
 * p50/p99 latency of names_standardize and names_check over a mix of queries
 * taken from the register itself (exact, traditional, missing generic,
 * pinyin, fuzzy, proposals that clash and that pass).
 *
 *   bench_names_inproc DB NAMES_DATA PINYIN_DICT [QUERIES]
 *
 * Prints one line per figure ("name value unit"); the shell script formats
 * the report. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/date.h"
#include "gis/names.h"
#include "gis/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this thread: what a query costs without the waits of a busy
 * machine (other processes preempting this one inflate the wall clock). */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0)
            v = atol(line + n + 1);
    if (f)
        fclose(f);
    return v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, size_t n)
{
    qsort(t, n, sizeof *t, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += t[i];
    printf("%s_p50_ms %.3f\n%s_p99_ms %.3f\n%s_max_ms %.3f\n%s_per_s %.0f\n", what, t[n / 2] * 1e3, what,
           t[(size_t)(n * 0.99)] * 1e3, what, t[n - 1] * 1e3, what, n / sum);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench_names_inproc DB NAMES_DATA PINYIN_DICT [QUERIES]\n");
        return 2;
    }
    size_t nq = argc > 4 ? (size_t)atol(argv[4]) : 20000;
    dm_error e;
    store_t *s;
    if (store_open(argv[1], STORE_READONLY | STORE_NOCREATE, &s, &e)) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    long rss0 = rss_kb("VmRSS:");
    double t0 = now_s();
    names_config_t cfg = {argv[2], argv[3], 0};
    names_lexicon_t *lx;
    if (names_lexicon_load(&cfg, &lx, &e)) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    double t1 = now_s();
    long rss1 = rss_kb("VmRSS:");
    names_index_t *ix;
    if (names_index_build(s, lx, &ix, &e)) {
        fprintf(stderr, "%s\n", e.message);
        return 1;
    }
    double t2 = now_s();
    long rss2 = rss_kb("VmRSS:");
    names_index_stats_t st = names_index_stats(ix);
    printf("names %zu\nkeys %zu\nindex_bytes %zu\nlexicon_load_s %.2f\nindex_build_s %.2f\n", st.names, st.keys,
           st.bytes, t1 - t0, t2 - t1);
    printf("rss_lexicon_mb %.1f\nrss_index_mb %.1f\nrss_total_mb %.1f\n", (rss1 - rss0) / 1024.0,
           (rss2 - rss1) / 1024.0, rss2 / 1024.0);

    names_worker_t *w = names_worker_new(lx, &e);
    /* Queries: real names of the register in several forms. */
    static const char *const forms[] = {
        "人民南路四段", "人民南路", "人民南", "renmin nanlu", "長順上街", "长顺上", "蜀汉路", "蜀漢路",
        "红星路二段", "红星路", "一环路东一段", "天府大道", "梅园新村社区", "新街口街道", "新街口",
        "xinjiekou jiedao", "东华门街道", "春熙路", "春西路", "锦里中路", "青枫路", "湟新路",
    };
    size_t nforms = sizeof forms / sizeof *forms;
    double *t = malloc(nq * sizeof *t), *tc = malloc(nq * sizeof *tc);
    size_t found = 0;
    for (size_t i = 0; i < nq; i++) {
        names_query_t q = {.text = forms[i % nforms], .len = (size_t)-1, .limit = 10};
        if (i % 3 == 0) {
            q.has_near = 1, q.near_lon = 104.06, q.near_lat = 30.66;
        }
        name_match_t *m = NULL;
        size_t n = 0;
        double a = now_s(), ac = cpu_s();
        if (names_standardize(w, ix, &q, &m, &n, &e)) {
            fprintf(stderr, "%s: %s\n", q.text, e.message);
            return 1;
        }
        t[i] = now_s() - a;
        tc[i] = cpu_s() - ac;
        found += n > 0;
        free(m);
    }
    if (getenv("BENCH_VERBOSE")) {
        /* mean latency per query form, to find the slow kinds */
        for (size_t f = 0; f < nforms; f++) {
            double sum = 0;
            size_t k = 0;
            for (size_t i = f; i < nq; i += nforms)
                sum += t[i], k++;
            fprintf(stderr, "  %-20s %.3f ms\n", forms[f], k ? sum / k * 1e3 : 0);
        }
    }
    printf("standardize_queries %zu\nstandardize_found %zu\n", nq, found);
    report("standardize", t, nq);
    report("standardize_cpu", tc, nq);

    static const struct {
        const char *name, *division;
        name_category_t cat;
    } props[] = {
        {"人民南路", "510104", NAME_CAT_ROAD},  {"青枫路", "510104", NAME_CAT_ROAD},
        {"蜀汉街", "510105", NAME_CAT_ROAD},    {"红星大道", "510104", NAME_CAT_ROAD},
        {"国际大道", "320402", NAME_CAT_ROAD},  {"梅园新村社区", "320102002", NAME_CAT_DIVISION},
        {"新街口街道", "320102", NAME_CAT_DIVISION}, {"长顺中街", "510105", NAME_CAT_ROAD},
    };
    size_t nprops = sizeof props / sizeof *props;
    char today[11];
    date_today(today);
    size_t verdicts[3] = {0};
    unsigned char wkb[21] = {1, 1, 0, 0, 0};
    double lon = 104.06, lat = 30.66;
    memcpy(wkb + 5, &lon, 8);
    memcpy(wkb + 13, &lat, 8);
    for (size_t i = 0; i < nq; i++) {
        names_proposal_t p = {.name = props[i % nprops].name, .len = (size_t)-1, .category = props[i % nprops].cat,
                              .division = props[i % nprops].division, .date = today, .wkb = wkb, .wkb_len = 21};
        /* every third proposal also brings a sign spelling and the name it replaces */
        if (i % 3 == 0)
            p.pinyin = "Qingfeng Road", p.replaces = "青果巷";
        name_check_t c;
        double a = now_s(), ac = cpu_s();
        if (names_check(w, ix, NULL, &p, &c, &e)) {
            fprintf(stderr, "%s: %s\n", p.name, e.message);
            return 1;
        }
        t[i] = now_s() - a;
        tc[i] = cpu_s() - ac;
        verdicts[c.verdict]++;
        names_check_clear(&c);
    }
    printf("check_accept %zu\ncheck_warn %zu\ncheck_reject %zu\n", verdicts[0], verdicts[1], verdicts[2]);
    report("check", t, nq);
    report("check_cpu", tc, nq);
    free(t);
    free(tc);
    names_worker_free(w);
    names_index_free(ix);
    names_lexicon_free(lx);
    store_close(s);
    return 0;
}
