/* traj.c — see traj.h. */
#include "traj.h"
#include "../util/util.h"

#include <stdlib.h>
#include <string.h>

void ms_traj_init(MsTraj *tr, int n1, int nstate, long every)
{
    memset(tr, 0, sizeof *tr);
    tr->n1 = n1;
    tr->nstate = nstate;
    tr->every = every > 0 ? every : 0;
    if (tr->every)
        tr->last = ms_calloc(2 * (size_t)n1, sizeof *tr->last);
}

static void add_checkpoint(MsTraj *tr, const double *x, const double *state)
{
    size_t n1 = (size_t)tr->n1, ns = (size_t)tr->nstate;
    if (tr->nck == tr->ckcap) {
        tr->ckcap = tr->ckcap ? 2 * tr->ckcap : 16;
        tr->ck_x = ms_realloc(tr->ck_x, tr->ckcap * n1 * sizeof *tr->ck_x);
        tr->ck_prev = ms_realloc(tr->ck_prev, tr->ckcap * 2 * n1 * sizeof *tr->ck_prev);
        tr->ck_state = ms_realloc(tr->ck_state, (tr->ckcap * ns + 1) * sizeof *tr->ck_state);
    }
    memcpy(tr->ck_x + tr->nck * n1, x, n1 * sizeof *x);
    memcpy(tr->ck_prev + tr->nck * 2 * n1, tr->last, 2 * n1 * sizeof *x);
    if (ns)
        memcpy(tr->ck_state + tr->nck * ns, state, ns * sizeof *state);
    tr->nck++;
    tr->bytes += (3 * n1 + ns) * sizeof(double);
}

void ms_traj_add(MsTraj *tr, double t, double h, int be, int pred, int iters, const double *x,
                 const double *state)
{
    size_t n1 = (size_t)tr->n1;
    if (tr->npts == tr->cap) {
        tr->cap = tr->cap ? 2 * tr->cap : 256;
        tr->t = ms_realloc(tr->t, tr->cap * sizeof *tr->t);
        tr->h = ms_realloc(tr->h, tr->cap * sizeof *tr->h);
        tr->be = ms_realloc(tr->be, tr->cap * sizeof *tr->be);
        tr->pred = ms_realloc(tr->pred, tr->cap * sizeof *tr->pred);
        tr->iters = ms_realloc(tr->iters, tr->cap * sizeof *tr->iters);
        if (!tr->every)
            tr->x = ms_realloc(tr->x, tr->cap * n1 * sizeof *tr->x);
        if (tr->nsv)
            tr->sv = ms_realloc(tr->sv, tr->cap * (size_t)tr->nsv * sizeof *tr->sv);
    }
    size_t k = tr->npts++;
    for (int j = 0; j < tr->nsv; j++)
        tr->sv[k * (size_t)tr->nsv + (size_t)j] = x[tr->sv_a[j]] - x[tr->sv_b[j]];
    tr->bytes += (size_t)tr->nsv * sizeof(double);
    tr->t[k] = t;
    tr->h[k] = h;
    tr->be[k] = (unsigned char)be;
    tr->pred[k] = (unsigned char)pred;
    tr->iters[k] = iters;
    tr->bytes += 2 * sizeof(double) + 2 + sizeof(int);
    if (!tr->every) {
        memcpy(tr->x + k * n1, x, n1 * sizeof *x);
        tr->bytes += n1 * sizeof *x;
        return;
    }
    if (k % (size_t)tr->every == 0)
        add_checkpoint(tr, x, state);
    memcpy(tr->last + n1, tr->last, n1 * sizeof *x);
    memcpy(tr->last, x, n1 * sizeof *x);
}

void ms_traj_signals(MsTraj *tr, int n, const int *a, const int *b)
{
    tr->nsv = n;
    tr->sv_a = a;
    tr->sv_b = b;
    if (n && tr->cap)
        tr->sv = ms_realloc(tr->sv, tr->cap * (size_t)n * sizeof *tr->sv);
}

void ms_meas_loss_free(MsTraj *tr);   /* meas_loss.c */

void ms_traj_free(MsTraj *tr)
{
    ms_meas_loss_free(tr);
    free(tr->sv);
    free(tr->t), free(tr->h), free(tr->be), free(tr->pred), free(tr->iters), free(tr->x);
    free(tr->ck_x), free(tr->ck_prev), free(tr->ck_state), free(tr->last), free(tr->loss_at);
    memset(tr, 0, sizeof *tr);
}
