/* test_register.c — the name register over HTTP against the real server:
 * the group setup imports tests/fixtures/hierarchy.geojson (天宁区 320402,
 * 钟楼区 320404) and tests/fixtures/names/register.geojson with the real
 * `diming import`, makes four accounts with `diming users add` (alice:
 * officer of 天宁区, carol: officer of 钟楼区, bob: approver of 常州市, root:
 * admin) and starts `diming serve`.
 *
 * The lifecycle runs proposal → comment (under_review) → approve → publish →
 * rename → cancel, with every forbidden step tried on the way: each gets its
 * exact status (401/403/409/412/428) and leaves the register tables exactly
 * as they were (a dump before and after). The published name shows up in
 * /names/standardize without a restart, the audit rows are the actions that
 * happened, two approvers deciding at once leave one winner, and all of it
 * survives a restart. TLS, clear-text tokens from another host and the
 * slow-down after failed sign-ins each have their own server. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/support/support.h"

static char *g_dir, *g_db;
static t_server_t g_srv;
static char g_alice[80], g_carol[80], g_bob[80], g_root[80];

static int run_ok(const char *const args[], char *out, size_t n)
{
    t_run_t r;
    int rc = t_run(args, &r);
    if (rc || r.status != 0) {
        fprintf(stderr, "diming %s %s failed (%d): %s\n", args[0], args[1], r.status, r.err ? r.err : "");
        rc = -1;
    } else if (out) {
        snprintf(out, n, "%s", r.out);
        out[strcspn(out, "\n")] = '\0';
    }
    t_run_free(&r);
    return rc;
}

static int import(const char *layer, const char *fixture)
{
    char *path = t_fixture(fixture);
    int rc = run_ok((const char *const[]){"import", layer, path, "--db", g_db, "--quiet", NULL}, NULL, 0);
    free(path);
    return rc;
}

static int add_user(const char *name, const char *role, const char *division, char *token)
{
    return run_ok((const char *const[]){"users", "add", name, "--role", role, "--division", division, "--db", g_db,
                                        NULL},
                  token, 80);
}

static const char *const g_serve_args[] = {"--threads", "4", "--reload-interval", "50", NULL};

static int group_setup(void **state)
{
    (void)state;
    g_dir = t_tmpdir("http-register");
    if (!g_dir)
        return -1;
    g_db = t_path(g_dir, "register.sqlite");
    if (import("divisions", "hierarchy.geojson") || import("names", "names/register.geojson") ||
        add_user("alice", "officer", "320402", g_alice) || add_user("carol", "officer", "320404", g_carol) ||
        add_user("bob", "approver", "3204", g_bob) || add_user("root", "admin", "all", g_root))
        return -1;
    return t_server_start(&g_srv, g_db, g_serve_args);
}

static int group_teardown(void **state)
{
    (void)state;
    int status = t_server_stop_checked(&g_srv);
    t_rmtree(g_dir);
    free(g_dir);
    free(g_db);
    return status;
}

/* One request as `token` (NULL: none) with an optional If-Match version. */
static void call(const char *method, const char *target, const char *token, long if_match, const char *body,
                 int expect, t_response_t *res)
{
    char auth[128], im[48];
    const char *h[4] = {"Content-Type: application/json", NULL, NULL, NULL};
    int n = 1;
    if (token) {
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
        h[n++] = auth;
    }
    if (if_match > 0) {
        snprintf(im, sizeof im, "If-Match: \"%ld\"", if_match);
        h[n++] = im;
    }
    assert_int_equal(t_http(g_srv.port, method, target, h, body, body ? strlen(body) : 0, res), 0);
    if (res->status != expect)
        fprintf(stderr, "%s %s: %d %s\n", method, target, res->status, res->body);
    assert_int_equal(res->status, expect);
}

/* Everything the register keeps, as text (one query: each t_sql loads SpatiaLite). */
static char *dump(void)
{
    char *t = t_sql(g_db,
                    "SELECT 'p', id, name, status, version, verdict, findings, approval_doc, name_id, updated_at"
                    " FROM reg_proposals"
                    " UNION ALL SELECT 'c', id, proposal_id, author, kind, body, created_at, 0, 0, 0 FROM reg_comments"
                    " UNION ALL SELECT 'n', name_id, version, meaning, origin, history, heritage_level, red,"
                    " proposal_id, 0 FROM reg_names"
                    " UNION ALL SELECT 'v', id, name_id, name, status, valid_from, valid_to, change, reason,"
                    " override_reason FROM reg_name_versions"
                    " UNION ALL SELECT 'a', id, at, actor, ip, action, object, before, after, request_id FROM reg_audit"
                    " UNION ALL SELECT 'pn', id, name, status, former_names, pinyin, 0, 0, 0, 0 FROM place_names"
                    " UNION ALL SELECT 'u', id, name, role, scope, disabled, version, hex(token_hash), 0, 0"
                    " FROM reg_accounts ORDER BY 1, 2");
    assert_non_null(t);
    return t;
}

/* A refused request: the exact status and error code, and nothing changed. */
static void refused(const char *method, const char *target, const char *token, long if_match, const char *body,
                    int expect, const char *code, const char *message_part)
{
    char *before = dump();
    t_response_t r;
    call(method, target, token, if_match, body, expect, &r);
    assert_string_equal(t_json_str(r.json, "error.code"), code);
    if (message_part && !strstr(t_json_str(r.json, "error.message"), message_part)) {
        fprintf(stderr, "message: %s\n", t_json_str(r.json, "error.message"));
        fail();
    }
    t_response_free(&r);
    char *after = dump();
    assert_string_equal(before, after);
    free(before);
    free(after);
}

/* Polls /names/standardize until its first match is `name` with `match`. */
static void wait_standard(const char *q_escaped, const char *name, const char *match)
{
    char target[256];
    snprintf(target, sizeof target, "/names/standardize?q=%s", q_escaped);
    for (int i = 0; i < 100; i++) {
        t_response_t r;
        assert_int_equal(t_get(g_srv.port, target, &r), 0);
        const char *got = t_json_str(r.json, "features.0.properties.name"),
                   *m = t_json_str(r.json, "features.0.properties.match");
        int ok = got && !strcmp(got, name) && m && !strcmp(m, match);
        t_response_free(&r);
        if (ok)
            return;
        usleep(50000);
    }
    fprintf(stderr, "standardize %s never answered %s (%s)\n", q_escaped, name, match);
    fail();
}

/* Polls standardize until no answer is the name with id `id` (the reloader
 * swaps the snapshot within its interval). */
static void wait_not_standard(const char *q_escaped, long id)
{
    char target[256];
    snprintf(target, sizeof target, "/names/standardize?q=%s", q_escaped);
    for (int i = 0; i < 100; i++) {
        t_response_t r;
        assert_int_equal(t_get(g_srv.port, target, &r), 0);
        int present = 0;
        for (long k = 0; k < t_json_len(r.json, "features"); k++) {
            char p[48];
            snprintf(p, sizeof p, "features.%ld.id", k);
            present |= t_json_int(r.json, p) == id;
        }
        t_response_free(&r);
        if (!present)
            return;
        usleep(50000);
    }
    fprintf(stderr, "standardize %s still answers name %ld\n", q_escaped, id);
    fail();
}

#define QINGFENG "%E9%9D%92%E6%9E%AB%E8%B7%AF" /* 青枫路 */
static const char proposal_body[] =
    "{\"name\":\"青枫路\",\"category\":\"road\",\"division\":\"320402\",\"reason\":\"新建道路\","
    "\"meaning\":\"取青枫之意\",\"origin\":\"旧有青枫园\","
    "\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[119.95,30.95],[119.955,30.95]]}}";
static const char approve_body[] =
    "{\"approval_doc\":\"常政复〔2026〕9号\",\"approved_on\":\"2026-11-20\",\"approving_level\":\"市人民政府\"}";
static long g_name_id;

static void test_lifecycle(void **state)
{
    (void)state;
    t_response_t r;
    /* Filing: checked at once, version 1. */
    refused("POST", "/names/proposals", NULL, 0, proposal_body, 401, "unauthorized", "Bearer");
    refused("POST", "/names/proposals", "dmt_0000000000000000000000000000000000000000000000000000000000000000", 0,
            proposal_body, 401, "unauthorized", "not valid");
    refused("POST", "/names/proposals", g_carol, 0, proposal_body, 403, "forbidden", "outside that scope");
    call("POST", "/names/proposals", g_alice, 0, proposal_body, 201, &r);
    assert_int_equal(t_json_int(r.json, "id"), 1);
    assert_string_equal(t_json_str(r.json, "status"), "proposed");
    assert_string_equal(t_json_str(r.json, "verdict"), "accept");
    assert_int_equal(t_json_len(r.json, "findings"), 0);
    assert_string_equal(t_json_str(r.json, "pinyin"), "Qingfeng Lu");
    assert_string_equal(t_json_str(r.json, "division"), "320402000000");
    assert_string_equal(t_header(&r, "ETag"), "\"1\"");
    assert_string_equal(t_header(&r, "Location"), "/names/proposals/1");
    t_response_free(&r);

    /* Not public; other scopes and roles refused, nothing changed. */
    refused("GET", "/names/proposals/1", NULL, 0, NULL, 401, "unauthorized", NULL);
    refused("GET", "/names/proposals/1", g_carol, 0, NULL, 403, "forbidden", "320404");
    refused("POST", "/names/proposals/1/comments", g_carol, 1, "{\"text\":\"x\"}", 403, "forbidden", NULL);
    refused("POST", "/names/proposals/1/approve", g_alice, 1, approve_body, 403, "forbidden", "approver");
    refused("POST", "/names/proposals/1/approve", g_bob, 1, approve_body, 409, "invalid_transition",
            "allowed: under_review, rejected, cancelled");
    refused("POST", "/names/proposals/1/comments", g_alice, 0, "{\"text\":\"x\"}", 428, "precondition_required",
            "If-Match");
    refused("POST", "/names/proposals/1/comments", g_alice, 7, "{\"text\":\"x\"}", 412, "precondition_failed",
            "version 1, not 7");

    /* 论证: an expert's comment moves it under review. */
    call("POST", "/names/proposals/1/comments", g_alice, 1, "{\"text\":\"专家意见：同意\",\"kind\":\"expert\"}", 200,
         &r);
    assert_string_equal(t_json_str(r.json, "status"), "under_review");
    assert_int_equal(t_json_int(r.json, "version"), 2);
    assert_string_equal(t_json_str(r.json, "comments.0.body"), "专家意见：同意");
    assert_string_equal(t_json_str(r.json, "comments.0.kind"), "expert");
    t_response_free(&r);

    /* A second proposal of the same name clashes with the first … */
    call("POST", "/names/proposals", g_alice, 0, "{\"name\":\"青枫路\",\"category\":\"road\",\"division\":\"320402\","
                                                 "\"reason\":\"另一条路\"}",
         201, &r);
    assert_int_equal(t_json_int(r.json, "id"), 2);
    assert_string_equal(t_json_str(r.json, "verdict"), "reject");
    assert_string_equal(t_json_str(r.json, "findings.0.rule"), "REG-DUP-PROPOSED");
    assert_int_equal(t_json_int(r.json, "findings.0.conflict_proposal"), 1);
    t_response_free(&r);
    /* … and the re-run check at approval catches it: nothing changes. */
    refused("POST", "/names/proposals/1/approve", g_bob, 2, approve_body, 409, "check_failed", "REG-DUP-PROPOSED");
    refused("POST", "/names/proposals/2/reject", g_bob, 1, "{}", 400, "invalid_parameter", "reason is required");
    call("POST", "/names/proposals/2/reject", g_bob, 1, "{\"reason\":\"与申报1重名\"}", 200, &r);
    assert_string_equal(t_json_str(r.json, "status"), "rejected");
    assert_string_equal(t_json_str(r.json, "decision_reason"), "与申报1重名");
    t_response_free(&r);
    refused("POST", "/names/proposals/2/publish", g_bob, 2, NULL, 409, "invalid_transition",
            "allowed: none (final status)");

    /* Approval with its document, date and level. */
    refused("POST", "/names/proposals/1/approve", g_bob, 2, "{\"approval_doc\":\"x\",\"approving_level\":\"市\"}", 400,
            "invalid_parameter", "approved_on");
    call("POST", "/names/proposals/1/approve", g_bob, 2, approve_body, 200, &r);
    assert_string_equal(t_json_str(r.json, "status"), "approved");
    assert_string_equal(t_json_str(r.json, "approval_doc"), "常政复〔2026〕9号");
    assert_string_equal(t_json_str(r.json, "approving_level"), "市人民政府");
    assert_string_equal(t_header(&r, "ETag"), "\"3\"");
    t_response_free(&r);
    call("GET", "/names?q=%E9%9D%92%E6%9E%AB", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "features"), 0); /* approved is not yet public */
    t_response_free(&r);
    assert_int_equal(t_get(g_srv.port, "/tiles/names/14/13651/6709.mvt", &r), 0);
    assert_null(memmem(r.body, r.body_len, "青枫路", strlen("青枫路")));
    t_response_free(&r);

    /* 公告: published, public, and standardize finds it without a restart. */
    call("POST", "/names/proposals/1/publish", g_bob, 3, NULL, 200, &r);
    assert_string_equal(t_json_str(r.json, "status"), "published");
    g_name_id = (long)t_json_int(r.json, "name_id");
    assert_int_equal(g_name_id, 10); /* after the nine imported names */
    t_response_free(&r);
    wait_standard(QINGFENG, "青枫路", "exact");
    /* … and so do the OGC collection and the vector tile (no stale cached tile). */
    call("GET", "/collections/names/items?name=" QINGFENG, NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_int(r.json, "numberMatched"), 1);
    assert_string_equal(t_json_str(r.json, "features.0.properties.status"), "published");
    t_response_free(&r);
    assert_int_equal(t_get(g_srv.port, "/tiles/names/14/13651/6709.mvt", &r), 0);
    assert_int_equal(r.status, 200);
    assert_non_null(memmem(r.body, r.body_len, "青枫路", strlen("青枫路")));
    t_response_free(&r);
    call("GET", "/names/10", NULL, 0, NULL, 200, &r);
    assert_string_equal(t_json_str(r.json, "properties.name"), "青枫路");
    assert_string_equal(t_json_str(r.json, "properties.status"), "published");
    assert_string_equal(t_json_str(r.json, "properties.meaning"), "取青枫之意");
    assert_string_equal(t_json_str(r.json, "properties.origin"), "旧有青枫园");
    assert_string_equal(t_json_str(r.json, "geometry.type"), "LineString");
    assert_string_equal(t_header(&r, "ETag"), "\"1\"");
    t_response_free(&r);
    call("GET", "/names?division=320402&category=road&status=published", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "features"), 1);
    assert_int_equal(t_json_int(r.json, "features.0.id"), 10);
    t_response_free(&r);

    /* Rename: the old name stays as a former name with its dates. */
    refused("POST", "/names/10/rename", g_alice, 1, "{\"name\":\"青峰路\",\"reason\":\"r\"}", 403, "forbidden", NULL);
    refused("POST", "/names/10/rename", g_bob, 1, "{\"name\":\"青峰路\"}", 400, "invalid_parameter",
            "reason is required");
    call("POST", "/names/10/rename", g_bob, 1, "{\"name\":\"青峰路\",\"reason\":\"与青枫园区分\",\"date\":\"2026-12-01\"}",
         200, &r);
    assert_string_equal(t_json_str(r.json, "properties.name"), "青峰路");
    assert_string_equal(t_json_str(r.json, "properties.former_names"), "青枫路");
    assert_string_equal(t_header(&r, "ETag"), "\"2\"");
    t_response_free(&r);
    wait_standard(QINGFENG, "青峰路", "former_name");
    call("GET", "/names/10/history", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "versions"), 2);
    assert_string_equal(t_json_str(r.json, "versions.0.name"), "青枫路");
    assert_string_equal(t_json_str(r.json, "versions.0.valid_to"), "2026-12-01");
    assert_string_equal(t_json_str(r.json, "versions.1.name"), "青峰路");
    assert_string_equal(t_json_str(r.json, "versions.1.valid_from"), "2026-12-01");
    assert_true(t_json_is_null(r.json, "versions.1.valid_to"));
    assert_string_equal(t_json_str(r.json, "versions.1.reason"), "与青枫园区分");
    t_response_free(&r);

    /* Heritage (地名文化遗产): rename only with an override and its reason. */
    call("POST", "/names/1/designation", g_bob, 1, "{\"heritage_level\":\"省级\"}", 200, &r);
    assert_string_equal(t_json_str(r.json, "properties.heritage_level"), "省级");
    t_response_free(&r);
    refused("POST", "/names/1/rename", g_bob, 2, "{\"name\":\"湟源路\",\"reason\":\"r\"}", 409, "conflict",
            "地名文化遗产 (省级)");
    refused("POST", "/names/1/rename", g_bob, 2, "{\"name\":\"湟源路\",\"reason\":\"r\",\"override\":true}", 409,
            "conflict", "override_reason");
    call("POST", "/names/1/rename", g_bob, 2,
         "{\"name\":\"湟源路\",\"reason\":\"道路改线\",\"override\":true,\"override_reason\":\"市政府专题会议决定\","
         "\"date\":\"2026-12-02\"}",
         200, &r);
    t_response_free(&r);
    call("GET", "/names/1/history", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "versions"), 2);
    assert_string_equal(t_json_str(r.json, "versions.0.name"), "湟新路");
    assert_string_equal(t_json_str(r.json, "versions.0.valid_from"), "2020-05-01");
    assert_string_equal(t_json_str(r.json, "versions.0.change"), "registered");
    assert_string_equal(t_json_str(r.json, "versions.1.override_reason"), "市政府专题会议决定");
    assert_string_equal(t_json_str(r.json, "former_names"), "东门路;湟新路");
    t_response_free(&r);

    /* in_use, then cancelled: no longer public, the history keeps it. */
    call("POST", "/names/10/status", g_bob, 2, "{\"status\":\"in_use\"}", 200, &r);
    assert_string_equal(t_json_str(r.json, "properties.status"), "in_use");
    t_response_free(&r);
    refused("POST", "/names/10/status", g_bob, 3, "{\"status\":\"published\"}", 400, "invalid_parameter", NULL);
    call("POST", "/names/10/cancel", g_bob, 3, "{\"reason\":\"道路废除\",\"date\":\"2026-12-03\"}", 200, &r);
    assert_string_equal(t_json_str(r.json, "properties.status"), "cancelled");
    t_response_free(&r);
    refused("GET", "/names/10", NULL, 0, NULL, 404, "not_found", NULL);
    /* No longer a standard name for map services and lookups, without a restart. */
    wait_not_standard("%E9%9D%92%E5%B3%B0%E8%B7%AF" /* 青峰路 */, 10);
    call("GET", "/collections/names/items?name=%E9%9D%92%E5%B3%B0%E8%B7%AF", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "features"), 0);
    t_response_free(&r);
    refused("POST", "/names/10/status", g_bob, 4, "{\"status\":\"in_use\"}", 409, "invalid_transition",
            "allowed: none (final status)");
    call("GET", "/names/10/history", NULL, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, "versions"), 4);
    assert_string_equal(t_json_str(r.json, "versions.3.status"), "cancelled");
    assert_string_equal(t_json_str(r.json, "versions.2.valid_to"), "2026-12-03");
    t_response_free(&r);
}

/* The audit rows are the writes that happened, in order, with who and where. */
static void test_audit(void **state)
{
    (void)state;
    t_response_t r;
    refused("GET", "/audit", g_bob, 0, NULL, 403, "forbidden", "admin");
    call("GET", "/audit?object=proposal:1", g_root, 0, NULL, 200, &r);
    static const char *const want[] = {"proposal.create", "proposal.comment", "proposal.approve", "proposal.publish"};
    assert_int_equal(t_json_len(r.json, ""), 4);
    for (int i = 0; i < 4; i++) {
        char p[32];
        snprintf(p, sizeof p, "%d.action", i);
        assert_string_equal(t_json_str(r.json, p), want[i]);
        snprintf(p, sizeof p, "%d.ip", i);
        assert_string_equal(t_json_str(r.json, p), "127.0.0.1");
        snprintf(p, sizeof p, "%d.request_id", i);
        assert_int_equal(strlen(t_json_str(r.json, p)), 16);
    }
    assert_string_equal(t_json_str(r.json, "0.actor"), "alice");
    assert_true(t_json_is_null(r.json, "0.before"));
    assert_string_equal(t_json_str(r.json, "2.before.status"), "under_review");
    assert_string_equal(t_json_str(r.json, "2.after.status"), "approved");
    assert_string_equal(t_json_str(r.json, "3.actor"), "bob");
    t_response_free(&r);
    call("GET", "/audit?object=name:10", g_root, 0, NULL, 200, &r);
    static const char *const want_name[] = {"name.publish", "name.rename", "name.status", "name.cancel"};
    assert_int_equal(t_json_len(r.json, ""), 4);
    for (int i = 0; i < 4; i++) {
        char p[32];
        snprintf(p, sizeof p, "%d.action", i);
        assert_string_equal(t_json_str(r.json, p), want_name[i]);
    }
    t_response_free(&r);
    /* Everything: 2 imports + 4 accounts, then proposals 1 and 2 (4 + 2) and names 10 and 1 (4 + 2). */
    char *n = t_sql(g_db, "SELECT count(*), sum(action = 'import'), sum(action = 'account.add') FROM reg_audit");
    assert_string_equal(n, "18|2|4\n");
    free(n);
    refused("GET", "/audit?from=yesterday", g_root, 0, NULL, 400, "invalid_parameter", "from must be a date");
    refused("GET", "/audit?to=2026-13-01", g_root, 0, NULL, 400, "invalid_parameter", "to must be a date");
    call("GET", "/audit?from=2000-01-01&to=2000-12-31T23:59:59Z", g_root, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, ""), 0);
    t_response_free(&r);
    call("GET", "/audit?user=alice&from=2000-01-01", g_root, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, ""), 3); /* two proposals filed, one comment */
    t_response_free(&r);
    call("GET", "/audit?user=carol", g_root, 0, NULL, 200, &r);
    assert_int_equal(t_json_len(r.json, ""), 0); /* carol's attempts all failed */
    t_response_free(&r);

    /* The CLI export has the same rows. */
    t_run_t out;
    assert_int_equal(T_RUN(&out, "audit", "export", "--format", "csv", "--db", g_db), 0);
    assert_int_equal(out.status, 0);
    assert_int_equal(t_count_lines(out.out), 19);
    assert_true(strncmp(out.out, "id,at,actor,ip,action,object,before,after,request_id\r\n", 53) == 0);
    t_run_free(&out);
    assert_int_equal(T_RUN(&out, "audit", "export", "--format", "json", "--db", g_db), 0);
    json_t *doc = json_loads(out.out, 0, NULL);
    assert_int_equal(json_array_size(doc), 18);
    assert_string_equal(t_json_str(doc, "0.action"), "import");
    json_decref(doc);
    t_run_free(&out);
}

/* Two approvers approve the same proposal at the same moment. */
typedef struct {
    int status;
} race_t;
static pthread_barrier_t g_barrier;

static void *race_approve(void *arg)
{
    race_t *r = arg;
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_bob);
    const char *h[] = {auth, "If-Match: \"2\"", "Content-Type: application/json", NULL};
    t_conn_t c;
    r->status = -1;
    if (t_conn_open(&c, g_srv.port))
        return NULL;
    pthread_barrier_wait(&g_barrier);
    t_response_t res;
    if (t_conn_request(&c, "POST", "/names/proposals/3/approve", h, approve_body, strlen(approve_body), &res) == 0) {
        r->status = res.status;
        t_response_free(&res);
    }
    t_conn_close(&c);
    return NULL;
}

static void test_concurrent_decisions(void **state)
{
    (void)state;
    t_response_t r;
    call("POST", "/names/proposals", g_alice, 0,
         "{\"name\":\"梧桐巷\",\"category\":\"road\",\"division\":\"320402\",\"reason\":\"新建\"}", 201, &r);
    assert_int_equal(t_json_int(r.json, "id"), 3);
    t_response_free(&r);
    call("POST", "/names/proposals/3/comments", g_alice, 1, "{\"text\":\"公众意见：无异议\",\"kind\":\"public\"}", 200,
         &r);
    t_response_free(&r);
    for (int round = 0; round < 1; round++) {
        pthread_t t[2];
        race_t res[2];
        pthread_barrier_init(&g_barrier, NULL, 2);
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, race_approve, &res[i]);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&g_barrier);
        int ok = (res[0].status == 200) + (res[1].status == 200), stale = (res[0].status == 412) + (res[1].status == 412);
        if (ok != 1 || stale != 1)
            fprintf(stderr, "statuses %d %d\n", res[0].status, res[1].status);
        assert_int_equal(ok, 1);
        assert_int_equal(stale, 1);
    }
    char *n = t_sql(g_db, "SELECT status, version, (SELECT count(*) FROM reg_audit WHERE object = 'proposal:3' AND "
                          "action = 'proposal.approve') FROM reg_proposals WHERE id = 3");
    assert_string_equal(n, "approved|3|1\n");
    free(n);
}

/* Everything is in the database: a restarted server answers the same. */
static void test_restart(void **state)
{
    (void)state;
    t_response_t a, b;
    call("GET", "/names/proposals", g_root, 0, NULL, 200, &a);
    assert_int_equal(t_json_len(a.json, ""), 3);
    call("GET", "/names/proposals?status=rejected", g_bob, 0, NULL, 200, &b);
    assert_int_equal(t_json_len(b.json, ""), 1);
    assert_int_equal(t_json_int(b.json, "0.id"), 2);
    t_response_free(&b);
    call("GET", "/names/proposals", g_carol, 0, NULL, 200, &b); /* nothing in 钟楼区 */
    assert_int_equal(t_json_len(b.json, ""), 0);
    t_response_free(&b);
    assert_int_equal(t_server_stop_checked(&g_srv), 0);
    assert_int_equal(t_server_start(&g_srv, g_db, g_serve_args), 0);
    call("GET", "/names/proposals", g_root, 0, NULL, 200, &b);
    assert_string_equal(a.body, b.body);
    t_response_free(&a);
    t_response_free(&b);
    call("GET", "/names/1", NULL, 0, NULL, 200, &a);
    assert_string_equal(t_json_str(a.json, "properties.name"), "湟源路");
    assert_string_equal(t_header(&a, "ETag"), "\"3\"");
    t_response_free(&a);
    /* The renamed heritage name is found by its former name; the cancelled one stays out. */
    wait_standard("%E6%B9%9F%E6%96%B0%E8%B7%AF" /* 湟新路 */, "湟源路", "former_name");
    wait_not_standard("%E9%9D%92%E5%B3%B0%E8%B7%AF" /* 青峰路 */, 10);
}

/* Accounts on the CLI: a new token replaces the old; a disabled account is out. */
static void test_accounts(void **state)
{
    (void)state;
    char tok[80];
    assert_int_equal(run_ok((const char *const[]){"users", "token", "carol", "--db", g_db, NULL}, tok, sizeof tok), 0);
    assert_int_equal(strlen(tok), 68);
    t_response_t r;
    refused("GET", "/names/proposals", g_carol, 0, NULL, 401, "unauthorized", NULL);
    call("GET", "/names/proposals", tok, 0, NULL, 200, &r);
    t_response_free(&r);
    assert_int_equal(run_ok((const char *const[]){"users", "disable", "carol", "--db", g_db, NULL}, NULL, 0), 0);
    refused("GET", "/names/proposals", tok, 0, NULL, 401, "unauthorized", NULL);
    char *n = t_sql(g_db, "SELECT disabled, token_hash IS NULL FROM reg_accounts WHERE name = 'carol'");
    assert_string_equal(n, "1|1\n");
    free(n);
    t_run_t out;
    assert_int_equal(T_RUN(&out, "users", "add", "dave", "--role", "chief", "--division", "320402", "--db", g_db), 0);
    assert_int_equal(out.status, 2);
    assert_non_null(strstr(out.err, "role must be officer, approver or admin"));
    t_run_free(&out);
    assert_int_equal(T_RUN(&out, "users", "add", "alice", "--role", "officer", "--division", "320402", "--db", g_db),
                     0);
    assert_int_equal(out.status, 1);
    assert_non_null(strstr(out.err, "an account called 'alice' exists already"));
    t_run_free(&out);
}

/* The public read paths never look at Authorization and routes elsewhere stay as they were. */
static void test_routes(void **state)
{
    (void)state;
    t_response_t r;
    assert_int_equal(t_get(g_srv.port, "/names/check", &r), 0);
    assert_int_equal(r.status, 405);
    t_response_free(&r);
    refused("GET", "/names/abc", NULL, 0, NULL, 404, "not_found", NULL);
    refused("GET", "/names/proposals/1/approve", g_bob, 0, NULL, 405, "method_not_allowed", NULL);
    refused("GET", "/names?limit=0", NULL, 0, NULL, 400, "invalid_parameter", "limit");
    refused("GET", "/names?status=proposed", NULL, 0, NULL, 400, "invalid_parameter", "only those are public");
    refused("GET", "/names?colour=red", NULL, 0, NULL, 400, "invalid_parameter", "colour");
    refused("POST", "/names/proposals", g_alice, 0, "[1]", 400, "invalid_body", NULL);
    refused("POST", "/names/proposals", g_alice, 0, "{\"name\":\"x路\",\"category\":\"road\",\"division\":\"32\","
                                                  "\"reason\":\"r\"}",
            400, "invalid_parameter", "county-level");
    refused("POST", "/names/proposals/1/comments", g_alice, 4, "{\"text\":\"x\"}", 409, "invalid_transition",
            "comments are taken while");
    /* A garbage bearer on a public read is ignored: the route never parses it. */
    const char *h[] = {"Authorization: Bearer nonsense", NULL};
    assert_int_equal(t_http(g_srv.port, "GET", "/names?limit=1", h, NULL, 0, &r), 0);
    assert_int_equal(r.status, 200);
    t_response_free(&r);
}

/* ---- separate servers: TLS, clear-text tokens, failed sign-ins ---------------------- */

static void test_tls(void **state)
{
    (void)state;
    char *cert = t_path(g_dir, "cert.pem"), *key = t_path(g_dir, "key.pem");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext "
             "subjectAltName=IP:127.0.0.1 -keyout %s -out %s >/dev/null 2>&1",
             key, cert);
    assert_int_equal(system(cmd), 0);
    t_server_t tls;
    const char *const extra[] = {"--tls-cert", cert, "--tls-key", key, "--threads", "2", NULL};
    assert_int_equal(t_server_start(&tls, g_db, extra), 0);
    assert_non_null(strstr(tls.first_line, "https://127.0.0.1:"));
    char *out = t_path(g_dir, "tls.out");
    snprintf(cmd, sizeof cmd,
             "curl -s --cacert %s -H 'Authorization: Bearer %s' -o %s -w '%%{http_code}' "
             "https://127.0.0.1:%u/names/proposals/1",
             cert, g_alice, out, tls.port);
    FILE *p = popen(cmd, "r");
    char code[8] = "";
    assert_non_null(fgets(code, sizeof code, p));
    assert_int_equal(pclose(p), 0);
    assert_string_equal(code, "200");
    char *body = t_read_file(out, NULL);
    json_t *doc = json_loads(body, 0, NULL);
    assert_string_equal(t_json_str(doc, "name"), "青枫路");
    json_decref(doc);
    free(body);
    /* Plain HTTP to the TLS port gets no HTTP answer. */
    t_response_t r;
    int rc = t_get(tls.port, "/health", &r);
    if (rc == 0) {
        assert_true(r.status != 200);
        t_response_free(&r);
    }
    assert_int_equal(t_server_stop_checked(&tls), 0);
    free(out);
    free(cert);
    free(key);
}

/* The machine's first non-loopback IPv4 address, or 0 if it has none. */
static int other_address(char *out, size_t n)
{
    struct ifaddrs *ifs, *i;
    int found = 0;
    if (getifaddrs(&ifs))
        return 0;
    for (i = ifs; i && !found; i = i->ifa_next)
        if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET) {
            struct in_addr a = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
            if ((ntohl(a.s_addr) >> 24) != 127) {
                inet_ntop(AF_INET, &a, out, (socklen_t)n);
                found = 1;
            }
        }
    freeifaddrs(ifs);
    return found;
}

/* GET target with a token over a raw socket to addr:port; returns the status. */
static int raw_status(const char *addr, unsigned port, const char *target, const char *token)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, addr, &sa.sin_addr);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        close(fd);
        return -1;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n",
                     target, addr, token);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return -1;
    }
    char buf[64] = "";
    ssize_t got = read(fd, buf, sizeof buf - 1);
    close(fd);
    int status = -1;
    if (got > 12)
        sscanf(buf, "HTTP/1.1 %d", &status);
    return status;
}

static void test_insecure_token(void **state)
{
    (void)state;
    char addr[64];
    if (!other_address(addr, sizeof addr))
        skip();
    t_server_t s;
    const char *const extra[] = {"--bind", "0.0.0.0", "--threads", "2", NULL};
    assert_int_equal(t_server_start(&s, g_db, extra), 0);
    assert_int_equal(raw_status(addr, s.port, "/names/proposals/1", g_alice), 403);
    assert_int_equal(raw_status("127.0.0.1", s.port, "/names/proposals/1", g_alice), 200);
    assert_int_equal(t_server_stop_checked(&s), 0);
    const char *const optout[] = {"--bind", "0.0.0.0", "--threads", "2", "--allow-insecure-tokens", NULL};
    assert_int_equal(t_server_start(&s, g_db, optout), 0);
    assert_int_equal(raw_status(addr, s.port, "/names/proposals/1", g_alice), 200);
    assert_int_equal(t_server_stop_checked(&s), 0);
}

static void test_failed_signins_slowed(void **state)
{
    (void)state;
    t_server_t s;
    const char *const extra[] = {"--threads", "2", NULL};
    assert_int_equal(t_server_start(&s, g_db, extra), 0);
    const char *h[] = {"Authorization: Bearer dmt_guess", NULL};
    for (int i = 0; i < 10; i++) {
        t_response_t r;
        assert_int_equal(t_http(s.port, "GET", "/names/proposals", h, NULL, 0, &r), 0);
        assert_int_equal(r.status, 401);
        t_response_free(&r);
    }
    char auth[128];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g_alice);
    const char *good[] = {auth, NULL};
    t_response_t r;
    assert_int_equal(t_http(s.port, "GET", "/names/proposals", good, NULL, 0, &r), 0);
    assert_int_equal(r.status, 429);
    long wait = strtol(t_header(&r, "Retry-After"), NULL, 10);
    assert_true(wait >= 59 && wait <= 60);
    assert_string_equal(t_json_str(r.json, "error.code"), "too_many_failures");
    t_response_free(&r);
    /* Public reads are not affected. */
    assert_int_equal(t_get(s.port, "/names?limit=1", &r), 0);
    assert_int_equal(r.status, 200);
    t_response_free(&r);
    assert_int_equal(t_server_stop_checked(&s), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle),
        cmocka_unit_test(test_audit),
        cmocka_unit_test(test_concurrent_decisions),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_routes),
        cmocka_unit_test(test_tls),
        cmocka_unit_test(test_insecure_token),
        cmocka_unit_test(test_failed_signins_slowed),
        cmocka_unit_test(test_accounts),
    };
    return cmocka_run_group_tests_name("http/register", tests, group_setup, group_teardown);
}
