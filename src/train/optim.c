/* optim.c — see optim.h.  Adam as Kingma & Ba (bias-corrected moments);
 * weight decay is decoupled (AdamW: p -= lr wd p), as PyTorch's AdamW. */
#include "optim.h"
#include "../util/util.h"

#include <math.h>
#include <stdlib.h>

void ms_optim_alloc(MsOptim *o, int n)
{
    o->n = n;
    o->step = 0;
    o->m = ms_calloc((size_t)n + 1, sizeof *o->m);
    o->v = ms_calloc((size_t)n + 1, sizeof *o->v);
}

void ms_optim_free(MsOptim *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

double ms_optim_rate(const MsOptim *o, int epoch, int epochs)
{
    switch (o->schedule) {
    case MS_SCHED_COSINE:
        return epochs <= 1 ? o->lr
                           : o->lr_min + 0.5 * (o->lr - o->lr_min) * (1 + cos(3.14159265358979323846 * (epoch - 1) / (epochs - 1)));
    case MS_SCHED_STEP:
        return o->lr * pow(o->gamma, o->step_every > 0 ? (epoch - 1) / o->step_every : 0);
    default:
        return o->lr;
    }
}

void ms_optim_step(MsOptim *o, double lr, double *p, const double *g0, const double *lo, const double *hi,
                   const double *scale, const unsigned char *skip)
{
    o->step++;
    double c1 = 1 - pow(o->beta1, (double)o->step), c2 = 1 - pow(o->beta2, (double)o->step);
    for (int i = 0; i < o->n; i++) {
        if (skip && skip[i])
            continue;
        /* on q = p / s: dL/dq = s dL/dp; s = 1 leaves every operation exact */
        double s = scale ? scale[i] : 1, g = s * g0[i], u;
        if (o->kind == MS_OPT_ADAM) {
            o->m[i] = o->beta1 * o->m[i] + (1 - o->beta1) * g;
            o->v[i] = o->beta2 * o->v[i] + (1 - o->beta2) * g * g;
            u = (o->m[i] / c1) / (sqrt(o->v[i] / c2) + o->eps);
        } else {
            o->m[i] = o->momentum * o->m[i] + g;
            u = o->m[i];
        }
        double x = p[i] - s * lr * (u + o->weight_decay * (p[i] / s));
        p[i] = x < lo[i] ? lo[i] : x > hi[i] ? hi[i] : x;
    }
}
