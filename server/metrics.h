/* metrics.h — request counters and latency histograms for GET /metrics, in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * Routes are numbered once at server start; observing a request is a handful
 * of relaxed atomic increments, so every worker thread records without a
 * lock. Ownership: metrics_new returns an object freed with metrics_free;
 * metrics_render returns a new string the caller frees. */
#ifndef DIMING_METRICS_H
#define DIMING_METRICS_H

#include <stddef.h>

typedef struct metrics metrics_t;

/* `routes` are labels such as "GET /divisions/{}" (copied); one more slot,
 * "unmatched", takes 404s, 405s and CORS preflights. */
metrics_t *metrics_new(const char *const *routes, size_t nroutes);
void metrics_free(metrics_t *m);

/* route: 0..nroutes-1, or -1 for unmatched. */
void metrics_observe(metrics_t *m, int route, int status, double seconds, size_t bytes);

/* Appends the exposition text; `extra` (may be NULL) is appended verbatim
 * (gauges owned by other modules: index sizes, data version). */
char *metrics_render(const metrics_t *m, const char *extra, size_t *len);

#endif
