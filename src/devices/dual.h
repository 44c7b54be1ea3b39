/* dual.h — forward-mode dual numbers for device equations written once:
 * a value and its partial derivatives with respect to up to MS_DUAL_N
 * inputs (for the memristor: terminal voltage, state, one parameter), so
 * Jacobian entries and parameter derivatives are exact and follow the
 * equations automatically. */
#ifndef MS_DUAL_H
#define MS_DUAL_H

#include <math.h>

#define MS_DUAL_N 3

typedef struct Dual {
    double v;
    double d[MS_DUAL_N];
} Dual;

static inline Dual dc(double c) { return (Dual){c, {0, 0, 0}}; }

static inline Dual dvar(double v, int k)
{
    Dual r = dc(v);
    r.d[k] = 1;
    return r;
}

/* f(a) with f'(a) = fp */
static inline Dual dchain(Dual a, double f, double fp)
{
    Dual r = {f, {0, 0, 0}};
    for (int k = 0; k < MS_DUAL_N; k++)
        r.d[k] = fp * a.d[k];
    return r;
}

static inline Dual dadd(Dual a, Dual b)
{
    for (int k = 0; k < MS_DUAL_N; k++)
        a.d[k] += b.d[k];
    a.v += b.v;
    return a;
}

static inline Dual dsub(Dual a, Dual b)
{
    for (int k = 0; k < MS_DUAL_N; k++)
        a.d[k] -= b.d[k];
    a.v -= b.v;
    return a;
}

static inline Dual dmul(Dual a, Dual b)
{
    Dual r = {a.v * b.v, {0, 0, 0}};
    for (int k = 0; k < MS_DUAL_N; k++)
        r.d[k] = a.d[k] * b.v + a.v * b.d[k];
    return r;
}

static inline Dual ddiv(Dual a, Dual b)
{
    Dual r = {a.v / b.v, {0, 0, 0}};
    for (int k = 0; k < MS_DUAL_N; k++)
        r.d[k] = (a.d[k] - r.v * b.d[k]) / b.v;
    return r;
}

static inline Dual dscale(Dual a, double s) { return dchain(a, s * a.v, s); }
static inline Dual daddc(Dual a, double c) { a.v += c; return a; }
static inline Dual dneg(Dual a) { return dscale(a, -1); }
static inline Dual dexp(Dual a) { double e = exp(a.v); return dchain(a, e, e); }
static inline Dual dsinh(Dual a) { return dchain(a, sinh(a.v), cosh(a.v)); }
static inline Dual dlog(Dual a) { return dchain(a, log(a.v), 1 / a.v); }
/* a^n for a small positive integer n, by multiplication (no pow() call) */
static inline Dual dpowi(Dual a, int n)
{
    double p = 1;   /* a^(n-1) */
    for (int i = 1; i < n; i++)
        p *= a.v;
    return dchain(a, p * a.v, n * p);
}

/* a^e for a constant exponent (a > 0 unless e is an integer) */
static inline Dual dpowc(Dual a, double e)
{
    if (e == (int)e && e >= 1 && e <= 64)
        return dpowi(a, (int)e);
    return dchain(a, pow(a.v, e), e == 0 ? 0 : e * pow(a.v, e - 1));
}
/* logistic sigmoid 1 / (1 + exp(-a)), written to avoid overflow */
static inline Dual dsigmoid(Dual a)
{
    double s = a.v >= 0 ? 1 / (1 + exp(-a.v)) : exp(a.v) / (1 + exp(a.v));
    return dchain(a, s, s * (1 - s));
}

#endif
