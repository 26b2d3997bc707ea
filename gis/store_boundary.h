/* store_boundary.h — the boundary tables of the store: boundary lines
 * (行政区域界线), boundary markers (界桩) as versions, and joint inspection
 * rounds (联检) with their findings per marker. All SQL is in
 * store_boundary.c; the geometry rules (deriving lines, auditing markers) are
 * in gis/boundary*.c.
 *
 * Ownership: rows passed to fn callbacks are borrowed for the call; rows
 * passed *to* the store are borrowed for the duration of the call. */
#ifndef DIMING_STORE_BOUNDARY_H
#define DIMING_STORE_BOUNDARY_H

#include "gis/store.h"

/* One boundary line: the shared edge of two divisions of one level.
 * left_code < right_code (12 digits). status is "agreed" (勘定, with an
 * agreement reference: the 协议书), "not_agreed" or "unknown". source is
 * "derived" (from the division outlines) or "imported" (an official file). */
typedef struct boundary_line {
    int64_t id;
    division_level_t level;
    char left_code[13], right_code[13];
    const char *name;          /* 天宁区—钟楼区 (smaller code first) */
    const char *line_code;     /* marker numbering unit (4 digits) or NULL */
    double length_m;           /* geodesic, CGCS2000 ellipsoid */
    const char *status;
    const char *agreement_ref;
    const char *source;
    double tolerance_m;        /* snap used when derived */
    const unsigned char *wkb;  /* MULTILINESTRING */
    size_t wkb_len;
    /* The version's period (DOMAIN.md §6): a line is in force while both its
     * division versions are, from valid_from ("" or NULL = since ever) to
     * valid_to ("" or NULL = still). Read back as "" when unset. */
    const char *valid_from, *valid_to;
} boundary_line_t;

typedef int (*store_line_fn)(const boundary_line_t *l, void *ctx);

/* Divisions of `level` valid on `date` that have an outline, in code order;
 * date NULL = every version (the history), by code then valid_from. */
int store_boundary_divisions_at_level(store_t *s, division_level_t level, const char *date,
                                      store_division_fn fn, void *ctx, dm_error *err);

/* Divisions of `level` valid on `date` (with or without an outline) whose
 * code starts with `prefix` (a parent's significant digits, e.g. "510104") or
 * whose parent_code is `parent` (12 digits), in code order — the children
 * a topology check looks at, including those filed under the wrong parent. */
int store_boundary_divisions_under(store_t *s, const char *prefix, const char *parent, division_level_t level,
                                   const char *date, store_division_fn fn, void *ctx, dm_error *err);

/* Re-derivation of one level: mark, upsert, sweep. Mark flags the derived
 * versions in force on `date` (NULL = all versions); upserting (key: level,
 * pair, valid_from) keeps the status and agreement of a version that already
 * exists and writes nothing over the period of an imported line of the pair;
 * the sweep deletes the flagged versions not upserted again (imported lines
 * are never swept) and returns how many it removed. Call inside a transaction. */
int store_boundary_mark(store_t *s, division_level_t level, const char *date, dm_error *err);
int store_boundary_upsert(store_t *s, const boundary_line_t *l, dm_error *err);
/* With a date, a flagged version that a newer one of its pair (starting
 * after it, by `date`) succeeds is closed at that start instead of deleted:
 * deriving the lines of one date keeps the history before it. */
long store_boundary_sweep(store_t *s, division_level_t level, const char *date, dm_error *err);

/* Lines of `level` (LEVEL_NONE = all) touching division `code` ("" = any)
 * with `status` (NULL/"" = any), ordered by level, left, right, valid_from.
 * _on: only the versions in force on `date` (NULL = every version, as the
 * other two). */
int store_boundary_lines(store_t *s, division_level_t level, const char *code, store_line_fn fn, void *ctx,
                         dm_error *err);
int store_boundary_lines_with_status(store_t *s, division_level_t level, const char *code, const char *status,
                                     store_line_fn fn, void *ctx, dm_error *err);
int store_boundary_lines_on(store_t *s, division_level_t level, const char *code, const char *status,
                            const char *date, store_line_fn fn, void *ctx, dm_error *err);

/* The 勘定 status and agreement of the version of a pair starting on
 * valid_from ("" = since ever), copied into the buffers. DM_ENOTFOUND if none. */
int store_boundary_version_status(store_t *s, division_level_t level, const char *left, const char *right,
                                  const char *valid_from, char *status, size_t ns, char *ref, size_t nr,
                                  dm_error *err);

/* Line versions that started or ended in (from, to] — the new and the
 * superseded segments of the editions in that period (DOMAIN.md §7: after a
 * change event, list the new segments not yet 勘定) — with `status` (NULL =
 * any), ordered by the date of the change, level, left, right. */
int store_boundary_line_changes(store_t *s, const char *from, const char *to, const char *status, store_line_fn fn,
                                void *ctx, dm_error *err);

/* An official line (source "imported") for its period (valid_from/valid_to):
 * inserted, or replacing the version of the same pair, level and valid_from;
 * derived versions of the pair overlapping its period are deleted — an
 * official line wins over a derived one, and deriving again never overwrites it. */
int store_boundary_import(store_t *s, const boundary_line_t *l, dm_error *err);

/* Sets the 勘定 status of the open version of the line between two divisions
 * (any order). DM_ENOTFOUND if there is no such line. */
int store_boundary_set_status(store_t *s, const char *code_a, const char *code_b, const char *status,
                              const char *agreement_ref, dm_error *err);

/* ---- markers --------------------------------------------------------- */

typedef struct marker_rec {
    int64_t id;
    const char *number, *type, *line_code, *status, *material, *installed_on, *inspected_on;
    const char *valid_from, *valid_to;
    double lon, lat;
} marker_rec_t;

typedef int (*store_marker_fn)(const marker_rec_t *m, void *ctx);

/* Marker records current on `date` (valid_to NULL or after it; NULL date =
 * current) of line `line_code` ("" = every line), ordered by line and number. */
int store_markers(store_t *s, const char *line_code, const char *date, store_marker_fn fn, void *ctx,
                  dm_error *err);

/* Replaces the current record of marker `number` (界桩更换): the old record
 * gets valid_to = on, status "replaced" and replaced_by = the new record, which
 * is inserted with the same number and line, installed_on = valid_from = on.
 * 《行政区域界线管理条例》第六条: a damaged marker is repaired, not moved; the
 * history is kept. DM_ENOTFOUND if no current record. Call in a transaction. */
int store_marker_replace(store_t *s, const char *number, const char *on, double lon, double lat,
                         const char *material, int64_t *new_id, dm_error *err);

/* ---- joint inspection (联检) ------------------------------------------ */

/* Records round `round_no` of line `line_code` on `on` with its parties and
 * returns its id. DM_ECONFLICT if the round exists. */
int store_inspection_round(store_t *s, const char *line_code, long round_no, const char *on,
                           const char *parties, int64_t *round_id, dm_error *err);
int store_inspection_finding(store_t *s, int64_t round_id, const char *marker_number, const char *finding,
                             const char *note, dm_error *err);

/* The last round of a line (highest round number): its number and date;
 * *round_no = 0 when the line has none. */
int store_inspection_last(store_t *s, const char *line_code, long *round_no, char on[11], int64_t *round_id,
                          dm_error *err);
/* 1 if the round has a finding for the marker, 0 if not. */
int store_inspection_covers(store_t *s, int64_t round_id, const char *marker_number, dm_error *err);

/* ---- divisions over time ------------------------------------------------ */

/* The open version (valid_to NULL) of `code` that started before `date`
 * (or has no start), with its outline. DM_ENOTFOUND if none. */
int store_division_open_before(store_t *s, const char *code, const char *date, division_t *out, dm_error *err);

/* Open versions with parent `parent` and level `level` that started before
 * `date`, with outlines, in code order. */
int store_divisions_open_under(store_t *s, const char *parent, division_level_t level, const char *date,
                               store_division_fn fn, void *ctx, dm_error *err);

/* Closes a version: valid_to = date; date NULL reopens it. */
int store_division_close(store_t *s, int64_t id, const char *date, dm_error *err);

/* 1 if batch `batch_id` inserted a version of `code` starting on `date`, 0 if not. */
int store_division_inserted(store_t *s, const char *code, const char *date, int64_t batch_id, dm_error *err);

/* One change event of a division (DOMAIN.md §6). kind: new, abolished,
 * renamed, merged, split, type_change, class_change, boundary_change,
 * reparented, recoded. wkb: the area that moved (MULTIPOLYGON) or NULL. */
typedef struct division_change {
    int64_t id;
    const char *date, *kind;
    division_level_t level;
    const char *code_from, *name_from, *type_from, *parent_from;
    const char *code_to, *name_to, *type_to, *parent_to;
    double area_m2; /* NAN when no area moved or outlines are missing */
    const unsigned char *wkb;
    size_t wkb_len;
    int64_t batch_id;
} division_change_t;

typedef int (*store_change_fn)(const division_change_t *c, void *ctx);

int store_change_insert(store_t *s, const division_change_t *c, dm_error *err);

/* Events with from < change_date <= to, touching a code under `prefix`
 * (significant digits; "" = all), ordered by date, kind, codes. */
int store_changes(store_t *s, const char *from, const char *to, const char *prefix, store_change_fn fn, void *ctx,
                  dm_error *err);

#endif
