/* test_noise.c — the random sources (src/devices/noise_wave.c) against the
 * distributions they promise: mean and standard deviation of 10,000 draws
 * within their 4-sigma confidence bounds (Gaussian TRNOISE and TRRANDOM,
 * uniform, exponential, Poisson), the uniform range and the exponential
 * and Poisson supports; the waveforms as ngspice defines them (TRNOISE
 * linear between samples, sample 0 = 0; TRRANDOM held for TS after TD,
 * PARAM2 before); the same seed and name give the same stream, another
 * seed or name another one; the parameter checks (the 1/f and telegraph
 * parts: test_noise_colored.c). */
#include "check.h"
#include "devices/noise_wave.h"

#include <string.h>

enum { N = 10000 };

/* A wave of parameters p, checked as the elaborator does; rc != 0 and *why if refused. */
static int finish(MsWave *w, MsWaveKind kind, int np, const double *p, const char **why)
{
    memset(w, 0, sizeof *w);
    w->kind = kind;
    w->np = np;
    memcpy(w->p, p, (size_t)np * sizeof *p);
    *why = NULL;
    return ms_noise_finish(w, why);
}

static MsWave wave(MsWaveKind kind, int np, const double *p, double seed, const char *name)
{
    MsWave w;
    const char *why;
    int rc = finish(&w, kind, np, p, &why);
    CHECK_MSG(rc == 0, "finish: %s", why ? why : "?");
    w.stream = ms_noise_stream(seed, name);
    return w;
}

typedef struct Stats {
    double mean, sd, min, max;
    int integers;
} Stats;

static Stats stats(const MsWave *w, int trnoise)
{
    Stats s = {0, 0, INFINITY, -INFINITY, 1};
    double sum = 0, sum2 = 0;
    for (int k = 1; k <= N; k++) {
        double v = trnoise ? ms_trnoise_sample(w, (uint64_t)k) : ms_trrandom_draw(w, (uint64_t)k);
        sum += v;
        sum2 += v * v;
        s.min = fmin(s.min, v);
        s.max = fmax(s.max, v);
        if (v != floor(v))
            s.integers = 0;
    }
    s.mean = sum / N;
    s.sd = sqrt((sum2 - N * s.mean * s.mean) / (N - 1));
    return s;
}

/* mean within 4 sigma/sqrt(N); sd within 4 of its standard error,
 * sigma sqrt((kurtosis - 1) / (4 N)) (kurtosis 3 Gaussian, 1.8 uniform, 9 exponential) */
static void check_moments(const char *what, Stats s, double mean, double sd, double kurt)
{
    double tol_m = 4 * sd / sqrt(N), tol_s = 4 * sd * sqrt((kurt - 1) / (4.0 * N));
    CHECK_MSG(fabs(s.mean - mean) <= tol_m, "%s: mean %g, want %g +- %g", what, s.mean, mean, tol_m);
    CHECK_MSG(fabs(s.sd - sd) <= tol_s, "%s: sd %g, want %g +- %g", what, s.sd, sd, tol_s);
}

static void test_distributions(void)
{
    double white[] = {0.3, 1e-6};
    MsWave w = wave(WF_TRNOISE, 2, white, 1, "v1");
    check_moments("TRNOISE NA=0.3", stats(&w, 1), 0, 0.3, 3);

    double gauss[] = {2, 1e-6, 0, 0.5, 1.5};
    w = wave(WF_TRRANDOM, 5, gauss, 1, "v2");
    check_moments("TRRANDOM 2 (0.5, 1.5)", stats(&w, 0), 1.5, 0.5, 3);

    double unif[] = {1, 1e-6, 0, 2, -1};
    w = wave(WF_TRRANDOM, 5, unif, 1, "v3");
    Stats s = stats(&w, 0);
    check_moments("TRRANDOM 1 (2, -1)", s, -1, 2 / sqrt(3), 1.8);
    CHECK_MSG(s.min >= -3 && s.max < 1, "uniform range [%g, %g] outside [-3, 1)", s.min, s.max);
    CHECK_MSG(s.min < -2.99 && s.max > 0.99, "uniform range [%g, %g] does not fill [-3, 1)", s.min, s.max);

    double expo[] = {3, 1e-6, 0, 0.25, 1};
    w = wave(WF_TRRANDOM, 5, expo, 1, "v4");
    s = stats(&w, 0);
    check_moments("TRRANDOM 3 (0.25, 1)", s, 1.25, 0.25, 9);
    CHECK_MSG(s.min >= 1, "exponential below its offset: %g", s.min);

    double pois[] = {4, 1e-6, 0, 3.5, 0};
    w = wave(WF_TRRANDOM, 5, pois, 1, "v5");
    s = stats(&w, 0);
    check_moments("TRRANDOM 4 (3.5)", s, 3.5, sqrt(3.5), 3 + 1 / 3.5);
    CHECK_MSG(s.integers && s.min >= 0, "Poisson draws must be integers >= 0 (min %g)", s.min);
    double pois_big[] = {4, 1e-6, 0, 400, 0};
    w = wave(WF_TRRANDOM, 5, pois_big, 1, "v6");
    check_moments("TRRANDOM 4 (400)", stats(&w, 0), 400, 20, 3 + 1 / 400.0);
}

static void test_streams(void)
{
    double p[] = {2, 1e-6};
    MsWave a = wave(WF_TRRANDOM, 2, p, 7, "x1.v1"), b = wave(WF_TRRANDOM, 2, p, 7, "x1.v1");
    MsWave other_seed = wave(WF_TRRANDOM, 2, p, 8, "x1.v1"), other_name = wave(WF_TRRANDOM, 2, p, 7, "x1.v2");
    int same = 1, diff_seed = 0, diff_name = 0;
    for (uint64_t k = 0; k < 100; k++) {
        same &= ms_trrandom_draw(&a, k) == ms_trrandom_draw(&b, k);
        diff_seed += ms_trrandom_draw(&a, k) != ms_trrandom_draw(&other_seed, k);
        diff_name += ms_trrandom_draw(&a, k) != ms_trrandom_draw(&other_name, k);
    }
    CHECK_MSG(same, "the same seed and name give the same draws");
    CHECK_MSG(diff_seed == 100, "another seed: %d of 100 draws differ", diff_seed);
    CHECK_MSG(diff_name == 100, "another source name: %d of 100 draws differ", diff_name);
}

static void test_waveforms(void)
{
    double p[] = {0.1, 1e-6};
    MsWave w = wave(WF_TRNOISE, 2, p, 1, "v1");
    CHECK(ms_noise_eval(&w, 0) == 0);
    CHECK(ms_trnoise_sample(&w, 0) == 0);
    for (int k = 1; k < 5; k++) {
        double s0 = ms_trnoise_sample(&w, (uint64_t)k), s1 = ms_trnoise_sample(&w, (uint64_t)k + 1);
        CHECK_NEAR(ms_noise_eval(&w, k * 1e-6), s0, 1e-12);
        CHECK_NEAR(ms_noise_eval(&w, (k + 0.25) * 1e-6), 0.75 * s0 + 0.25 * s1, 1e-12);
    }
    double none[] = {0, 1e-6};
    MsWave quiet = wave(WF_TRNOISE, 2, none, 1, "v1");
    CHECK(ms_noise_eval(&quiet, 3.3e-6) == 0);

    double r[] = {2, 1e-6, 5e-6, 1, 0.5};
    w = wave(WF_TRRANDOM, 5, r, 1, "v2");
    CHECK(ms_noise_eval(&w, 0) == 0.5);          /* before TD: PARAM2, as ngspice 39 */
    CHECK(ms_noise_eval(&w, 5e-6) == 0.5);       /* TD itself: the value before */
    for (int n = 0; n < 4; n++) {
        double d = ms_trrandom_draw(&w, (uint64_t)n);
        CHECK(ms_noise_eval(&w, 5e-6 + (n + 0.01) * 1e-6) == d);
        CHECK(ms_noise_eval(&w, 5e-6 + (n + 0.99) * 1e-6) == d);
        CHECK(ms_noise_eval(&w, 5e-6 + (n + 1) * 1e-6) == d);   /* held up to and including the end */
    }
}

static void refused(MsWaveKind kind, int np, const double *p, const char *part)
{
    MsWave w;
    const char *why;
    int rc = finish(&w, kind, np, p, &why);
    CHECK_MSG(rc != 0 && why && strstr(why, part), "refused with '%s': got rc %d, '%s'", part, rc, why ? why : "");
}

static void test_refused(void)
{
    refused(WF_TRNOISE, 1, (double[]){0.1}, "at least NA and NT");
    refused(WF_TRNOISE, 2, (double[]){-0.1, 1e-6}, ">= 0");
    refused(WF_TRRANDOM, 2, (double[]){5, 1e-6}, "TYPE must be");
    refused(WF_TRRANDOM, 2, (double[]){1.5, 1e-6}, "TYPE must be");
    refused(WF_TRRANDOM, 2, (double[]){1, 0}, "TS must be > 0");
    refused(WF_TRRANDOM, 3, (double[]){1, 1e-6, -1e-6}, "TD must be >= 0");
    refused(WF_TRRANDOM, 4, (double[]){4, 1e-6, 0, 1000}, "Poisson mean");
    refused(WF_TRRANDOM, 4, (double[]){3, 1e-6, 0, -1}, "exponential mean");
}

int main(void)
{
    test_distributions();
    test_streams();
    test_waveforms();
    test_refused();
    return check_summary("test_noise");
}
