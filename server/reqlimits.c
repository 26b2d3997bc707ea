/* reqlimits.c — request limits and deadlines; see reqlimits.h.
 *
 * Why these limits: a bureau's server is shared by officers, planners and
 * public map clients, so one request must not hold a worker thread for long
 * or make it allocate without bound (nginx's client_max_body_size and
 * *_timeout directives are the model). Oversized bodies are refused by
 * http.c before they are read; these are the limits that need to look at
 * what was asked. */
#include "server/reqlimits.h"

#include <stdio.h>
#include <string.h>

#include "gis/limits.h"
#include "gis/store_limits.h"

static size_t count_coords(const json_t *c, int depth)
{
    if (!json_is_array(c) || depth > 8)
        return 0;
    size_t n = json_array_size(c);
    if (n && json_is_number(json_array_get(c, 0)))
        return 1; /* a position: [x, y, …] */
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += count_coords(json_array_get(c, i), depth + 1);
    return total;
}

size_t reqlimits_count_positions(const json_t *geometry)
{
    if (!json_is_object(geometry))
        return 0;
    json_t *members = json_object_get(geometry, "geometries");
    if (json_is_array(members)) {
        size_t total = 0, i;
        json_t *g;
        json_array_foreach(members, i, g) total += reqlimits_count_positions(g);
        return total;
    }
    return count_coords(json_object_get(geometry, "coordinates"), 0);
}

int request_check_vertices(const request_t *req, response_t *res, const char *param, const json_t *geometry)
{
    unsigned max = server_get_config(req->srv)->max_vertices;
    size_t n = reqlimits_count_positions(geometry);
    if (!max || n <= max)
        return 0;
    response_error(res, req, 413, "too_many_vertices", param,
                   "%s has %zu vertices, more than this server's limit of %u (simplify it or split it)", param, n,
                   max);
    return -1;
}

int request_check_bbox(const request_t *req, response_t *res, const char *param, const double bbox[4])
{
    double max = server_get_config(req->srv)->max_bbox_km2;
    double km2 = limits_bbox_km2(bbox);
    if (!(max > 0) || km2 <= max)
        return 0;
    response_error(res, req, 422, "area_too_large", param,
                   "%s covers %.0f km², more than this server's limit of %.0f km² (ask for a smaller area)", param,
                   km2, max);
    return -1;
}

int request_check_division_area(request_t *req, response_t *res, const char *param, const char *code,
                                const char *date)
{
    double max = server_get_config(req->srv)->max_coverage_km2;
    if (!(max > 0))
        return 0;
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    double bb[4];
    int found = s ? store_limits_division_extent(s, code, date, bb, &e) : DM_EIO;
    if (found < 0) {
        response_from_error(res, req, &e);
        return -1;
    }
    double km2 = found ? limits_bbox_km2(bb) : 0;
    if (km2 <= max)
        return 0;
    response_error(res, req, 422, "area_too_large", param,
                   "%s %s spans %.0f km², more than this server's limit of %.0f km² for one request (ask for its "
                   "sub-divisions one by one)",
                   param, code, km2, max);
    return -1;
}

static void deadline_response(request_t *req, response_t *res)
{
    unsigned ms = server_get_config(req->srv)->deadline_ms;
    res->nheaders = 0; /* an ETag or Cache-Control of the abandoned answer must not stay */
    res->allow = NULL;
    response_error(res, req, 503, "deadline_exceeded", NULL,
                   "the request took longer than this server's limit of %u ms and was stopped (ask for less, "
                   "or try again later)",
                   ms);
    response_header(res, "Retry-After", "5");
}

int request_deadline_begin(request_t *req, response_t *res)
{
    unsigned ms = server_get_config(req->srv)->deadline_ms;
    if (!ms)
        return 0;
    limits_deadline_set(req->start_s + ms / 1000.0);
    if (!limits_deadline_passed())
        return 0;
    deadline_response(req, res);
    limits_deadline_clear();
    return -1;
}

void request_deadline_end(request_t *req, response_t *res)
{
    if (limits_deadline_hit()) {
        dm_error e;
        store_t *s = server_store(req->srv, &e);
        if (s)
            store_limits_reset_statements(s);
        deadline_response(req, res);
    }
    limits_deadline_clear();
}
