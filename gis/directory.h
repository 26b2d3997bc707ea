/* directory.h — the directory of standard names (地名录) of a division and
 * its exports, the naming candidates (unnamed road segments in rural
 * divisions), and the names audit summed per responsible enterprise with
 * its 统一社会信用代码 (DOMAIN.md §1 图、录、典、志; §5 地名信用).
 *
 * Membership: a name is in a division's directory when its division code
 * starts with the division's significant digits, or when its location (a
 * point on the name's geometry, below) lies inside the division's outline.
 * Only standard names are listed: status approved, published or in_use.
 * Location: the point itself; the point halfway along the longest part of a
 * line; a point inside a polygon (GEOS PointOnSurface).
 *
 * Ownership: results own their strings and arrays; free them with their
 * *_clear / *_free function. The CSV and GeoPackage writers allocate nothing
 * the caller must free except the CSV buffer they return. */
#ifndef DIMING_DIRECTORY_H
#define DIMING_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "gis/creditcode.h"
#include "gis/error.h"
#include "gis/names.h"
#include "gis/store.h"

typedef struct directory_params {
    const char *date;      /* division version; NULL = today */
    int has_category;
    name_category_t category;
} directory_params_t;

typedef struct directory_entry {
    int64_t id;
    char *name, *pinyin, *category, *division_code, *status, *approval_doc, *approved_on, *former_names;
    double lon, lat;       /* NAN without geometry */
} directory_entry_t;

typedef struct directory {
    char division_code[13];
    char division_name[96];
    directory_entry_t *entries; /* by category, then pinyin, then id */
    size_t n;
} directory_t;

/* The directory of `division` (any code divcode_parse accepts). Pinyin is
 * the register's where it has one, else the standard spelling (names.h). */
int directory_build(store_t *s, names_worker_t *w, const char *division, const directory_params_t *p,
                    directory_t *out, dm_error *err);
void directory_clear(directory_t *d);

/* The columns of every export, in order. */
extern const char *const directory_columns[];

/* RFC 4180 CSV (CRLF line ends, fields with comma, quote or line break
 * quoted, quotes doubled), UTF-8; with `bom` a UTF-8 byte-order mark first
 * (for Excel). *out is malloc'd. */
int directory_write_csv(const directory_t *d, int bom, char **out, size_t *len, dm_error *err);
/* The GeoPackage writer is export_directory_gpkg (importers/export.h): GDAL
 * lives in the importers' library. */

/* ---- naming candidates ----------------------------------------------- */

typedef struct naming_candidate {
    int64_t road_id;
    char road_class[32], osm_id[32];
    double length_m, lon, lat;   /* the segment's length and its midpoint */
    char unit_code[13], unit_name[96], unit_type[16];
    unsigned char *wkb;          /* the segment */
    size_t wkb_len;
} naming_candidate_t;

typedef struct naming_candidates {
    char division_code[13], division_name[96];
    naming_candidate_t *c;       /* by unit code, then length descending, then road id */
    size_t n;
    double total_m;
    size_t rural_units;          /* rural townships and villages with an outline looked at */
} naming_candidates_t;

/* Unnamed road edges (classes that carry names; see docs/signs.md) whose
 * midpoint lies in a rural township or village of `division`: the deepest
 * division with an outline containing the midpoint decides, rural by its
 * 城乡分类代码 or, without one, its type (镇, 乡, 村). */
int directory_candidates(store_t *s, const char *division, const char *date, naming_candidates_t *out,
                         dm_error *err);
void directory_candidates_clear(naming_candidates_t *c);

/* ---- the names audit per enterprise ----------------------------------- */

typedef struct enterprise_ref {
    const char *name;        /* responsible enterprise, or NULL */
    const char *credit_code; /* its 统一社会信用代码 as given, or NULL */
} enterprise_ref_t;

typedef struct enterprise_summary {
    char name[128];
    char credit_code[64];           /* as given (trimmed), "" if none */
    creditcode_status_t code_status;
    char expected_check;            /* the check character the code calls for, '\0' if none */
    long observations;              /* uses attributed to it */
    long violations;                /* findings on those uses */
    long by_type[4];                /* indexed by name_audit_type_t */
    size_t *findings;               /* indexes into the findings */
    size_t nfindings;
} enterprise_summary_t;

typedef struct enterprise_report {
    name_audit_finding_t *findings; /* all findings of the audit (names_audit) */
    size_t nfindings;
    enterprise_summary_t *e;        /* by violations descending, then credit code, then name */
    size_t n;
    long unattributed;              /* findings on uses with no enterprise */
} enterprise_report_t;

/* Runs names_audit on the observations (ents[i] belongs to obs[i]) and sums
 * the findings per enterprise: the credit code when one is given (codes
 * compared upper-cased), else the enterprise name. */
int directory_enterprise_audit(names_worker_t *w, const names_index_t *ix, const name_observation_t *obs,
                               const enterprise_ref_t *ents, size_t n, const names_audit_params_t *params,
                               enterprise_report_t *out, dm_error *err);
void directory_enterprise_clear(enterprise_report_t *r);

#endif
