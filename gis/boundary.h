/* boundary.h — administrative boundaries (行政区域界线), boundary markers
 * (界桩) and the checks boundary staff run on them (DOMAIN.md §6–7):
 *
 *  - boundary_derive: boundary lines from the division outlines, per level;
 *  - boundary_index_*: the in-memory index the server builds at start
 *    (division outlines, lines, markers) and what it answers: which divisions
 *    and lines a proposed road or parcel touches (boundary_check), how far a
 *    point is from its division's boundary (boundary_distance);
 *  - boundary_audit: markers against GB/T 17796-2009 numbering, their line,
 *    their status and the last joint inspection (联检) round;
 *  - boundary_qa: topology of sibling divisions (gaps, overlaps, children
 *    outside their parent, code/parent mismatches).
 *
 * Metres: lengths along lines are geodesic on the CGCS2000 ellipsoid
 * (geom_length_m); distances and areas are computed in a local transverse
 * Mercator frame through PROJ centred on the query (scale error below 1e-5
 * within 25 km of the centre), never in degrees.
 *
 * Ownership: results are filled into caller-owned structs and released with
 * their *_clear function; GEOS geometries inside results are owned by the
 * result. Index entries pointed to by results are borrowed from the index. */
#ifndef DIMING_BOUNDARY_H
#define DIMING_BOUNDARY_H

#include <geos_c.h>
#include <stddef.h>

#include "gis/error.h"
#include "gis/store.h"
#include "gis/store_boundary.h"

/* ---- deriving lines ------------------------------------------------------- */

typedef struct boundary_derive_opts {
    const char *date;      /* the versions in force on this date; NULL = the whole history */
    division_level_t level; /* LEVEL_NONE = provinces to villages */
    double tolerance_m;    /* snap: an edge of A within this of B is shared (default 50) */
    double min_length_m;   /* drop pieces shorter than this (default 2 × tolerance) */
} boundary_derive_opts_t;

typedef struct boundary_derive_report {
    long divisions[6]; /* per level: divisions read */
    long lines[6];     /* per level: lines written */
    long removed[6];   /* per level: derived lines no longer adjacent */
    double length_m[6];
    double seconds;
} boundary_derive_report_t;

/* Derives the lines of the level(s) in one transaction. For each pair of
 * division versions A < B of a level in force together, the line (a version
 * in force while both are: valid_from/valid_to) is the part of A's outline within
 * tolerance_m of B (the demo outlines are independently simplified and leave
 * slivers, so exact shared edges do not exist), line-merged, pieces shorter
 * than min_length_m dropped. Existing lines keep their status and agreement. */
int boundary_derive(store_t *s, const boundary_derive_opts_t *opt, boundary_derive_report_t *rep,
                    dm_error *err);

/* The line name from the two division names: "天宁区—钟楼区" (em dash, U+2014,
 * the smaller code's name first). Writes at most n bytes. */
void boundary_line_name(const char *left_name, const char *right_name, char *out, size_t n);

/* The marker numbering unit of a line (DOMAIN.md §7): provinces — the two
 * 2-digit province codes, smaller first (GB/T 17796-2009, e.g. 皖 34 + 赣 36
 * → "3436"); counties of one prefecture — the last two digits of each county
 * code, smaller first (our scheme, see seeds/README.md: 锦江 04 + 成华 08 →
 * "0408"); "" when no scheme applies. */
void boundary_line_code(const char left[13], const char right[13], division_level_t level, char out[5]);

/* ---- input geometry ------------------------------------------------------------ */

/* Parses a GeoJSON geometry (Point, LineString, Polygon and their Multi
 * forms) and checks it: coordinates in range, inside China's extent, polygons
 * valid (a self-intersecting ring is refused, with the place GEOS reports),
 * at most 100,000 vertices. New geometry, or NULL with DM_EINVAL naming
 * `param`. */
GEOSGeometry *boundary_parse_geojson(const char *text, const char *param, dm_error *err);

/* ---- the in-memory index ---------------------------------------------------------- */

typedef struct boundary_index boundary_index_t;

typedef struct bdiv {
    char code[13], parent_code[13];
    char valid_from[11], valid_to[11];
    division_level_t level;
    char *name, *type;
} bdiv_t;

typedef struct bline {
    int64_t id;
    division_level_t level;
    char left_code[13], right_code[13];
    char *name, *line_code, *status, *agreement_ref;
    double length_m;
    char valid_from[11], valid_to[11]; /* "" = since ever / still in force */
} bline_t;

typedef struct bmarker {
    char *number, *line_code, *status, *type;
    double lon, lat;
} bmarker_t;

int boundary_index_build(store_t *s, boundary_index_t **out, dm_error *err);
void boundary_index_free(boundary_index_t *idx);

/* ---- checking a geometry -------------------------------------------------------- */

typedef struct check_division {
    const bdiv_t *div;
    double length_m; /* lines: length inside the division */
    double area_m2;  /* polygons: area inside */
    double share;    /* fraction of the geometry's length or area (points: 1) */
} check_division_t;

typedef struct check_crossing {
    const bline_t *line;
    GEOSGeometry *points; /* where the geometry meets the line (owned) */
    int npoints;
} check_crossing_t;

typedef struct check_marker {
    const bmarker_t *marker;
    double distance_m;
} check_marker_t;

typedef struct boundary_check_opts {
    const char *date;        /* required, YYYY-MM-DD */
    int max_markers;         /* nearest markers to list (default 5) */
    double marker_radius_m;  /* only markers this close (default 2000) */
} boundary_check_opts_t;

typedef struct boundary_check_result {
    int dimension;          /* 0 point, 1 line, 2 polygon */
    double length_m, area_m2;
    check_division_t *divisions; /* by level, then code */
    size_t ndivisions;
    check_crossing_t *crossings;
    size_t ncrossings;
    check_marker_t *markers;     /* nearest first */
    size_t nmarkers;
    /* Approval: the geometry spans several county-level divisions (or crosses
     * a county-or-higher line), so the naming or works need the common parent's
     * approval (《地名管理条例》第十三条: names spanning divisions are approved by
     * the government above them). */
    int approval_above_county;
    division_level_t approval_level; /* level of the approving division */
    const bdiv_t *approval_by;       /* the common parent, NULL if national */
    char approval_reason[256];
} boundary_check_result_t;

int boundary_check(const boundary_index_t *idx, const GEOSGeometry *g, const boundary_check_opts_t *opt,
                   boundary_check_result_t *out, dm_error *err);
void boundary_check_result_clear(boundary_check_result_t *r);

/* Distance in metres from (lon, lat) to the outline of division `code` valid
 * on `date`, and the boundary line of that division nearest the point (NULL
 * when no line was derived). DM_ENOTFOUND when the division has no outline. */
typedef struct boundary_distance {
    double distance_m;
    double nearest_lon, nearest_lat;
    const bline_t *line;
    double line_distance_m;
} boundary_distance_t;

int boundary_distance(const boundary_index_t *idx, double lon, double lat, const char *code, const char *date,
                      boundary_distance_t *out, dm_error *err);

/* ---- marker audit --------------------------------------------------------------- */

typedef enum {
    AUDIT_NUMBER_FORMAT,   /* not LLLLSSSX (GB/T 17796-2009) */
    AUDIT_LINE_MISMATCH,   /* number's line code differs from the marker's line */
    AUDIT_NO_LINE,         /* no boundary line has the marker's line code */
    AUDIT_OFF_LINE,        /* farther than the tolerance from its line */
    AUDIT_DUPLICATE,       /* the same number on several current records */
    AUDIT_SEQUENCE_GAP,    /* a sequence number missing between 001 and the last */
    AUDIT_PAIR_INCOMPLETE, /* A without B, or B without A (同号双立) */
    AUDIT_TRIPLE_INCOMPLETE, /* C/D/E not all present (同号三立) */
    AUDIT_MIXED_TYPES,     /* Q together with A–E on one sequence number */
    AUDIT_SEQUENCE_ORDER,  /* the numbers do not run in order along the line */
    AUDIT_INSPECTION_OVERDUE, /* last inspection more than 5 years ago */
    AUDIT_DAMAGED,
    AUDIT_MISSING,
    AUDIT_NOT_COVERED,     /* the line's last joint inspection round has no finding for it */
    AUDIT_ROUND_OVERDUE,   /* the line's last round is more than 5 years old (number = line code) */
    AUDIT_PAIR_SIDE,       /* A not on the smaller code's side, B not on the other, or A and B on one side */
    AUDIT_NUMBERING_START, /* 001 not at the west end (W–E lines) or the north end (N–S lines) */
    AUDIT__COUNT
} audit_kind_t;

const char *audit_kind_name(audit_kind_t k);
/* The rule a finding applies, as a stable id naming its source:
 * GBT17796-… (GB/T 17796-2009), REG353-… (《行政区域界线管理条例》, 国务院令第353号),
 * MCA28-… (民政部令第28号), BND-… (ours, see docs/boundaries.md). */
const char *audit_rule_id(audit_kind_t k);

typedef struct audit_finding {
    audit_kind_t kind;
    const char *rule;      /* audit_rule_id(kind), static */
    char number[32];       /* the marker (or the missing number for gaps) */
    char line_code[16];
    char reason[256];
    double lon, lat;       /* NAN for findings without a place (gaps) */
    double distance_m;     /* off-line distance, NAN otherwise */
} audit_finding_t;

typedef struct boundary_audit_opts {
    const char *line_code;  /* "" or NULL = every line */
    double tolerance_m;     /* default 50 */
    const char *as_of;      /* date the 5-year rule is measured from; NULL = today */
    int inspection_years;   /* default 5 (民政部令第28号 第六条) */
} boundary_audit_opts_t;

typedef struct boundary_audit_result {
    audit_finding_t *findings;
    size_t n, cap;
    long markers;           /* current marker records examined */
    long lines;             /* line codes examined */
} boundary_audit_result_t;

/* Reads markers, lines and inspection rounds from the store. */
int boundary_audit(store_t *s, const boundary_audit_opts_t *opt, boundary_audit_result_t *out, dm_error *err);
void boundary_audit_result_clear(boundary_audit_result_t *r);

/* GB/T 17796-2009 number: 4-digit line code, 3-digit sequence (001–999),
 * type letter Q, A/B or C/D/E. Returns 0 and fills the parts, or DM_EINVAL. */
int boundary_marker_number_parse(const char *number, char line[5], int *seq, char *letter, dm_error *err);

/* ---- divisions over time: editions ------------------------------------------------- */

/* An edition is a new release of part of the division layer that takes effect
 * on one date (`diming import divisions FILE --valid-from DATE`). The importer
 * calls boundary_edition_row for every row before inserting it and
 * boundary_edition_finish after the last, inside its transaction:
 *  - a row identical to the code's open version (name, type, class, parent,
 *    outline within 1 m²) is unchanged: the old version is kept, nothing is
 *    inserted (row returns 1);
 *  - a row that differs closes the open version (valid_to = DATE) and is
 *    inserted as the new version (row returns 0): events renamed, type_change
 *    (镇→街道, 村→社区 …), class_change, boundary_change with the areas that
 *    moved to each neighbour;
 *  - finish closes the open versions that the edition no longer lists, within
 *    its scope (the parents and levels of its rows — an edition of one
 *    county's townships leaves other counties alone), and classifies each by
 *    where its territory went: into one new unit of the same extent —
 *    type_change, reparented, renamed or recoded; into a larger unit —
 *    merged; into several — split; nowhere — abolished. Without outlines the
 *    name stem (the name without 街道/镇/乡/社区/村…) under the same or another
 *    parent decides. New codes no event accounts for get a "new" event. */
typedef struct boundary_edition boundary_edition_t;

typedef struct boundary_edition_summary {
    long unchanged, changed, added, abolished, events;
} boundary_edition_summary_t;

int boundary_edition_begin(store_t *s, const char *valid_from, int64_t batch_id, boundary_edition_t **out,
                           dm_error *err);
/* 1: unchanged (do not insert), 0: insert it, <0: error. */
int boundary_edition_row(boundary_edition_t *ed, const division_t *d, dm_error *err);
int boundary_edition_finish(boundary_edition_t *ed, boundary_edition_summary_t *sum, dm_error *err);
void boundary_edition_free(boundary_edition_t *ed);

/* ---- topology QA ------------------------------------------------------------------- */

typedef enum {
    QA_INVALID_GEOMETRY,
    QA_OVERLAP,
    QA_GAP,
    QA_OUTSIDE_PARENT,
    QA_PARENT_NOT_COVERED,
    QA_CODE_MISMATCH,
    QA_LEVEL_MISMATCH,
    QA_NO_OUTLINE,
    QA__COUNT
} qa_kind_t;

const char *qa_kind_name(qa_kind_t k);

typedef struct qa_finding {
    qa_kind_t kind;
    char code_a[13], code_b[13]; /* the divisions involved ("" if none) */
    double area_m2;              /* NAN when not an area finding */
    char reason[256];
    GEOSGeometry *geom;          /* lon/lat, owned; NULL when none */
} qa_finding_t;

typedef struct boundary_qa_opts {
    const char *parent;     /* 12-digit code of the parent */
    division_level_t level; /* descendants checked; LEVEL_NONE = the parent's children */
    const char *date;       /* NULL = today */
    double tolerance_m;     /* pieces thinner than this (or under its square in area) are
                               ignored (default 1) */
} boundary_qa_opts_t;

typedef struct boundary_qa_result {
    qa_finding_t *findings;
    size_t n, cap;
    long children;
    double parent_area_m2, children_area_m2;
    double seconds;
} boundary_qa_result_t;

/* Topology QA of the descendants of one parent at one level (DOMAIN.md §6),
 * in a local metric frame centred on the parent: invalid outlines (GEOS
 * reason), pairwise overlaps, pieces of a child outside the parent, pieces of
 * the parent covered by no child — "gap" when it borders two or more
 * children, "parent_not_covered" otherwise —, children without an outline,
 * parent_code that does not match the code (DIV-CODE-PARENT), type digits that
 * disagree with the name (DIV-CODE-TYPE), level not matching the code.
 * DM_ENOTFOUND (param "parent") if the parent has no version on the date;
 * DM_EINVAL if level is not below the parent's. */
int boundary_qa(store_t *s, const boundary_qa_opts_t *opt, boundary_qa_result_t *out, dm_error *err);
void boundary_qa_result_clear(boundary_qa_result_t *r);

#endif
