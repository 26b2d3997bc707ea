/* signs_json.h — JSON (GeoJSON) encoders of the signs audit, the directory,
 * the naming candidates and the per-enterprise audit, shared by
 * routes_signs.c and cmd_signs.c so the API and the CLI print the same
 * documents. Each returns a new jansson reference the caller owns; the
 * inputs are borrowed. */
#ifndef DIMING_SIGNS_JSON_H
#define DIMING_SIGNS_JSON_H

#include <jansson.h>

#include "gis/directory.h"
#include "gis/signs.h"

json_t *signs_audit_json(const signs_audit_result_t *r);
json_t *directory_json(const directory_t *d);
json_t *candidates_json(const naming_candidates_t *c);
json_t *enterprise_report_json(const enterprise_report_t *r, const name_observation_t *obs);
/* The per-enterprise summary as CSV (RFC 4180, CRLF); malloc'd, *len set. */
char *enterprise_report_csv(const enterprise_report_t *r, size_t *len);

/* Observations' enterprise fields ("enterprise", "credit_code") from the
 * same JSON array as names_observations_from_json; strings borrowed from
 * `arr`. *out is malloc'd (free()). */
int enterprise_refs_from_json(json_t *arr, enterprise_ref_t **out, dm_error *err);

#endif
