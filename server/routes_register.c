/* routes_register.c — the name register over HTTP (gis/register.h,
 * docs/register.md):
 *   GET  /names/proposals?status=&division=&category=&limit=&offset=   the queue (officer+)
 *   POST /names/proposals                       file a proposal (officer+), checked at once
 *   GET  /names/proposals/{id}                  one proposal with findings and comments (ETag)
 *   POST /names/proposals/{id}/comments|approve|reject|publish|cancel   (If-Match)
 *   GET  /names?division=&category=&status=&q=&limit=&offset=   published names (public)
 *   GET  /names/{id}, GET /names/{id}/history   (public)
 *   POST /names/{id}/rename|cancel|status|designation            (approver+, If-Match)
 *   GET  /audit?object=&user=&from=&to=&limit=  the audit trail (admin)
 *
 * Authentication is parsed only by these handlers, so the public read paths
 * (locate, tiles, …) never look at Authorization. 401 for a missing or bad
 * token (with WWW-Authenticate), 403 for a role or scope that does not
 * allow the action and for a token sent in clear text from another host
 * (unless serve --allow-insecure-tokens), 429 with Retry-After once an
 * address has failed AUTH_MAX_FAILURES times within AUTH_WINDOW_S seconds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gis/date.h"
#include "gis/register.h"
#include "server/routes.h"

#define AUTH_MAX_FAILURES 10
#define AUTH_WINDOW_S 60
#define AUTH_SLOTS 256

/* Failed attempts per client address: a small fixed table (an attacker with
 * many addresses evicts old slots, which only makes the limit per slot). */
static struct auth_slot {
    char ip[64];
    int failures;
    time_t window_start, blocked_until;
} auth_slots[AUTH_SLOTS];
static pthread_mutex_t auth_lock = PTHREAD_MUTEX_INITIALIZER;

static struct auth_slot *slot_for(const char *ip)
{
    unsigned h = 2166136261u;
    for (const char *p = ip; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct auth_slot *s = &auth_slots[h % AUTH_SLOTS];
    if (strcmp(s->ip, ip) != 0) {
        memset(s, 0, sizeof *s);
        snprintf(s->ip, sizeof s->ip, "%s", ip);
    }
    return s;
}

/* Seconds the address must still wait, 0 if it may try. */
static long auth_blocked(const char *ip)
{
    pthread_mutex_lock(&auth_lock);
    struct auth_slot *s = slot_for(ip);
    time_t now = time(NULL);
    long wait = s->blocked_until > now ? (long)(s->blocked_until - now) : 0;
    pthread_mutex_unlock(&auth_lock);
    return wait;
}

static void auth_failed(const char *ip)
{
    pthread_mutex_lock(&auth_lock);
    struct auth_slot *s = slot_for(ip);
    time_t now = time(NULL);
    if (now - s->window_start >= AUTH_WINDOW_S)
        s->window_start = now, s->failures = 0;
    if (++s->failures >= AUTH_MAX_FAILURES)
        s->blocked_until = now + AUTH_WINDOW_S;
    pthread_mutex_unlock(&auth_lock);
}

/* Per-request identity: the actor and the storage for its address. */
typedef struct who {
    reg_actor_t actor;
    char ip[64];
} who_t;

static void reg_error(response_t *res, const request_t *req, const dm_error *e)
{
    switch (e->code) {
    case REG_EUNAUTH:
        response_header(res, "WWW-Authenticate", "Bearer realm=\"diming\"");
        response_error(res, req, 401, "unauthorized", e->param, "%s", e->message);
        return;
    case REG_EFORBIDDEN: response_error(res, req, 403, "forbidden", e->param, "%s", e->message); return;
    case REG_ESTALE: response_error(res, req, 412, "precondition_failed", e->param, "%s", e->message); return;
    case REG_ENOMATCH: response_error(res, req, 428, "precondition_required", e->param, "%s", e->message); return;
    case REG_ETRANSITION: response_error(res, req, 409, "invalid_transition", e->param, "%s", e->message); return;
    case REG_ECHECK: response_error(res, req, 409, "check_failed", e->param, "%s", e->message); return;
    case DM_ECONFLICT: response_error(res, req, 409, "conflict", e->param, "%s", e->message); return;
    default: response_from_error(res, req, e);
    }
}

/* The caller's account (role public when `optional` and no token came). */
static int authenticate(request_t *req, response_t *res, who_t *w, int optional)
{
    memset(w, 0, sizeof *w);
    int loopback;
    request_client_ip(req, w->ip, sizeof w->ip, &loopback);
    w->actor.ip = w->ip;
    w->actor.request_id = req->id;
    snprintf(w->actor.name, sizeof w->actor.name, "public");
    const char *h = request_header(req, "Authorization");
    dm_error e;
    if (!h) {
        if (optional)
            return 0;
        dm_error_set(&e, REG_EUNAUTH, "Authorization", "this needs an account: send Authorization: Bearer <token>");
        reg_error(res, req, &e);
        return -1;
    }
    if (!request_is_tls(req) && !loopback && !server_get_config(req->srv)->allow_insecure_tokens) {
        response_error(res, req, 403, "insecure_transport", "Authorization",
                       "a bearer token was sent over plain HTTP from %s and is refused; use HTTPS (serve --tls-cert) "
                       "or a TLS proxy (docs/deploy/nginx.conf); this token should now be replaced",
                       w->ip);
        return -1;
    }
    long wait = auth_blocked(w->ip);
    if (wait > 0) {
        char v[24];
        snprintf(v, sizeof v, "%ld", wait);
        response_header(res, "Retry-After", v);
        response_error(res, req, 429, "too_many_failures", "Authorization",
                       "too many failed sign-ins from %s; try again in %ld s", w->ip, wait);
        return -1;
    }
    if (strncmp(h, "Bearer ", 7) != 0) {
        auth_failed(w->ip);
        dm_error_set(&e, REG_EUNAUTH, "Authorization", "Authorization must be 'Bearer <token>'");
        reg_error(res, req, &e);
        return -1;
    }
    store_t *s = server_store(req->srv, &e);
    if (!s || register_authenticate(s, h + 7, &w->actor, &e)) {
        if (e.code == REG_EUNAUTH)
            auth_failed(w->ip);
        reg_error(res, req, &e);
        return -1;
    }
    w->actor.ip = w->ip;
    w->actor.request_id = req->id;
    return 0;
}

/* The decimal id in path segment `index` (0 = first after the leading '/'). */
static int64_t path_id(const request_t *req, int index)
{
    const char *p = req->path;
    for (int i = 0; i <= index && p; i++)
        p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL;
    return p ? strtoll(p, NULL, 10) : 0;
}

/* If-Match: "3", W/"3" or 3 → 3; absent → -1; anything else → 400. */
static int if_match(request_t *req, response_t *res, int64_t *out)
{
    const char *h = request_header(req, "If-Match");
    *out = -1;
    if (!h)
        return 0;
    if (strncmp(h, "W/", 2) == 0)
        h += 2;
    char *end;
    const char *p = *h == '"' ? h + 1 : h;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || (*h == '"' ? strcmp(end, "\"") != 0 : *end != '\0')) {
        response_error(res, req, 400, "invalid_parameter", "If-Match", "If-Match must be the ETag of the record (\"3\")");
        return -1;
    }
    *out = v;
    return 0;
}

static void send_record(response_t *res, int status, char *json, int64_t version)
{
    if (version > 0) {
        char etag[32];
        snprintf(etag, sizeof etag, "\"%lld\"", (long long)version);
        response_header(res, "ETag", etag);
    }
    response_json_text(res, status, json, strlen(json));
}

static json_t *body_object(request_t *req, response_t *res, const char *what)
{
    json_error_t je;
    json_t *doc = req->body && req->body_len ? json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &je)
                                             : NULL;
    if (!doc || !json_is_object(doc)) {
        response_error(res, req, 400, "invalid_body", NULL, "body must be a JSON object %s", what);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* A member that must be a string when present; NULL when absent or null. */
static int member_str(json_t *doc, const char *key, const char **out, request_t *req, response_t *res)
{
    json_t *v = json_object_get(doc, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        response_error(res, req, 400, "invalid_parameter", key, "%s must be a string", key);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

static int checker(request_t *req, response_t *res, reg_checker_t *ck)
{
    dm_error e;
    ck->worker = server_names_worker(req->srv, &e);
    if (!ck->worker) {
        response_from_error(res, req, &e);
        return -1;
    }
    ck->names = request_names(req);
    ck->divisions = request_divisions(req);
    return 0;
}

static store_t *writer(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_write_store(req->srv, &e);
    if (!s)
        response_from_error(res, req, &e);
    return s;
}

static int param_page(request_t *req, response_t *res, long *limit, long *offset, long max)
{
    double l = 100, o = 0;
    int has;
    if (param_double(req, res, "limit", 0, 1, (double)max, &l, &has) ||
        param_double(req, res, "offset", 0, 0, 1e9, &o, &has))
        return -1;
    if (l != (long)l || o != (long)o) {
        response_error(res, req, 400, "invalid_parameter", "limit", "limit and offset must be whole numbers");
        return -1;
    }
    *limit = (long)l, *offset = (long)o;
    return 0;
}

/* ---- proposals ------------------------------------------------------------------ */

static void propose(request_t *req, response_t *res)
{
    who_t w;
    if (authenticate(req, res, &w, 0))
        return;
    json_t *doc = body_object(req, res, "{name, category, division, reason, geometry?, meaning?, origin?, history?}");
    if (!doc)
        return;
    reg_proposal_in_t in = {0};
    unsigned char *wkb = NULL;
    const char *cat;
    dm_error e = {0};
    if (member_str(doc, "name", &in.name, req, res) || member_str(doc, "category", &cat, req, res) ||
        member_str(doc, "division", &in.division, req, res) || member_str(doc, "reason", &in.reason, req, res) ||
        member_str(doc, "meaning", &in.meaning, req, res) || member_str(doc, "origin", &in.origin, req, res) ||
        member_str(doc, "history", &in.history, req, res) ||
        member_str(doc, "heritage_level", &in.heritage_level, req, res))
        goto done;
    if (!in.name || !*in.name) {
        response_error(res, req, 400, "invalid_parameter", "name", "name must be a non-empty string");
        goto done;
    }
    if (!cat) {
        response_error(res, req, 400, "invalid_parameter", "category", "category is required");
        goto done;
    }
    if (names_category_parse(cat, &in.category, &e)) {
        response_from_error(res, req, &e);
        goto done;
    }
    json_t *red = json_object_get(doc, "red"), *g = json_object_get(doc, "geometry");
    if (red && !json_is_boolean(red)) {
        response_error(res, req, 400, "invalid_parameter", "red", "red must be true or false");
        goto done;
    }
    in.red = red && json_is_true(red);
    if (g && !json_is_null(g)) {
        char *gj = json_is_object(g) ? json_dumps(g, JSON_COMPACT) : NULL;
        int rc = gj ? names_geojson_to_wkb(gj, &wkb, &in.wkb_len, &e)
                    : dm_error_set(&e, DM_EGEOM, "geometry", "geometry must be a GeoJSON geometry object");
        free(gj);
        if (rc) {
            response_from_error(res, req, &e);
            goto done;
        }
        in.wkb = wkb;
    }
    reg_checker_t ck;
    store_t *s;
    if (checker(req, res, &ck) || !(s = writer(req, res)))
        goto done;
    int64_t id = 0;
    char *json = NULL;
    if (register_propose(s, &ck, &in, &w.actor, &id, &json, &e)) {
        reg_error(res, req, &e);
        goto done;
    }
    char loc[64];
    snprintf(loc, sizeof loc, "/names/proposals/%lld", (long long)id);
    response_header(res, "Location", loc);
    send_record(res, 201, json, 1);
done:
    free(wkb);
    json_decref(doc);
}

static void list_proposals(request_t *req, response_t *res)
{
    static const char *const known[] = {"status", "division", "category", "limit", "offset", NULL};
    const char *unknown = request_unknown_query(req, known);
    if (unknown) {
        response_error(res, req, 400, "invalid_parameter", unknown, "unknown parameter '%s'", unknown);
        return;
    }
    who_t w;
    long limit, offset;
    if (authenticate(req, res, &w, 0) || param_page(req, res, &limit, &offset, 1000))
        return;
    const char *cat = request_query(req, "category");
    name_category_t c;
    dm_error e;
    if (cat && names_category_parse(cat, &c, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    if (!s || register_proposals_list(s, request_query(req, "status"), request_query(req, "division"),
                                      cat ? names_category_name(c) : NULL, &w.actor, limit, offset, &json, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, 0);
}

static void get_proposal(request_t *req, response_t *res)
{
    who_t w;
    if (authenticate(req, res, &w, 0))
        return;
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    int64_t version = 0;
    if (!s || register_proposal_get(s, path_id(req, 2), &w.actor, &json, &version, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, version);
}

static void decide(request_t *req, response_t *res, reg_action_t action)
{
    who_t w;
    if (authenticate(req, res, &w, 0))
        return;
    reg_decision_t d = {.action = action};
    if (if_match(req, res, &d.if_match))
        return;
    json_t *doc = req->body_len ? body_object(req, res, "") : json_object();
    if (!doc)
        return;
    const char *reason;
    if (member_str(doc, action == REG_ACT_COMMENT ? "text" : "reason", &reason, req, res) ||
        member_str(doc, "kind", &d.comment_kind, req, res) ||
        member_str(doc, "approval_doc", &d.approval_doc, req, res) ||
        member_str(doc, "approved_on", &d.approved_on, req, res) ||
        member_str(doc, "approving_level", &d.approving_level, req, res)) {
        json_decref(doc);
        return;
    }
    d.text = reason;
    reg_checker_t ck;
    store_t *s;
    char *json = NULL;
    int64_t version = 0;
    dm_error e;
    if (!checker(req, res, &ck) && (s = writer(req, res))) {
        if (register_proposal_act(s, &ck, path_id(req, 2), &d, &w.actor, &json, &version, &e))
            reg_error(res, req, &e);
        else
            send_record(res, 200, json, version);
    }
    json_decref(doc);
}

static void comment(request_t *req, response_t *res) { decide(req, res, REG_ACT_COMMENT); }
static void approve(request_t *req, response_t *res) { decide(req, res, REG_ACT_APPROVE); }
static void reject(request_t *req, response_t *res) { decide(req, res, REG_ACT_REJECT); }
static void publish(request_t *req, response_t *res) { decide(req, res, REG_ACT_PUBLISH); }
static void cancel_proposal(request_t *req, response_t *res) { decide(req, res, REG_ACT_CANCEL); }

/* ---- standard names ---------------------------------------------------------------- */

static void list_names(request_t *req, response_t *res)
{
    static const char *const known[] = {"division", "category", "status", "q", "limit", "offset", NULL};
    const char *unknown = request_unknown_query(req, known);
    if (unknown) {
        response_error(res, req, 400, "invalid_parameter", unknown, "unknown parameter '%s'", unknown);
        return;
    }
    long limit, offset;
    if (param_page(req, res, &limit, &offset, 10000))
        return;
    const char *cat = request_query(req, "category");
    name_category_t c;
    dm_error e;
    if (cat && names_category_parse(cat, &c, &e)) {
        response_from_error(res, req, &e);
        return;
    }
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    if (!s || register_names_list(s, request_query(req, "division"), cat ? names_category_name(c) : NULL,
                                  request_query(req, "status"), request_query(req, "q"), limit, offset, &json, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, 0);
}

static void get_name(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    int64_t version = 0;
    if (!s || register_name_get(s, path_id(req, 1), &json, &version, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, version);
}

static void history(request_t *req, response_t *res)
{
    dm_error e;
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    if (!s || register_name_history(s, path_id(req, 1), &json, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, 0);
}

static void change_name(request_t *req, response_t *res, reg_name_action_t action)
{
    who_t w;
    if (authenticate(req, res, &w, 0))
        return;
    reg_name_change_t c = {.action = action};
    if (if_match(req, res, &c.if_match))
        return;
    json_t *doc = body_object(req, res, "");
    if (!doc)
        return;
    json_t *ov = json_object_get(doc, "override"), *red = json_object_get(doc, "red");
    if ((ov && !json_is_boolean(ov)) || (red && !json_is_boolean(red))) {
        response_error(res, req, 400, "invalid_parameter", ov && !json_is_boolean(ov) ? "override" : "red",
                       "%s must be true or false", ov && !json_is_boolean(ov) ? "override" : "red");
        json_decref(doc);
        return;
    }
    c.override_protection = ov && json_is_true(ov);
    c.red = red && json_is_true(red);
    if (member_str(doc, "name", &c.new_name, req, res) || member_str(doc, "status", &c.status, req, res) ||
        member_str(doc, "reason", &c.reason, req, res) ||
        member_str(doc, "override_reason", &c.override_reason, req, res) ||
        member_str(doc, "date", &c.date, req, res) || member_str(doc, "heritage_level", &c.heritage_level, req, res)) {
        json_decref(doc);
        return;
    }
    reg_checker_t ck;
    store_t *s;
    char *json = NULL;
    int64_t version = 0;
    dm_error e;
    if (!checker(req, res, &ck) && (s = writer(req, res))) {
        if (register_name_act(s, &ck, path_id(req, 1), &c, &w.actor, &json, &version, &e))
            reg_error(res, req, &e);
        else
            send_record(res, 200, json, version);
    }
    json_decref(doc);
}

static void rename_name(request_t *req, response_t *res) { change_name(req, res, REG_NAME_RENAME); }
static void cancel_name(request_t *req, response_t *res) { change_name(req, res, REG_NAME_CANCEL); }
static void set_status(request_t *req, response_t *res) { change_name(req, res, REG_NAME_STATUS); }
static void designate(request_t *req, response_t *res) { change_name(req, res, REG_NAME_DESIGNATE); }

/* ---- audit ------------------------------------------------------------------------- */

static void audit_list(request_t *req, response_t *res)
{
    static const char *const known[] = {"object", "user", "from", "to", "limit", NULL};
    const char *unknown = request_unknown_query(req, known);
    if (unknown) {
        response_error(res, req, 400, "invalid_parameter", unknown, "unknown parameter '%s'", unknown);
        return;
    }
    who_t w;
    long limit, offset;
    if (authenticate(req, res, &w, 0) || param_page(req, res, &limit, &offset, 10000))
        return;
    dm_error e;
    if (register_allow(&w.actor, REG_ROLE_ADMIN, NULL, &e)) {
        reg_error(res, req, &e);
        return;
    }
    /* from / to: a date or an ISO date-time (UTC, as the rows' `at`). */
    static const char *const times[] = {"from", "to"};
    for (int i = 0; i < 2; i++) {
        const char *t = request_query(req, times[i]);
        char day[11], out[11];
        if (!t)
            continue;
        snprintf(day, sizeof day, "%s", t);
        if (strlen(t) > 24 || date_parse(day, out, times[i], &e) ||
            (t[10] && (t[10] != 'T' || strspn(t + 11, "0123456789:.Z") != strlen(t + 11)))) {
            response_error(res, req, 400, "invalid_parameter", times[i],
                           "%s must be a date (YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ)", times[i]);
            return;
        }
    }
    store_t *s = server_store(req->srv, &e);
    char *json = NULL;
    if (!s || register_audit_json(s, request_query(req, "object"), request_query(req, "user"),
                                  request_query(req, "from"), request_query(req, "to"), limit, &json, &e)) {
        reg_error(res, req, &e);
        return;
    }
    send_record(res, 200, json, 0);
}

/* Exact paths first; "{#}" leaves /names/check, /names/pinyin … to routes_names.c. */
const route_t register_routes[] = {
    {"GET", "/names/proposals", list_proposals},
    {"POST", "/names/proposals", propose},
    {"GET", "/names/proposals/{#}", get_proposal},
    {"POST", "/names/proposals/{#}/comments", comment},
    {"POST", "/names/proposals/{#}/approve", approve},
    {"POST", "/names/proposals/{#}/reject", reject},
    {"POST", "/names/proposals/{#}/publish", publish},
    {"POST", "/names/proposals/{#}/cancel", cancel_proposal},
    {"GET", "/names", list_names},
    {"GET", "/names/{#}", get_name},
    {"GET", "/names/{#}/history", history},
    {"POST", "/names/{#}/rename", rename_name},
    {"POST", "/names/{#}/cancel", cancel_name},
    {"POST", "/names/{#}/status", set_status},
    {"POST", "/names/{#}/designation", designate},
    {"GET", "/audit", audit_list},
    {NULL, NULL, NULL},
};
