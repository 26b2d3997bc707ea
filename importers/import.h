/* import.h — loading the files people have into the store, through GDAL.
 *
 * `diming import <layer> FILE` is one call of import_run: open the file with
 * GDAL (Shapefile — GBK DBFs without .cpg included —, GeoJSON, GeoPackage,
 * CSV with lon/lat or WKT columns, OSM), map its columns to the layer's
 * fields (fields.h), reproject to CGCS2000 through PROJ or the GCJ-02 inverse
 * (gis/crs.h), normalise names (gis/text.h), check and repair geometry with
 * GEOS (gis/geom.h), check division codes (gis/divcode.h) and write the rows
 * in ONE transaction: a fatal error (unreadable or truncated file, no CRS,
 * database error, --strict with rejected rows, nothing importable) rolls back
 * and leaves the database exactly as it was. Rows that fail a check are
 * rejected individually and listed with their row number and reason.
 *
 * Ownership: the report's issue list is owned by the report; free it with
 * import_report_free. The importer never prints: progress goes through the
 * optional callback, results through the report. */
#ifndef DIMING_IMPORT_H
#define DIMING_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"
#include "importers/fields.h"

typedef struct import_options {
    import_layer_t layer;
    const char *path;          /* the source file */
    const char *src_srs;       /* CRS of the source; overrides the file's; "GCJ02" allowed */
    const char *encoding;      /* text encoding of attribute values, e.g. "GBK"; NULL = detect */
    const char *source_layer;  /* layer name inside a multi-layer file; NULL = the first */
    const char *const *fields; /* "target=column" overrides */
    size_t nfields;
    const char *valid_from;    /* divisions: versions start on this date */
    int strict;                /* any rejected row makes the import fail */
    void (*progress)(double fraction, void *ud); /* called now and then, 0..1 */
    void *progress_ud;
} import_options_t;

typedef enum { ISSUE_REJECTED, ISSUE_REPAIRED, ISSUE_WARNING } import_issue_kind_t;

typedef struct import_issue {
    import_issue_kind_t kind;
    long row;            /* 1-based record number in the source, 0 for the whole file */
    char field[32];      /* field at fault, "" if none */
    char message[256];
} import_issue_t;

typedef struct import_report {
    char layer[16];
    char source[512];
    char driver[32];
    char src_srs[128];   /* what the coordinates were read as */
    char encoding[32];   /* "UTF-8", "GB18030 (detected)", … */
    long read, imported, repaired, rejected, skipped;
    int64_t batch_id;    /* 0 if nothing was committed */
    double seconds;
    import_issue_t *issues;
    size_t nissues, cap;
    size_t issues_dropped; /* beyond the first 10,000 */
} import_report_t;

/* Runs one import. Returns 0 if the batch was committed; otherwise nothing
 * changed in the database and err says why (the report still lists the
 * rejected rows found before the failure). */
int import_run(store_t *s, const import_options_t *opt, import_report_t *rep, dm_error *err);

void import_report_free(import_report_t *rep);

/* The report as a JSON document (new string, caller frees). `fatal` may be
 * NULL; when given it becomes the "error" member. */
char *import_report_json(const import_report_t *rep, const dm_error *fatal);

#endif
