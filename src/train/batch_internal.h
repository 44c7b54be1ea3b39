/* batch_internal.h — the compiled form of a network (batch_build.c makes
 * it, batch_run.c simulates it).  See batch_net.h. */
#ifndef MS_TRAIN_BATCH_INTERNAL_H
#define MS_TRAIN_BATCH_INTERNAL_H

#include "batch_net.h"
#include "../devices/memristor_models.h"
#include "../netlist/tape.h"

#define MS_BATCH_MAX_BRANCH 4

enum { ROW_INPUT = 'i', ROW_CONST = 'k', ROW_BUFFER = 'e' };

typedef struct BatchRow {
    char kind;
    int ref;                  /* input: feature index; buffer: the neuron whose membrane it reads */
    double value;             /* const: the level; linear buffer: the gain */
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
};

#endif
