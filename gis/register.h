/* register.h — the name register (地名登记): the life of a standard name from
 * proposal to retirement, the accounts that may change it and the audit trail
 * of every change (issue 9; DOMAIN.md §3 naming procedure, §3.4 renames,
 * heritage and red place names; docs/register.md).
 *
 * Lifecycle (《地名管理条例》(2022) 第十一条–第十五条: 申报 → 论证 → 批准 → 公告):
 *   proposed → under_review (comments of experts and the public recorded)
 *            → approved (approval document, date, approving level)
 *            → published (公告) → in_use;  also rejected, cancelled, retired.
 * register_transition_check names the allowed next statuses when a move is
 * refused. A proposal is checked with the names module (names_check) when it
 * is filed and again when it moves on; open proposals take part in each
 * other's clash checks (same county: same name, same 专名 with the same 通名,
 * or the same toneless pinyin). Publishing puts the name into place_names
 * (so the name index, tiles and OGC collections have it after the next
 * snapshot reload) and every rename or cancellation keeps the old name as a
 * version with valid_from / valid_to.
 *
 * Accounts: roles officer (propose, comment), approver (approve, reject,
 * publish, rename, cancel), admin (everything, accounts, audit); everyone
 * without a token is public (published names only). Each account has a
 * division scope: a code prefix (320402 = 天宁区) or "" for the whole
 * country; an action on a name outside it is refused. Tokens are 32 random
 * bytes from libsodium, shown once, stored as their BLAKE2b-256 hash and
 * compared with sodium_memcmp.
 *
 * Concurrency: every proposal and register name has a version; a change
 * names the version it was based on (HTTP If-Match) and is refused with
 * REG_ESTALE when the record moved on — checked inside the write
 * transaction, so of two approvers deciding at once exactly one wins.
 *
 * Audit: every write appends one reg_audit row (who, when, from where,
 * action, object, before and after as JSON, request id) in the same
 * transaction; triggers refuse UPDATE and DELETE on that table.
 *
 * Ownership: strings passed in are borrowed for the call; JSON texts returned
 * (char **json) are newly allocated, the caller frees them with free(). The
 * store given to writing calls must be writable (not STORE_READONLY). */
#ifndef DIMING_REGISTER_H
#define DIMING_REGISTER_H

#include <stddef.h>
#include <stdint.h>

#include "gis/error.h"
#include "gis/locate.h"
#include "gis/names.h"
#include "gis/store.h"

/* Statuses beyond dm_status that the HTTP layer maps to 401/403/412/428/409. */
enum {
    REG_EUNAUTH = -101,     /* no valid credentials (401) */
    REG_EFORBIDDEN = -102,  /* role or division scope does not allow it (403) */
    REG_ESTALE = -103,      /* If-Match names an old version (412) */
    REG_ENOMATCH = -104,    /* a state change without If-Match (428) */
    REG_ETRANSITION = -105, /* the status cannot move that way (409) */
    REG_ECHECK = -106       /* the re-run check rejects the name (409) */
};

typedef enum { REG_ROLE_PUBLIC, REG_ROLE_OFFICER, REG_ROLE_APPROVER, REG_ROLE_ADMIN } reg_role_t;
int register_role_parse(const char *s, reg_role_t *out, dm_error *err);
const char *register_role_name(reg_role_t r);

/* Who acts, from where, in which request. */
typedef struct reg_actor {
    char name[64];
    reg_role_t role;
    char scope[13];          /* significant code prefix, "" = everywhere */
    const char *ip;          /* borrowed; NULL for the command line */
    const char *request_id;  /* borrowed; NULL for the command line */
} reg_actor_t;

/* A division code (2–12 digits) or "all" → the significant prefix of its
 * 12-digit form in out ("" for all). DM_EINVAL otherwise. */
int register_scope_parse(const char *code, char out[13], dm_error *err);
/* 1 when a 12-digit division code lies in the scope. */
int register_scope_covers(const char *scope, const char *division);
/* 0 when `actor` has at least `role` and its scope covers `division` (NULL:
 * no division to check); REG_EFORBIDDEN with a message otherwise. */
int register_allow(const reg_actor_t *actor, reg_role_t role, const char *division, dm_error *err);

/* 0 if a record in status `from` may move to `to`; REG_ETRANSITION naming the
 * allowed statuses otherwise; DM_EINVAL for an unknown status. */
int register_transition_check(const char *from, const char *to, dm_error *err);
/* 1 for the statuses the public sees (published, in_use; and approved, the
 * status of names imported from an existing register). */
int register_status_public(const char *status);

/* ---- tokens and accounts -------------------------------------------------- */

#define REG_TOKEN_BUF 72 /* "dmt_" + 64 hex digits + NUL */

/* Fills `token` with a new random bearer token and `hash` with its hash. */
int register_token_new(char token[REG_TOKEN_BUF], unsigned char hash[32], dm_error *err);
/* The account a bearer token belongs to; REG_EUNAUTH for an unknown,
 * malformed or disabled one. */
int register_authenticate(store_t *s, const char *token, reg_actor_t *out, dm_error *err);

/* Account changes (the CLI; `by` is who runs it). add and token fill `token`
 * with a new token, shown once. */
int register_account_add(store_t *s, const char *name, reg_role_t role, const char *scope, const reg_actor_t *by,
                         char token[REG_TOKEN_BUF], dm_error *err);
int register_account_token(store_t *s, const char *name, const reg_actor_t *by, char token[REG_TOKEN_BUF],
                           dm_error *err);
int register_account_disable(store_t *s, const char *name, const reg_actor_t *by, dm_error *err);
/* [{name, role, scope, disabled, created_at, version}] */
int register_accounts_json(store_t *s, char **json, dm_error *err);

/* ---- proposals ------------------------------------------------------------- */

/* What the names check needs: this thread's worker and the snapshot's
 * indexes (borrowed). */
typedef struct reg_checker {
    names_worker_t *worker;
    const names_index_t *names;
    const division_index_t *divisions;
} reg_checker_t;

typedef struct reg_proposal_in {
    const char *name;
    name_category_t category;
    const char *division;        /* 6, 9 or 12 digits */
    const unsigned char *wkb;    /* lon/lat geometry, or NULL */
    size_t wkb_len;
    const char *reason, *meaning, *origin, *history; /* 申报理由, 含义, 来历, 沿革 (may be NULL) */
    const char *heritage_level;  /* 地名文化遗产 level (国家级, 省级, 市级, 县级) or NULL */
    int red;                     /* 红色地名 */
} reg_proposal_in_t;

/* Checks and files a proposal. *json is the stored record (with findings). */
int register_propose(store_t *s, const reg_checker_t *ck, const reg_proposal_in_t *in, const reg_actor_t *by,
                     int64_t *id, char **json, dm_error *err);

/* One proposal with its findings and comments; *version its version. The
 * actor must be an officer or more whose scope covers it. */
int register_proposal_get(store_t *s, int64_t id, const reg_actor_t *viewer, char **json, int64_t *version,
                          dm_error *err);
/* The queue: proposals in the viewer's scope, filters may be NULL. */
int register_proposals_list(store_t *s, const char *status, const char *division, const char *category,
                            const reg_actor_t *viewer, long limit, long offset, char **json, dm_error *err);

typedef enum { REG_ACT_COMMENT, REG_ACT_APPROVE, REG_ACT_REJECT, REG_ACT_PUBLISH, REG_ACT_CANCEL } reg_action_t;

typedef struct reg_decision {
    reg_action_t action;
    int64_t if_match;            /* the version the caller saw; < 0 = none given */
    const char *text;            /* comment text or the reason of a decision */
    const char *comment_kind;    /* expert, public, officer (comments) */
    const char *approval_doc, *approved_on, *approving_level; /* approve */
} reg_decision_t;

/* Applies a decision to proposal `id`. *json is the record afterwards. */
int register_proposal_act(store_t *s, const reg_checker_t *ck, int64_t id, const reg_decision_t *d,
                          const reg_actor_t *by, char **json, int64_t *version, dm_error *err);

/* ---- standard names ------------------------------------------------------------ */

/* Public reads: published and in-use names only, with 含义, 来历, 沿革. */
int register_names_list(store_t *s, const char *division, const char *category, const char *status, const char *q,
                        long limit, long offset, char **json, dm_error *err);
int register_name_get(store_t *s, int64_t id, char **json, int64_t *version, dm_error *err);
/* Every version of a name, oldest first. */
int register_name_history(store_t *s, int64_t id, char **json, dm_error *err);

typedef enum { REG_NAME_RENAME, REG_NAME_CANCEL, REG_NAME_STATUS, REG_NAME_DESIGNATE } reg_name_action_t;

typedef struct reg_name_change {
    reg_name_action_t action;
    int64_t if_match;
    const char *new_name;        /* rename */
    const char *status;          /* status: in_use, retired */
    const char *reason;          /* required for rename and cancel */
    int override_protection;     /* heritage / red names: explicit override … */
    const char *override_reason; /* … with its reason */
    const char *date;            /* the day it takes effect, default today */
    const char *heritage_level;  /* designate: level or NULL to clear */
    int red;                     /* designate */
} reg_name_change_t;

int register_name_act(store_t *s, const reg_checker_t *ck, int64_t id, const reg_name_change_t *c,
                      const reg_actor_t *by, char **json, int64_t *version, dm_error *err);

/* ---- audit ------------------------------------------------------------------- */

/* Appends one row in its own transaction (the importers' hook). */
int register_audit_append(store_t *s, const reg_actor_t *by, const char *action, const char *object,
                          const char *before_json, const char *after_json, dm_error *err);
/* Rows filtered by object, actor and time (ISO, inclusive), oldest first. */
int register_audit_json(store_t *s, const char *object, const char *user, const char *from, const char *to,
                        long limit, char **json, dm_error *err);

typedef struct reg_audit_row {
    int64_t id;
    const char *at, *actor, *ip, *action, *object, *before, *after, *request_id;
} reg_audit_row_t;
/* Calls fn for every row in id order (rows borrowed for the call). */
int register_audit_each(store_t *s, int (*fn)(const reg_audit_row_t *row, void *ctx), void *ctx, dm_error *err);

#endif
