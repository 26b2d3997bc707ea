/* import_boundaries.h — the boundary files boundary staff receive, read
 * through GDAL like every other layer (importers/import.h):
 *
 *  - official boundary lines (界线): GeoJSON, Shapefile (its .prj: e.g.
 *    CGCS2000 3-degree Gauss-Krüger, EPSG:4549 or EPSG:4528), GeoPackage …,
 *    reprojected to CGCS2000 lon/lat through PROJ, or from GCJ-02 with
 *    src_srs "GCJ02" (gis/crs.h). Fields: left_code, right_code, and
 *    optionally name, line_code, status (agreed, not_agreed, unknown),
 *    agreement_ref (Shapefile: agreement_), valid_from, valid_to. A feature
 *    without geometry only sets the status of the line's open version;
 *  - joint inspection rounds (界线联检): CSV or GeoJSON with one row per
 *    marker inspected: round, date, marker, condition, and optionally line
 *    (default: the marker number's line code), parties, action. Rows of one
 *    line and round form one round; every row of it must carry the same date.
 *
 * Both run in ONE transaction: any bad row (named by its 1-based number and
 * field) fails the import and leaves the database exactly as it was.
 * Ownership: nothing is returned but the report, which the caller owns. */
#ifndef DIMING_IMPORT_BOUNDARIES_H
#define DIMING_IMPORT_BOUNDARIES_H

#include "gis/error.h"
#include "gis/store.h"

typedef struct bfile_report {
    char driver[32];   /* GDAL driver that read the file */
    char src_srs[128]; /* what coordinates were read as ("" for rounds) */
    long read;         /* features / rows read */
    long lines;        /* official lines written */
    long statuses;     /* status-only features applied */
    long rounds;       /* inspection rounds created */
    long findings;     /* marker findings recorded */
} bfile_report_t;

/* src_srs overrides the file's CRS ("EPSG:4549", a WKT, "GCJ02"); NULL =
 * the file's own (a file without one is refused, naming "src-srs"). */
int import_boundary_lines(store_t *s, const char *path, const char *src_srs, bfile_report_t *rep, dm_error *err);

/* Conditions: intact, damaged, missing, moved, replaced (also 完好, 损坏,
 * 丢失/缺失, 移位, 更换). A round that already exists is refused (DM_ECONFLICT):
 * a round is recorded once. */
int import_inspection_rounds(store_t *s, const char *path, bfile_report_t *rep, dm_error *err);

#endif
