/* cmd_users.c — `diming users add|list|disable|token`: the register's
 * accounts (gis/register.h). A token is printed once, when it is made
 * (add, token); the database keeps only its hash. Each change appends an
 * audit row whose actor is "cli:" and the operating-system user. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gis/register.h"
#include "server/cli.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: diming users add NAME --role officer|approver|admin --division CODE|all [--db PATH]\n"
                 "       diming users list [--db PATH]\n"
                 "       diming users disable NAME [--db PATH]\n"
                 "       diming users token NAME [--db PATH]\n"
                 "\n"
                 "Accounts of the name register. Roles: officer (propose, comment), approver (approve,\n"
                 "reject, publish, rename, cancel), admin (all, audit). --division is the scope: the\n"
                 "account acts only on names in that division (320402 = 天宁区) or everywhere (all).\n"
                 "add and token print a new bearer token once (HTTP: Authorization: Bearer TOKEN);\n"
                 "token replaces the old one, disable revokes it.\n");
}

/* The actor of command-line changes: "cli:" + the login name. */
static void cli_actor(reg_actor_t *a)
{
    memset(a, 0, sizeof *a);
    const char *u = getenv("USER");
    if (!u || !*u)
        u = getlogin();
    snprintf(a->name, sizeof a->name, "cli:%s", u && *u ? u : "unknown");
    a->role = REG_ROLE_ADMIN;
}

int cmd_users(int argc, char **argv)
{
    static const struct option opts[] = {{"db", required_argument, 0, 'd'},
                                         {"role", required_argument, 0, 'r'},
                                         {"division", required_argument, 0, 'D'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *db = NULL, *role = NULL, *division = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'r': role = optarg; break;
        case 'D': division = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *sub = argv[optind];
    const char *name = optind + 1 < argc ? argv[optind + 1] : NULL;
    int wants_name = strcmp(sub, "list") != 0;
    if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "disable") && strcmp(sub, "token")) {
        fprintf(stderr, "diming users: unknown subcommand '%s' (add, list, disable, token)\n", sub);
        return 2;
    }
    if ((wants_name && (!name || optind + 2 != argc)) || (!wants_name && optind + 1 != argc)) {
        usage(stderr);
        return 2;
    }
    reg_role_t r = REG_ROLE_OFFICER;
    dm_error err;
    if (!strcmp(sub, "add")) {
        if (!role || !division) {
            fprintf(stderr, "diming users add: --role and --division are required\n");
            return 2;
        }
        if (register_role_parse(role, &r, &err)) {
            fprintf(stderr, "diming users add: %s\n", err.message);
            return 2;
        }
    }
    store_t *s;
    if (store_open(db ? db : cli_default_db(), STORE_NOCREATE, &s, &err)) {
        fprintf(stderr, "diming users: error: %s\n", err.message);
        return 1;
    }
    reg_actor_t by;
    cli_actor(&by);
    char token[REG_TOKEN_BUF];
    char *json = NULL;
    int rc;
    if (!strcmp(sub, "add"))
        rc = register_account_add(s, name, r, division, &by, token, &err);
    else if (!strcmp(sub, "token"))
        rc = register_account_token(s, name, &by, token, &err);
    else if (!strcmp(sub, "disable"))
        rc = register_account_disable(s, name, &by, &err);
    else
        rc = register_accounts_json(s, &json, &err);
    store_close(s);
    if (rc) {
        fprintf(stderr, "diming users %s: error: %s\n", sub, err.message);
        return rc == DM_EINVAL ? 2 : 1;
    }
    if (json)
        puts(json);
    else if (!strcmp(sub, "add") || !strcmp(sub, "token"))
        printf("%s\n", token);
    else
        fprintf(stderr, "diming users: %s disabled\n", name);
    free(json);
    return 0;
}
