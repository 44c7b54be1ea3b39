/* net.h — a network netlist as training sees it: the circuit, its inputs,
 * readout and trainable values, and one sample through it (forward, and
 * backward when a gradient is asked for).  Every sample runs the netlist's
 * .tran with fixed steps: the discrete system `memspice run --fixed-step`
 * and `memspice grad --fixed-step` compute. */
#ifndef MS_TRAIN_NET_H
#define MS_TRAIN_NET_H

#include "../solver/circuit.h"

#include <stdint.h>

typedef struct MsNet {
    MsCircuit *c;
    const char *path;
    int nin, nclass, nparams;
    MsTranSpec spec;          /* the .tran, fixed steps */
    int nsteps;               /* N: the points are t_k = k tstep, k = 0..N */
    double *lo, *hi;          /* per parameter bounds */
    double *scale;            /* per parameter: the optimiser's unit (.trainable scale=) */
    double *tgrid;            /* the points t_k of the fixed steps */
    struct MsBatchNet *batch; /* the batched engine's form of the network (ms_net_use_batched), or NULL */
    int *in_ptr, *in_row;     /* rows in_row[in_ptr[i] .. in_ptr[i+1]) of the excitation b that input i's */
    double *in_coef;          /* source enters, d b / d level there (ms_net_input_rows), or NULL */
} MsNet;

/* Load and check a network netlist: .input, .readout, .trainable, .tran
 * (text: the netlist itself, named path in messages; NULL: read path). */
int ms_net_open(const char *path, MsNet *net, MsError *err);
int ms_net_open_text(const char *path, const char *text, MsNet *net, MsError *err);
void ms_net_close(MsNet *net);

/* Per-thread state for samples of one net. */
typedef struct MsNetWork {
    MsWork *w;
    double *terms, *pwl;      /* loss term values; one input's PWL values */
    double *wf_sum;           /* [n+1] the adjoint's sum of wf (dL/dx) */
} MsNetWork;
int ms_net_work_new(const MsNet *net, MsNetWork *nw, MsError *err);
void ms_net_work_free(MsNetWork *nw);

/* The value the source of feature i has at point k (t_k = k tstep) for the
 * feature value f: its .input card's encoding (both engines use this). */
double ms_net_input_value(const MsNet *net, int i, double f, uint64_t draw, int k);

/* Put a sample's features x[nin] on the input sources (draw: the seed of
 * its rate-coded spikes). */
void ms_net_encode(const MsNet *net, MsNetWork *nw, const float *x, uint64_t draw);

/* One sample: scores[nclass], its loss for `label`, and if grad is not NULL
 * dloss/dparam[nparams] by the adjoint. */
int ms_net_sample(const MsNet *net, MsNetWork *nw, const float *x, uint64_t draw, int label, double *scores,
                  double *loss, double *grad, MsError *err);

/* One sample with double features x[nin] and the caller's dL/dscore
 * ds[nclass] (any loss): scores[nclass]; if grad or dx is not NULL (ds
 * then needed), grad[nparams] = dL/dparam and dx[nin] = dL/dfeature by the
 * adjoint (dx: encoding=analog inputs only, after ms_net_input_rows). */
int ms_net_sample_ds(const MsNet *net, MsNetWork *nw, const double *x, uint64_t draw, const double *ds,
                     double *scores, double *grad, double *dx, MsError *err);

/* What dL/dx on the per-sample path needs: every input analog (else
 * MS_ERR_UNSUPPORTED, why), and the rows each input source enters (made
 * once, kept in net). */
int ms_net_input_rows(MsNet *net, MsError *err);


/* Loss of scores for label, and dloss/dscore (dscore may be NULL). */
double ms_net_loss(const MsNet *net, const double *scores, int label, double *dscore);
int ms_net_argmax(const MsNet *net, const double *scores);

/* Compile the network for the batched engine (batch_net.h) and use it for
 * training and evaluation; MS_ERR_UNSUPPORTED (why) if it is not of that form. */
int ms_net_use_batched(MsNet *net, MsError *err);

/* Between the batches of an epoch: the new values where the samples read
 * them (the batched engine's states only, else the circuit); the epoch ends
 * with ms_net_set_params, which writes the circuit. */
int ms_net_step_params(MsNet *net, const double *params, const unsigned char *skip, MsError *err);

/* Write params[nparams] into the circuit (skip[i]: leave value i alone). */
int ms_net_set_params(MsNet *net, const double *params, const unsigned char *skip, MsError *err);
void ms_net_get_params(const MsNet *net, double *params);

#endif
