/* reqlimits.h — request limits shared by the routes: a deadline per request,
 * the number of vertices in a posted geometry, the area of a bbox and of a
 * division asked for coverage. Limits come from `diming serve` options
 * (server_config_t: deadline_ms, max_vertices, max_bbox_km2,
 * max_coverage_km2); docs/reliability.md lists them with their defaults.
 *
 * Answers (the error body names the parameter and the limit):
 *   413 too_many_vertices   posted geometry over max_vertices
 *   422 area_too_large      bbox / coverage division over its km² limit
 *   503 deadline_exceeded   the request ran past deadline_ms (Retry-After)
 *
 * The check helpers return 0 when within the limit; otherwise they fill a
 * response and return -1, like param_double. */
#ifndef DIMING_REQLIMITS_H
#define DIMING_REQLIMITS_H

#include <jansson.h>

#include "server/http.h"

/* Counts the positions of a GeoJSON geometry object (its "coordinates" at
 * any depth, and the members of a GeometryCollection) without building it. */
size_t reqlimits_count_positions(const json_t *geometry);

/* 413 when `geometry` (a GeoJSON geometry object) has more positions than
 * the server's max_vertices. */
int request_check_vertices(const request_t *req, response_t *res, const char *param, const json_t *geometry);
/* 422 when a bbox (west, south, east, north) covers more than max_bbox_km2. */
int request_check_bbox(const request_t *req, response_t *res, const char *param, const double bbox[4]);
/* 422 when the outline of division `code` on `date` spans a box of more
 * than max_coverage_km2 (a province asked for coverage). A division without
 * an outline, or unknown, passes: the handler's own lookup reports it. */
int request_check_division_area(request_t *req, response_t *res, const char *param, const char *code,
                                const char *date);

/* Called by http.c around the handler. begin sets this thread's deadline
 * (request start + deadline_ms) and returns 0, or fills a 503 and returns -1
 * when the request already used its time (a slow upload). end turns any
 * answer of a request that hit its deadline into a 503, releases the
 * statements it stopped, and clears the deadline. */
int request_deadline_begin(request_t *req, response_t *res);
void request_deadline_end(request_t *req, response_t *res);

#endif
