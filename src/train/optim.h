/* optim.h — optimisers of `memspice train`: Adam (default) and SGD with
 * momentum, decoupled weight decay, a learning-rate schedule, and
 * projection onto each parameter's bounds after every update. */
#ifndef MS_TRAIN_OPTIM_H
#define MS_TRAIN_OPTIM_H

typedef enum { MS_OPT_ADAM, MS_OPT_SGD } MsOptKind;
typedef enum { MS_SCHED_CONST, MS_SCHED_COSINE, MS_SCHED_STEP } MsSchedule;

typedef struct MsOptim {
    MsOptKind kind;
    double lr, beta1, beta2, eps, momentum, weight_decay;
    MsSchedule schedule;
    double lr_min;            /* cosine: the rate at the last epoch */
    int step_every;           /* step: multiply by gamma every step_every epochs */
    double gamma;
    int n;
    long step;                /* updates taken */
    double *m, *v;            /* Adam moments / SGD velocity (m) */
} MsOptim;

/* n parameters; m and v zeroed.  Fields other than kind/n keep their values. */
void ms_optim_alloc(MsOptim *o, int n);
void ms_optim_free(MsOptim *o);
/* The learning rate of epoch e (1-based) of `epochs`. */
double ms_optim_rate(const MsOptim *o, int epoch, int epochs);
/* p -= update(g) at rate lr, then p clamped into [lo, hi]; entries with
 * skip[i] set (stuck cells) are left alone (skip may be NULL).  scale[i]
 * (NULL: all 1) is parameter i's unit: the step is taken on p/scale with
 * the gradient scale g, so Adam moves a value of scale 100p by ~lr 100p. */
void ms_optim_step(MsOptim *o, double lr, double *p, const double *g, const double *lo, const double *hi,
                   const double *scale, const unsigned char *skip);

#endif
