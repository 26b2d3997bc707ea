/* import_boundaries.c — official boundary lines and joint inspection rounds
 * from files, through GDAL and PROJ; see import_boundaries.h.
 *
 * Why GDAL here too: official line files come as Shapefiles in a projected
 * CGCS2000 CRS (Gauss-Krüger 3° zones, GB/T 17796-2009 products) or from
 * internet maps in GCJ-02, and inspection tables as CSV; reading them like
 * the other layers gives one behaviour for CRSs, encodings and errors. */
#include "importers/import_boundaries.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gis/boundary.h"
#include "gis/crs.h"
#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/geom.h"
#include "gis/store_boundary.h"

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_setup(void) { GDALAllRegister(); }

static GDALDatasetH open_file(const char *path, bfile_report_t *rep, OGRLayerH *layer, dm_error *err)
{
    pthread_once(&gdal_once, gdal_setup);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds) {
        dm_error_set(err, DM_EINVAL, "file", "%s cannot be read as a vector file (GeoJSON, Shapefile, CSV …)", path);
        return NULL;
    }
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    snprintf(rep->driver, sizeof rep->driver, "%s", drv ? GDALGetDriverShortName(drv) : "?");
    *layer = GDALDatasetGetLayerCount(ds) > 0 ? GDALDatasetGetLayer(ds, 0) : NULL;
    if (!*layer) {
        GDALClose(ds);
        dm_error_set(err, DM_EINVAL, "file", "%s has no layers", path);
        return NULL;
    }
    return ds;
}

/* The text of the first of `names` the feature has and sets, copied into
 * buf (GDAL formats numbers and dates into a buffer the next call reuses);
 * NULL if none. Shapefile field names are cut to 10 characters, hence the
 * aliases. */
static const char *field(OGRFeatureH f, const char *const *names, char *buf, size_t n)
{
    for (; *names; names++) {
        int i = OGR_F_GetFieldIndex(f, *names);
        if (i >= 0 && OGR_F_IsFieldSetAndNotNull(f, i)) {
            const char *v = OGR_F_GetFieldAsString(f, i);
            if (!v || !*v)
                return NULL;
            snprintf(buf, n, "%s", v);
            return buf;
        }
    }
    return NULL;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
/* A field into a buffer of its own: F(f, buf, "name", …) */
#define F(f, buf, ...) field((f), NAMES(__VA_ARGS__), (buf), sizeof(buf))

/* Prefixes err's message with the row ("feature 3: …"); returns err's code. */
static int at_row(dm_error *err, const char *what, long row)
{
    dm_error was = *err;
    return dm_error_set(err, was.code ? was.code : DM_EINVAL, was.param[0] ? was.param : NULL, "%s %ld: %.400s",
                        what, row, was.message);
}

/* ---- official lines ------------------------------------------------------------- */

static crs_transform_t *line_crs(OGRLayerH layer, const char *src_srs, const char *path, bfile_report_t *rep,
                                 dm_error *err)
{
    crs_transform_t *t = NULL;
    if (src_srs)
        t = crs_transform_new(src_srs, err);
    else {
        OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(layer);
        if (!srs) {
            dm_error_set(err, DM_EINVAL, "src-srs",
                         "%s declares no coordinate reference system; pass --src-srs (e.g. EPSG:4490, EPSG:4549, "
                         "GCJ02)",
                         path);
            return NULL;
        }
        const char *auth = OSRGetAuthorityName(srs, NULL), *code = OSRGetAuthorityCode(srs, NULL);
        char def[64];
        if (auth && code) {
            snprintf(def, sizeof def, "%s:%s", auth, code);
            t = crs_transform_new(def, err);
        } else {
            char *wkt = NULL;
            const char *wopts[] = {"FORMAT=WKT2_2019", NULL};
            OSRExportToWktEx(srs, &wkt, wopts);
            t = wkt ? crs_transform_new(wkt, err) : NULL;
            if (!wkt)
                dm_error_set(err, DM_EINVAL, "src-srs", "%s: its CRS cannot be read", path);
            CPLFree(wkt);
        }
    }
    if (t)
        snprintf(rep->src_srs, sizeof rep->src_srs, "%s", crs_transform_source_name(t));
    return t;
}

typedef struct {
    crs_transform_t *xf;
    int failed;
    char msg[200];
} xf_ctx_t;

static int xf_point(double *x, double *y, void *ud)
{
    xf_ctx_t *c = ud;
    dm_error e;
    if (!c->failed && crs_transform_points(c->xf, x, y, 1, &e)) {
        c->failed = 1;
        snprintf(c->msg, sizeof c->msg, "%.190s", e.message);
    }
    return 1;
}

/* The feature's line in CGCS2000 lon/lat as a MultiLineString, or NULL with err. */
static GEOSGeometry *line_geometry(OGRGeometryH og, crs_transform_t *xf, long row, dm_error *err)
{
    size_t n = (size_t)OGR_G_WkbSize(og);
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf || OGR_G_ExportToIsoWkb(og, wkbNDR, buf) != OGRERR_NONE) {
        free(buf);
        dm_error_set(err, DM_EINVAL, "geometry", "feature %ld: the geometry cannot be encoded", row);
        return NULL;
    }
    GEOSGeometry *g = geom_from_wkb(buf, n, err);
    free(buf);
    if (!g)
        return NULL;
    GEOSContextHandle_t h = geom_ctx();
    int t = GEOSGeomTypeId_r(h, g);
    if (t != GEOS_LINESTRING && t != GEOS_MULTILINESTRING) {
        GEOSGeom_destroy_r(h, g);
        dm_error_set(err, DM_EINVAL, "geometry", "feature %ld: a line must be a LineString or MultiLineString", row);
        return NULL;
    }
    if (!crs_transform_is_identity(xf)) {
        xf_ctx_t c = {.xf = xf};
        GEOSGeometry *tg = GEOSGeom_transformXY_r(h, g, xf_point, &c);
        GEOSGeom_destroy_r(h, g);
        if (!tg || c.failed) {
            if (tg)
                GEOSGeom_destroy_r(h, tg);
            dm_error_set(err, DM_EINVAL, "geometry", "feature %ld: %s", row, c.failed ? c.msg : "transform failed");
            return NULL;
        }
        g = tg;
    }
    double x0, y0, x1, y1;
    GEOSGeom_getXMin_r(h, g, &x0), GEOSGeom_getYMin_r(h, g, &y0);
    GEOSGeom_getXMax_r(h, g, &x1), GEOSGeom_getYMax_r(h, g, &y1);
    if (!geom_in_lonlat_range(g) || crs_outside_china(x0, y0) || crs_outside_china(x1, y1)) {
        GEOSGeom_destroy_r(h, g);
        dm_error_set(err, DM_EINVAL, "geometry",
                     "feature %ld: coordinates (%.6g, %.6g) are not lon/lat in China as %s (projected data needs "
                     "its CRS: --src-srs)",
                     row, x0, y0, crs_transform_source_name(xf));
        return NULL;
    }
    if (t == GEOS_LINESTRING) {
        GEOSGeometry *parts[1] = {g};
        g = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, parts, 1);
    }
    return g;
}

static int line_feature(store_t *s, OGRFeatureH f, long row, crs_transform_t *xf, bfile_report_t *rep,
                        dm_error *err)
{
    char fb[8][512];
    const char *a = F(f, fb[0], "left_code"), *b = F(f, fb[1], "right_code");
    const char *status = F(f, fb[2], "status");
    const char *ref = F(f, fb[3], "agreement_ref", "agreement_", "agreement");
    const char *vf = F(f, fb[4], "valid_from"), *vt = F(f, fb[5], "valid_to");
    char ca[13], cb[13], dfrom[11] = "", dto[11] = "";
    dm_error e;
    if (!a || !b)
        return dm_error_set(err, DM_EINVAL, "left_code", "feature %ld: left_code and right_code are required", row);
    if (divcode_parse(a, ca, &e) || divcode_parse(b, cb, &e))
        return dm_error_set(err, DM_EINVAL, "left_code", "feature %ld: %.400s", row, e.message);
    if (strcmp(ca, cb) == 0 || divcode_level(ca) != divcode_level(cb))
        return dm_error_set(err, DM_EINVAL, "right_code",
                            "feature %ld: a line joins two different divisions of one level", row);
    if (status && strcmp(status, "agreed") && strcmp(status, "not_agreed") && strcmp(status, "unknown"))
        return dm_error_set(err, DM_EINVAL, "status", "feature %ld: status must be agreed, not_agreed or unknown",
                            row);
    if ((vf && date_parse(vf, dfrom, "valid_from", &e)) || (vt && date_parse(vt, dto, "valid_to", &e)))
        return dm_error_set(err, DM_EINVAL, e.param, "feature %ld: %.400s", row, e.message);
    if (dfrom[0] && dto[0] && strcmp(dfrom, dto) >= 0)
        return dm_error_set(err, DM_EINVAL, "valid_to", "feature %ld: valid_to %s is not after valid_from %s", row,
                            dto, dfrom);
    boundary_line_t l;
    memset(&l, 0, sizeof l);
    memcpy(l.left_code, strcmp(ca, cb) < 0 ? ca : cb, 13);
    memcpy(l.right_code, strcmp(ca, cb) < 0 ? cb : ca, 13);
    l.level = divcode_level(l.left_code);
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og)) {
        int rc = store_boundary_set_status(s, l.left_code, l.right_code, status ? status : "unknown", ref, err);
        if (rc)
            return at_row(err, "feature", row);
        rep->statuses++;
        return 0;
    }
    GEOSGeometry *g = line_geometry(og, xf, row, err);
    if (!g)
        return DM_EINVAL;
    division_t da, db;
    char name[512], code[5];
    const char *on = dfrom[0] ? dfrom : NULL;
    int have = store_division_get(s, l.left_code, on, 0, &da, &e) == 0;
    if (have && store_division_get(s, l.right_code, on, 0, &db, &e) == 0) {
        boundary_line_name(da.name, db.name, name, sizeof name);
        division_clear(&db);
    } else
        snprintf(name, sizeof name, "%s\u2014%s", l.left_code, l.right_code);
    if (have)
        division_clear(&da);
    const char *given = F(f, fb[6], "name");
    l.name = given ? given : name;
    const char *lc = F(f, fb[7], "line_code");
    boundary_line_code(l.left_code, l.right_code, l.level, code);
    l.line_code = lc ? lc : code;
    l.status = status;
    l.agreement_ref = ref;
    l.valid_from = dfrom;
    l.valid_to = dto;
    l.length_m = geom_length_m(g);
    unsigned char *wkb = geom_to_wkb(g, &l.wkb_len);
    GEOSGeom_destroy_r(geom_ctx(), g);
    l.wkb = wkb;
    int rc = wkb ? store_boundary_import(s, &l, err) : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    free(wkb);
    if (!rc)
        rep->lines++;
    return rc;
}

int import_boundary_lines(store_t *s, const char *path, const char *src_srs, bfile_report_t *rep, dm_error *err)
{
    memset(rep, 0, sizeof *rep);
    OGRLayerH layer;
    GDALDatasetH ds = open_file(path, rep, &layer, err);
    if (!ds)
        return DM_EINVAL;
    crs_transform_t *xf = NULL;
    int has_geom = OGR_L_GetGeomType(layer) != wkbNone;
    if (has_geom && !(xf = line_crs(layer, src_srs, path, rep, err))) {
        GDALClose(ds);
        return err->code ? err->code : DM_EINVAL;
    }
    int rc = store_begin(s, err);
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while (!rc && (f = OGR_L_GetNextFeature(layer))) {
        rep->read++;
        OGRGeometryH og = OGR_F_GetGeometryRef(f);
        if (og && !OGR_G_IsEmpty(og) && !xf)
            rc = dm_error_set(err, DM_EINVAL, "src-srs", "feature %ld has a geometry but the file no CRS", rep->read);
        else
            rc = line_feature(s, f, rep->read, xf, rep, err);
        OGR_F_Destroy(f);
    }
    if (!rc && rep->read == 0)
        rc = dm_error_set(err, DM_EINVAL, "file", "%s has no features", path);
    if (!rc)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    crs_transform_free(xf);
    GDALClose(ds);
    if (rc)
        rep->lines = rep->statuses = 0;
    return rc;
}

/* ---- inspection rounds --------------------------------------------------------------- */

static const char *const CONDITION_WORDS[] = {"intact", "完好", "正常", "damaged", "损坏", "破损", "missing", "丢失",
                                              "缺失", "moved", "移位", "replaced", "更换", NULL};
static const char *const CONDITION_CANON[] = {"intact", "intact", "intact", "damaged", "damaged", "damaged", "missing",
                                              "missing", "missing", "moved", "moved", "replaced", "replaced"};

typedef struct {
    char line[5];
    long round_no;
    char date[11];
    int64_t id;
    long first_row;
} round_t;

static int round_row(store_t *s, OGRFeatureH f, long row, round_t **rounds, size_t *n, bfile_report_t *rep,
                     dm_error *err)
{
    char fr[7][512];
    const char *marker = F(f, fr[0], "marker", "marker_id", "number");
    const char *round_s = F(f, fr[1], "round", "round_no"), *date_s = F(f, fr[2], "date", "inspected_on");
    const char *cond = F(f, fr[3], "condition", "finding"), *action = F(f, fr[4], "action", "note");
    const char *line_s = F(f, fr[5], "line", "line_code"), *parties = F(f, fr[6], "parties");
    char line[5], letter, date[11];
    int seq;
    dm_error e;
    if (!marker)
        return dm_error_set(err, DM_EINVAL, "marker", "row %ld: marker is required", row);
    if (boundary_marker_number_parse(marker, line, &seq, &letter, &e))
        return dm_error_set(err, DM_EINVAL, "marker", "row %ld: %.400s", row, e.message);
    if (line_s && strcmp(line_s, line) != 0)
        return dm_error_set(err, DM_EINVAL, "line", "row %ld: marker %s is numbered on line %s, not %s", row, marker,
                            line, line_s);
    char *end = NULL;
    long round_no = round_s ? strtol(round_s, &end, 10) : 0;
    if (!round_s || *end || round_no < 1 || round_no > 1000)
        return dm_error_set(err, DM_EINVAL, "round", "row %ld: round must be a number 1, 2, … (got '%s')", row,
                            round_s ? round_s : "");
    if (!date_s)
        return dm_error_set(err, DM_EINVAL, "date", "row %ld: date is required", row);
    if (date_parse(date_s, date, "date", &e))
        return dm_error_set(err, DM_EINVAL, "date", "row %ld: %.400s", row, e.message);
    const char *canon = NULL;
    for (size_t i = 0; cond && CONDITION_WORDS[i]; i++)
        if (strcasecmp(cond, CONDITION_WORDS[i]) == 0)
            canon = CONDITION_CANON[i];
    if (!canon)
        return dm_error_set(err, DM_EINVAL, "condition",
                            "row %ld: condition must be intact, damaged, missing, moved or replaced (got '%s')", row,
                            cond ? cond : "");
    round_t *r = NULL;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*rounds)[i].line, line) == 0 && (*rounds)[i].round_no == round_no)
            r = &(*rounds)[i];
    if (r && strcmp(r->date, date) != 0)
        return dm_error_set(err, DM_EINVAL, "date", "row %ld: round %ld of line %s is dated %s on row %ld, not %s",
                            row, round_no, line, r->date, r->first_row, date);
    if (!r) {
        round_t *more = realloc(*rounds, (*n + 1) * sizeof *more);
        if (!more)
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
        *rounds = more;
        r = &more[(*n)++];
        memset(r, 0, sizeof *r);
        memcpy(r->line, line, 5);
        r->round_no = round_no;
        memcpy(r->date, date, 11);
        r->first_row = row;
        int rc = store_inspection_round(s, line, round_no, date, parties, &r->id, err);
        if (rc)
            return at_row(err, "row", row);
        rep->rounds++;
    }
    int rc = store_inspection_finding(s, r->id, marker, canon, action, err);
    if (rc == DM_ECONFLICT)
        return dm_error_set(err, rc, "marker", "row %ld: marker %s is already in round %ld of line %s", row, marker,
                            round_no, line);
    if (rc)
        return at_row(err, "row", row);
    rep->findings++;
    return 0;
}

int import_inspection_rounds(store_t *s, const char *path, bfile_report_t *rep, dm_error *err)
{
    memset(rep, 0, sizeof *rep);
    OGRLayerH layer;
    GDALDatasetH ds = open_file(path, rep, &layer, err);
    if (!ds)
        return DM_EINVAL;
    round_t *rounds = NULL;
    size_t n = 0;
    int rc = store_begin(s, err);
    OGR_L_ResetReading(layer);
    OGRFeatureH f;
    while (!rc && (f = OGR_L_GetNextFeature(layer))) {
        rep->read++;
        rc = round_row(s, f, rep->read, &rounds, &n, rep, err);
        OGR_F_Destroy(f);
    }
    if (!rc && rep->read == 0)
        rc = dm_error_set(err, DM_EINVAL, "file", "%s has no rows", path);
    if (!rc)
        rc = store_commit(s, err);
    else
        store_rollback(s);
    free(rounds);
    GDALClose(ds);
    if (rc)
        rep->rounds = rep->findings = 0;
    return rc;
}
