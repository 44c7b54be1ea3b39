/* test_train.c — the training path against the per-sample references:
 *   - one sample's training gradient equals `memspice grad` (ms_run_grad) on
 *     the same netlist with the sample's inputs as source overrides and
 *     .loss integral cards weighted by the cross-entropy's dL/dscore, and
 *     central finite differences of the training loss;
 *   - the training forward pass equals `memspice run --fixed-step`
 *     (ms_run_tran) with the same inputs: the scores are the trapezoidal
 *     means of its waveforms;
 *   - every encoding and readout reduction, and a two-layer network (the
 *     layers couple through E buffers);
 *   - glob patterns in .trainable resolve to the same values as the names. */
#define _XOPEN_SOURCE 700   /* realpath */
#include "train_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Scores of a few units: an integral over the 12 us window is small. */
static double gain_of(const char *reduce) { return !strcmp(reduce, "integral") ? 4e6 : 50; }

/* A 4-3 (one layer) or 4-3-3 (two layers) network of Yakopcic cells and
 * MIF neurons; tight tolerances so that finite differences are meaningful. */
static char *net_text(int layers, const char *enc, const char *reduce, const char *extra)
{
    char *s = ms_asprintf("test net\n.lib %s mif_native\n.model syn memristor level=3\n"
                          ".options reltol=1e-10 vntol=1e-13 abstol=1e-16\n",
                          mif_lib);
    unsigned long long seed = 7;
    int nout1 = layers == 2 ? NHID : NOUT;
    for (int i = 0; i < NIN; i++)
        s = append(s, ms_asprintf("vin%d in%d 0 0\n", i, i));
    for (int j = 0; j < nout1; j++) {
        s = append(s, ms_asprintf("vc%d c%d 0 0\n", j, j));
        for (int i = 0; i < NIN; i++)
            s = append(s, ms_asprintf("ymemristor m1_%d_%d in%d c%d syn x0=%.4f\n", i, j, i, j,
                                      0.2 + 0.6 * ms_uniform3(seed, 1, (uint64_t)(i * 10 + j))));
        s = append(s, ms_asprintf("f%d 0 h%d vc%d 4e-2\nxn1_%d h%d mif_native\n", j, j, j, j, j));
    }
    if (layers == 2) {
        for (int j = 0; j < NHID; j++)
            s = extra && strstr(extra, "* tanh buffers")
                    ? append(s, ms_asprintf("eb%d a%d 0 value={0.14*tanh(3*(v(h%d)-0.02))}\n", j, j, j))
                    : append(s, ms_asprintf("eb%d a%d 0 h%d 0 0.15\n", j, j, j));
        for (int k = 0; k < NOUT; k++) {
            s = append(s, ms_asprintf("vd%d d%d 0 0\n", k, k));
            for (int j = 0; j < NHID; j++)
                s = append(s, ms_asprintf("ymemristor m2_%d_%d a%d d%d syn x0=%.4f\n", j, k, j, k,
                                          0.2 + 0.6 * ms_uniform3(seed, 2, (uint64_t)(j * 10 + k))));
            s = append(s, ms_asprintf("fo%d 0 o%d vd%d 2e-2\nxn2_%d o%d mif_native\n", k, k, k, k, k));
        }
    }
    const char *o = layers == 2 ? "o" : "h";
    s = append(s, ms_asprintf(".input vin* scale=0.12 encoding=%s\n.trainable m1_*:x0%s\n", enc,
                              layers == 2 ? " m2_*:x0" : ""));
    s = append(s, ms_asprintf(".readout v(%s0) v(%s1) v(%s2) reduce=%s gain=%g\n", o, o, o, reduce,
                              gain_of(reduce)));
    s = append(s, ms_asprintf("%s.tran 1u 12u uic\n.end\n", extra ? extra : ""));
    return s;
}

static void check_case(int layers, const char *enc, const char *reduce)
{
    char *text = net_text(layers, enc, reduce, NULL), *path = write_tmp("test_train", text);
    MsNet net;
    MsNetWork nw;
    MsError err = {0};
    int rc = ms_net_open(path, &net, &err);
    CHECK_MSG(rc == MS_OK, "open %s: %s", path, err.msg);
    if (rc) {
        remove(path);
        free(text), free(path);
        return;
    }
    rc = ms_net_work_new(&net, &nw, &err);
    int np = net.nparams, label = 1;
    CHECK(np == NIN * (layers == 2 ? NHID : NOUT) + (layers == 2 ? NHID * NOUT : 0));
    double scores[NOUT], loss, *grad = calloc((size_t)np, sizeof *grad);
    rc = ms_net_sample(&net, &nw, X, 99, label, scores, &loss, grad, &err);
    CHECK_MSG(rc == MS_OK, "sample: %s", err.msg);
    printf("%d layer(s), %s, %s: scores %.4f %.4f %.4f loss %.6f\n", layers, enc, reduce, scores[0], scores[1],
           scores[2], loss);
    CHECK_MSG(fabs(scores[0] - scores[1]) > 1e-3 || fabs(scores[1] - scores[2]) > 1e-3, "scores all alike");

    /* finite differences of the training loss */
    double worst = 0;
    for (int k = 0; k < np; k += (np > 12 ? 3 : 1)) {
        double g = fd_loss(&net, &nw, k, label, 1e-4);
        double e = fabs(g - grad[k]) / fmax(fabs(g), 1e-3 * fabs(loss));
        worst = fmax(worst, e);
        CHECK_MSG(e < 1e-5, "%s: adjoint %.10g, finite differences %.10g (rel %.2g)", net.c->params[k].name, grad[k], g,
                  e);
    }
    printf("  gradient vs finite differences: worst relative %.2g\n", worst);

    /* the same system through the public API: grad with .loss cards and the
     * inputs as per-work overrides; run --fixed-step */
    double ds[NOUT];
    ms_net_loss(&net, scores, label, ds);
    double T = net.c->tran.tstop, per = !strcmp(reduce, "mean") ? gain_of(reduce) / T : gain_of(reduce);
    const char *kind = !strcmp(reduce, "final") ? "value" : "integral";
    char *cards = ms_strdup("");
    const char *o = layers == 2 ? "o" : "h";
    for (int j = 0; j < NOUT; j++)
        cards = append(cards, ms_asprintf(".loss %s v(%s%d)%s weight=%.17g\n", kind, o, j,
                                          !strcmp(kind, "value") ? " at=12u" : "", ds[j] * per));
    char *gtext = net_text(layers, enc, reduce, cards);
    MsCircuit *gc = NULL;
    MsWork *gw = NULL;
    rc = ms_circuit_load_string(gtext, "grad net", &gc, &err);
    CHECK_MSG(rc == MS_OK, "grad net: %s", err.msg);
    if (rc == MS_OK && !strcmp(enc, "analog") && strcmp(reduce, "max")) {
        ms_work_new(gc, &gw, &err);
        for (int i = 0; i < NIN; i++) {
            char name[16];
            snprintf(name, sizeof name, "vin%d", i);
            ms_work_set_source_dc(gw, name, 0.12 * X[i], &err);
        }
        MsTranSpec fixed = {.fixed_step = 1};
        MsGrad g;
        rc = ms_run_grad(gw, &fixed, &g, &err);
        CHECK_MSG(rc == MS_OK, "grad: %s", err.msg);
        CHECK(rc || g.nparams == np);
        double gworst = 0;
        for (int k = 0; rc == MS_OK && k < np; k++) {
            CHECK(!strcmp(g.names[k], net.c->params[k].name));
            double e = fabs(g.grad[k] - grad[k]) / fmax(fabs(grad[k]), 1e-12);
            gworst = fmax(gworst, e);
            CHECK_MSG(e < 1e-9, "%s: training %.17g, memspice grad %.17g", g.names[k], grad[k], g.grad[k]);
        }
        printf("  gradient vs memspice grad: worst relative %.2g\n", gworst);
        /* forward: the scores from memspice run --fixed-step's waveforms */
        MsResult r;
        rc = ms_run_tran(gw, &fixed, &r, &err);
        CHECK_MSG(rc == MS_OK, "run: %s", err.msg);
        for (int j = 0; rc == MS_OK && j < NOUT; j++) {
            char name[16];
            snprintf(name, sizeof name, "v(%s%d)", o, j);
            int v = ms_result_find(&r, name);
            double s = 0;
            for (size_t t = 1; t < r.npts && strcmp(reduce, "final"); t++)
                s += 0.5 * (r.time[t] - r.time[t - 1]) * (r.data[t * r.nvec + v] + r.data[(t - 1) * r.nvec + v]);
            if (!strcmp(reduce, "final"))
                s = r.data[(r.npts - 1) * r.nvec + v];
            s *= per;
            CHECK_MSG(fabs(s - scores[j]) <= 1e-12 * fabs(s), "score %d: training %.17g, run --fixed-step %.17g", j,
                      scores[j], s);
        }
        if (rc == MS_OK)
            ms_result_free(&r);
        ms_grad_free(&g);
    }
    ms_work_free(&gw);
    ms_circuit_free(&gc);
    free(grad), free(cards), free(gtext), free(text);
    ms_net_work_free(&nw);
    ms_net_close(&net);
    remove(path);
    free(path);
}

/* The same values by pattern and by name. */
static void check_patterns(void)
{
    char *text = net_text(1, "analog", "mean", NULL);
    char *named = ms_strdup(text), *at = strstr(named, ".trainable m1_*:x0");
    CHECK(at != NULL);
    if (!at)
        return;
    *at = '*';   /* comment the pattern card out, list the names */
    char *cards = ms_strdup(".trainable");
    for (int j = 0; j < NOUT; j++)
        for (int i = 0; i < NIN; i++)
            cards = append(cards, ms_asprintf(" m1_%d_%d:x0", i, j));
    char *text2 = ms_strdup(named);
    char *end = strstr(text2, ".tran");
    *end = 0;
    char *full = ms_asprintf("%s%s\n%s", text2, cards, strstr(named, ".tran"));
    MsCircuit *a = NULL, *b = NULL;
    MsError err = {0};
    CHECK(ms_circuit_load_string(text, "pattern", &a, &err) == MS_OK);
    CHECK_MSG(ms_circuit_load_string(full, "names", &b, &err) == MS_OK, "%s", err.msg);
    if (a && b) {
        CHECK(ms_circuit_num_params(a) == ms_circuit_num_params(b));
        int same = 0;
        for (int k = 0; k < ms_circuit_num_params(a); k++)
            for (int m = 0; m < ms_circuit_num_params(b); m++)
                same += ms_circuit_get_param(a, k) == ms_circuit_get_param(b, m) &&
                        !strcmp(a->params[k].name, b->params[m].name);
        CHECK(same == NIN * NOUT);
        CHECK(a->params[0].lo == 0 && a->params[0].hi == 1);   /* a memristor state's range */
    }
    ms_circuit_free(&a);
    ms_circuit_free(&b);
    free(text), free(named), free(cards), free(text2), free(full);
}

/* The batched engine against the per-sample path: scores, losses and the
 * summed gradient of a chunk of samples. */
static void check_batched(int layers, const char *enc, const char *reduce, const char *extra)
{
    Fixture f;
    if (fixture_open(&f, "test_train", net_text(layers, enc, reduce, extra)) != MS_OK)
        return;
    MsError err = {0};
    enum { S = CHUNK };
    int np = f.net.nparams;
    double bscores[S * NOUT], bloss[S], sc[S * NOUT], ls[S], *bgrad = calloc((size_t)np, sizeof *bgrad);
    double *sum = calloc((size_t)np, sizeof *sum);
    int rc = ms_batch_run(f.bn, f.bw, S, f.ch.xp, f.ch.draw, f.ch.label, bscores, bloss, bgrad, &err);
    CHECK_MSG(rc == MS_OK, "batch run: %s", err.msg);
    if (rc == MS_OK)
        rc = per_sample_chunk(&f.net, &f.nw, &f.ch, sc, ls, sum);
    double worst_s = 0, worst_g = 0;
    for (int s = 0; s < S && rc == MS_OK; s++) {
        for (int k = 0; k < NOUT; k++)
            worst_s = fmax(worst_s, fabs(sc[s * NOUT + k] - bscores[s * NOUT + k]) / fmax(fabs(sc[s * NOUT + k]), 1e-9));
        CHECK_NEAR(bloss[s], ls[s], 1e-9 * fabs(ls[s]));
    }
    double gmax = 0;
    for (int k = 0; k < np; k++)
        gmax = fmax(gmax, fabs(sum[k]));
    for (int k = 0; k < np; k++)
        worst_g = fmax(worst_g, fabs(sum[k] - bgrad[k]) / gmax);
    printf("batched %d layer(s) %s %s%s: scores within %.2g, gradients within %.2g of the largest\n", layers, enc,
           reduce, extra ? " (tanh buffers)" : "", worst_s, worst_g);
    CHECK_MSG(worst_s < 1e-9, "scores differ by %.3g", worst_s);
    CHECK_MSG(worst_g < 1e-8, "gradients differ by %.3g", worst_g);
    fixture_close(&f);
    free(bgrad), free(sum);
}

/* A network of direct columns as tools/mknet --columns direct writes it:
 * the cells' column node is the membrane; pair synapses take their - cell
 * from an inverted copy of the row (E, gain -1); bias rows; the second
 * layer's + cells hang on the first layer's membranes. */
static char *direct_text(int layers, const char *enc, int pair, const char *a2)
{
    char *s = ms_asprintf("direct net\n.lib %s mif_native\n"
                          ".model syn1 memristor level=3 a1=1.1e-4 a2=%s b=0.05 vp=0.16 vn=0.15\n"
                          ".model syn2 memristor level=3 a1=1.4e-4 a2=1.4e-4 b=0.05 vp=0.16 vn=0.15\n"
                          ".options reltol=1e-10 vntol=1e-13 abstol=1e-16\n",
                          mif_lib, a2 ? a2 : "1.1e-4");
    int sizes[3] = {NIN, layers == 2 ? NHID : NOUT, NOUT};
    for (int i = 0; i < NIN; i++)
        s = append(s, ms_asprintf("vin%d r1_%d 0 0\n", i, i));
    for (int l = 1; l <= layers; l++) {
        int n = sizes[l - 1];
        s = append(s, ms_asprintf("vbias%d r%d_b 0 DC 0.075\n", l, l));
        if (pair) {
            s = append(s, ms_asprintf("vbias%dn r%dn_b 0 DC -0.075\n", l, l));
            for (int i = 0; i < n; i++)
                s = append(s, l == 1 ? ms_asprintf("e1n_%d r1n_%d 0 r1_%d 0 -1\n", i, i, i)
                                     : ms_asprintf("e%dn_%d r%dn_%d 0 mem%d_%d 0 -1\n", l, i, l, i, l - 1, i));
        }
        for (int j = 0; j < sizes[l]; j++) {
            for (int i = 0; i <= n; i++) {
                char row[48], rown[48], idx[16];
                if (i == n)
                    snprintf(idx, sizeof idx, "b");
                else
                    snprintf(idx, sizeof idx, "%d", i);
                if (i == n || l == 1)
                    snprintf(row, sizeof row, "r%d_%s", l, idx);
                else
                    snprintf(row, sizeof row, "mem%d_%d", l - 1, i);
                snprintf(rown, sizeof rown, "r%dn_%s", l, idx);
                uint64_t at = (uint64_t)(l * 1000 + i * 10 + j);
                if (pair) {
                    s = append(s, ms_asprintf("ymemristor m%dp_%s_%d %s mem%d_%d syn%d x0=%.4f\n", l, idx, j, row, l, j,
                                              l, 0.2 + 0.6 * ms_uniform3(5, 1, at)));
                    s = append(s, ms_asprintf("ymemristor m%dn_%s_%d %s mem%d_%d syn%d x0=%.4f\n", l, idx, j, rown, l,
                                              j, l, 0.2 + 0.6 * ms_uniform3(5, 2, at)));
                } else
                    s = append(s, ms_asprintf("ymemristor m%d_%s_%d %s mem%d_%d syn%d x0=%.4f\n", l, idx, j, row, l, j,
                                              l, 0.2 + 0.6 * ms_uniform3(5, 1, at)));
            }
            s = append(s, ms_asprintf("xn%d_%d mem%d_%d mif_native vm0=0.01831 x01=0.00752 x02=8.59e-05\n", l, j, l, j));
        }
    }
    s = append(s, ms_asprintf(".input vin* scale=0.075 encoding=%s\n", enc));
    for (int l = 1; l <= layers; l++)
        s = append(s, pair ? ms_asprintf(".trainable m%dp_*:x0 m%dn_*:x0\n", l, l) : ms_asprintf(".trainable m%d_*:x0\n", l));
    s = append(s, ms_asprintf(".readout v(mem%d_0) v(mem%d_1) v(mem%d_2) reduce=mean gain=%g\n.tran 1u 12u uic\n.end\n",
                              layers, layers, layers, layers == 2 ? 3e4 : 3e3));
    return s;
}

/* Loss summed over the chunk, from the batched engine at params p. */
static double batch_loss(MsBatchNet *bn, MsBatchWork *bw, int S, const float *const *xp, const uint64_t *draw,
                         const int *label, const double *p)
{
    double sc[16 * NOUT], loss[16], sum = 0;
    MsError err = {0};
    ms_batch_set_params(bn, p, NULL);
    int rc = ms_batch_run(bn, bw, S, xp, draw, label, sc, loss, NULL, &err);
    CHECK_MSG(rc == MS_OK, "batch run: %s", err.msg);
    for (int s = 0; s < S; s++)
        sum += loss[s];
    return sum;
}

/* Direct columns: the batched engine against the per-sample path (scores,
 * losses, summed gradients), its gradient against central differences of its
 * own loss, and (analog) its input gradient likewise. */
static void check_direct(int layers, const char *enc, int pair)
{
    Fixture f;
    if (fixture_open(&f, "test_train", direct_text(layers, enc, pair, NULL)) != MS_OK)
        return;
    MsError err = {0};
    enum { S = CHUNK };
    int np = f.net.nparams;
    double bscores[S * NOUT], bloss[S], scs[S * NOUT], ls[S], *bgrad = calloc((size_t)np, sizeof *bgrad);
    double *sum = calloc((size_t)np, sizeof *sum), *p = calloc((size_t)np, sizeof *p);
    int rc = ms_batch_run(f.bn, f.bw, S, f.ch.xp, f.ch.draw, f.ch.label, bscores, bloss, bgrad, &err);
    CHECK_MSG(rc == MS_OK, "batch run (direct): %s", err.msg);
    if (rc == MS_OK)
        rc = per_sample_chunk(&f.net, &f.nw, &f.ch, scs, ls, sum);
    double worst_s = 0, worst_g = 0, spread = 0;
    for (int s = 0; s < S && rc == MS_OK; s++) {
        const double *sc = scs + s * NOUT;
        for (int k = 0; k < NOUT; k++) {
            worst_s = fmax(worst_s, fabs(sc[k] - bscores[s * NOUT + k]) / fmax(fabs(sc[k]), 1e-9));
            spread = fmax(spread, fabs(sc[k] - sc[0]));
        }
        CHECK_NEAR(bloss[s], ls[s], 1e-9 * fabs(ls[s]));
    }
    CHECK_MSG(spread > 1e-3, "direct: scores all alike (%g)", spread);
    double gmax = 0;
    for (int k = 0; k < np; k++)
        gmax = fmax(gmax, fabs(sum[k]));
    for (int k = 0; k < np; k++)
        worst_g = fmax(worst_g, fabs(sum[k] - bgrad[k]) / gmax);
    /* central differences of the batched loss, Richardson-extrapolated */
    ms_net_get_params(&f.net, p);
    double worst_fd = 0;
    for (int k = 0; k < np && rc == MS_OK; k += np > 24 ? 5 : 2) {
        double x = p[k], h = 1e-3, d[2];
        for (int r = 0; r < 2; r++, h /= 2) {
            p[k] = x + h;
            double up = batch_loss(f.bn, f.bw, S, f.ch.xp, f.ch.draw, f.ch.label, p);
            p[k] = x - h;
            d[r] = (up - batch_loss(f.bn, f.bw, S, f.ch.xp, f.ch.draw, f.ch.label, p)) / (2 * h);
        }
        p[k] = x;
        double fdk = (4 * d[1] - d[0]) / 3, e = fabs(fdk - bgrad[k]) / fmax(fabs(fdk), 1e-3 * gmax);
        worst_fd = fmax(worst_fd, e);
        CHECK_MSG(e < 1e-6, "direct %s: adjoint %.10g, finite differences %.10g", f.net.c->params[k].name, bgrad[k],
                  fdk);
    }
    ms_batch_set_params(f.bn, p, NULL);
    /* input gradient (analog): d(sum ds . scores)/dx against central differences */
    double worst_dx = 0;
    if (!strcmp(enc, "analog") && rc == MS_OK) {
        double xd[S][NIN], ds[S * NOUT], dxv[S * NIN], sc[S * NOUT], sc2[S * NOUT];
        const double *xdp[S];
        for (int s = 0; s < S; s++) {
            for (int i = 0; i < NIN; i++)
                xd[s][i] = f.ch.xs[s][i];
            xdp[s] = xd[s];
        }
        for (int q = 0; q < S * NOUT; q++)
            ds[q] = 1 - 0.3 * q;
        rc = ms_batch_run_ds(f.bn, f.bw, S, xdp, f.ch.draw, ds, sc, NULL, dxv, &err);
        CHECK_MSG(rc == MS_OK, "run_ds: %s", err.msg);
        double dmax = 0;
        for (int q = 0; q < S * NIN; q++)
            dmax = fmax(dmax, fabs(dxv[q]));
        for (int s = 0; s < S && rc == MS_OK; s++)
            for (int i = 0; i < NIN; i++) {
                double x = xd[s][i], h = 1e-3, Lp = 0, Lm = 0;
                xd[s][i] = x + h;
                ms_batch_run_ds(f.bn, f.bw, S, xdp, f.ch.draw, NULL, sc, NULL, NULL, &err);
                xd[s][i] = x - h;
                ms_batch_run_ds(f.bn, f.bw, S, xdp, f.ch.draw, NULL, sc2, NULL, NULL, &err);
                xd[s][i] = x;
                for (int q = 0; q < S * NOUT; q++)
                    Lp += ds[q] * sc[q], Lm += ds[q] * sc2[q];
                double e = fabs((Lp - Lm) / (2 * h) - dxv[s * NIN + i]) / fmax(dmax, 1e-12);
                worst_dx = fmax(worst_dx, e);
                CHECK_MSG(e < 1e-6, "direct dL/dx[%d][%d]: adjoint %.10g, differences %.10g", s, i,
                          dxv[s * NIN + i], (Lp - Lm) / (2 * h));
            }
    }
    printf("batched direct %d layer(s) %s %s: scores within %.2g, gradients within %.2g of the largest; "
           "vs differences: params %.2g, inputs %.2g\n",
           layers, enc, pair ? "pair" : "single", worst_s, worst_g, worst_fd, worst_dx);
    CHECK_MSG(worst_s < 1e-9, "direct: scores differ by %.3g", worst_s);
    CHECK_MSG(worst_g < 1e-8, "direct: gradients differ by %.3g", worst_g);
    fixture_close(&f);
    free(bgrad), free(sum), free(p);
}

/* The netlist text opens but the batched compiler refuses it, naming why. */
static void check_compile_refused(const char *text, const char *why)
{
    char *path = write_tmp("test_train", text);
    MsNet net;
    MsError err = {0};
    int rc = ms_net_open(path, &net, &err);
    CHECK_MSG(rc == MS_OK, "open: %s", err.msg);
    if (rc == MS_OK) {
        MsBatchNet *bn = NULL;
        rc = ms_batch_compile(&net, &bn, &err);
        CHECK(rc == MS_ERR_UNSUPPORTED);
        CHECK_MSG(strstr(err.msg, why) != NULL, "message: %s", err.msg);
        ms_batch_free(&bn);
        ms_net_close(&net);
    }
    remove(path);
    free(path);
}

/* a1 != a2 on a direct column is refused with the reason. */
static void check_direct_refused(void)
{
    char *text = direct_text(1, "analog", 1, "2e-4");
    check_compile_refused(text, "a1 != a2");
    free(text);
}

/* Direct columns whose cells feed each other's membranes (a loop) are
 * refused with the reason (they once went on with unnumbered neurons). */
static void check_direct_loop(void)
{
    char *base = direct_text(1, "analog", 0, NULL), *cut = strstr(base, ".input");
    *cut = 0;   /* the cells go before the .input card; cut + 6 is what followed ".input" */
    char *text = ms_asprintf("%symemristor mloop_a mem1_0 mem1_1 syn1 x0=0.5\nymemristor mloop_b mem1_1 mem1_0 syn1 x0=0.5\n"
                       ".input%s", base, cut + 6);
    check_compile_refused(text, "loop");
    free(text), free(base);
}

int main(void)
{
    if (!find_mif_lib())
        return 1;
    check_case(1, "analog", "mean");
    check_case(1, "analog", "final");
    check_case(1, "analog", "max");
    check_case(1, "rate", "mean");
    check_case(1, "latency", "mean");
    check_case(1, "analog", "integral");
    check_case(2, "analog", "mean");
    check_patterns();
    check_batched(1, "analog", "mean", NULL);
    check_batched(1, "analog", "final", NULL);
    check_batched(1, "analog", "max", NULL);
    check_batched(1, "rate", "mean", NULL);
    check_batched(1, "latency", "integral", NULL);
    check_batched(2, "analog", "mean", NULL);
    check_batched(2, "rate", "mean", NULL);
    check_batched(2, "analog", "mean", "* tanh buffers\n");
    check_direct(1, "analog", 1);
    check_direct(1, "analog", 0);
    check_direct(1, "rate", 1);
    check_direct(2, "analog", 1);
    check_direct(2, "analog", 0);
    check_direct(2, "rate", 1);
    check_direct_refused();
    check_direct_loop();
    return check_summary("train");
}
