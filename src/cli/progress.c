/* progress.c — a one-line progress bar on stderr for long runs. */
#include "cli.h"

#include <math.h>
#include <stdio.h>
#include <unistd.h>

void ms_progress_init(MsProgressBar *p, const char *label, int force)
{
    p->label = label;
    p->enabled = force || isatty(2);
    p->last_pct = -1;
}

void ms_progress_cb(double fraction, void *user)
{
    MsProgressBar *p = user;
    if (!p->enabled)
        return;
    int pct = fraction > 0 ? (int)(fmin(fraction, 1) * 100 + 0.5) : 0;
    if (pct == p->last_pct)
        return;
    p->last_pct = pct;
    int width = 40, fill = pct * width / 100;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%%", pct);
    fflush(stderr);
}

void ms_progress_done(MsProgressBar *p)
{
    if (p->enabled && p->last_pct >= 0)
        fputc('\n', stderr);
}

int ms_cli_exit_code(int code)
{
    return code == MS_ERR_ARG ? 2 : 1;
}

int ms_cli_fail(const MsError *err)
{
    fprintf(stderr, "memspice: error: %s\n", err->msg[0] ? err->msg : ms_strerror(err->code));
    return ms_cli_exit_code(err->code);
}
