/* routes.h — the route tables of the server modules, collected by http.c.
 *
 * A pattern is an exact path ("/health") or a path ending in "/{}" that
 * matches exactly one more non-empty segment ("/divisions/{}"), or a path
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
extern const route_t web_routes[];

/* The web page (routes_web.c) shares "/" with the OGC landing page: true when
 * the client asks for HTML (see web_wants_page), and then web_page answers. */
int web_wants_page(const request_t *req);
void web_page(request_t *req, response_t *res);

/* The last path segment (after the final '/'), for "/{}" routes. */
const char *request_last_segment(const request_t *req);

#endif
