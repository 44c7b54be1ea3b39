/* batch_internal.h — the compiled form of a network (batch_build.c makes
 * it, batch_run.c simulates it).  See batch_net.h. */
#ifndef MS_TRAIN_BATCH_INTERNAL_H
#define MS_TRAIN_BATCH_INTERNAL_H

#include "batch_net.h"
#include "../devices/memristor_models.h"
#include "../netlist/tape.h"

#include <math.h>

#define MS_BATCH_MAX_BRANCH 4

/* ROW_MEMBRANE (direct columns only): the row node is a membrane, which the
 * row's cells load */
enum { ROW_INPUT = 'i', ROW_CONST = 'k', ROW_BUFFER = 'e', ROW_MEMBRANE = 'm' };

typedef struct BatchRow {
    char kind;
    int ref;                  /* input: feature index; buffer, membrane: the neuron whose membrane it reads */
    double value;             /* const: the level; linear buffer, input: the gain */
    const MsTape *tape;       /* expression buffer (NULL: linear) */
} BatchRow;

typedef struct BatchLayer {
    int nrows, ncols, n0, nn; /* neurons n0 .. n0 + nn - 1 */
    BatchRow *rows;
    double a1, a2, b, vp, vn; /* the cells' model: I = a x sinh(b v), read window [-vn, vp] */
    double *X;                /* nrows x ncols cell states (0 where there is no cell) */
    const MsMemModel **cell;  /* nrows x ncols, NULL where there is no cell */
    int *param;               /* nrows x ncols trainable parameter, or -1 */
    int ntaps;                /* column -> neuron mirrors: u[neuron] += gain * I[col] */
    int *tap_col, *tap_neuron;
    double *tap_gain;
    int dynamic;              /* some row changes with time (buffers, time-coded inputs) */
    int tape_batch;           /* every buffer row has the first one's tape code: evaluate 64 at once */
    int coupled;              /* direct: some row reads a membrane (solved with the neurons) */
    int full;                 /* every row has a cell in every column */
} BatchLayer;

typedef struct BatchNeuron {
    double cm, v0;            /* membrane capacitance and start */
    int cparam;               /* the trainable parameter cm is (.trainable on the capacitor), or -1 */
    int cgroup, cinst;        /* the capacitor in the circuit (ms_batch_sync reads cm from it) */
    int nbr;
    const MsMemModel *m[MS_BATCH_MAX_BRANCH];   /* branch memristors (their x0: the start) */
    double e[MS_BATCH_MAX_BRANCH];              /* the DC level each branch returns to */
    const char *name;
    /* MMS branches with one kT: both sigmoids of every branch from one
     * exponential E = exp(v / kT) (batch_run.c neuron_eval) */
    int one_exp;
    double inv_kt, A[MS_BATCH_MAX_BRANCH], Bc[MS_BATCH_MAX_BRANCH];
    /* per branch: 1/kT, 1/tau, 1/Ron, 1/Roff */
    double ikt[MS_BATCH_MAX_BRANCH], itau[MS_BATCH_MAX_BRANCH], iron[MS_BATCH_MAX_BRANCH], iroff[MS_BATCH_MAX_BRANCH];
} BatchNeuron;

struct MsBatchNet {
    const MsNet *net;
    int nlayers;
    BatchLayer *layers;
    int nneurons, zw;         /* zw = 1 + the most branches of a neuron */
    BatchNeuron *neurons;
    int *readout;             /* per class: its neuron */
    int N;                    /* steps */
    double *t, *h;            /* t[k], h[k] (the step ending at k), k = 0..N */
    unsigned char *be;        /* be[k]: step k is backward Euler */
    double *w;                /* the readout's weight of point k (its reduction) */
    int reduce_max;
    int maxrows, maxcols;
    /* direct columns (tools/mknet --columns direct, batch_direct.c): column j
     * of a layer is the membrane of neuron n0 + tap_neuron[t] (tap_col[t] = j),
     * the cells see v_row - v_membrane, and the membranes of all layers are
     * solved together at every step */
    int direct;
};

/* sinh and cosh of the small arguments of read voltages (b v ~ 0.01): the
 * Taylor series, whose next term is below 1e-20 relative for |y| < 0.02;
 * libm elsewhere. */
static inline double sinh_read(double y)
{
    if (!(fabs(y) < 0.02))
        return sinh(y);
    double y2 = y * y;
    return y * (1 + y2 / 6 * (1 + y2 / 20 * (1 + y2 / 42 * (1 + y2 / 72))));
}

static inline double cosh_read(double y)
{
    if (!(fabs(y) < 0.02))
        return cosh(y);
    double y2 = y * y;
    return 1 + y2 / 2 * (1 + y2 / 12 * (1 + y2 / 30 * (1 + y2 / 56)));
}

/* Direct columns (batch_direct.c): the chunk forward (Z, and the readout
 * left to batch_run.c) and the adjoint from w's dL/dv. */
typedef struct DirectWork DirectWork;
DirectWork *ms_direct_work_new(const MsBatchNet *bn);
void ms_direct_work_free(DirectWork *dw);
int ms_direct_forward(const MsBatchNet *bn, DirectWork *dw, double *Z, double *D, int S, const float *const *x,
                      const double *const *xd, const uint64_t *draw, MsError *err);
void ms_direct_backward(const MsBatchNet *bn, DirectWork *dw, const double *Z, const double *D, const double *dLv,
                        int S, double *grad, double *dx);

#endif
