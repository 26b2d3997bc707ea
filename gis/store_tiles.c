/* store_tiles.c — the SQL of the map services: layers read as features, and
 * the MBTiles 1.3 writer; see store_tiles.h.
 *
 * Each layer has four fixed statements (features / count, with and without a
 * bounding box), spelled out below from constant fragments and bound with
 * parameters only. Optional filters are "(?n IS NULL OR column = ?n)", so one
 * statement serves every combination. A box goes through the layer's
 * SpatiaLite R*Tree (idx_<table>_geom) joined on rowid, the fast path
 * PLATFORM.md trap 9 measured; the exact test, when asked for, is
 * SpatiaLite's Intersects on the rows the R*Tree let through.
 *
 * Parameters: ?1 name, ?2 code, ?3 category, ?4 id, ?5–?8 box, ?9 exact box,
 * ?10/?11 level range, ?12/?13 validity interval, ?14 validity filter on,
 * ?15 limit, ?16 offset. */
#include "gis/store_tiles.h"
#include "gis/storeInt.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WHERE(namec, codec, catc)                                                                                  \
    " WHERE (?1 IS NULL OR " namec " = ?1) AND (?2 IS NULL OR " codec " = ?2) AND (?3 IS NULL OR " catc           \
    " = ?3) AND (?4 IS NULL OR t.id = ?4)"
#define BBOX(tab)                                                                                                  \
    " AND t.id IN (SELECT pkid FROM idx_" tab "_geom WHERE xmin <= ?7 AND xmax >= ?5 AND ymin <= ?8 AND "          \
    "ymax >= ?6) AND (?9 IS NULL OR Intersects(t.geom, BuildMbr(?5, ?6, ?7, ?8, 4490)) = 1)"
#define PAGE " ORDER BY t.id LIMIT ?15 OFFSET ?16"
#define DIV_EXTRA                                                                                                  \
    " AND (?10 IS NULL OR t.level >= ?10) AND (?11 IS NULL OR t.level <= ?11) AND (?14 IS NULL OR "              \
    "((t.valid_to IS NULL OR ?12 IS NULL OR t.valid_to > ?12) AND (t.valid_from IS NULL OR ?13 IS NULL OR "      \
    "t.valid_from <= ?13)))"

/* Place names: a cancelled or retired name is no longer a standard name
 * (《地名管理条例》第十五条: a name that is cancelled is published as such),
 * so map services and OGC clients stop drawing it at once; its history stays
 * in the register (GET /names/{id}/history). */
#define NAMES_EXTRA " AND (t.status IS NULL OR t.status NOT IN ('cancelled', 'retired'))"

/* Boundary lines: the level range only (lines carry no validity dates). */
#define LEVEL_EXTRA " AND (?10 IS NULL OR t.level >= ?10) AND (?11 IS NULL OR t.level <= ?11)"

#define LAYER(lname, tab, filters, cols, namec, codec, catc, extra)                                                \
    {lname,                                                                                                        \
     filters,                                                                                                      \
     "SELECT t.id, AsBinary(t.geom), " cols " FROM " tab " t" WHERE(namec, codec, catc) extra PAGE,               \
     "SELECT t.id, AsBinary(t.geom), " cols " FROM " tab " t" WHERE(namec, codec, catc) extra BBOX(tab) PAGE,     \
     "SELECT count(*) FROM " tab " t" WHERE(namec, codec, catc) extra,                                             \
     "SELECT count(*) FROM " tab " t" WHERE(namec, codec, catc) extra BBOX(tab),                                   \
     "SELECT min(xmin), min(ymin), max(xmax), max(ymax), count(*) FROM idx_" tab "_geom"}

static const struct layer_sql {
    const char *name;
    int filters;
    const char *select, *select_bbox, *count, *count_bbox, *extent;
} layers[STORE_LAYER__COUNT] = {
    [STORE_LAYER_DIVISIONS] = LAYER("divisions", "divisions",
                                    STORE_FILTER_NAME | STORE_FILTER_CODE | STORE_FILTER_CATEGORY | STORE_FILTER_DATE,
                                    "t.code AS code, t.name AS name, t.level AS level, t.type AS type, "
                                    "t.parent_code AS parent_code, t.urban_rural AS urban_rural, "
                                    "t.valid_from AS valid_from, t.valid_to AS valid_to",
                                    "t.name", "t.code", "t.type", DIV_EXTRA),
    [STORE_LAYER_MARKERS] = LAYER("markers", "markers", STORE_FILTER_CODE | STORE_FILTER_CATEGORY,
                                  "t.number AS number, t.type AS type, t.line_code AS line_code, t.status AS status, "
                                  "t.material AS material, t.installed_on AS installed_on, "
                                  "t.inspected_on AS inspected_on",
                                  "NULL", "t.number", "t.type", ""),
    [STORE_LAYER_NAMES] = LAYER("names", "place_names", STORE_FILTER_NAME | STORE_FILTER_CODE | STORE_FILTER_CATEGORY,
                                "t.name AS name, t.pinyin AS pinyin, t.category AS category, "
                                "t.division_code AS division_code, t.status AS status, "
                                "t.approval_doc AS approval_doc, t.approved_on AS approved_on",
                                "t.name", "t.division_code", "t.category", NAMES_EXTRA),
    [STORE_LAYER_FACILITIES] = LAYER("facilities", "facilities",
                                     STORE_FILTER_NAME | STORE_FILTER_CODE | STORE_FILTER_CATEGORY,
                                     "t.name AS name, t.type AS type, t.functions AS functions, t.beds AS beds, "
                                     "t.nursing_beds AS nursing_beds, t.status AS status, "
                                     "t.division_code AS division_code, t.address AS address",
                                     "t.name", "t.division_code", "t.type", ""),
    [STORE_LAYER_RESIDENTIAL] = LAYER("residential", "residential_areas", STORE_FILTER_NAME | STORE_FILTER_CODE,
                                      "t.name AS name, t.households AS households, t.pop_60 AS pop_60, "
                                      "t.pop_80 AS pop_80, t.division_code AS division_code",
                                      "t.name", "t.division_code", "NULL", ""),
    [STORE_LAYER_BOUNDARIES] = LAYER("boundaries", "boundary_lines",
                                     STORE_FILTER_NAME | STORE_FILTER_CODE | STORE_FILTER_CATEGORY,
                                     "t.name AS name, t.level AS level, t.left_code AS left_code, "
                                     "t.right_code AS right_code, t.line_code AS line_code, "
                                     "round(t.length_m, 1) AS length_m, t.status AS status, "
                                     "t.agreement_ref AS agreement_ref, t.source AS source",
                                     "t.name", "t.line_code", "t.status", LEVEL_EXTRA " AND t.valid_to IS NULL"),
    [STORE_LAYER_ROADS] = LAYER("roads", "road_edges", STORE_FILTER_NAME | STORE_FILTER_CATEGORY,
                                "t.name AS name, t.class AS class, t.walkable AS walkable, t.oneway AS oneway, "
                                "round(t.length_m, 1) AS length_m",
                                "t.name", "NULL", "t.class", ""),
};

void store_feature_query_init(store_feature_query_t *q)
{
    memset(q, 0, sizeof *q);
    q->limit = -1;
}

const char *store_layer_name(store_layer_t layer)
{
    return (unsigned)layer < STORE_LAYER__COUNT ? layers[layer].name : "?";
}

int store_layer_from_name(const char *name, store_layer_t *out, dm_error *err)
{
    for (int i = 0; i < STORE_LAYER__COUNT; i++)
        if (name && strcmp(layers[i].name, name) == 0) {
            *out = (store_layer_t)i;
            return 0;
        }
    return dm_error_set(err, DM_ENOTFOUND, "layer",
                        "unknown layer '%.40s' (layers: divisions, markers, names, facilities, residential, roads)",
                        name ? name : "");
}

int store_layer_filters(store_layer_t layer) { return (unsigned)layer < STORE_LAYER__COUNT ? layers[layer].filters : 0; }

static void bind_query(sqlite3_stmt *st, const store_feature_query_t *q)
{
    store_bind_text(st, 1, q->name);
    store_bind_text(st, 2, q->code);
    store_bind_text(st, 3, q->category);
    if (q->fid > 0)
        sqlite3_bind_int64(st, 4, q->fid);
    if (q->has_bbox) {
        for (int i = 0; i < 4; i++)
            sqlite3_bind_double(st, 5 + i, q->bbox[i]);
        if (q->exact_bbox)
            sqlite3_bind_int(st, 9, 1);
    }
    if (q->min_level > 0)
        sqlite3_bind_int(st, 10, q->min_level);
    if (q->max_level > 0)
        sqlite3_bind_int(st, 11, q->max_level);
    if (q->valid_from || q->valid_to) {
        store_bind_text(st, 12, q->valid_from);
        store_bind_text(st, 13, q->valid_to);
        sqlite3_bind_int(st, 14, 1);
    }
    /* Count statements have no ?15/?16: SQLITE_RANGE is expected there. */
    sqlite3_bind_int64(st, 15, q->limit);
    sqlite3_bind_int64(st, 16, q->offset > 0 ? q->offset : 0);
}

static int check_layer(store_layer_t layer, dm_error *err)
{
    if ((unsigned)layer >= STORE_LAYER__COUNT)
        return dm_error_set(err, DM_EINVAL, "layer", "unknown layer number %d", (int)layer);
    return 0;
}

int store_layer_features(store_t *s, store_layer_t layer, const store_feature_query_t *q, store_feature_fn fn,
                         void *ctx, dm_error *err)
{
    if (check_layer(layer, err))
        return DM_EINVAL;
    const struct layer_sql *L = &layers[layer];
    sqlite3_stmt *st = store_prepare_cached(s, q->has_bbox ? L->select_bbox : L->select, err);
    if (!st)
        return DM_EINTERNAL;
    bind_query(st, q);
    int ncols = sqlite3_column_count(st);
    if (ncols - 2 > STORE_FEATURE_MAX_PROPS)
        ncols = STORE_FEATURE_MAX_PROPS + 2;
    int rc;
    store_feature_t f;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        f.id = sqlite3_column_int64(st, 0);
        f.wkb = sqlite3_column_blob(st, 1);
        f.wkb_len = (size_t)sqlite3_column_bytes(st, 1);
        f.nprops = 0;
        for (int i = 2; i < ncols; i++) {
            store_prop_t *p = &f.props[f.nprops++];
            p->key = sqlite3_column_name(st, i);
            p->text = NULL;
            p->i = 0;
            p->d = 0;
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                p->type = STORE_VAL_INT;
                p->i = sqlite3_column_int64(st, i);
                break;
            case SQLITE_FLOAT:
                p->type = STORE_VAL_REAL;
                p->d = sqlite3_column_double(st, i);
                break;
            case SQLITE_NULL: p->type = STORE_VAL_NULL; break;
            default:
                p->type = STORE_VAL_TEXT;
                p->text = (const char *)sqlite3_column_text(st, i);
                break;
            }
        }
        int stop = fn(&f, ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, NULL, "reading layer %s: %s", L->name, sqlite3_errmsg(store_sqlite(s)));
    return 0;
}

long store_layer_count(store_t *s, store_layer_t layer, const store_feature_query_t *q, dm_error *err)
{
    if (check_layer(layer, err))
        return DM_EINVAL;
    const struct layer_sql *L = &layers[layer];
    sqlite3_stmt *st = store_prepare_cached(s, q->has_bbox ? L->count_bbox : L->count, err);
    if (!st)
        return DM_EINTERNAL;
    bind_query(st, q);
    long n = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (n < 0)
        return dm_error_set(err, DM_EIO, NULL, "counting layer %s: %s", L->name, sqlite3_errmsg(store_sqlite(s)));
    return n;
}

int store_layer_extent(store_t *s, store_layer_t layer, double bbox[4], dm_error *err)
{
    if (check_layer(layer, err))
        return DM_EINVAL;
    sqlite3_stmt *st = store_prepare_cached(s, layers[layer].extent, err);
    if (!st)
        return DM_EINTERNAL;
    int rc = sqlite3_step(st), have = 0;
    if (rc == SQLITE_ROW && sqlite3_column_int64(st, 4) > 0) {
        for (int i = 0; i < 4; i++)
            bbox[i] = sqlite3_column_double(st, i);
        have = 1;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return dm_error_set(err, DM_EIO, NULL, "extent of %s: %s", layers[layer].name,
                            sqlite3_errmsg(store_sqlite(s)));
    return have;
}

/* ---- data version, cheaply -------------------------------------------------------- */

typedef struct {
    long long size, mtime_ns;
} file_sig_t;

static file_sig_t file_sig(const char *path)
{
    struct stat st;
    file_sig_t f = {-1, -1};
    if (stat(path, &st) == 0) {
        f.size = (long long)st.st_size;
        f.mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    }
    return f;
}

static const char *const layer_versions_sql = "SELECT layer, version FROM data_versions";

int store_layer_versions(store_t *s, int64_t versions[STORE_LAYER__COUNT], dm_error *err)
{
    memset(versions, 0, sizeof(int64_t) * STORE_LAYER__COUNT);
    sqlite3_stmt *st = store_prepare_cached(s, layer_versions_sql, err);
    if (!st)
        return DM_EINTERNAL;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 0);
        for (int i = 0; name && i < STORE_LAYER__COUNT; i++)
            if (strcmp(layers[i].name, name) == 0)
                versions[i] = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, NULL, "reading data versions: %s", sqlite3_errmsg(store_sqlite(s)));
    return 0;
}

int store_layer_versions_fast(store_t *s, int64_t versions[STORE_LAYER__COUNT], dm_error *err)
{
    /* One entry per thread: server workers each use their own connection. */
    static __thread store_t *last_store;
    static __thread file_sig_t last_db, last_wal;
    static __thread int64_t last[STORE_LAYER__COUNT];
    const char *path = sqlite3_db_filename(store_sqlite(s), "main");
    if (!path || !*path)
        return store_layer_versions(s, versions, err);
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", path);
    file_sig_t db = file_sig(path), w = file_sig(wal);
    if (last_store == s && memcmp(&db, &last_db, sizeof db) == 0 && memcmp(&w, &last_wal, sizeof w) == 0) {
        memcpy(versions, last, sizeof last);
        return 0;
    }
    int rc = store_layer_versions(s, versions, err);
    if (!rc) {
        last_store = s;
        last_db = db;
        last_wal = w;
        memcpy(last, versions, sizeof last);
    }
    return rc;
}

/* ---- MBTiles 1.3 (github.com/mapbox/mbtiles-spec, 1.3/spec.md) ------------ */

struct mbtiles {
    sqlite3 *db;
    sqlite3_stmt *put, *meta;
    char *path;
};

static const char *const mbtiles_schema[] = {
    /* "MBTiles" in ASCII: the spec's application id. */
    "PRAGMA application_id = 1297105496",
    "PRAGMA journal_mode = MEMORY",
    "CREATE TABLE metadata (name TEXT, value TEXT)",
    "CREATE UNIQUE INDEX metadata_name ON metadata (name)",
    "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)",
    "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row)",
    "BEGIN",
    NULL};

int store_mbtiles_create(const char *path, mbtiles_t **out, dm_error *err)
{
    *out = NULL;
    if (access(path, F_OK) == 0)
        return dm_error_set(err, DM_ECONFLICT, "out", "%s already exists; remove it or choose another name", path);
    mbtiles_t *m = calloc(1, sizeof *m);
    if (!m || !(m->path = strdup(path))) {
        free(m);
        return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    if (sqlite3_open_v2(path, &m->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        dm_error_set(err, DM_EIO, "out", "cannot create %s: %s", path, m->db ? sqlite3_errmsg(m->db) : "?");
        store_mbtiles_close(m, 0, NULL);
        return DM_EIO;
    }
    for (const char *const *sql = mbtiles_schema; *sql; sql++)
        if (sqlite3_exec(m->db, *sql, NULL, NULL, NULL) != SQLITE_OK) {
            dm_error_set(err, DM_EIO, "out", "cannot write %s: %s", path, sqlite3_errmsg(m->db));
            store_mbtiles_close(m, 0, NULL);
            return DM_EIO;
        }
    if (sqlite3_prepare_v2(m->db, "INSERT INTO tiles VALUES (?1, ?2, ?3, ?4)", -1, &m->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(m->db, "INSERT OR REPLACE INTO metadata VALUES (?1, ?2)", -1, &m->meta, NULL) !=
            SQLITE_OK) {
        dm_error_set(err, DM_EINTERNAL, NULL, "mbtiles: %s", sqlite3_errmsg(m->db));
        store_mbtiles_close(m, 0, NULL);
        return DM_EINTERNAL;
    }
    *out = m;
    return 0;
}

int store_mbtiles_metadata(mbtiles_t *m, const char *name, const char *value, dm_error *err)
{
    sqlite3_reset(m->meta);
    sqlite3_bind_text(m->meta, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(m->meta, 2, value, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(m->meta) != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, "out", "writing metadata %s: %s", name, sqlite3_errmsg(m->db));
    return 0;
}

int store_mbtiles_put(mbtiles_t *m, int z, int x, int y, const unsigned char *data, size_t len, dm_error *err)
{
    sqlite3_reset(m->put);
    sqlite3_bind_int(m->put, 1, z);
    sqlite3_bind_int(m->put, 2, x);
    sqlite3_bind_int64(m->put, 3, ((int64_t)1 << z) - 1 - y); /* TMS rows count from the south */
    sqlite3_bind_blob(m->put, 4, data, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(m->put);
    sqlite3_reset(m->put);
    if (rc != SQLITE_DONE)
        return dm_error_set(err, DM_EIO, "out", "writing tile %d/%d/%d: %s", z, x, y, sqlite3_errmsg(m->db));
    return 0;
}

int store_mbtiles_close(mbtiles_t *m, int ok, dm_error *err)
{
    if (!m)
        return 0;
    int rc = 0;
    sqlite3_finalize(m->put);
    sqlite3_finalize(m->meta);
    if (m->db) {
        if (ok && sqlite3_exec(m->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            rc = dm_error_set(err, DM_EIO, "out", "cannot finish %s: %s", m->path, sqlite3_errmsg(m->db));
            ok = 0;
        }
        sqlite3_close_v2(m->db);
    }
    if (!ok) /* never leave half a tileset behind */
        unlink(m->path);
    free(m->path);
    free(m);
    return rc;
}
