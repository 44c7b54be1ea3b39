/* cli.h — the memspice command: subcommands and shared helpers. */
#ifndef MS_CLI_H
#define MS_CLI_H

#include "../memspice.h"

#define MS_VERSION "0.1.0"

int ms_cmd_run(int argc, char **argv);
int ms_cmd_check(int argc, char **argv);
int ms_cmd_grad(int argc, char **argv);
int ms_cmd_train(int argc, char **argv);

/* Print "memspice: error: <msg>" to stderr; returns the exit code for code. */
int ms_cli_fail(const MsError *err);
/* Exit code for an error code: 1 for bad input and numerical failure, 2 usage. */
int ms_cli_exit_code(int code);

/* The command line run and grad share: the netlist and their common options. */
typedef struct MsCliCommon {
    const char *netlist, *out, *format, *inputs;
    int quiet, threads;
    MsTranSpec spec;
} MsCliCommon;
/* argv[*i] (past the subcommand's own options) for subcommand cmd: a shared option
 * (*i moved past its value) or the netlist; 0, or 2 for a usage error (printed: an
 * unknown option, a second netlist). */
int ms_cli_common_arg(const char *cmd, MsCliCommon *c, int argc, char **argv, int *i);

/* --threads N for subcommand cmd: 0 and *out set, or 2 (a usage error, printed). */
int ms_cli_threads(const char *cmd, const char *arg, int *out);
/* Create the output folder dir (an existing folder is fine). */
int ms_cli_make_dir(const char *dir, MsError *err);
/* Under an MPI launcher, ranks other than 0 keep quiet while the command
 * line is parsed (usage errors and --help print once): ms_cli_mute sends
 * their stdout and stderr to /dev/null until ms_cli_unmute. */
void ms_cli_mute(int saved[2]);
void ms_cli_unmute(int saved[2]);

/* A progress bar on stderr (only when stderr is a terminal, or forced). */
typedef struct MsProgressBar {
    const char *label;
    int enabled, last_pct;
} MsProgressBar;
void ms_progress_init(MsProgressBar *p, const char *label, int force);
void ms_progress_cb(double fraction, void *user);
void ms_progress_done(MsProgressBar *p);

#endif
