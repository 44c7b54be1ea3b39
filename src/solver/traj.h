/* traj.h — the trajectory of a transient run as the adjoint needs it: for
 * every accepted point its time, the step size and method that ended there
 * and how that step was solved; and either every solution vector or, with
 * checkpointing, only every K-th one (with the two points before it, for the
 * predictor, and the devices' numeric state) from which a segment can be replayed exactly. */
#ifndef MS_TRAJ_H
#define MS_TRAJ_H

#include <stddef.h>

typedef struct MsTraj {
    int n1, nstate;        /* vector length (unknowns + ground), device state length */
    long every;            /* 0: every x stored; K > 0: a checkpoint every K points */
    size_t npts, cap;
    double *t;             /* [npts] */
    double *h;             /* [npts]: the step size that ended at point k, exactly as used */
    unsigned char *be;     /* [npts]: 1 if that step was backward Euler */
    unsigned char *pred;   /* [npts]: the number of points its predictor used (0: none) */
    int *iters;            /* [npts]: Newton solves it took */
    double *x;             /* every == 0: [npts * n1] */
    double *ck_x, *ck_state;   /* every > 0: per checkpoint j (point j K) */
    double *ck_prev;       /* per checkpoint: the points j K - 1 and j K - 2 */
    size_t nck, ckcap;
    double *last;          /* the latest two points: ck_prev at the next checkpoint */
    size_t bytes;          /* memory held, for reports */
    size_t *loss_at;       /* per loss term: the point of an MS_LOSS_MAX term's maximum (ms_loss_terms) */
    /* signals a .loss meas term measures (checkpointed runs too): x[sv_a[j]] - x[sv_b[j]] at every point */
    int nsv;
    const int *sv_a, *sv_b;
    double *sv;            /* [npts * nsv] */
    struct MsMeasLossVal *mloss;   /* per loss term: the measure's value and d/dx (meas_loss.c), or NULL */
    int nmloss;
    double tstart;         /* the run's output start: measures see the points from it on, as `run` does */
} MsTraj;

void ms_traj_init(MsTraj *tr, int n1, int nstate, long every);
void ms_traj_add(MsTraj *tr, double t, double h, int be, int pred, int iters, const double *x,
                 const double *state);
/* Record the signals x[a[j]] - x[b[j]] (j < n) at every point added from now on. */
void ms_traj_signals(MsTraj *tr, int n, const int *a, const int *b);
void ms_traj_free(MsTraj *tr);
/* The stored x_k (every == 0 only). */
static inline const double *ms_traj_x(const MsTraj *tr, size_t k) { return tr->x + k * (size_t)tr->n1; }

#endif
