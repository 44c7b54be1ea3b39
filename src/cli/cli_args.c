/* cli_args.c — small pieces the subcommands share: the options of run and
 * grad, a count option, the output folder, quiet ranks while the command line
 * is parsed. */
#include "cli.h"
#include "../train/train_mpi.h"
#include "../util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ms_cli_threads(const char *cmd, const char *arg, int *out)
{
    char *end;
    long t = strtol(arg, &end, 10);
    if (*end || end == arg || t < 1 || t > 1024) {
        fprintf(stderr, "memspice %s: error: --threads needs a count from 1 to 1024, not '%s'\n", cmd, arg);
        return 2;
    }
    *out = (int)t;
    return 0;
}

int ms_cli_common_arg(const char *cmd, MsCliCommon *c, int argc, char **argv, int *i)
{
    const char *s = argv[*i];
    int has_value = *i + 1 < argc;
    if ((!strcmp(s, "-o") || !strcmp(s, "--output")) && has_value)
        c->out = argv[++*i];
    else if (!strcmp(s, "--format") && has_value) {
        c->format = argv[++*i];
        if (!strcmp(c->format, "hdf5")) /* the long name of h5, as the writer knows it */
            c->format = "h5";
    }
    else if (!strcmp(s, "--inputs") && has_value)
        c->inputs = argv[++*i];
    else if (!strcmp(s, "--threads") && has_value)
        return ms_cli_threads(cmd, argv[++*i], &c->threads);
    else if (!strcmp(s, "--fixed-step"))
        c->spec.fixed_step = 1;
    else if (!strcmp(s, "--uic"))
        c->spec.uic = 1;
    else if (!strcmp(s, "-q") || !strcmp(s, "--quiet"))
        c->quiet = 1;
    else if (s[0] == '-' && s[1]) {
        fprintf(stderr, "memspice %s: error: unknown or incomplete option '%s' (see 'memspice %s --help')\n", cmd, s,
                cmd);
        return 2;
    } else if (c->netlist) {
        fprintf(stderr, "memspice %s: error: more than one netlist given ('%s', '%s')\n", cmd, c->netlist, s);
        return 2;
    } else
        c->netlist = s;
    return 0;
}

int ms_cli_make_dir(const char *dir, MsError *err)
{
    if (mkdir(dir, 0777) && errno != EEXIST)
        return ms_err(err, MS_ERR_IO, "%s: cannot create the output folder: %s", dir, strerror(errno));
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return ms_err(err, MS_ERR_IO, "%s: not a folder", dir);
    return MS_OK;
}

void ms_cli_mute(int saved[2])
{
    saved[0] = saved[1] = -1;
    if (ms_dist_env_rank() <= 0)
        return;
    int null = open("/dev/null", O_WRONLY);
    if (null < 0)
        return;
    fflush(stdout), fflush(stderr);
    saved[0] = dup(1), saved[1] = dup(2);
    dup2(null, 1), dup2(null, 2), close(null);
}

void ms_cli_unmute(int saved[2])
{
    if (saved[0] < 0)
        return;
    fflush(stdout), fflush(stderr);
    dup2(saved[0], 1), dup2(saved[1], 2), close(saved[0]), close(saved[1]);
    saved[0] = saved[1] = -1;
}
