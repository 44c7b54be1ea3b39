/* traj.c — see traj.h. */
#include "traj.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

void ms_traj_init(MsTraj *tr, int n1)
{
    memset(tr, 0, sizeof *tr);
    tr->n1 = n1;
}

void ms_traj_add(MsTraj *tr, double t, double h, int be, const double *x)
{
    if (tr->npts == tr->cap) {
        tr->cap = tr->cap ? 2 * tr->cap : 256;
        tr->t = ms_realloc(tr->t, tr->cap * sizeof *tr->t);
        tr->h = ms_realloc(tr->h, tr->cap * sizeof *tr->h);
        tr->be = ms_realloc(tr->be, tr->cap * sizeof *tr->be);
        tr->x = ms_realloc(tr->x, tr->cap * (size_t)tr->n1 * sizeof *tr->x);
    }
    tr->t[tr->npts] = t;
    tr->h[tr->npts] = h;
    tr->be[tr->npts] = (unsigned char)be;
    memcpy(tr->x + tr->npts * (size_t)tr->n1, x, (size_t)tr->n1 * sizeof *x);
    tr->npts++;
}

void ms_traj_free(MsTraj *tr)
{
    free(tr->t);
    free(tr->h);
    free(tr->be);
    free(tr->x);
    memset(tr, 0, sizeof *tr);
}
