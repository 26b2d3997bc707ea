/* register.c — the name register (register.h): roles and division scopes,
 * the status machine, bearer tokens, proposals with their checks, decisions,
 * renames and cancellations, each with its audit row in the same
 * transaction. SQL is in store_register.c.
 *
 * Checking a proposal has two halves: names_check against the snapshot's
 * name index (CPU only, run before the write lock is taken) and the clash
 * with other proposals of the same county, read inside the write
 * transaction so two officers filing the same name at once still see each
 * other. Findings are kept as JSON text with the proposal. */
#include "gis/register.h"

#include <math.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gis/date.h"
#include "gis/divcode.h"
#include "gis/store_register.h"

/* ---- roles, scopes, statuses ------------------------------------------------------ */

static const char *const role_names[] = {"public", "officer", "approver", "admin"};

int register_role_parse(const char *s, reg_role_t *out, dm_error *err)
{
    for (int i = REG_ROLE_OFFICER; i <= REG_ROLE_ADMIN; i++)
        if (s && strcmp(s, role_names[i]) == 0) {
            *out = (reg_role_t)i;
            return 0;
        }
    return dm_error_set(err, DM_EINVAL, "role", "role must be officer, approver or admin, got '%.20s'", s ? s : "");
}

const char *register_role_name(reg_role_t r) { return r <= REG_ROLE_ADMIN ? role_names[r] : "?"; }

int register_scope_parse(const char *code, char out[13], dm_error *err)
{
    if (code && strcmp(code, "all") == 0) {
        out[0] = '\0';
        return 0;
    }
    char full[13];
    if (!code || divcode_parse(code, full, err)) {
        if (!code)
            dm_error_set(err, DM_EINVAL, "division", "a division scope (code or 'all') is required");
        snprintf(err->param, sizeof err->param, "division");
        return DM_EINVAL;
    }
    divcode_short(full, out);
    return 0;
}

int register_scope_covers(const char *scope, const char *division)
{
    return division && strncmp(division, scope, strlen(scope)) == 0;
}

int register_allow(const reg_actor_t *a, reg_role_t role, const char *division, dm_error *err)
{
    if (a->role < role)
        return dm_error_set(err, REG_EFORBIDDEN, NULL, "%s '%s' may not do this: it needs the %s role",
                            register_role_name(a->role), a->name, register_role_name(role));
    if (division && !register_scope_covers(a->scope, division))
        return dm_error_set(err, REG_EFORBIDDEN, "division",
                            "'%s' acts for division %s; %s lies outside that scope", a->name,
                            a->scope[0] ? a->scope : "all", division);
    return 0;
}

/* The status machine (register.h). Names imported from an earlier register
 * carry "approved" and are treated as in use. */
static const struct {
    const char *from;
    const char *to[4];
} transitions[] = {
    {"proposed", {"under_review", "rejected", "cancelled", NULL}},
    {"under_review", {"approved", "rejected", "cancelled", NULL}},
    {"approved", {"published", "cancelled", NULL}},
    {"published", {"in_use", "retired", "cancelled", NULL}},
    {"in_use", {"retired", "cancelled", NULL}},
    {"rejected", {NULL}},
    {"cancelled", {NULL}},
    {"retired", {NULL}},
};

int register_transition_check(const char *from, const char *to, dm_error *err)
{
    for (size_t i = 0; i < sizeof transitions / sizeof *transitions; i++) {
        if (strcmp(transitions[i].from, from) != 0)
            continue;
        char allowed[128] = "";
        for (int k = 0; transitions[i].to[k]; k++) {
            if (strcmp(transitions[i].to[k], to) == 0)
                return 0;
            size_t n = strlen(allowed);
            snprintf(allowed + n, sizeof allowed - n, "%s%s", n ? ", " : "", transitions[i].to[k]);
        }
        return dm_error_set(err, REG_ETRANSITION, "status", "status %s cannot become %s; allowed: %s", from, to,
                            allowed[0] ? allowed : "none (final status)");
    }
    return dm_error_set(err, DM_EINVAL, "status", "unknown status '%.20s'", from);
}

int register_status_public(const char *status)
{
    return status && (!strcmp(status, "published") || !strcmp(status, "in_use") || !strcmp(status, "approved"));
}

/* ---- audit ------------------------------------------------------------------------ */

static int audit(store_t *s, const reg_actor_t *by, const char *action, const char *object, const char *before,
                 const char *after, dm_error *err)
{
    return store_reg_audit_insert(s, by->name, by->ip, action, object, before, after, by->request_id, err);
}

int register_audit_append(store_t *s, const reg_actor_t *by, const char *action, const char *object,
                          const char *before_json, const char *after_json, dm_error *err)
{
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    if ((rc = audit(s, by, action, object, before_json, after_json, err)) || (rc = store_commit(s, err)))
        store_rollback(s);
    return rc;
}

int register_audit_json(store_t *s, const char *object, const char *user, const char *from, const char *to,
                        long limit, char **json, dm_error *err)
{
    return store_reg_audit_json(s, object, user, from, to, limit, json, err);
}

typedef struct {
    int (*fn)(const reg_audit_row_t *, void *);
    void *ctx;
} audit_each_t;

static int audit_row(int64_t id, const char *at, const char *actor, const char *ip, const char *action,
                     const char *object, const char *before, const char *after, const char *request_id, void *vctx)
{
    audit_each_t *c = vctx;
    reg_audit_row_t r = {id, at, actor, ip, action, object, before, after, request_id};
    return c->fn(&r, c->ctx);
}

int register_audit_each(store_t *s, int (*fn)(const reg_audit_row_t *, void *), void *ctx, dm_error *err)
{
    audit_each_t c = {fn, ctx};
    return store_reg_audit_each(s, audit_row, &c, err);
}

/* ---- tokens and accounts ------------------------------------------------------------- */

static int sodium_ready(dm_error *err)
{
    return sodium_init() < 0 ? dm_error_set(err, DM_EINTERNAL, NULL, "libsodium cannot start") : 0;
}

/* A fast hash is enough: tokens are 256 random bits, not passwords. */
static void token_hash(const char *token, unsigned char hash[32])
{
    crypto_generichash(hash, 32, (const unsigned char *)token, strlen(token), NULL, 0);
}

int register_token_new(char token[REG_TOKEN_BUF], unsigned char hash[32], dm_error *err)
{
    if (sodium_ready(err))
        return DM_EINTERNAL;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    memcpy(token, "dmt_", 4);
    sodium_bin2hex(token + 4, REG_TOKEN_BUF - 4, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    token_hash(token, hash);
    return 0;
}

int register_authenticate(store_t *s, const char *token, reg_actor_t *out, dm_error *err)
{
    if (sodium_ready(err))
        return DM_EINTERNAL;
    size_t n = token ? strlen(token) : 0;
    if (n != 68 || strncmp(token, "dmt_", 4) != 0 || strspn(token + 4, "0123456789abcdef") != 64)
        return dm_error_set(err, REG_EUNAUTH, "Authorization", "the bearer token is malformed");
    unsigned char hash[32];
    token_hash(token, hash);
    store_reg_account_t a;
    int rc = store_reg_account_by_hash(s, hash, &a, err);
    if (rc == DM_ENOTFOUND || (!rc && (sodium_memcmp(a.token_hash, hash, 32) != 0 || a.disabled)))
        return dm_error_set(err, REG_EUNAUTH, "Authorization", "the bearer token is not valid");
    if (rc)
        return rc;
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", a.name);
    snprintf(out->scope, sizeof out->scope, "%s", a.scope);
    if (register_role_parse(a.role, &out->role, err))
        return dm_error_set(err, REG_EUNAUTH, "Authorization", "the account has no valid role");
    return 0;
}

static int account_name_ok(const char *name, dm_error *err)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 63 || strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@") != n)
        return dm_error_set(err, DM_EINVAL, "name", "account names are 1–63 characters of A–Z a–z 0–9 . _ - @");
    return 0;
}

/* Runs one account change with its audit row. */
static int account_change(store_t *s, const char *name, const reg_actor_t *by, const char *action, const char *role,
                          const char *scope, const unsigned char *hash, dm_error *err)
{
    int rc = store_begin(s, err);
    if (rc)
        return rc;
    char *before = NULL, *after = NULL;
    dm_error ignore;
    if (strcmp(action, "account.add") != 0 && store_reg_account_json(s, name, &before, &ignore))
        rc = dm_error_set(err, DM_ENOTFOUND, "name", "no account called '%s'", name);
    if (!rc) {
        if (strcmp(action, "account.add") == 0)
            rc = store_reg_account_insert(s, name, role, scope, hash, err);
        else if (strcmp(action, "account.token") == 0)
            rc = store_reg_account_set_token(s, name, hash, err);
        else
            rc = store_reg_account_disable(s, name, err);
    }
    if (!rc)
        rc = store_reg_account_json(s, name, &after, err);
    char object[96];
    snprintf(object, sizeof object, "account:%s", name);
    if (!rc)
        rc = audit(s, by, action, object, before, after, err);
    if (!rc)
        rc = store_commit(s, err);
    if (rc)
        store_rollback(s);
    free(before);
    free(after);
    return rc;
}

int register_account_add(store_t *s, const char *name, reg_role_t role, const char *scope, const reg_actor_t *by,
                         char token[REG_TOKEN_BUF], dm_error *err)
{
    char sc[13];
    unsigned char hash[32];
    if (account_name_ok(name, err) || register_scope_parse(scope, sc, err))
        return DM_EINVAL;
    if (role == REG_ROLE_PUBLIC)
        return dm_error_set(err, DM_EINVAL, "role", "public needs no account");
    if (register_token_new(token, hash, err))
        return DM_EINTERNAL;
    return account_change(s, name, by, "account.add", register_role_name(role), sc, hash, err);
}

int register_account_token(store_t *s, const char *name, const reg_actor_t *by, char token[REG_TOKEN_BUF],
                           dm_error *err)
{
    unsigned char hash[32];
    if (register_token_new(token, hash, err))
        return DM_EINTERNAL;
    return account_change(s, name, by, "account.token", NULL, NULL, hash, err);
}

int register_account_disable(store_t *s, const char *name, const reg_actor_t *by, dm_error *err)
{
    return account_change(s, name, by, "account.disable", NULL, NULL, NULL, err);
}

int register_accounts_json(store_t *s, char **json, dm_error *err) { return store_reg_accounts_json(s, json, err); }

/* ---- findings ------------------------------------------------------------------------- */

/* A growing string for the findings' JSON (SQL builds every other record). */
typedef struct {
    char *p;
    size_t len, cap;
    int oom;
} sbuf_t;

static void sb_put(sbuf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p, b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_lit(sbuf_t *b, const char *s) { sb_put(b, s, strlen(s)); }

/* A JSON string: quotes, backslashes and control characters escaped (RFC 8259 §7). */
static void sb_str(sbuf_t *b, const char *s)
{
    sb_lit(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_put(b, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            sb_lit(b, e);
        } else
            sb_put(b, (const char *)&c, 1);
    }
    sb_lit(b, "\"");
}

typedef struct reg_finding {
    const char *rule;
    name_severity_t severity;
    char zh[256], en[256];
    const char *source;
    int64_t conflict_name, conflict_proposal;
} reg_finding_t;

typedef struct check_result {
    name_check_t c;
    int checked;
    reg_finding_t *f;
    size_t nf, cap;
    char county[13];
    int64_t self;
} check_result_t;

static int add_finding(check_result_t *r, const reg_finding_t *f)
{
    if (r->nf == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        reg_finding_t *p = realloc(r->f, cap * sizeof *p);
        if (!p)
            return -1;
        r->f = p, r->cap = cap;
    }
    r->f[r->nf++] = *f;
    return 0;
}

static void check_clear(check_result_t *r)
{
    if (r->checked)
        names_check_clear(&r->c);
    free(r->f);
    memset(r, 0, sizeof *r);
}

/* The names check of a name in a division (12 digits), before any lock. */
static int check_names(const reg_checker_t *ck, const char *name, name_category_t cat, const char *division,
                       const unsigned char *wkb, size_t wkb_len, check_result_t *r, dm_error *err)
{
    char today[11];
    date_today(today);
    names_proposal_t p = {.name = name, .len = strlen(name), .category = cat, .wkb = wkb, .wkb_len = wkb_len,
                          .division = division, .date = today};
    int rc = names_check(ck->worker, ck->names, ck->divisions, &p, &r->c, err);
    if (rc) {
        if (rc == DM_EINVAL && !err->param[0])
            snprintf(err->param, sizeof err->param, "name");
        return rc;
    }
    r->checked = 1;
    snprintf(r->county, sizeof r->county, "%.6s", division);
    for (size_t i = 0; i < r->c.nfindings; i++) {
        const name_finding_t *nf = &r->c.findings[i];
        reg_finding_t f = {.rule = nf->rule, .severity = nf->severity, .source = nf->source,
                           .conflict_name = nf->conflict ? nf->conflict->id : 0};
        snprintf(f.zh, sizeof f.zh, "%s", nf->message_zh);
        snprintf(f.en, sizeof f.en, "%s", nf->message_en);
        if (add_finding(r, &f))
            return dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    return 0;
}

static int on_clash(int64_t id, const char *name, const char *status, int64_t name_id, int exact, int homophone,
                    void *ctx)
{
    check_result_t *r = ctx;
    /* A published proposal the name index already holds was reported by names_check. */
    for (size_t i = 0; name_id && i < r->c.nconflicts; i++)
        if (r->c.conflicts[i].entry->id == name_id)
            return 0;
    reg_finding_t f = {.source = "《地名管理条例》第九条(二): 一个县级行政区内不应重名、同音",
                       .conflict_proposal = id};
    if (exact) {
        f.rule = "REG-DUP-PROPOSED";
        f.severity = NAME_SEV_ERROR;
        snprintf(f.zh, sizeof f.zh, "与本县在审地名“%.60s”（申报 %lld，%s）重名", name, (long long)id, status);
        snprintf(f.en, sizeof f.en, "duplicates '%.60s', proposal %lld (%s) in the same county", name,
                 (long long)id, status);
    } else if (homophone) {
        f.rule = "REG-HOM-PROPOSED";
        f.severity = NAME_SEV_WARNING;
        snprintf(f.zh, sizeof f.zh, "与本县在审地名“%.60s”（申报 %lld，%s）同音", name, (long long)id, status);
        snprintf(f.en, sizeof f.en, "sounds like '%.60s', proposal %lld (%s) in the same county", name,
                 (long long)id, status);
    } else
        return 0;
    return add_finding(r, &f) ? DM_ENOMEM : 0;
}

/* The clash with other proposals, inside the write transaction. */
static int check_proposals(store_t *s, check_result_t *r, dm_error *err)
{
    const name_parts_t *np = &r->c.parts;
    int rc = store_reg_proposal_clashes(s, r->county, np->norm, np->dup_key[0] ? np->dup_key : NULL,
                                        np->hom_key[0] ? np->hom_key : NULL, r->self, on_clash, r, err);
    return rc == DM_ENOMEM ? dm_error_set(err, DM_ENOMEM, NULL, "out of memory") : rc;
}

static const char *verdict_of(const check_result_t *r)
{
    name_verdict_t v = r->c.verdict;
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].severity == NAME_SEV_ERROR)
            v = NAME_VERDICT_REJECT;
        else if (r->f[i].severity == NAME_SEV_WARNING && v == NAME_VERDICT_ACCEPT)
            v = NAME_VERDICT_WARN;
    return names_verdict_name(v);
}

/* [{rule, severity, message_zh, message_en, source, conflict_id?, conflict_proposal?}] */
static char *findings_json(const check_result_t *r)
{
    sbuf_t b = {0};
    sb_lit(&b, "[");
    for (size_t i = 0; i < r->nf; i++) {
        const reg_finding_t *f = &r->f[i];
        sb_lit(&b, i ? ",{\"rule\":" : "{\"rule\":");
        sb_str(&b, f->rule);
        sb_lit(&b, ",\"severity\":");
        sb_str(&b, names_severity_name(f->severity));
        sb_lit(&b, ",\"message_zh\":");
        sb_str(&b, f->zh);
        sb_lit(&b, ",\"message_en\":");
        sb_str(&b, f->en);
        sb_lit(&b, ",\"source\":");
        sb_str(&b, f->source);
        char num[48];
        if (f->conflict_name) {
            snprintf(num, sizeof num, ",\"conflict_id\":%lld", (long long)f->conflict_name);
            sb_lit(&b, num);
        }
        if (f->conflict_proposal) {
            snprintf(num, sizeof num, ",\"conflict_proposal\":%lld", (long long)f->conflict_proposal);
            sb_lit(&b, num);
        }
        sb_lit(&b, "}");
    }
    sb_lit(&b, "]");
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}

/* "NAME-DUP-EXACT, REG-DUP-PROPOSED" — the error rules, for refusals. */
static void error_rules(const check_result_t *r, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < r->nf; i++)
        if (r->f[i].severity == NAME_SEV_ERROR) {
            size_t l = strlen(out);
            snprintf(out + l, n - l, "%s%s", l ? ", " : "", r->f[i].rule);
        }
}

/* ---- proposals ---------------------------------------------------------------------- */

static int division12(const char *code, char out[13], dm_error *err)
{
    if (!code || divcode_parse(code, out, err) || divcode_level(out) < LEVEL_COUNTY) {
        return dm_error_set(err, DM_EINVAL, "division",
                            "division must be the code of a county-level or lower division (6, 9 or 12 digits)");
    }
    return 0;
}

static int text_ok(const char *v, const char *param, size_t max, int required, dm_error *err)
{
    if (!v || !*v)
        return required ? dm_error_set(err, DM_EINVAL, param, "%s is required", param) : 0;
    if (strlen(v) > max)
        return dm_error_set(err, DM_EINVAL, param, "%s is too long (at most %zu bytes)", param, max);
    return 0;
}

int register_propose(store_t *s, const reg_checker_t *ck, const reg_proposal_in_t *in, const reg_actor_t *by,
                     int64_t *id, char **json, dm_error *err)
{
    *json = NULL;
    char div[13];
    int rc;
    if ((rc = division12(in->division, div, err)) || (rc = register_allow(by, REG_ROLE_OFFICER, div, err)) ||
        (rc = text_ok(in->reason, "reason", 4000, 1, err)) || (rc = text_ok(in->meaning, "meaning", 4000, 0, err)) ||
        (rc = text_ok(in->origin, "origin", 4000, 0, err)) || (rc = text_ok(in->history, "history", 4000, 0, err)) ||
        (rc = text_ok(in->heritage_level, "heritage_level", 64, 0, err)))
        return rc;
    check_result_t r = {0};
    if ((rc = check_names(ck, in->name, in->category, div, in->wkb, in->wkb_len, &r, err))) {
        check_clear(&r);
        return rc;
    }
    if ((rc = store_begin(s, err))) {
        check_clear(&r);
        return rc;
    }
    char *findings = NULL;
    rc = check_proposals(s, &r, err);
    if (!rc && !(findings = findings_json(&r)))
        rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    if (!rc) {
        const name_parts_t *np = &r.c.parts;
        double lon = NAN, lat = NAN;
        store_reg_proposal_t p = {
            .name = np->norm, .category = names_category_name(in->category), .division = div, .county = r.county,
            .reason = in->reason, .meaning = in->meaning, .origin = in->origin, .history = in->history,
            .heritage_level = in->heritage_level, .red = in->red, .status = "proposed", .verdict = verdict_of(&r),
            .findings = findings, .norm = np->norm, .dup_key = np->dup_key, .hom_key = np->hom_key,
            .base_generic = np->base_generic, .pinyin = np->pinyin, .lon = lon, .lat = lat, .wkb = in->wkb,
            .wkb_len = in->wkb_len, .created_by = by->name};
        rc = store_reg_proposal_insert(s, &p, id, err);
    }
    char object[40];
    snprintf(object, sizeof object, "proposal:%lld", (long long)*id);
    if (!rc)
        rc = store_reg_proposal_json(s, *id, json, err);
    if (!rc)
        rc = audit(s, by, "proposal.create", object, NULL, *json, err);
    if (!rc)
        rc = store_commit(s, err);
    if (rc) {
        store_rollback(s);
        free(*json);
        *json = NULL;
    }
    free(findings);
    check_clear(&r);
    return rc;
}

int register_proposal_get(store_t *s, int64_t id, const reg_actor_t *viewer, char **json, int64_t *version,
                          dm_error *err)
{
    store_reg_proposal_t p;
    int rc = store_reg_proposal_load(s, id, &p, err);
    if (!rc)
        rc = register_allow(viewer, REG_ROLE_OFFICER, p.division, err);
    if (!rc)
        rc = store_reg_proposal_json(s, id, json, err);
    *version = p.version;
    store_reg_proposal_clear(&p);
    return rc;
}

int register_proposals_list(store_t *s, const char *status, const char *division, const char *category,
                            const reg_actor_t *viewer, long limit, long offset, char **json, dm_error *err)
{
    int rc = register_allow(viewer, REG_ROLE_OFFICER, NULL, err);
    if (rc)
        return rc;
    char prefix[13] = "";
    if (division && register_scope_parse(division, prefix, err))
        return DM_EINVAL;
    if (status) {
        dm_error e;
        if (register_transition_check(status, "proposed", &e) == DM_EINVAL)
            return dm_error_set(err, DM_EINVAL, "status", "unknown status '%.20s'", status);
    }
    return store_reg_proposals_json(s, status, prefix, category, viewer->scope, limit, offset, json, err);
}

static const char *const action_names[] = {"comment", "approve", "reject", "publish", "cancel"};
static const char *const action_targets[] = {"under_review", "approved", "rejected", "published", "cancelled"};

int register_proposal_act(store_t *s, const reg_checker_t *ck, int64_t id, const reg_decision_t *d,
                          const reg_actor_t *by, char **json, int64_t *version, dm_error *err)
{
    *json = NULL;
    store_reg_proposal_t p;
    int rc = store_reg_proposal_load(s, id, &p, err);
    if (rc)
        return rc;
    check_result_t r = {0};
    char *before = NULL, *findings = NULL, approved_on[11];
    const char *target = action_targets[d->action];
    reg_role_t need = d->action == REG_ACT_COMMENT ? REG_ROLE_OFFICER : REG_ROLE_APPROVER;
    if ((rc = register_allow(by, need, p.division, err)))
        goto done;
    if (d->if_match < 0) {
        rc = dm_error_set(err, REG_ENOMATCH, "If-Match", "a change of proposal %lld needs If-Match with its version (%lld)",
                          (long long)id, (long long)p.version);
        goto done;
    }
    if (d->if_match != p.version) {
        rc = dm_error_set(err, REG_ESTALE, "If-Match", "proposal %lld is at version %lld, not %lld", (long long)id,
                          (long long)p.version, (long long)d->if_match);
        goto done;
    }
    if (d->action == REG_ACT_COMMENT) {
        /* Comments are taken while the name is being argued (论证). */
        if (strcmp(p.status, "proposed") != 0 && strcmp(p.status, "under_review") != 0) {
            rc = dm_error_set(err, REG_ETRANSITION, "status",
                              "comments are taken while a proposal is proposed or under_review; it is %s", p.status);
            goto done;
        }
        if (!strcmp(p.status, "under_review"))
            target = "under_review";
        if ((rc = text_ok(d->text, "text", 8000, 1, err)))
            goto done;
        const char *k = d->comment_kind ? d->comment_kind : "officer";
        if (strcmp(k, "expert") && strcmp(k, "public") && strcmp(k, "officer")) {
            rc = dm_error_set(err, DM_EINVAL, "kind", "kind must be expert, public or officer");
            goto done;
        }
    } else if ((rc = register_transition_check(p.status, target, err)))
        goto done;
    if (d->action == REG_ACT_REJECT && (rc = text_ok(d->text, "reason", 4000, 1, err)))
        goto done;
    if (d->action == REG_ACT_APPROVE) {
        /* 《地名管理条例》第十三条: the approval is a document of a named level. */
        if ((rc = text_ok(d->approval_doc, "approval_doc", 200, 1, err)) ||
            (rc = text_ok(d->approving_level, "approving_level", 64, 1, err)))
            goto done;
        if (!d->approved_on) {
            rc = dm_error_set(err, DM_EINVAL, "approved_on", "approved_on (YYYY-MM-DD) is required");
            goto done;
        }
        if ((rc = date_parse(d->approved_on, approved_on, "approved_on", err)))
            goto done;
    }
    int recheck = d->action == REG_ACT_APPROVE || d->action == REG_ACT_PUBLISH;
    if (recheck) {
        name_category_t cat;
        if ((rc = names_category_parse(p.category, &cat, err)) ||
            (rc = check_names(ck, p.name, cat, p.division, p.wkb, p.wkb_len, &r, err)))
            goto done;
        r.self = id;
    }
    if ((rc = store_begin(s, err)))
        goto done;
    if (recheck) {
        if ((rc = check_proposals(s, &r, err)))
            goto rollback;
        if (!strcmp(verdict_of(&r), "reject")) {
            char rules[256];
            error_rules(&r, rules, sizeof rules);
            rc = dm_error_set(err, REG_ECHECK, "name", "the check of '%s' now rejects it (%s); nothing changed",
                              p.name, rules);
            goto rollback;
        }
        if (!(findings = findings_json(&r))) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            goto rollback;
        }
    }
    if ((rc = store_reg_proposal_json(s, id, &before, err)))
        goto rollback;
    store_reg_proposal_t up = p;
    up.version = d->if_match;
    up.status = target;
    if (recheck) {
        up.findings = findings;
        up.verdict = verdict_of(&r);
    }
    if (d->action == REG_ACT_APPROVE) {
        up.approval_doc = d->approval_doc;
        up.approved_on = approved_on;
        up.approving_level = d->approving_level;
    }
    if (d->action == REG_ACT_REJECT || d->action == REG_ACT_CANCEL)
        up.decision_reason = d->text;
    if (d->action == REG_ACT_PUBLISH) {
        /* 公告: the name enters the register of standard names, now. */
        char today[11];
        date_today(today);
        if ((rc = store_reg_name_insert(s, &p, "published", &up.name_id, err)) ||
            (rc = store_reg_name_version(s, up.name_id, NULL, p.name, "published", today, "publish", NULL, NULL,
                                         by->name, err)) ||
            (rc = store_touch_layer(s, "names", err)))
            goto rollback;
    }
    if ((rc = store_reg_proposal_update(s, &up, err)) > 0) {
        rc = dm_error_set(err, REG_ESTALE, "If-Match", "proposal %lld changed meanwhile; nothing changed",
                          (long long)id);
        goto rollback;
    }
    if (rc)
        goto rollback;
    if (d->action == REG_ACT_COMMENT &&
        (rc = store_reg_comment_insert(s, id, by->name, d->comment_kind ? d->comment_kind : "officer", d->text, err)))
        goto rollback;
    char object[40], action[40];
    snprintf(object, sizeof object, "proposal:%lld", (long long)id);
    snprintf(action, sizeof action, "proposal.%s", action_names[d->action]);
    if ((rc = store_reg_proposal_json(s, id, json, err)) || (rc = audit(s, by, action, object, before, *json, err)))
        goto rollback;
    if (d->action == REG_ACT_PUBLISH) {
        char nobj[40];
        snprintf(nobj, sizeof nobj, "name:%lld", (long long)up.name_id);
        char *nj = NULL;
        if ((rc = store_reg_name_json(s, up.name_id, 0, &nj, err)) ||
            (rc = audit(s, by, "name.publish", nobj, NULL, nj, err))) {
            free(nj);
            goto rollback;
        }
        free(nj);
    }
    if ((rc = store_commit(s, err)))
        goto rollback;
    *version = d->if_match + 1;
    goto done;
rollback:
    store_rollback(s);
    free(*json);
    *json = NULL;
done:
    free(before);
    free(findings);
    check_clear(&r);
    store_reg_proposal_clear(&p);
    return rc;
}

/* ---- standard names ------------------------------------------------------------------ */

int register_names_list(store_t *s, const char *division, const char *category, const char *status, const char *q,
                        long limit, long offset, char **json, dm_error *err)
{
    char prefix[13];
    if (division && register_scope_parse(division, prefix, err))
        return DM_EINVAL;
    if (status && !register_status_public(status))
        return dm_error_set(err, DM_EINVAL, "status", "status must be published or in_use (only those are public)");
    return store_reg_names_json(s, division ? prefix : NULL, category, status, q, limit, offset, json, err);
}

int register_name_get(store_t *s, int64_t id, char **json, int64_t *version, dm_error *err)
{
    store_reg_name_t n;
    int rc = store_reg_name_load(s, id, &n, err);
    if (!rc && !register_status_public(n.status))
        rc = dm_error_set(err, DM_ENOTFOUND, "id", "no published name %lld", (long long)id);
    if (!rc)
        rc = store_reg_name_json(s, id, 1, json, err);
    *version = n.version;
    store_reg_name_clear(&n);
    return rc;
}

int register_name_history(store_t *s, int64_t id, char **json, dm_error *err)
{
    return store_reg_name_history_json(s, id, json, err);
}

/* Names imported from an earlier register carry "approved": in use. */
static const char *name_state(const char *status)
{
    return status && strcmp(status, "approved") == 0 ? "in_use" : (status ? status : "in_use");
}

int register_name_act(store_t *s, const reg_checker_t *ck, int64_t id, const reg_name_change_t *c,
                      const reg_actor_t *by, char **json, int64_t *version, dm_error *err)
{
    *json = NULL;
    store_reg_name_t n;
    int rc = store_reg_name_load(s, id, &n, err);
    if (rc)
        return rc;
    check_result_t r = {0};
    char *before = NULL, *former = NULL, date[11];
    static const char *const actions[] = {"name.rename", "name.cancel", "name.status", "name.designate"};
    const char *new_status = n.status, *new_name = n.name;
    if ((rc = register_allow(by, REG_ROLE_APPROVER, n.division_code, err)))
        goto done;
    if (c->if_match < 0) {
        rc = dm_error_set(err, REG_ENOMATCH, "If-Match", "a change of name %lld needs If-Match with its version (%lld)",
                          (long long)id, (long long)n.version);
        goto done;
    }
    if (c->if_match != n.version) {
        rc = dm_error_set(err, REG_ESTALE, "If-Match", "name %lld is at version %lld, not %lld", (long long)id,
                          (long long)n.version, (long long)c->if_match);
        goto done;
    }
    if (c->date) {
        if ((rc = date_parse(c->date, date, "date", err)))
            goto done;
    } else
        date_today(date);
    const char *state = name_state(n.status);
    if (c->action == REG_NAME_RENAME || c->action == REG_NAME_CANCEL) {
        if ((rc = text_ok(c->reason, "reason", 4000, 1, err)))
            goto done;
        /* 地名文化遗产 and 红色地名 are kept unless someone decides otherwise, on record
         * (《地名管理条例》第十八条, 第二十九条; DOMAIN.md §3.4). */
        if ((n.heritage_level || n.red) && (!c->override_protection || !c->override_reason || !*c->override_reason)) {
            rc = dm_error_set(err, DM_ECONFLICT, "override",
                              "'%s' is a %s%s%s: renaming or cancelling it needs override=true and an override_reason",
                              n.name, n.heritage_level ? "地名文化遗产 (" : "", n.heritage_level ? n.heritage_level : "",
                              n.heritage_level ? (n.red ? ") and a 红色地名" : ")") : "红色地名");
            goto done;
        }
    }
    if (c->action == REG_NAME_RENAME) {
        if (!register_status_public(n.status)) {
            rc = dm_error_set(err, REG_ETRANSITION, "status", "only published or in-use names can be renamed; it is %s",
                              n.status);
            goto done;
        }
        if ((rc = text_ok(c->new_name, "name", NAMES_MAX_INPUT, 1, err)))
            goto done;
        name_category_t cat;
        if ((rc = names_category_parse(n.category ? n.category : "road", &cat, err)) ||
            (rc = check_names(ck, c->new_name, cat, n.division_code, n.wkb, n.wkb_len, &r, err)))
            goto done;
        r.self = -1;
        new_name = r.c.parts.norm;
        if (!strcmp(new_name, n.name)) {
            rc = dm_error_set(err, DM_EINVAL, "name", "the new name is the current name");
            goto done;
        }
        size_t fl = (n.former_names ? strlen(n.former_names) + 1 : 0) + strlen(n.name) + 1;
        if (!(former = malloc(fl))) {
            rc = dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
            goto done;
        }
        snprintf(former, fl, "%s%s%s", n.former_names ? n.former_names : "", n.former_names ? ";" : "", n.name);
    } else if (c->action == REG_NAME_CANCEL) {
        if ((rc = register_transition_check(state, "cancelled", err)))
            goto done;
        new_status = "cancelled";
    } else if (c->action == REG_NAME_STATUS) {
        if (!c->status || (strcmp(c->status, "in_use") && strcmp(c->status, "retired"))) {
            rc = dm_error_set(err, DM_EINVAL, "status", "status must be in_use or retired (cancel has its own route)");
            goto done;
        }
        if ((rc = register_transition_check(state, c->status, err)))
            goto done;
        new_status = c->status;
    } else if (c->heritage_level && (rc = text_ok(c->heritage_level, "heritage_level", 64, 0, err)))
        goto done;

    if ((rc = store_begin(s, err)))
        goto done;
    if (c->action == REG_NAME_RENAME) {
        if ((rc = check_proposals(s, &r, err)))
            goto rollback;
        if (!strcmp(verdict_of(&r), "reject")) {
            char rules[256];
            error_rules(&r, rules, sizeof rules);
            rc = dm_error_set(err, REG_ECHECK, "name", "the check rejects '%s' (%s); nothing changed", new_name, rules);
            goto rollback;
        }
    }
    if ((rc = store_reg_name_json(s, id, 0, &before, err)))
        goto rollback;
    if ((rc = store_reg_name_bump(s, id, c->if_match, err)) > 0) {
        rc = dm_error_set(err, REG_ESTALE, "If-Match", "name %lld changed meanwhile; nothing changed", (long long)id);
        goto rollback;
    }
    if (rc)
        goto rollback;
    if (c->action == REG_NAME_DESIGNATE) {
        if ((rc = store_reg_name_designate(s, id, c->heritage_level, c->red, err)))
            goto rollback;
    } else {
        static const char *const changes[] = {"rename", "cancel", "status"};
        if ((rc = store_reg_name_version(s, id, &n, new_name, new_status, date, changes[c->action], c->reason,
                                         c->override_protection ? c->override_reason : NULL, by->name, err)) ||
            (rc = store_reg_name_set(s, id, new_name, new_status, former ? former : n.former_names,
                                         former ? r.c.parts.pinyin : NULL, err)) ||
            (rc = store_touch_layer(s, "names", err)))
            goto rollback;
    }
    char object[40];
    snprintf(object, sizeof object, "name:%lld", (long long)id);
    if ((rc = store_reg_name_json(s, id, 0, json, err)) ||
        (rc = audit(s, by, actions[c->action], object, before, *json, err)) || (rc = store_commit(s, err)))
        goto rollback;
    *version = c->if_match + 1;
    goto done;
rollback:
    store_rollback(s);
    free(*json);
    *json = NULL;
done:
    free(before);
    free(former);
    check_clear(&r);
    store_reg_name_clear(&n);
    return rc;
}
