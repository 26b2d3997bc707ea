/* coverage_json.h — GeoJSON for the coverage answers (gis/coverage.h), shared
 * by the HTTP routes (routes_coverage.c) and `diming coverage`.
 *
 * Ownership: every function returns a new json_t reference the caller owns. */
#ifndef DIMING_COVERAGE_JSON_H
#define DIMING_COVERAGE_JSON_H

#include <jansson.h>

#include "gis/coverage.h"
#include "gis/report.h"

/* FeatureCollection: one Feature per residential area, then one "uncovered"
 * Feature; members method, division, params, summary, subdivisions, sensitivity. */
json_t *coverage_result_json(const coverage_result_t *r, const coverage_query_t *q);
/* The summary object of one division. */
json_t *coverage_summary_json(const coverage_summary_t *s);
/* FeatureCollection of the reachable area (and edges) of an isochrone. */
json_t *coverage_isochrone_json(const coverage_isochrone_t *iso, double lon, double lat, const coverage_params_t *p);
/* FeatureCollection of suggested sites with their gains. */
json_t *coverage_suggestion_json(const coverage_suggestion_t *sg, const coverage_query_t *q, int k);

/* The plan indicators of a division: one entry per target with value,
 * target, pass and the failing units as a FeatureCollection. */
json_t *coverage_report_json(const report_item_t *items, size_t n, const char *division, const char *name,
                             const char *date);

#endif
