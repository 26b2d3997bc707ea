/* store_register.h — the store's part of the name register (SQL in
 * store_register.c, tables of schema v6: reg_accounts, reg_proposals,
 * reg_comments, reg_names, reg_name_versions, reg_audit).
 *
 * Records the HTTP layer shows are produced as JSON by SQLite's json_object
 * (one fixed expression per record kind), so that a proposal reads the same
 * in its answer, in the queue and in the audit trail's before/after.
 * JSON texts returned (char **) are newly allocated (free()). Strings in row
 * structs filled by the store are copied into the struct's own buffers or
 * newly allocated where noted; strings passed in are borrowed. Writing calls
 * run inside the caller's transaction (store_begin … store_commit). */
#ifndef DIMING_STORE_REGISTER_H
#define DIMING_STORE_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/store.h"

/* ---- accounts ---- */
typedef struct store_reg_account {
    char name[64];
    char role[16];
    char scope[13];
    int disabled;
    unsigned char token_hash[32];
} store_reg_account_t;

int store_reg_account_insert(store_t *s, const char *name, const char *role, const char *scope,
                             const unsigned char hash[32], dm_error *err);
/* DM_ENOTFOUND when no account has that name. */
int store_reg_account_set_token(store_t *s, const char *name, const unsigned char hash[32], dm_error *err);
int store_reg_account_disable(store_t *s, const char *name, dm_error *err);
/* DM_ENOTFOUND when no account has that token hash. */
int store_reg_account_by_hash(store_t *s, const unsigned char hash[32], store_reg_account_t *out, dm_error *err);
/* One account as JSON (without its hash), or all as an array. */
int store_reg_account_json(store_t *s, const char *name, char **json, dm_error *err);
int store_reg_accounts_json(store_t *s, char **json, dm_error *err);

/* ---- proposals ---- */
typedef struct store_reg_proposal {
    int64_t id, version, name_id;
    const char *name, *category, *division, *county, *reason, *meaning, *origin, *history, *heritage_level;
    int red;
    const char *status, *verdict, *findings, *norm, *dup_key, *hom_key, *base_generic, *pinyin;
    double lon, lat;            /* NAN without geometry */
    const unsigned char *wkb;
    size_t wkb_len;
    const char *approval_doc, *approved_on, *approving_level, *decision_reason, *created_by;
} store_reg_proposal_t;

/* Inserts; *id receives the new id. */
int store_reg_proposal_insert(store_t *s, const store_reg_proposal_t *p, int64_t *id, dm_error *err);
/* Loads a proposal; strings and wkb are newly allocated and freed with
 * store_reg_proposal_clear. DM_ENOTFOUND if there is none. */
int store_reg_proposal_load(store_t *s, int64_t id, store_reg_proposal_t *out, dm_error *err);
void store_reg_proposal_clear(store_reg_proposal_t *p);
/* Moves proposal id from version p->version to version + 1 with p's status,
 * verdict, findings, approval fields, decision_reason and name_id. 0 rows
 * changed (another writer got there first) → REG-style stale: returns 1. */
int store_reg_proposal_update(store_t *s, const store_reg_proposal_t *p, dm_error *err);
int store_reg_comment_insert(store_t *s, int64_t proposal_id, const char *author, const char *kind,
                             const char *body, dm_error *err);
int store_reg_proposal_json(store_t *s, int64_t id, char **json, dm_error *err);
/* prefix filters are code prefixes ("" = all). */
int store_reg_proposals_json(store_t *s, const char *status, const char *division_prefix, const char *category,
                             const char *scope_prefix, long limit, long offset, char **json, dm_error *err);

/* Open (or published) proposals in `county` other than exclude_id sharing a
 * key with the given ones; fn gets id, name, status, name_id and which keys
 * matched (exact: the normalised name or the 专名 key; homophone). */
typedef int (*store_reg_clash_fn)(int64_t id, const char *name, const char *status, int64_t name_id, int exact,
                                  int homophone, void *ctx);
int store_reg_proposal_clashes(store_t *s, const char *county, const char *norm, const char *dup_key,
                               const char *hom_key, int64_t exclude_id, store_reg_clash_fn fn, void *ctx,
                               dm_error *err);

/* ---- standard names (place_names + reg_names) ---- */
typedef struct store_reg_name {
    int64_t id, version;
    char *name, *status, *division_code, *category, *former_names, *approved_on, *heritage_level;
    int red;
    unsigned char *wkb;
    size_t wkb_len;
} store_reg_name_t;

int store_reg_name_load(store_t *s, int64_t id, store_reg_name_t *out, dm_error *err);
void store_reg_name_clear(store_reg_name_t *n);
/* Inserts a published name into place_names and reg_names; *id its id. */
int store_reg_name_insert(store_t *s, const store_reg_proposal_t *p, const char *status, int64_t *id,
                          dm_error *err);
/* Bumps reg_names.version from `version` (creating the row for an imported
 * name at version 1). Returns 1 when the version moved on meanwhile. */
int store_reg_name_bump(store_t *s, int64_t id, int64_t version, dm_error *err);
/* pinyin NULL keeps the stored spelling. */
int store_reg_name_set(store_t *s, int64_t id, const char *name, const char *status, const char *former_names,
                       const char *pinyin, dm_error *err);
int store_reg_name_designate(store_t *s, int64_t id, const char *heritage_level, int red, dm_error *err);
/* Closes the open version of a name on `date` (recording the current name
 * as a first version when an imported name has none), then opens a new one. */
int store_reg_name_version(store_t *s, int64_t id, const store_reg_name_t *old, const char *new_name,
                           const char *new_status, const char *date, const char *change, const char *reason,
                           const char *override_reason, const char *by, dm_error *err);
/* public_only: only published / in-use (and imported approved) names. */
int store_reg_name_json(store_t *s, int64_t id, int public_only, char **json, dm_error *err);
int store_reg_names_json(store_t *s, const char *division_prefix, const char *category, const char *status,
                         const char *q, long limit, long offset, char **json, dm_error *err);
int store_reg_name_history_json(store_t *s, int64_t id, char **json, dm_error *err);

/* ---- audit ---- */
int store_reg_audit_insert(store_t *s, const char *actor, const char *ip, const char *action, const char *object,
                           const char *before, const char *after, const char *request_id, dm_error *err);
int store_reg_audit_json(store_t *s, const char *object, const char *actor, const char *from, const char *to,
                         long limit, char **json, dm_error *err);
typedef int (*store_reg_audit_fn)(int64_t id, const char *at, const char *actor, const char *ip, const char *action,
                                  const char *object, const char *before, const char *after, const char *request_id,
                                  void *ctx);
int store_reg_audit_each(store_t *s, store_reg_audit_fn fn, void *ctx, dm_error *err);

#endif
