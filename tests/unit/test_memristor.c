/* test_memristor.c — the hand-differentiated memristor equations
 * (ms_mem_eval_fast, levels 1 and 5) against the dual-number ones
 * (ms_mem_eval), which tests/e2e/models.sh in turn holds equal to the
 * reference subcircuits, over a grid of voltages, states and windows; and
 * both against central finite differences. */
#include "check.h"
#include "devices/memristor_models.h"

#include <string.h>

static void defaults(MsMemModel *m, int level)
{
    memset(m, 0, sizeof *m);
    m->level = level;
    double *p = m->par;
    if (level == 1) {
        p[MP_RON] = 100, p[MP_ROFF] = 16e3, p[MP_D] = 10e-9, p[MP_UV] = 1e-14, p[MP_P] = 1, p[MP_WINDOW] = 2;
        p[MP_J] = 1;
    } else {
        p[MP_RON] = 1e3, p[MP_ROFF] = 100e3, p[MP_VON] = 0.11, p[MP_VOFF] = 0.005, p[MP_KT] = 0.015;
        p[MP_TAU] = 100e-6;
    }
}

static double rel(double a, double b) { return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300); }

static void compare(const MsMemModel *m, double v, double x, const char *what)
{
    double I[3], g[3];
    Dual Id, gd;
    CHECK(ms_mem_eval_fast(m, v, x, I, g) == 1);
    ms_mem_eval(m, -1, v, x, &Id, &gd);
    double want_I[3] = {Id.v, Id.d[0], Id.d[1]}, want_g[3] = {gd.v, gd.d[0], gd.d[1]};
    for (int k = 0; k < 3; k++) {
        CHECK_MSG(rel(I[k], want_I[k]) < 1e-12 || fabs(I[k] - want_I[k]) < 1e-300,
                  "%s v=%g x=%g: I[%d] = %.17g, duals %.17g", what, v, x, k, I[k], want_I[k]);
        CHECK_MSG(rel(g[k], want_g[k]) < 1e-12 || fabs(g[k] - want_g[k]) < 1e-300,
                  "%s v=%g x=%g: g[%d] = %.17g, duals %.17g", what, v, x, k, g[k], want_g[k]);
    }
    /* and the derivatives against central differences (away from the stp kink
     * at I = 0 and from the bounds, where an outward rate stops) */
    if (fabs(v) > 1e-3 && x >= 1e-6 && x <= 1 - 1e-6) {
        double hv = 1e-6 * fmax(fabs(v), 1e-3), hx = 1e-6, Ip[3], Im[3], gp[3], gm[3];
        ms_mem_eval_fast(m, v + hv, x, Ip, gp);
        ms_mem_eval_fast(m, v - hv, x, Im, gm);
        CHECK_NEAR(I[1], (Ip[0] - Im[0]) / (2 * hv), 1e-6 * fabs(I[1]) + 1e-15);
        CHECK_NEAR(g[1], (gp[0] - gm[0]) / (2 * hv), 1e-6 * fabs(g[1]) + 1e-9 * fabs(g[0]) + 1e-15);
        ms_mem_eval_fast(m, v, x + hx, Ip, gp);
        ms_mem_eval_fast(m, v, x - hx, Im, gm);
        CHECK_NEAR(I[2], (Ip[0] - Im[0]) / (2 * hx), 1e-6 * fabs(I[2]) + 1e-15);
        CHECK_NEAR(g[2], (gp[0] - gm[0]) / (2 * hx), 1e-6 * fabs(g[2]) + 1e-9 * fabs(g[0]) + 1e-12);
    }
}

int main(void)
{
    MsMemModel m;
    const double vs[] = {-1.3, -0.2, -0.0123, 0.0, 0.004, 0.07, 0.11, 0.35, 1.2};
    const double xs[] = {0.0, 0.013, 0.3, 0.5, 0.77, 0.999, 1.0};
    char what[64];
    for (int w = 0; w <= 3; w++)
        for (int p = 1; p <= 3; p++) {
            defaults(&m, 1);
            m.par[MP_WINDOW] = w;
            m.par[MP_P] = p;
            m.par[MP_J] = 1.3;
            snprintf(what, sizeof what, "HP window %d p %d", w, p);
            for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
                for (size_t j = 0; j < sizeof xs / sizeof xs[0]; j++)
                    compare(&m, vs[i], xs[j], what);
        }
    defaults(&m, 5);
    for (size_t i = 0; i < sizeof vs / sizeof vs[0]; i++)
        for (size_t j = 0; j < sizeof xs / sizeof xs[0]; j++)
            compare(&m, vs[i], xs[j], "MMS");
    double I[3], g[3];
    defaults(&m, 1);
    m.level = 3;
    CHECK(ms_mem_eval_fast(&m, 0.1, 0.5, I, g) == 0);   /* other levels: the dual path */
    return check_summary("memristor");
}
