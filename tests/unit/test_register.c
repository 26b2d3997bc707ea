/* test_register.c — the pieces of the name register that need no server:
 * the route matcher's middle segments (server/http.c), the status machine
 * and its messages, division scopes, roles, bearer tokens (format, hash
 * round trip, disabled accounts) and the audit table's triggers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/register.h"
#include "server/routes.h"

static char path[512];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "%s/test_register_%d.sqlite", DIMING_TEST_TMP, (int)getpid());
    unlink(path);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[600];
    unlink(path);
    snprintf(p, sizeof p, "%s-wal", path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", path);
    unlink(p);
    return 0;
}

static void test_route_matcher(void **state)
{
    (void)state;
    static const struct {
        const char *pattern, *path;
        int match;
    } cases[] = {
        {"/health", "/health", 1},
        {"/health", "/health/", 0},
        {"/divisions/{}", "/divisions/510104", 1},
        {"/divisions/{}", "/divisions/", 0},
        {"/divisions/{}", "/divisions/51/01", 0},
        {"/tiles/*", "/tiles/all/1/2/3.mvt", 1},
        {"/tiles/*", "/tiles/", 0},
        {"/names/proposals/{}/approve", "/names/proposals/12/approve", 1},
        {"/names/proposals/{}/approve", "/names/proposals//approve", 0},
        {"/names/proposals/{}/approve", "/names/proposals/12/approve/x", 0},
        {"/names/proposals/{}/approve", "/names/proposals/12/reject", 0},
        {"/names/proposals/{#}/approve", "/names/proposals/12/approve", 1},
        {"/names/proposals/{#}/approve", "/names/proposals/1x/approve", 0},
        {"/names/{#}", "/names/check", 0},
        {"/names/{#}", "/names/42", 1},
        {"/names/{#}/history", "/names/42/history", 1},
        {"/names/{#}/history", "/names/42", 0},
        {"/a/{}/b/{}", "/a/x/b/y", 1},
        {"/a/{}/b/{}", "/a/x/b/", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        int got = route_pattern_match(cases[i].pattern, cases[i].path);
        if (got != cases[i].match)
            fprintf(stderr, "%s ~ %s: %d\n", cases[i].pattern, cases[i].path, got);
        assert_int_equal(got, cases[i].match);
    }
}

static void test_transitions(void **state)
{
    (void)state;
    dm_error e;
    assert_int_equal(register_transition_check("proposed", "under_review", &e), 0);
    assert_int_equal(register_transition_check("under_review", "approved", &e), 0);
    assert_int_equal(register_transition_check("approved", "published", &e), 0);
    assert_int_equal(register_transition_check("published", "in_use", &e), 0);
    assert_int_equal(register_transition_check("in_use", "retired", &e), 0);
    assert_int_equal(register_transition_check("proposed", "approved", &e), REG_ETRANSITION);
    assert_string_equal(e.message, "status proposed cannot become approved; allowed: under_review, rejected, cancelled");
    assert_int_equal(register_transition_check("approved", "in_use", &e), REG_ETRANSITION);
    assert_string_equal(e.message, "status approved cannot become in_use; allowed: published, cancelled");
    assert_int_equal(register_transition_check("rejected", "proposed", &e), REG_ETRANSITION);
    assert_string_equal(e.message, "status rejected cannot become proposed; allowed: none (final status)");
    assert_int_equal(register_transition_check("lost", "proposed", &e), DM_EINVAL);
    assert_true(register_status_public("published"));
    assert_true(register_status_public("in_use"));
    assert_true(register_status_public("approved"));
    assert_false(register_status_public("proposed"));
    assert_false(register_status_public("cancelled"));
}

static void test_scopes_and_roles(void **state)
{
    (void)state;
    char sc[13];
    dm_error e;
    assert_int_equal(register_scope_parse("320402", sc, &e), 0);
    assert_string_equal(sc, "320402");
    assert_int_equal(register_scope_parse("320400000000", sc, &e), 0);
    assert_string_equal(sc, "3204");
    assert_int_equal(register_scope_parse("all", sc, &e), 0);
    assert_string_equal(sc, "");
    assert_int_equal(register_scope_parse("3204x", sc, &e), DM_EINVAL);
    assert_string_equal(e.param, "division");
    assert_true(register_scope_covers("320402", "320402001000"));
    assert_false(register_scope_covers("320402", "320412000000"));
    assert_true(register_scope_covers("", "320412000000"));

    reg_actor_t officer = {.name = "alice", .role = REG_ROLE_OFFICER, .scope = "320402"};
    assert_int_equal(register_allow(&officer, REG_ROLE_OFFICER, "320402100200", &e), 0);
    assert_int_equal(register_allow(&officer, REG_ROLE_OFFICER, "320412000000", &e), REG_EFORBIDDEN);
    assert_string_equal(e.message, "'alice' acts for division 320402; 320412000000 lies outside that scope");
    assert_int_equal(register_allow(&officer, REG_ROLE_APPROVER, "320402000000", &e), REG_EFORBIDDEN);
    assert_string_equal(e.message, "officer 'alice' may not do this: it needs the approver role");
    reg_role_t r;
    assert_int_equal(register_role_parse("approver", &r, &e), 0);
    assert_int_equal(r, REG_ROLE_APPROVER);
    assert_int_equal(register_role_parse("public", &r, &e), DM_EINVAL);
}

static void test_tokens(void **state)
{
    (void)state;
    store_t *s;
    dm_error e;
    assert_int_equal(store_open(path, 0, &s, &e), 0);
    reg_actor_t by = {.name = "cli:test", .role = REG_ROLE_ADMIN};
    char tok[REG_TOKEN_BUF], tok2[REG_TOKEN_BUF];
    assert_int_equal(register_account_add(s, "alice", REG_ROLE_OFFICER, "320402", &by, tok, &e), 0);
    assert_int_equal(strlen(tok), 68);
    assert_int_equal(strncmp(tok, "dmt_", 4), 0);
    assert_int_equal(strspn(tok + 4, "0123456789abcdef"), 64);
    reg_actor_t a;
    assert_int_equal(register_authenticate(s, tok, &a, &e), 0);
    assert_string_equal(a.name, "alice");
    assert_int_equal(a.role, REG_ROLE_OFFICER);
    assert_string_equal(a.scope, "320402");
    /* One changed digit, a short token, another account's token. */
    char bad[REG_TOKEN_BUF];
    memcpy(bad, tok, sizeof bad);
    bad[10] = bad[10] == 'a' ? 'b' : 'a';
    assert_int_equal(register_authenticate(s, bad, &a, &e), REG_EUNAUTH);
    assert_int_equal(register_authenticate(s, "dmt_abc", &a, &e), REG_EUNAUTH);
    assert_string_equal(e.message, "the bearer token is malformed");
    /* The database holds the hash, never the token. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM reg_accounts WHERE instr(hex(token_hash), upper(?1)) "
                                            "OR CAST(token_hash AS TEXT) = ?2", -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, tok + 4, 16, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, tok, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    /* A new token replaces the old one; a disabled account has none. */
    assert_int_equal(register_account_token(s, "alice", &by, tok2, &e), 0);
    assert_int_equal(register_authenticate(s, tok, &a, &e), REG_EUNAUTH);
    assert_int_equal(register_authenticate(s, tok2, &a, &e), 0);
    assert_int_equal(register_account_disable(s, "alice", &by, &e), 0);
    assert_int_equal(register_authenticate(s, tok2, &a, &e), REG_EUNAUTH);
    assert_int_equal(register_account_disable(s, "nobody", &by, &e), DM_ENOTFOUND);
    assert_int_equal(register_account_add(s, "bad name", REG_ROLE_OFFICER, "32", &by, tok, &e), DM_EINVAL);

    /* Audit: three rows (add, token, disable); triggers refuse changes. */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT group_concat(action, ' ') FROM reg_audit", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "account.add account.token account.disable");
    sqlite3_finalize(st);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE reg_audit SET actor = 'x'", NULL, NULL, &msg), SQLITE_OK);
    assert_string_equal(msg, "the audit trail is append-only");
    sqlite3_free(msg);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM reg_audit", NULL, NULL, &msg), SQLITE_OK);
    assert_string_equal(msg, "the audit trail is append-only");
    sqlite3_free(msg);
    sqlite3_close(db);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_matcher),
        cmocka_unit_test(test_transitions),
        cmocka_unit_test(test_scopes_and_roles),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
    };
    return cmocka_run_group_tests_name("unit/register", tests, NULL, NULL);
}
