/* test_noise_colored.c — TRNOISE's 1/f and random telegraph parts
 * (noise_onef.c, noise_rts.c) against their definitions (ngspice's, after
 * Kasdin 1995):
 * - the FFT convolution equals the direct sum X_k = sum_{j<=k} h_j w_{k-j}
 *   with h_0 = 1, h_j = h_{j-1} (alpha/2 + j - 1)/j, to rounding;
 * - the variance of sample k over 4,000 sources equals NAMP^2 (sum_{j<k}
 *   h_j^2 + (h_k - 1)^2) (sample k = X_k - X_0) within 4 sigma;
 * - the averaged, Hann-windowed periodogram of 2^16 samples has a log-log
 *   slope within 0.1 of -alpha for alpha = 0.5, 1, 1.5, 2, and its level is
 *   NAMP^2 / (2 sin(pi f))^alpha within 15 %;
 * - the telegraph process: low and high dwell means RTSCAPT and RTSEMT
 *   within 4 sigma, the fraction of high time, the exponential tail
 *   P(dwell > mean) = 1/e, levels exactly 0 and RTSAM, switching on the
 *   instants;
 * - the same seed and name give the same tables, another seed other ones;
 *   the parameter checks and the table bound. */
#include "check.h"
#include "devices/noise_onef.h"
#include "devices/noise_rts.h"
#include "devices/noise_wave.h"
#include "util/fft.h"
#include "util/limits.h"

#include <stdlib.h>
#include <string.h>

static long total;   /* the tables' values so far (MS_MAX_NOISE_TOTAL) */

/* A TRNOISE wave of parameters p, checked and prepared as the elaborator does; rc != 0 and
 * *why if refused. */
static int build(MsWave *w, int np, const double *p, double seed, const char *name, double tstop, const char **why)
{
    memset(w, 0, sizeof *w);
    w->kind = WF_TRNOISE;
    w->np = np;
    memcpy(w->p, p, (size_t)np * sizeof *p);
    *why = NULL;
    int rc = ms_noise_finish(w, why);
    return rc ? rc : ms_noise_prepare(w, seed, name, tstop, &total, why);
}

static MsWave trnoise(int np, const double *p, double seed, const char *name, double tstop)
{
    MsWave w;
    const char *why;
    int rc = build(&w, np, p, seed, name, tstop, &why);
    CHECK_MSG(rc == 0, "trnoise: %s", why ? why : "?");
    return w;
}

static double filter_h(double alpha, long j)
{
    double h = 1;
    for (long i = 1; i <= j; i++)
        h *= (alpha / 2 + (double)(i - 1)) / (double)i;
    return h;
}

static void test_convolution(void)
{
    enum { n = 300 };
    uint64_t stream = ms_noise_stream(3, "v7");
    for (double alpha = 0.5; alpha <= 2; alpha += 0.5) {
        double *x = ms_onef_samples(stream, 0.2, alpha, n), worst = 0, x0 = 0.2 * ms_noise_gauss(stream, 0, 2);
        for (long k = 0; k < n; k++) {
            double sum = 0;
            for (long j = 0; j <= k; j++)
                sum += filter_h(alpha, j) * 0.2 * ms_noise_gauss(stream, (uint64_t)(k - j), 2);
            worst = fmax(worst, fabs(x[k] - (sum - x0)));
        }
        CHECK_MSG(worst < 1e-12, "alpha %g: FFT convolution off the direct sum by %g", alpha, worst);
        free(x);
    }
}

static void test_variance(void)
{
    enum { sources = 4000, n = 513 };
    const double namp = 1e-3, alpha = 1;
    const long ks[] = {1, 16, 512};
    double sum2[3] = {0};
    char name[32];
    for (int s = 0; s < sources; s++) {
        snprintf(name, sizeof name, "x%d.v1", s);
        double *x = ms_onef_samples(ms_noise_stream(1, name), namp, alpha, n);
        for (int i = 0; i < 3; i++)
            sum2[i] += x[ks[i]] * x[ks[i]];
        free(x);
    }
    for (int i = 0; i < 3; i++) {
        double want = 0, hk = filter_h(alpha, ks[i]);
        for (long j = 0; j < ks[i]; j++)
            want += filter_h(alpha, j) * filter_h(alpha, j);
        want = namp * namp * (want + (hk - 1) * (hk - 1));
        double got = sum2[i] / sources, tol = 4 * want * sqrt(2.0 / sources);   /* mean 0: chi-square */
        CHECK_MSG(fabs(got - want) <= tol, "variance of sample %ld: %g, want %g +- %g", ks[i], got, want, tol);
    }
}

/* slope and level of the Hann periodogram of `reps` realisations of n samples */
static void spectrum(double alpha, double namp, double *slope, double *level)
{
    enum { n = 65536, reps = 8, bins = 24 };
    double *acc = calloc(n / 2, sizeof *acc), *z = malloc(2 * n * sizeof *z);
    char name[32];
    for (int r = 0; r < reps; r++) {
        snprintf(name, sizeof name, "v%d", r);
        double *x = ms_onef_samples(ms_noise_stream(5, name), namp, alpha, n), mean = 0, wsum = 0;
        for (long k = 0; k < n; k++)
            mean += x[k] / n;
        for (long k = 0; k < n; k++) {
            double hann = 0.5 - 0.5 * cos(2 * 3.14159265358979323846 * (double)k / n);
            z[2 * k] = (x[k] - mean) * hann;
            z[2 * k + 1] = 0;
            wsum += hann * hann;
        }
        ms_fft(z, n, -1);
        for (long k = 1; k < n / 2; k++)
            acc[k] += (z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1]) / wsum / reps;
        free(x);
    }
    /* log-spaced bins between f = 32/n and f = 0.02 (cycles per sample),
     * where (2 sin pi f)^-alpha is a power law within 0.3 % */
    double lf0 = log(32.0 / n), lf1 = log(0.02), sx = 0, sy = 0, sxx = 0, sxy = 0, ratio = 0;
    int m = 0;
    for (int b = 0; b < bins; b++) {
        long k0 = (long)ceil(exp(lf0 + (lf1 - lf0) * b / bins) * n), k1 = (long)ceil(exp(lf0 + (lf1 - lf0) * (b + 1) / bins) * n);
        double p = 0, f = 0, th = 0;
        for (long k = k0; k < k1; k++) {
            p += acc[k];
            f += (double)k / n;
            th += namp * namp / pow(2 * sin(3.14159265358979323846 * (double)k / n), alpha);
        }
        if (k1 <= k0)
            continue;
        p /= (double)(k1 - k0);
        f /= (double)(k1 - k0);
        th /= (double)(k1 - k0);
        sx += log(f);
        sy += log(p);
        sxx += log(f) * log(f);
        sxy += log(f) * log(p);
        ratio += p / th;
        m++;
    }
    *slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
    *level = ratio / m;
    free(acc);
    free(z);
}

static void test_spectrum(void)
{
    for (double alpha = 0.5; alpha <= 2; alpha += 0.5) {
        double slope, level;
        spectrum(alpha, 1e-3, &slope, &level);
        printf("alpha %.1f: periodogram slope %.3f, level / NAMP^2 (2 sin pi f)^-alpha = %.3f\n", alpha, slope, level);
        CHECK_MSG(fabs(slope + alpha) <= 0.1, "alpha %g: slope %g", alpha, slope);
        CHECK_MSG(fabs(level - 1) <= 0.15, "alpha %g: level ratio %g", alpha, level);
    }
}

static void test_telegraph(void)
{
    const double capt = 2e-6, emt = 5e-6, tstop = 0.5;
    double p[] = {0, 0, 0, 0, 1e-3, capt, emt};
    MsWave w = trnoise(7, p, 1, "v3", tstop);
    long n = w.nrts;
    CHECK(n > 1000 && w.rts[n - 1] > tstop && w.rts[n - 2] <= tstop);
    double low = 0, high = 0;
    long nl = 0, nh = 0, tail_l = 0, tail_h = 0;
    for (long i = 0; i < n; i++) {
        double d = w.rts[i] - (i ? w.rts[i - 1] : 0);
        if (i % 2 == 0) { low += d; nl++; tail_l += d > capt; }
        else { high += d; nh++; tail_h += d > emt; }
    }
    /* an exponential's mean of N has sigma mean/sqrt(N) */
    CHECK_MSG(fabs(low / nl - capt) <= 4 * capt / sqrt(nl), "mean low dwell %g, want %g", low / nl, capt);
    CHECK_MSG(fabs(high / nh - emt) <= 4 * emt / sqrt(nh), "mean high dwell %g, want %g", high / nh, emt);
    double pe = exp(-1), sl = 4 * sqrt(pe * (1 - pe) / nl), sh = 4 * sqrt(pe * (1 - pe) / nh);
    CHECK_MSG(fabs((double)tail_l / nl - pe) <= sl, "P(low dwell > mean) %g, want 1/e", (double)tail_l / nl);
    CHECK_MSG(fabs((double)tail_h / nh - pe) <= sh, "P(high dwell > mean) %g, want 1/e", (double)tail_h / nh);
    /* the waveform: 0 before the first capture, RTSAM from it, 0 from the emission */
    CHECK(ms_noise_eval(&w, 0) == 0);
    CHECK(ms_noise_eval(&w, w.rts[0] * 0.999) == 0);
    CHECK(ms_noise_eval(&w, w.rts[0]) == 1e-3);
    CHECK(ms_noise_eval(&w, (w.rts[0] + w.rts[1]) / 2) == 1e-3);
    CHECK(ms_noise_eval(&w, w.rts[1]) == 0);
    /* the fraction of time high, sampled on a grid */
    long up = 0, grid = 200000;
    int levels_ok = 1;
    for (long i = 0; i < grid; i++) {
        double v = ms_noise_eval(&w, tstop * (i + 0.5) / grid);
        levels_ok &= v == 0 || v == 1e-3;
        up += v != 0;
    }
    CHECK_MSG(levels_ok, "telegraph values other than 0 and RTSAM");
    double frac = (double)up / grid, want = emt / (capt + emt);
    CHECK_MSG(fabs(frac - want) <= 0.02, "high %.4f of the time, want %.4f", frac, want);
    ms_wave_free(&w);
}

static void test_sum_and_streams(void)
{
    double p[] = {0.1, 1e-6, 1, 1e-3, 1e-3, 3e-6, 3e-6};
    MsWave w = trnoise(7, p, 1, "v1", 1e-4), same = trnoise(7, p, 1, "v1", 1e-4);
    MsWave seed2 = trnoise(7, p, 2, "v1", 1e-4);
    double white_only[] = {0.1, 1e-6};
    MsWave white = trnoise(2, white_only, 1, "v1", 1e-4);
    CHECK(w.nonef == 102);   /* samples 0 .. 101: the one after tstop */
    int equal = 1, differ = 0;
    for (long k = 0; k < w.nonef; k++) {
        equal &= w.onef[k] == same.onef[k];
        differ += w.onef[k] != seed2.onef[k];
    }
    CHECK_MSG(equal && w.nrts == same.nrts && !memcmp(w.rts, same.rts, (size_t)w.nrts * sizeof *w.rts),
              "the same seed and name give the same tables");
    CHECK_MSG(differ == w.nonef - 1 && (w.nrts != seed2.nrts || w.rts[0] != seed2.rts[0]),
              "another seed: %d of %ld 1/f samples differ", differ, w.nonef - 1);
    /* the white part keeps its draws; the 1/f samples and the telegraph level add */
    double worst = 0;
    for (int k = 1; k < 100; k++) {
        double t = k * 1e-6 + 0.3e-6;
        double want = 0.7 * (ms_trnoise_sample(&white, (uint64_t)k) + w.onef[k]) +
                      0.3 * (ms_trnoise_sample(&white, (uint64_t)k + 1) + w.onef[k + 1]) +
                      1e-3 * ms_rts_level(w.rts, w.nrts, t);
        worst = fmax(worst, fabs(ms_noise_eval(&w, t) - want));
    }
    CHECK_MSG(worst <= 1e-12, "white + 1/f + telegraph: off by %g", worst);
    MsWave copy;
    ms_wave_copy(&copy, &w);
    CHECK(copy.onef != w.onef && ms_noise_eval(&copy, 37.5e-6) == ms_noise_eval(&w, 37.5e-6));
    ms_wave_free(&copy);
    ms_wave_free(&w);
    ms_wave_free(&same);
    ms_wave_free(&seed2);
}

static void refused(int np, const double *p, double tstop, const char *part)
{
    MsWave w;
    const char *why;
    int rc = build(&w, np, p, 1, "v1", tstop, &why);
    CHECK_MSG(rc != 0 && why && strstr(why, part), "refused with '%s': got rc %d, '%s'", part, rc, why ? why : "");
    ms_wave_free(&w);
}

static void test_refused(void)
{
    refused(4, (double[]){0, 1e-6, 2.5, 1e-3}, 1e-3, "NALPHA must be in [0, 2]");
    refused(4, (double[]){0, 1e-6, -1, 1e-3}, 1e-3, "NALPHA must be in [0, 2]");
    refused(4, (double[]){0, 1e-6, 1, -1e-3}, 1e-3, "NAMP must be >= 0");
    refused(4, (double[]){0, 0, 1, 1e-3}, 1e-3, "NT > 0");
    refused(7, (double[]){0, 0, 0, 0, -1e-3, 1e-6, 1e-6}, 1e-3, "RTSAM must be >= 0");
    refused(7, (double[]){0, 0, 0, 0, 1e-3, -1e-6, 1e-6}, 1e-3, "RTSCAPT and RTSEMT must be >= 0");
    refused(7, (double[]){0, 0, 0, 0, 1e-3, 1e-6, 0}, 1e-3, "needs mean times");
    refused(4, (double[]){0, 1e-9, 1, 1e-3}, 1e-9 * (MS_MAX_NOISE_TABLE + 10.0), "MS_MAX_NOISE_TABLE");
    refused(7, (double[]){0, 0, 0, 0, 1e-3, 1e-9, 1e-9}, 1e-9 * (MS_MAX_NOISE_TABLE + 1e5), "switches more than");
    long before = total;
    total = MS_MAX_NOISE_TOTAL - 100;   /* as if other sources held nearly all */
    refused(4, (double[]){0, 1e-6, 1, 1e-3}, 1e-6 * 200, "MS_MAX_NOISE_TOTAL");
    refused(7, (double[]){0, 0, 0, 0, 1e-3, 1e-6, 1e-6}, 1e-6 * 1000, "MS_MAX_NOISE_TOTAL");
    CHECK(total == MS_MAX_NOISE_TOTAL - 100);   /* a refused source adds nothing */
    total = before;
}

int main(void)
{
    test_convolution();
    test_variance();
    test_spectrum();
    test_telegraph();
    test_sum_and_streams();
    test_refused();
    return check_summary("test_noise_colored");
}
