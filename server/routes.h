/* routes.h — the route tables of the server modules, collected by http.c.
 *
 * A pattern is an exact path ("/health") or a path ending in "/{}" that
 * matches exactly one more non-empty segment ("/divisions/{}"); "{}" may
 * stand for a middle segment too and "{#}" for a segment of digits only
 * ("/names/{#}/history"), or a path
 * ending in "/" followed by "*" that matches any non-empty rest (the tile
 * routes). Tables end
 * with a NULL pattern. The first route whose pattern matches the path wins;
 * if the path matches but no method does, the answer is 405 with Allow. */
#ifndef DIMING_ROUTES_H
#define DIMING_ROUTES_H

#include "server/http.h"

typedef void (*route_handler)(request_t *req, response_t *res);

typedef struct route {
    const char *method;
    const char *pattern;
    route_handler fn;
} route_t;

extern const route_t divisions_routes[];
extern const route_t boundaries_routes[];
extern const route_t tiles_routes[];
extern const route_t ogc_routes[];
extern const route_t coverage_routes[];
extern const route_t names_routes[];
extern const route_t web_routes[];
extern const route_t signs_routes[];
extern const route_t register_routes[];

/* 1 when `path` matches `pattern` (the syntax above; "{}" and "{#}" may also
 * stand in middle segments: "/names/proposals/{#}/approve"). */
int route_pattern_match(const char *pattern, const char *path);

/* The web page (routes_web.c) shares "/" with the OGC landing page: true when
 * the client asks for HTML (see web_wants_page), and then web_page answers. */
int web_wants_page(const request_t *req);
void web_page(request_t *req, response_t *res);

/* The last path segment (after the final '/'), for "/{}" routes. */
const char *request_last_segment(const request_t *req);

/* names (routes_names.c), shared with `diming names` */
void names_default_config(names_config_t *cfg);
int names_geojson_to_wkb(const char *geojson, unsigned char **wkb, size_t *len, dm_error *err);
json_t *names_parts_json(const name_parts_t *np, name_category_t cat);
json_t *names_matches_json(const name_match_t *m, size_t n);
json_t *names_check_json(const name_check_t *c);
json_t *names_audit_json(const name_audit_finding_t *f, size_t n, const name_observation_t *obs);
int names_observations_from_json(json_t *arr, name_observation_t **out, size_t *n, dm_error *err);

#endif
