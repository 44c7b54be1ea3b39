/* test_train_cm.c — heterogeneous neurons: every neuron's membrane
 * capacitance a trainable value of its own (tools/mknet --trainable-cm).
 *   - the training gradient with respect to each C equals central finite
 *     differences of the training loss (per-sample engine);
 *   - the batched engine equals the per-sample engine (losses, scores, every
 *     gradient: the cells' x0 and the capacitances) for one and two layers,
 *     analog and rate inputs, with the capacitances all different;
 *   - trained.cir (ms_writeback) carries the capacitances and the states
 *     (some given as {expressions}): read back, they are the same doubles and
 *     give the same loss;
 *   - the optimiser's scale= unit: a step on p with scale s is the step on
 *     p / s with the gradient s g. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "train_util.h"
#include "train/optim.h"
#include "train/writeback.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A neuron on membrane node `mem`: its own capacitor (C spread over
 * 60p..180p, each neuron another) and the MIF branches without Cm. */
static char *neuron(const char *mem, int l, int j)
{
    double c = 60e-12 + 120e-12 * ms_uniform3(5, (uint64_t)l, (uint64_t)j);
    return ms_asprintf("cm%d_%d %s 0 %.6g ic=0.01831\nxn%d_%d %s mif_native_nocm x01=0.00752 x02=8.59e-05\n", l, j,
                       mem, c, l, j, mem);
}

/* 4-3 or 4-3-3 network (as test_train.c's) with heterogeneous trainable C. */
static char *net_text(int layers, const char *enc)
{
    char *s = ms_asprintf("hetero net\n.lib %s mif_native_nocm\n.model syn memristor level=3\n"
                          ".options reltol=1e-10 vntol=1e-13 abstol=1e-16\n",
                          mif_lib);
    int nout1 = layers == 2 ? NHID : NOUT;
    for (int i = 0; i < NIN; i++)
        s = append(s, ms_asprintf("vin%d in%d 0 0\n", i, i));
    for (int j = 0; j < nout1; j++) {
        s = append(s, ms_asprintf("vc%d c%d 0 0\n", j, j));
        for (int i = 0; i < NIN; i++)   /* some values as {expressions} and 'expressions': writeback replaces the brackets too */
            s = append(s, ms_asprintf("ymemristor m1_%d_%d in%d c%d syn x0=%s%.4f%s\n", i, j, i, j,
                                      i == 0 ? "{" : i == 1 ? "'" : "", 0.2 + 0.6 * ms_uniform3(7, 1, (uint64_t)(i * 10 + j)),
                                      i == 0 ? "}" : i == 1 ? "'" : ""));
        char *mem = ms_asprintf("h%d", j);
        s = append(s, ms_asprintf("f%d 0 h%d vc%d 4e-2\n", j, j, j));
        s = append(s, neuron(mem, 1, j));
        free(mem);
    }
    if (layers == 2) {
        for (int j = 0; j < NHID; j++)
            s = append(s, ms_asprintf("eb%d a%d 0 value={0.14*tanh(3*(v(h%d)-0.02))}\n", j, j, j));
        for (int k = 0; k < NOUT; k++) {
            s = append(s, ms_asprintf("vd%d d%d 0 0\n", k, k));
            for (int j = 0; j < NHID; j++)
                s = append(s, ms_asprintf("ymemristor m2_%d_%d a%d d%d syn x0=%.4f\n", j, k, j, k,
                                          0.2 + 0.6 * ms_uniform3(7, 2, (uint64_t)(j * 10 + k))));
            char *mem = ms_asprintf("o%d", k);
            s = append(s, ms_asprintf("fo%d 0 o%d vd%d 2e-2\n", k, k, k));
            s = append(s, neuron(mem, 2, k));
            free(mem);
        }
    }
    const char *o = layers == 2 ? "o" : "h";
    s = append(s, ms_asprintf(".input vin* scale=0.12 encoding=%s\n.trainable m1_*:x0%s\n"
                              ".trainable cm* min=20p max=500p scale=480p\n",
                              enc, layers == 2 ? " m2_*:x0" : ""));
    s = append(s, ms_asprintf(".readout v(%s0) v(%s1) v(%s2) reduce=mean gain=50\n.tran 1u 12u uic\n.end\n", o, o, o));
    return s;
}

static int is_cap(const MsNet *net, int k) { return net->c->params[k].name[0] == 'c'; }

/* Trainable value k (the finite differences step relative to it). */
static double value_of(MsNet *net, int k)
{
    double p[256];
    ms_net_get_params(net, p);
    return p[k];
}

static int open_net(const char *path, MsNet *net)
{
    MsError err = {0};
    int rc = ms_net_open(path, net, &err);
    CHECK_MSG(rc == MS_OK, "open %s: %s", path, err.msg);
    return rc;
}

static void check_fd(int layers)
{
    char *text = net_text(layers, "analog"), *path = write_tmp("test_train_cm", text);
    MsNet net;
    MsNetWork nw;
    MsError err = {0};
    if (open_net(path, &net)) {
        free(text), free(path);
        return;
    }
    ms_net_work_new(&net, &nw, &err);
    int np = net.nparams, ncap = 0, label = 1;
    double scores[NOUT], loss, *grad = calloc((size_t)np, sizeof *grad);
    int rc = ms_net_sample(&net, &nw, X, 99, label, scores, &loss, grad, &err);
    CHECK_MSG(rc == MS_OK, "sample: %s", err.msg);
    double worst = 0;
    for (int k = 0; k < np && rc == MS_OK; k++) {
        if (!is_cap(&net, k))
            continue;
        ncap++;
        CHECK(net.lo[k] == 20e-12 && net.hi[k] == 500e-12 && net.scale[k] == 480e-12);
        double g = fd_loss(&net, &nw, k, label, 1e-4 * fabs(value_of(&net, k))), e = fabs(g - grad[k]) / fabs(g);
        worst = fmax(worst, e);
        CHECK_MSG(e < 1e-5 && fabs(g) > 1e6, "%s: adjoint %.10g, finite differences %.10g (rel %.2g)",
                  net.c->params[k].name, grad[k], g, e);
    }
    CHECK(ncap == (layers == 2 ? NHID + NOUT : NOUT));
    printf("%d layer(s): dloss/dC of %d neurons vs finite differences: worst relative %.2g\n", layers, ncap, worst);
    ms_net_work_free(&nw);
    ms_net_close(&net);
    remove(path);
    free(path), free(text), free(grad);
}

static void check_batched(int layers, const char *enc)
{
    Fixture f;
    if (fixture_open(&f, "test_train_cm", net_text(layers, enc)) != MS_OK)
        return;
    MsError err = {0};
    enum { S = CHUNK };
    int np = f.net.nparams;
    double *p = calloc((size_t)np, sizeof *p);
    /* the engine must follow parameter writes: move every C by a different factor */
    ms_net_get_params(&f.net, p);
    for (int k = 0; k < np; k++)
        if (is_cap(&f.net, k))
            p[k] *= 0.8 + 0.1 * (k % 5);
    ms_net_set_params(&f.net, p, NULL, &err);
    ms_batch_set_params(f.bn, p, NULL);
    double bscores[S * NOUT], bloss[S], sc[S * NOUT], ls[S], *bgrad = calloc((size_t)np, sizeof *bgrad);
    double *sum = calloc((size_t)np, sizeof *sum);
    int rc = ms_batch_run(f.bn, f.bw, S, f.ch.xp, f.ch.draw, f.ch.label, bscores, bloss, bgrad, &err);
    CHECK_MSG(rc == MS_OK, "batch run: %s", err.msg);
    if (rc == MS_OK)
        rc = per_sample_chunk(&f.net, &f.nw, &f.ch, sc, ls, sum);
    double worst_s = 0, worst_l = 0, worst_x = 0, worst_c = 0;
    for (int s = 0; s < S && rc == MS_OK; s++) {
        for (int k = 0; k < NOUT; k++)
            worst_s = fmax(worst_s, fabs(sc[s * NOUT + k] - bscores[s * NOUT + k]) / fmax(fabs(sc[s * NOUT + k]), 1e-9));
        worst_l = fmax(worst_l, fabs(bloss[s] - ls[s]) / fabs(ls[s]));
    }
    /* each kind against its own largest gradient (C's are ~1e10 /F, x0's ~1) */
    double gmax[2] = {0, 0};
    for (int k = 0; k < np; k++)
        gmax[is_cap(&f.net, k)] = fmax(gmax[is_cap(&f.net, k)], fabs(sum[k]));
    for (int k = 0; k < np; k++) {
        double e = fabs(sum[k] - bgrad[k]) / fmax(fabs(sum[k]), 1e-3 * gmax[is_cap(&f.net, k)]);
        if (is_cap(&f.net, k))
            worst_c = fmax(worst_c, e);
        else
            worst_x = fmax(worst_x, e);
    }
    printf("batched %d layer(s) %s, heterogeneous C: scores %.2g, losses %.2g, dL/dx0 %.2g, dL/dC %.2g (relative)\n",
           layers, enc, worst_s, worst_l, worst_x, worst_c);
    CHECK_MSG(gmax[1] > 1e6, "dL/dC all small (%g)", gmax[1]);
    CHECK_MSG(worst_s < 1e-9 && worst_l < 1e-9, "scores or losses differ by %.3g, %.3g", worst_s, worst_l);
    CHECK_MSG(worst_x < 1e-9 && worst_c < 1e-9, "gradients differ: x0 %.3g, C %.3g", worst_x, worst_c);
    fixture_close(&f);
    free(bgrad), free(sum), free(p);
}

/* trained.cir holds every C as the same double and gives the same loss. */
static void check_writeback(void)
{
    char *text = net_text(2, "analog"), *path = write_tmp("test_train_cm", text), *out = ms_asprintf("%s.trained.cir", path);
    MsNet a, b;
    MsNetWork nw;
    MsError err = {0};
    if (open_net(path, &a)) {
        free(text), free(path), free(out);
        return;
    }
    int np = a.nparams;
    double *p = calloc((size_t)np, sizeof *p), *q = calloc((size_t)np, sizeof *q);
    ms_net_get_params(&a, p);
    for (int k = 0; k < np; k++)   /* values no card held: thirds are not short decimals */
        p[k] = is_cap(&a, k) ? p[k] * (1 + 1.0 / (3 + k)) : p[k] / 3;
    ms_net_set_params(&a, p, NULL, &err);
    ms_net_work_new(&a, &nw, &err);
    double la = loss_now(&a, &nw, 2);
    ms_net_work_free(&nw);
    int rc = ms_writeback(&a, out, &err);
    CHECK_MSG(rc == MS_OK, "writeback: %s", err.msg);
    if (rc == MS_OK && open_net(out, &b) == MS_OK) {
        CHECK(b.nparams == np);
        ms_net_get_params(&b, q);
        int same = 0;
        for (int k = 0; k < np; k++)
            same += p[k] == q[k] && !strcmp(a.c->params[k].name, b.c->params[k].name);
        CHECK_MSG(same == np, "%d of %d values read back", same, np);
        ms_net_work_new(&b, &nw, &err);
        double lb = loss_now(&b, &nw, 2);
        CHECK_MSG(la == lb, "loss %.17g, after writeback %.17g", la, lb);
        printf("writeback: %d values (%d capacitances) read back exactly, loss %.10g both\n", same, NHID + NOUT, lb);
        ms_net_work_free(&nw);
        ms_net_close(&b);
    }
    ms_net_close(&a);
    remove(path), remove(out);
    free(text), free(path), free(out), free(p), free(q);
}

/* Adam and SGD on p with scale s equal the plain step on p / s with gradient s g. */
static void check_scale(void)
{
    for (int kind = 0; kind < 2; kind++) {
        MsOptim a = {.kind = kind ? MS_OPT_SGD : MS_OPT_ADAM, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8,
                     .momentum = 0.9, .weight_decay = 0.01},
                b = a;
        ms_optim_alloc(&a, 1);
        ms_optim_alloc(&b, 1);
        double s = 3e-10, p = 1.1e-10, q = p / s, lo = 2e-11, hi = 5e-10, qlo = lo / s, qhi = hi / s, worst = 0;
        for (int it = 0; it < 20; it++) {
            double g = 1e9 * sin(it + 1.0), gq = s * g;
            ms_optim_step(&a, 0.01, &p, &g, &lo, &hi, &s, NULL);
            ms_optim_step(&b, 0.01, &q, &gq, &qlo, &qhi, NULL, NULL);
            worst = fmax(worst, fabs(p / s - q) / fabs(q));
        }
        CHECK_MSG(worst < 1e-13, "%s with scale=: %.3g from the step on p/s", kind ? "SGD" : "Adam", worst);
        ms_optim_free(&a);
        ms_optim_free(&b);
    }
}

int main(void)
{
    if (!find_mif_lib())
        return 1;
    check_scale();
    check_fd(1);
    check_fd(2);
    check_batched(1, "analog");
    check_batched(2, "analog");
    check_batched(2, "rate");
    check_writeback();
    return check_summary("train_cm");
}
