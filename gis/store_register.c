/* store_register.c — SQL of the name register (store_register.h). Every
 * statement is literal text with bound parameters; the JSON of a record is
 * one fixed json_object expression (PROPOSAL_JSON, NAME_FEATURE) shared by
 * the single-record and list queries so both read alike. Times are UTC ISO
 * 8601 with milliseconds, taken by SQLite in the writing transaction. */
#include "gis/store_register.h"
#include "gis/storeInt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOW "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static int db_error(store_t *s, dm_error *err, const char *what)
{
    return dm_error_set(err, DM_EIO, NULL, "%s: %s", what, sqlite3_errmsg(store_sqlite(s)));
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Runs a statement selecting one text column and returns it newly allocated
 * (an empty JSON array "[]" or DM_ENOTFOUND when there is no row). */
static int one_text(store_t *s, sqlite3_stmt *st, int empty_is_array, char **out, dm_error *err, const char *what)
{
    *out = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *out = dup_col(st, 0);
        sqlite3_reset(st);
        return *out ? 0 : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_error(s, err, what);
    if (empty_is_array) {
        *out = strdup("[]");
        return *out ? 0 : dm_error_set(err, DM_ENOMEM, NULL, "out of memory");
    }
    return dm_error_set(err, DM_ENOTFOUND, "id", "no such %s", what);
}

/* ---- accounts ----------------------------------------------------------------- */

#define ACCOUNT_JSON                                                                                             \
    "json_object('name', name, 'role', role, 'scope', scope, 'disabled', json(CASE disabled WHEN 0 THEN 'false' " \
    "ELSE 'true' END), 'created_at', created_at, 'version', version)"

int store_reg_account_insert(store_t *s, const char *name, const char *role, const char *scope,
                             const unsigned char hash[32], dm_error *err)
{
    static const char sql[] = "INSERT INTO reg_accounts(name, role, scope, token_hash, created_at) VALUES "
                              "(?1, ?2, ?3, ?4, " NOW ")";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, scope, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 4, hash, 32, SQLITE_TRANSIENT);
    int rc = store_step_done(s, st, err, "account");
    if (rc == DM_ECONFLICT)
        dm_error_set(err, DM_ECONFLICT, "name", "an account called '%s' exists already", name);
    return rc;
}

static int account_changed(store_t *s, const char *name, dm_error *err)
{
    if (sqlite3_changes(store_sqlite(s)) == 0)
        return dm_error_set(err, DM_ENOTFOUND, "name", "no account called '%s'", name);
    return 0;
}

int store_reg_account_set_token(store_t *s, const char *name, const unsigned char hash[32], dm_error *err)
{
    static const char sql[] =
        "UPDATE reg_accounts SET token_hash = ?2, version = version + 1 WHERE name = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_TRANSIENT);
    int rc = store_step_done(s, st, err, "account");
    return rc ? rc : account_changed(s, name, err);
}

int store_reg_account_disable(store_t *s, const char *name, dm_error *err)
{
    static const char sql[] =
        "UPDATE reg_accounts SET disabled = 1, token_hash = NULL, version = version + 1 WHERE name = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = store_step_done(s, st, err, "account");
    return rc ? rc : account_changed(s, name, err);
}

int store_reg_account_by_hash(store_t *s, const unsigned char hash[32], store_reg_account_t *out, dm_error *err)
{
    static const char sql[] =
        "SELECT name, role, scope, disabled, token_hash FROM reg_accounts WHERE token_hash = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? dm_error_set(err, DM_ENOTFOUND, NULL, "unknown token")
                                 : db_error(s, err, "account");
    }
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(out->role, sizeof out->role, "%s", (const char *)sqlite3_column_text(st, 1));
    snprintf(out->scope, sizeof out->scope, "%s", (const char *)sqlite3_column_text(st, 2));
    out->disabled = sqlite3_column_int(st, 3);
    if (sqlite3_column_bytes(st, 4) == 32)
        memcpy(out->token_hash, sqlite3_column_blob(st, 4), 32);
    sqlite3_reset(st);
    return 0;
}

int store_reg_account_json(store_t *s, const char *name, char **json, dm_error *err)
{
    static const char sql[] = "SELECT " ACCOUNT_JSON " FROM reg_accounts WHERE name = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return one_text(s, st, 0, json, err, "account");
}

int store_reg_accounts_json(store_t *s, char **json, dm_error *err)
{
    static const char sql[] =
        "SELECT json_group_array(json(a)) FROM (SELECT " ACCOUNT_JSON " a FROM reg_accounts ORDER BY name)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    return one_text(s, st, 1, json, err, "accounts");
}

/* ---- proposals ------------------------------------------------------------------- */

#define PROPOSAL_JSON                                                                                                \
    "json_object('id', p.id, 'name', p.name, 'category', p.category, 'division', p.division, 'status', p.status,"  \
    " 'version', p.version, 'verdict', p.verdict, 'findings', json(coalesce(p.findings, '[]')),"                    \
    " 'pinyin', p.pinyin, 'reason', p.reason, 'meaning', p.meaning, 'origin', p.origin, 'history', p.history,"     \
    " 'heritage_level', p.heritage_level, 'red', json(CASE p.red WHEN 0 THEN 'false' ELSE 'true' END),"           \
    " 'approval_doc', p.approval_doc, 'approved_on', p.approved_on, 'approving_level', p.approving_level,"         \
    " 'decision_reason', p.decision_reason, 'name_id', p.name_id, 'created_by', p.created_by,"                     \
    " 'created_at', p.created_at, 'updated_at', p.updated_at,"                                                      \
    " 'geometry', json(AsGeoJSON(GeomFromWKB(p.geom_wkb, 4490), 7)),"                                                 \
    " 'comments', (SELECT json_group_array(json_object('id', c.id, 'author', c.author, 'kind', c.kind,"            \
    " 'body', c.body, 'created_at', c.created_at)) FROM reg_comments c WHERE c.proposal_id = p.id))"

static void bind_double_or_null(sqlite3_stmt *st, int i, double v)
{
    if (isnan(v))
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_double(st, i, v);
}

int store_reg_proposal_insert(store_t *s, const store_reg_proposal_t *p, int64_t *id, dm_error *err)
{
    static const char sql[] =
        "INSERT INTO reg_proposals(name, category, division, county, reason, meaning, origin, history,"
        " heritage_level, red, status, verdict, findings, norm, dup_key, hom_key, base_generic, pinyin, lon, lat,"
        " geom_wkb, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, " NOW ", " NOW ")";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, p->name);
    store_bind_text(st, 2, p->category);
    store_bind_text(st, 3, p->division);
    store_bind_text(st, 4, p->county);
    store_bind_text(st, 5, p->reason);
    store_bind_text(st, 6, p->meaning);
    store_bind_text(st, 7, p->origin);
    store_bind_text(st, 8, p->history);
    store_bind_text(st, 9, p->heritage_level);
    sqlite3_bind_int(st, 10, p->red != 0);
    store_bind_text(st, 11, p->status);
    store_bind_text(st, 12, p->verdict);
    store_bind_text(st, 13, p->findings);
    store_bind_text(st, 14, p->norm);
    store_bind_text(st, 15, p->dup_key);
    store_bind_text(st, 16, p->hom_key);
    store_bind_text(st, 17, p->base_generic);
    store_bind_text(st, 18, p->pinyin);
    bind_double_or_null(st, 19, p->lon);
    bind_double_or_null(st, 20, p->lat);
    if (p->wkb)
        sqlite3_bind_blob(st, 21, p->wkb, (int)p->wkb_len, SQLITE_TRANSIENT);
    store_bind_text(st, 22, p->created_by);
    int rc = store_step_done(s, st, err, "proposal");
    if (!rc)
        *id = sqlite3_last_insert_rowid(store_sqlite(s));
    return rc;
}

int store_reg_proposal_load(store_t *s, int64_t id, store_reg_proposal_t *out, dm_error *err)
{
    static const char sql[] =
        "SELECT id, version, name_id, name, category, division, county, reason, meaning, origin, history,"
        " heritage_level, red, status, verdict, findings, norm, dup_key, hom_key, base_generic, pinyin, lon, lat,"
        " geom_wkb, approval_doc, approved_on, approving_level, decision_reason, created_by"
        " FROM reg_proposals WHERE id = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? dm_error_set(err, DM_ENOTFOUND, "id", "no proposal %lld", (long long)id)
                                 : db_error(s, err, "proposal");
    }
    out->id = sqlite3_column_int64(st, 0);
    out->version = sqlite3_column_int64(st, 1);
    out->name_id = sqlite3_column_int64(st, 2);
    const char **strs[] = {&out->name,    &out->category,  &out->division, &out->county,         &out->reason,
                           &out->meaning, &out->origin,    &out->history,  &out->heritage_level};
    for (int i = 0; i < 9; i++)
        *strs[i] = dup_col(st, 3 + i);
    out->red = sqlite3_column_int(st, 12);
    const char **strs2[] = {&out->status,  &out->verdict,      &out->findings, &out->norm,
                            &out->dup_key, &out->hom_key,      &out->base_generic, &out->pinyin};
    for (int i = 0; i < 8; i++)
        *strs2[i] = dup_col(st, 13 + i);
    out->lon = sqlite3_column_type(st, 21) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 21);
    out->lat = sqlite3_column_type(st, 22) == SQLITE_NULL ? NAN : sqlite3_column_double(st, 22);
    if (sqlite3_column_type(st, 23) == SQLITE_BLOB) {
        out->wkb_len = (size_t)sqlite3_column_bytes(st, 23);
        unsigned char *w = malloc(out->wkb_len);
        if (w)
            memcpy(w, sqlite3_column_blob(st, 23), out->wkb_len);
        out->wkb = w;
    }
    const char **strs3[] = {&out->approval_doc, &out->approved_on, &out->approving_level, &out->decision_reason,
                            &out->created_by};
    for (int i = 0; i < 5; i++)
        *strs3[i] = dup_col(st, 24 + i);
    sqlite3_reset(st);
    return 0;
}

void store_reg_proposal_clear(store_reg_proposal_t *p)
{
    const char *strs[] = {p->name,         p->category, p->division,    p->county,      p->reason,
                          p->meaning,      p->origin,   p->history,     p->heritage_level, p->status,
                          p->verdict,      p->findings, p->norm,        p->dup_key,     p->hom_key,
                          p->base_generic, p->pinyin,   p->approval_doc, p->approved_on, p->approving_level,
                          p->decision_reason, p->created_by};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        free((char *)strs[i]);
    free((unsigned char *)p->wkb);
    memset(p, 0, sizeof *p);
}

int store_reg_proposal_update(store_t *s, const store_reg_proposal_t *p, dm_error *err)
{
    static const char sql[] =
        "UPDATE reg_proposals SET status = ?3, verdict = ?4, findings = ?5, approval_doc = ?6, approved_on = ?7,"
        " approving_level = ?8, decision_reason = ?9, name_id = ?10, version = version + 1, updated_at = " NOW
        " WHERE id = ?1 AND version = ?2";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, p->id);
    sqlite3_bind_int64(st, 2, p->version);
    store_bind_text(st, 3, p->status);
    store_bind_text(st, 4, p->verdict);
    store_bind_text(st, 5, p->findings);
    store_bind_text(st, 6, p->approval_doc);
    store_bind_text(st, 7, p->approved_on);
    store_bind_text(st, 8, p->approving_level);
    store_bind_text(st, 9, p->decision_reason);
    if (p->name_id > 0)
        sqlite3_bind_int64(st, 10, p->name_id);
    int rc = store_step_done(s, st, err, "proposal");
    if (rc)
        return rc;
    return sqlite3_changes(store_sqlite(s)) == 1 ? 0 : 1;
}

int store_reg_comment_insert(store_t *s, int64_t proposal_id, const char *author, const char *kind,
                             const char *body, dm_error *err)
{
    static const char sql[] =
        "INSERT INTO reg_comments(proposal_id, author, kind, body, created_at) VALUES (?1, ?2, ?3, ?4, " NOW ")";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, proposal_id);
    store_bind_text(st, 2, author);
    store_bind_text(st, 3, kind);
    store_bind_text(st, 4, body);
    return store_step_done(s, st, err, "comment");
}

int store_reg_proposal_json(store_t *s, int64_t id, char **json, dm_error *err)
{
    static const char sql[] = "SELECT " PROPOSAL_JSON " FROM reg_proposals p WHERE p.id = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    return one_text(s, st, 0, json, err, "proposal");
}

int store_reg_proposals_json(store_t *s, const char *status, const char *division_prefix, const char *category,
                             const char *scope_prefix, long limit, long offset, char **json, dm_error *err)
{
    /* Code prefixes as ranges [p, p + ':') so the indexes apply (':' follows '9'). */
    static const char sql[] =
        "SELECT json_group_array(json(x)) FROM (SELECT " PROPOSAL_JSON " x FROM reg_proposals p"
        " WHERE (?1 IS NULL OR p.status = ?1) AND p.division >= ?2 AND p.division < ?2 || ':'"
        " AND (?3 IS NULL OR p.category = ?3) AND p.division >= ?4 AND p.division < ?4 || ':'"
        " ORDER BY p.id LIMIT ?5 OFFSET ?6)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, status);
    sqlite3_bind_text(st, 2, division_prefix ? division_prefix : "", -1, SQLITE_TRANSIENT);
    store_bind_text(st, 3, category);
    sqlite3_bind_text(st, 4, scope_prefix ? scope_prefix : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, limit);
    sqlite3_bind_int64(st, 6, offset);
    return one_text(s, st, 1, json, err, "proposals");
}

int store_reg_proposal_clashes(store_t *s, const char *county, const char *norm, const char *dup_key,
                               const char *hom_key, int64_t exclude_id, store_reg_clash_fn fn, void *ctx,
                               dm_error *err)
{
    static const char sql[] =
        /* Three index lookups, not a scan of the county (an OR beside county = ? would be one). */
        "SELECT id, name, status, coalesce(name_id, 0), norm = ?2 OR dup_key = ?3, hom_key = ?4"
        " FROM reg_proposals WHERE id IN (SELECT id FROM reg_proposals WHERE county = ?1 AND norm = ?2"
        " UNION SELECT id FROM reg_proposals WHERE county = ?1 AND dup_key = ?3"
        " UNION SELECT id FROM reg_proposals WHERE county = ?1 AND hom_key = ?4) AND id <> ?5"
        " AND status IN ('proposed', 'under_review', 'approved', 'published') ORDER BY id LIMIT 20";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_text(st, 1, county, -1, SQLITE_TRANSIENT);
    store_bind_text(st, 2, norm);
    store_bind_text(st, 3, dup_key);
    store_bind_text(st, 4, hom_key);
    sqlite3_bind_int64(st, 5, exclude_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int stop = fn(sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                      (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
                      sqlite3_column_int(st, 4), sqlite3_column_int(st, 5), ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_error(s, err, "proposal clashes");
}

/* ---- standard names ---------------------------------------------------------------- */

#define PUBLIC_STATUSES "('published', 'in_use', 'approved')"
#define NAME_FEATURE                                                                                                \
    "json_object('type', 'Feature', 'id', n.id, 'geometry', json(AsGeoJSON(n.geom, 7)), 'properties',"              \
    " json_object('id', n.id, 'name', n.name, 'category', n.category, 'division_code', n.division_code,"          \
    " 'status', n.status, 'pinyin', n.pinyin, 'approval_doc', n.approval_doc, 'approved_on', n.approved_on,"      \
    " 'former_names', n.former_names, 'meaning', r.meaning, 'origin', r.origin, 'history', r.history,"            \
    " 'heritage_level', r.heritage_level, 'red', json(CASE WHEN r.red THEN 'true' ELSE 'false' END),"            \
    " 'version', coalesce(r.version, 1)))"

int store_reg_name_load(store_t *s, int64_t id, store_reg_name_t *out, dm_error *err)
{
    static const char sql[] =
        "SELECT n.name, n.status, n.division_code, n.category, n.former_names, n.approved_on, r.heritage_level,"
        " coalesce(r.red, 0), coalesce(r.version, 1), AsBinary(n.geom)"
        " FROM place_names n LEFT JOIN reg_names r ON r.name_id = n.id WHERE n.id = ?1";
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? dm_error_set(err, DM_ENOTFOUND, "id", "no name %lld", (long long)id)
                                 : db_error(s, err, "name");
    }
    out->id = id;
    out->name = dup_col(st, 0);
    out->status = dup_col(st, 1);
    out->division_code = dup_col(st, 2);
    out->category = dup_col(st, 3);
    out->former_names = dup_col(st, 4);
    out->approved_on = dup_col(st, 5);
    out->heritage_level = dup_col(st, 6);
    out->red = sqlite3_column_int(st, 7);
    out->version = sqlite3_column_int64(st, 8);
    if (sqlite3_column_type(st, 9) == SQLITE_BLOB) {
        out->wkb_len = (size_t)sqlite3_column_bytes(st, 9);
        if ((out->wkb = malloc(out->wkb_len)))
            memcpy(out->wkb, sqlite3_column_blob(st, 9), out->wkb_len);
    }
    sqlite3_reset(st);
    return 0;
}

void store_reg_name_clear(store_reg_name_t *n)
{
    free(n->name);
    free(n->status);
    free(n->division_code);
    free(n->category);
    free(n->former_names);
    free(n->approved_on);
    free(n->heritage_level);
    free(n->wkb);
    memset(n, 0, sizeof *n);
}

int store_reg_name_insert(store_t *s, const store_reg_proposal_t *p, const char *status, int64_t *id,
                          dm_error *err)
{
    static const char sql[] =
        "INSERT INTO place_names(name, category, division_code, status, approval_doc, approved_on, pinyin, geom)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, GeomFromWKB(?8, 4490))";
    static const char sql_reg[] =
        "INSERT INTO reg_names(name_id, version, meaning, origin, history, heritage_level, red, proposal_id)"
        " VALUES (?1, 1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, p->name);
    store_bind_text(st, 2, p->category);
    store_bind_text(st, 3, p->division);
    store_bind_text(st, 4, status);
    store_bind_text(st, 5, p->approval_doc);
    store_bind_text(st, 6, p->approved_on);
    store_bind_text(st, 7, p->pinyin);
    if (p->wkb)
        sqlite3_bind_blob(st, 8, p->wkb, (int)p->wkb_len, SQLITE_TRANSIENT);
    int rc = store_step_done(s, st, err, "place name");
    if (rc)
        return rc;
    *id = sqlite3_last_insert_rowid(store_sqlite(s));
    if (!(st = store_prepare_cached(s, sql_reg, err)))
        return DM_EIO;
    sqlite3_bind_int64(st, 1, *id);
    store_bind_text(st, 2, p->meaning);
    store_bind_text(st, 3, p->origin);
    store_bind_text(st, 4, p->history);
    store_bind_text(st, 5, p->heritage_level);
    sqlite3_bind_int(st, 6, p->red != 0);
    sqlite3_bind_int64(st, 7, p->id);
    return store_step_done(s, st, err, "register name");
}

int store_reg_name_bump(store_t *s, int64_t id, int64_t version, dm_error *err)
{
    static const char sql_ins[] = "INSERT INTO reg_names(name_id, version) VALUES (?1, 1)"
                                  " ON CONFLICT(name_id) DO NOTHING";
    static const char sql_up[] = "UPDATE reg_names SET version = version + 1 WHERE name_id = ?1 AND version = ?2";
    sqlite3_stmt *st = store_prepare_cached(s, sql_ins, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = store_step_done(s, st, err, "register name");
    if (rc)
        return rc;
    if (!(st = store_prepare_cached(s, sql_up, err)))
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, version);
    if ((rc = store_step_done(s, st, err, "register name")))
        return rc;
    return sqlite3_changes(store_sqlite(s)) == 1 ? 0 : 1;
}

int store_reg_name_set(store_t *s, int64_t id, const char *name, const char *status, const char *former_names,
                       const char *pinyin, dm_error *err)
{
    static const char sql[] = "UPDATE place_names SET name = ?2, status = ?3, former_names = ?4,"
                              " pinyin = coalesce(?5, pinyin) WHERE id = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, name);
    store_bind_text(st, 3, status);
    store_bind_text(st, 4, former_names);
    store_bind_text(st, 5, pinyin);
    return store_step_done(s, st, err, "place name");
}

int store_reg_name_designate(store_t *s, int64_t id, const char *heritage_level, int red, dm_error *err)
{
    static const char sql[] = "UPDATE reg_names SET heritage_level = ?2, red = ?3 WHERE name_id = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, heritage_level);
    sqlite3_bind_int(st, 3, red != 0);
    return store_step_done(s, st, err, "register name");
}

int store_reg_name_version(store_t *s, int64_t id, const store_reg_name_t *old, const char *new_name,
                           const char *new_status, const char *date, const char *change, const char *reason,
                           const char *override_reason, const char *by, dm_error *err)
{
    static const char sql_open[] = "SELECT count(*) FROM reg_name_versions WHERE name_id = ?1 AND valid_to IS NULL";
    static const char sql_close[] =
        "UPDATE reg_name_versions SET valid_to = ?2 WHERE name_id = ?1 AND valid_to IS NULL";
    static const char sql_ins[] =
        "INSERT INTO reg_name_versions(name_id, name, status, valid_from, valid_to, change, reason,"
        " override_reason, changed_by, changed_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, " NOW ")";
    sqlite3_stmt *st = store_prepare_cached(s, sql_open, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    int open = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_reset(st);
    if (open < 0)
        return db_error(s, err, "name versions");
    int rc;
    if (old && open == 0) {
        /* An imported name: its first version is the one it had before the register. */
        if (!(st = store_prepare_cached(s, sql_ins, err)))
            return DM_EIO;
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(st, 2, old->name);
        store_bind_text(st, 3, old->status);
        store_bind_text(st, 4, old->approved_on);
        store_bind_text(st, 5, date);
        store_bind_text(st, 6, "registered");
        store_bind_text(st, 9, "import");
        if ((rc = store_step_done(s, st, err, "name version")))
            return rc;
    } else if (open > 0) {
        if (!(st = store_prepare_cached(s, sql_close, err)))
            return DM_EIO;
        sqlite3_bind_int64(st, 1, id);
        store_bind_text(st, 2, date);
        if ((rc = store_step_done(s, st, err, "name version")))
            return rc;
    }
    if (!(st = store_prepare_cached(s, sql_ins, err)))
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    store_bind_text(st, 2, new_name);
    store_bind_text(st, 3, new_status);
    store_bind_text(st, 4, date);
    store_bind_text(st, 6, change);
    store_bind_text(st, 7, reason);
    store_bind_text(st, 8, override_reason);
    store_bind_text(st, 9, by);
    return store_step_done(s, st, err, "name version");
}

int store_reg_name_json(store_t *s, int64_t id, int public_only, char **json, dm_error *err)
{
    static const char sql[] = "SELECT " NAME_FEATURE " FROM place_names n LEFT JOIN reg_names r ON r.name_id = n.id"
                              " WHERE n.id = ?1 AND (?2 = 0 OR n.status IN " PUBLIC_STATUSES ")";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, public_only);
    return one_text(s, st, 0, json, err, "name");
}

int store_reg_names_json(store_t *s, const char *division_prefix, const char *category, const char *status,
                         const char *q, long limit, long offset, char **json, dm_error *err)
{
    static const char sql[] =
        "SELECT json_object('type', 'FeatureCollection', 'features', json_group_array(json(x))) FROM (SELECT "
        NAME_FEATURE " x FROM place_names n LEFT JOIN reg_names r ON r.name_id = n.id"
        " WHERE n.status IN " PUBLIC_STATUSES " AND (?1 IS NULL OR (n.division_code >= ?1"
        " AND n.division_code < ?1 || ':')) AND (?2 IS NULL OR n.category = ?2) AND (?3 IS NULL OR n.status = ?3)"
        " AND (?4 IS NULL OR instr(n.name, ?4) > 0 OR instr(n.former_names, ?4) > 0)"
        " ORDER BY n.id LIMIT ?5 OFFSET ?6)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, division_prefix);
    store_bind_text(st, 2, category);
    store_bind_text(st, 3, status);
    store_bind_text(st, 4, q);
    sqlite3_bind_int64(st, 5, limit);
    sqlite3_bind_int64(st, 6, offset);
    return one_text(s, st, 0, json, err, "names");
}

int store_reg_name_history_json(store_t *s, int64_t id, char **json, dm_error *err)
{
    static const char sql[] =
        "SELECT json_object('id', n.id, 'name', n.name, 'status', n.status, 'former_names', n.former_names,"
        " 'versions', (SELECT json_group_array(json_object('name', v.name, 'status', v.status, 'valid_from',"
        " v.valid_from, 'valid_to', v.valid_to, 'change', v.change, 'reason', v.reason, 'override_reason',"
        " v.override_reason, 'changed_by', v.changed_by, 'changed_at', v.changed_at))"
        " FROM reg_name_versions v WHERE v.name_id = n.id)) FROM place_names n WHERE n.id = ?1";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    sqlite3_bind_int64(st, 1, id);
    return one_text(s, st, 0, json, err, "name");
}

/* ---- audit ------------------------------------------------------------------------- */

int store_reg_audit_insert(store_t *s, const char *actor, const char *ip, const char *action, const char *object,
                           const char *before, const char *after, const char *request_id, dm_error *err)
{
    static const char sql[] = "INSERT INTO reg_audit(at, actor, ip, action, object, before, after, request_id)"
                              " VALUES (" NOW ", ?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, actor);
    store_bind_text(st, 2, ip);
    store_bind_text(st, 3, action);
    store_bind_text(st, 4, object);
    store_bind_text(st, 5, before);
    store_bind_text(st, 6, after);
    store_bind_text(st, 7, request_id);
    return store_step_done(s, st, err, "audit");
}

int store_reg_audit_json(store_t *s, const char *object, const char *actor, const char *from, const char *to,
                         long limit, char **json, dm_error *err)
{
    static const char sql[] =
        "SELECT json_group_array(json(x)) FROM (SELECT json_object('id', id, 'at', at, 'actor', actor, 'ip', ip,"
        " 'action', action, 'object', object, 'before', json(before), 'after', json(after), 'request_id',"
        " request_id) x FROM reg_audit WHERE (?1 IS NULL OR object = ?1) AND (?2 IS NULL OR actor = ?2)"
        " AND (?3 IS NULL OR at >= ?3) AND (?4 IS NULL OR substr(at, 1, length(?4)) <= ?4)"
        " ORDER BY id LIMIT ?5)";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    store_bind_text(st, 1, object);
    store_bind_text(st, 2, actor);
    store_bind_text(st, 3, from);
    store_bind_text(st, 4, to);
    sqlite3_bind_int64(st, 5, limit);
    return one_text(s, st, 1, json, err, "audit");
}

int store_reg_audit_each(store_t *s, store_reg_audit_fn fn, void *ctx, dm_error *err)
{
    static const char sql[] =
        "SELECT id, at, actor, ip, action, object, before, after, request_id FROM reg_audit ORDER BY id";
    sqlite3_stmt *st = store_prepare_cached(s, sql, err);
    if (!st)
        return DM_EIO;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *c[9];
        for (int i = 1; i < 9; i++)
            c[i] = (const char *)sqlite3_column_text(st, i);
        int stop = fn(sqlite3_column_int64(st, 0), c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], ctx);
        if (stop) {
            sqlite3_reset(st);
            return stop;
        }
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_error(s, err, "audit");
}
