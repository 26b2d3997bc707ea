/* cli.h — the subcommands of the `diming` executable. Each returns the
 * process exit status: 0 success, 1 failure (one line on stderr), 2 usage. */
#ifndef DIMING_CLI_H
#define DIMING_CLI_H

int cmd_import(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_boundaries(int argc, char **argv);
int cmd_divisions(int argc, char **argv);
int cmd_tiles(int argc, char **argv);
int cmd_coverage(int argc, char **argv);
int cmd_names(int argc, char **argv);
int cmd_signs(int argc, char **argv);
/* `diming names export|candidates|enterprises` (cmd_signs.c). */
int cmd_directory(int argc, char **argv);
int cmd_users(int argc, char **argv);
int cmd_audit_trail(int argc, char **argv);

/* The database path when --db is not given: $DIMING_DB or "diming.sqlite". */
const char *cli_default_db(void);

#endif
