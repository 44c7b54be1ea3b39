/* cli_args.c — small pieces the subcommands share: a count option and the
 * output folder. */
#include "cli.h"
#include "../util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int ms_cli_make_dir(const char *dir, MsError *err)
{
    if (mkdir(dir, 0777) && errno != EEXIST)
        return ms_err(err, MS_ERR_IO, "%s: cannot create the output folder: %s", dir, strerror(errno));
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return ms_err(err, MS_ERR_IO, "%s: not a folder", dir);
    return MS_OK;
}
