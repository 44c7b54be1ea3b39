/* tape_eval.c — evaluating tapes with forward-mode derivatives (see tape.h). */
#include "tape.h"

#include <math.h>
#include <string.h>

static double sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

/* x^n for a small integer n by repeated multiplication */
static inline double powi(double x, int n)
{
    double r = 1, p = n < 0 ? 1 / x : x;
    for (unsigned m = (unsigned)(n < 0 ? -n : n); m; m >>= 1, p *= p)
        if (m & 1)
            r *= p;
    return r;
}

/* The value r of one operation and, when want_p, its partial derivatives
 * p[0..2] with respect to its operands.  One switch serves both so the
 * evaluator dispatches once per operation. */
static inline __attribute__((always_inline)) int op_eval(MsTapeOpcode op, double a, double b, double c, double k,
                                                         int want_p, double *v, double p[3], const char **what)
{
    double r, d0 = 0, d1 = 0, d2 = 0;
    switch (op) {
    case TO_MOV: r = a; d0 = 1; break;
    case TO_NEG: r = -a; d0 = -1; break;
    case TO_NOT: r = a == 0; break;
    case TO_ADD: r = a + b; d0 = 1; d1 = 1; break;
    case TO_SUB: r = a - b; d0 = 1; d1 = -1; break;
    case TO_MUL: r = a * b; d0 = b; d1 = a; break;
    case TO_DIV:
        if (b == 0) { *what = "division by zero"; return MS_ERR_EVAL; }
        r = a / b;
        d0 = 1 / b;
        d1 = -r / b;
        break;
    case TO_POWI:
        if (a == 0 && k < 0) { *what = "division by zero (zero to a negative power)"; return MS_ERR_EVAL; }
        r = powi(a, (int)k);
        if (want_p)
            d0 = k == 0 ? 0 : k * powi(a, (int)k - 1);
        break;
    case TO_POW:
        if (a < 0 && b != floor(b)) { *what = "negative number to a non-integer power"; return MS_ERR_EVAL; }
        r = pow(a, b);
        if (want_p) {
            /* at a = 0 as pwr() and sqrt(): 1 for b = 1, else 0 (not inf) */
            d0 = a == 0 ? (b == 1 ? 1 : 0) : b * pow(a, b - 1);
            d1 = a > 0 ? r * log(a) : 0;
        }
        break;
    case TO_PWR:
        r = sgn(a) * pow(fabs(a), b);
        if (want_p) {
            d0 = a == 0 ? (b == 1 ? 1 : 0) : b * pow(fabs(a), b - 1);
            d1 = a != 0 ? r * log(fabs(a)) : 0;
        }
        break;
    case TO_EQ: r = a == b; break;
    case TO_NE: r = a != b; break;
    case TO_LT: r = a < b; break;
    case TO_LE: r = a <= b; break;
    case TO_GT: r = a > b; break;
    case TO_GE: r = a >= b; break;
    case TO_AND: r = a != 0 && b != 0; break;
    case TO_OR: r = a != 0 || b != 0; break;
    case TO_ABS: r = fabs(a); d0 = sgn(a); break;
    case TO_SQRT:
        if (a < 0) { *what = "square root of a negative number"; return MS_ERR_EVAL; }
        r = sqrt(a);
        d0 = r > 0 ? 0.5 / r : 0;
        break;
    case TO_EXP: r = exp(a); d0 = r; break;
    case TO_LN:
    case TO_LOG10:
        if (a <= 0) { *what = "logarithm of a non-positive number"; return MS_ERR_EVAL; }
        r = op == TO_LN ? log(a) : log10(a);
        d0 = op == TO_LN ? 1 / a : 1 / (a * 2.302585092994045684);
        break;
    case TO_SIN: r = sin(a); if (want_p) d0 = cos(a); break;
    case TO_COS: r = cos(a); if (want_p) d0 = -sin(a); break;
    case TO_TAN: r = tan(a); d0 = 1 + r * r; break;
    case TO_ASIN:
    case TO_ACOS:
        if (fabs(a) > 1) { *what = "asin/acos of a number outside [-1, 1]"; return MS_ERR_EVAL; }
        r = op == TO_ASIN ? asin(a) : acos(a);
        d0 = fabs(a) < 1 ? (op == TO_ASIN ? 1 : -1) / sqrt(1 - a * a) : 0;
        break;
    case TO_ATAN: r = atan(a); d0 = 1 / (1 + a * a); break;
    case TO_SINH: r = sinh(a); if (want_p) d0 = cosh(a); break;
    case TO_COSH: r = cosh(a); if (want_p) d0 = sinh(a); break;
    case TO_TANH: r = tanh(a); d0 = 1 - r * r; break;
    case TO_ASINH: r = asinh(a); d0 = 1 / sqrt(a * a + 1); break;
    case TO_ACOSH:
        if (a < 1) { *what = "acosh of a number below 1"; return MS_ERR_EVAL; }
        r = acosh(a);
        d0 = a > 1 ? 1 / sqrt(a * a - 1) : 0;
        break;
    case TO_ATANH:
        if (!(fabs(a) < 1)) { *what = "atanh of a number outside (-1, 1)"; return MS_ERR_EVAL; }
        r = atanh(a);
        d0 = 1 / (1 - a * a);
        break;
    case TO_FLOOR: r = floor(a); break;
    case TO_CEIL: r = ceil(a); break;
    case TO_INT: r = trunc(a); break;
    case TO_NINT: r = nearbyint(a); break;   /* halves to even, as ngspice */
    case TO_SGN: r = sgn(a); break;
    case TO_U: r = a > 0 ? 1 : a < 0 ? 0 : 0.5; break;   /* ngspice: u(0) = 0.5 */
    case TO_URAMP: r = a > 0 ? a : 0; d0 = a > 0; break;
    case TO_ATAN2: {
        r = atan2(a, b);
        double s2 = a * a + b * b;
        if (s2 > 0) {
            d0 = b / s2;
            d1 = -a / s2;
        }
        break;
    }
    case TO_MIN: r = fmin(a, b); if (a <= b) d0 = 1; else d1 = 1; break;
    case TO_MAX: r = fmax(a, b); if (a >= b) d0 = 1; else d1 = 1; break;
    case TO_LIMIT:
        if (a < b) { r = b; d1 = 1; }
        else if (a > c) { r = c; d2 = 1; }
        else { r = a; d0 = 1; }
        break;
    default: *what = "internal: bad tape operation"; return MS_ERR_EVAL;
    }
    if (!isfinite(r)) {
        *what = "result is not a finite number (overflow)";
        return MS_ERR_EVAL;
    }
    *v = r;
    p[0] = d0;
    p[1] = d1;
    p[2] = d2;
    return MS_OK;
}

int ms_tape_op_value(MsTapeOpcode op, double a, double b, double c, double k, double *v, const char **what)
{
    double p[3];
    return op_eval(op, a, b, c, k, 0, v, p, what);
}

size_t ms_tape_scratch(const MsTape *t) { return (size_t)t->nslots * (size_t)(t->nvars + 1); }

int ms_tape_eval(const MsTape *t, const double *x, double time, double *S, double *val, double *grad,
                 const char **what)
{
    const int nv = t->nvars, w = nv + 1;
    int pc = 0;
    while (pc < t->nops) {
        const MsTapeOp *o = &t->ops[pc];
        double *d = S + (size_t)o->dst * w;
        switch (o->op) {
        case TO_JZ:
            pc = S[(size_t)o->a * w] == 0 ? o->b : pc + 1;
            continue;
        case TO_JMP:
            pc = o->b;
            continue;
        case TO_CONST:   /* no gradient: no consumer reads it */
            d[0] = o->k;
            break;
        case TO_TIME:
            d[0] = time;
            break;
        case TO_VAR:
        case TO_PARAM:
            d[0] = o->op == TO_VAR ? x[t->vars[o->a].unk] : o->k;
            memset(d + 1, 0, (size_t)nv * sizeof *d);
            d[1 + o->a] = 1;
            break;
        default: {
            const double *A = S + (size_t)o->a * w, *B = S + (size_t)o->b * w, *C = S + (size_t)o->c * w;
            double r, p[3];
            int rc = op_eval(o->op, A[0], B[0], C[0], o->k, o->gd, &r, p, what);
            if (rc)
                return rc;
            /* d may alias an operand (MOV into a select's result): each d[k] is
             * written after its own inputs are read */
            if (o->ga && !o->gb && !o->gc) {
                for (int k = 1; k <= nv; k++)
                    d[k] = p[0] * A[k];
            } else if (o->ga && o->gb && !o->gc) {
                for (int k = 1; k <= nv; k++)
                    d[k] = p[0] * A[k] + p[1] * B[k];
            } else if (o->gd) {
                for (int k = 1; k <= nv; k++) {
                    double g = 0;
                    if (o->ga) g += p[0] * A[k];
                    if (o->gb) g += p[1] * B[k];
                    if (o->gc) g += p[2] * C[k];
                    d[k] = g;
                }
            }
            d[0] = r;
        }
        }
        pc++;
    }
    const double *res = S + (size_t)t->result * w;
    *val = res[0];
    if (t->result_has_grad)
        memcpy(grad, res + 1, (size_t)nv * sizeof *grad);
    else
        memset(grad, 0, (size_t)nv * sizeof *grad);
    /* exp(v*1k) near its overflow: a finite value, an infinite slope */
    for (int j = 0; j < nv; j++)
        if (!isfinite(grad[j])) {
            *what = "derivative is not a finite number (overflow)";
            return MS_ERR_EVAL;
        }
    return MS_OK;
}

int ms_tape_batchable(const MsTape *t)
{
    for (int i = 0; i < t->nops; i++)
        if (t->ops[i].op == TO_JZ || t->ops[i].op == TO_JMP)
            return 0;
    return 1;
}

size_t ms_tape_batch_scratch(const MsTape *t)
{
    return ((size_t)t->nslots * (size_t)(t->nvars + 1) + 3) * MS_TAPE_LANES;
}

int ms_tape_same_code(const MsTape *a, const MsTape *b)
{
    if (a->nops != b->nops || a->nslots != b->nslots || a->nvars != b->nvars || a->result != b->result ||
        a->result_has_grad != b->result_has_grad)
        return 0;
    for (int i = 0; i < a->nops; i++) {
        const MsTapeOp *x = &a->ops[i], *y = &b->ops[i];
        if (x->op != y->op || x->dst != y->dst || x->a != y->a || x->b != y->b || x->c != y->c || x->k != y->k ||
            signbit(x->k) != signbit(y->k) ||
            x->ga != y->ga || x->gb != y->gb || x->gc != y->gc || x->gd != y->gd)
            return 0;
    }
    /* members of a class share the leader's tape: the same .params, or a
     * change of one parameter's value would reach instances that do not read it */
    for (int j = 0; j < a->nvars; j++)
        if (a->vars[j].param != b->vars[j].param)
            return 0;
    return 1;
}

int ms_tape_param_var(const MsTape *t, int j)
{
    for (int k = 0; k < t->nvars; k++)
        if (t->vars[k].param == j)
            return k;
    return -1;
}

int ms_tape_set_param(MsTape *t, int j, double value)
{
    int k = ms_tape_param_var(t, j);
    if (k < 0)
        return 0;
    for (int i = 0; i < t->nops; i++)
        if (t->ops[i].op == TO_PARAM && t->ops[i].a == k)
            t->ops[i].k = value;
    return 1;
}

/* +, -, *, unary - over all lanes, values and derivatives. */
static void batch_arith(const MsTapeOp *o, double *S, int w, int lanes, int gd)
{
    enum { L = MS_TAPE_LANES };
    double *d = S + (size_t)o->dst * w * L;
    const double *a = S + (size_t)o->a * w * L, *b = S + (size_t)o->b * w * L;
    int comps = gd ? w : 1;
    for (int c = 0; c < comps; c++, d += L, a += L, b += L) {
        int ga = c == 0 || o->ga, gb = c == 0 || o->gb;
        switch (o->op) {
        case TO_NEG:
            for (int l = 0; l < lanes; l++)
                d[l] = -a[l];
            break;
        case TO_ADD:
        case TO_SUB: {
            double sb = o->op == TO_ADD ? 1 : -1;
            if (ga && gb)
                for (int l = 0; l < lanes; l++)
                    d[l] = a[l] + sb * b[l];
            else if (ga)
                for (int l = 0; l < lanes; l++)
                    d[l] = a[l];
            else
                for (int l = 0; l < lanes; l++)
                    d[l] = sb * b[l];
            break;
        }
        default: {   /* TO_MUL: (a b)' = a' b + a b' with the values in component 0 */
            const double *a0 = S + (size_t)o->a * w * L, *b0 = S + (size_t)o->b * w * L;
            if (c == 0)
                for (int l = 0; l < lanes; l++)
                    d[l] = a[l] * b[l];
            else if (ga && gb)
                for (int l = 0; l < lanes; l++)
                    d[l] = a[l] * b0[l] + a0[l] * b[l];
            else if (ga)
                for (int l = 0; l < lanes; l++)
                    d[l] = a[l] * b0[l];
            else
                for (int l = 0; l < lanes; l++)
                    d[l] = a0[l] * b[l];
        }
        }
    }
}

/* a / b and u(a) over all lanes (the other common operations of memristor
 * models), values and derivatives: (a/b)' = (a' - (a/b) b') / b, u' = 0. */
static int batch_div_u(const MsTapeOp *o, double *S, int w, int lanes, int gd, int *bad_lane, const char **what)
{
    enum { L = MS_TAPE_LANES };
    double *d = S + (size_t)o->dst * w * L;
    const double *a = S + (size_t)o->a * w * L, *b = S + (size_t)o->b * w * L;
    if (o->op == TO_U) {
        for (int l = 0; l < lanes; l++)
            d[l] = a[l] > 0 ? 1 : a[l] < 0 ? 0 : 0.5;   /* u(0) = 1/2, as ngspice */
        for (int c = 1; gd && c < w; c++)
            memset(d + (size_t)c * L, 0, (size_t)lanes * sizeof *d);
        return MS_OK;
    }
    for (int l = 0; l < lanes; l++) {
        if (b[l] == 0) {
            *bad_lane = l;
            *what = "division by zero";
            return MS_ERR_EVAL;
        }
        d[l] = a[l] / b[l];
        if (!isfinite(d[l])) {
            *bad_lane = l;
            *what = "result is not a finite number (overflow)";
            return MS_ERR_EVAL;
        }
    }
    for (int c = 1; gd && c < w; c++) {
        double *dc = d + (size_t)c * L;
        const double *ac = a + (size_t)c * L, *bc = b + (size_t)c * L;
        if (o->ga && o->gb)
            for (int l = 0; l < lanes; l++)
                dc[l] = (ac[l] - d[l] * bc[l]) / b[l];
        else if (o->ga)
            for (int l = 0; l < lanes; l++)
                dc[l] = ac[l] / b[l];
        else
            for (int l = 0; l < lanes; l++)
                dc[l] = -d[l] * bc[l] / b[l];
    }
    return MS_OK;
}

/* Structure of arrays: component c (0 value, 1..nv derivatives) of slot s
 * for lane l is S[(s * (nv + 1) + c) * LANES + l].  The operation is
 * dispatched once for all lanes; the derivative loops vectorise. */
int ms_tape_eval_batch(const MsTape *t, int lanes, const int *unk, const double *x, double time, double *S,
                       double *val, double *grad, int *bad_lane, const char **what)
{
    /* grad == NULL: values only, no derivative is computed */
    const int want = grad != NULL;
    enum { L = MS_TAPE_LANES };
    const int nv = t->nvars, w = nv + 1;
    double *P = S + (size_t)t->nslots * w * L;   /* partials: 3 x L */
#define COMP(slot, c) (S + ((size_t)(slot) * w + (c)) * L)
    for (int pc = 0; pc < t->nops; pc++) {
        const MsTapeOp *o = &t->ops[pc];
        double *d0 = COMP(o->dst, 0);
        switch (o->op) {
        case TO_CONST:
            for (int l = 0; l < lanes; l++)
                d0[l] = o->k;
            break;
        case TO_TIME:
            for (int l = 0; l < lanes; l++)
                d0[l] = time;
            break;
        case TO_VAR:
        case TO_PARAM:
            if (o->op == TO_VAR)
                for (int l = 0; l < lanes; l++)
                    d0[l] = x[unk[l * nv + o->a]];
            else
                for (int l = 0; l < lanes; l++)
                    d0[l] = o->k;
            for (int c = 1; c <= nv && want; c++) {
                double *dc = COMP(o->dst, c), one = c == 1 + o->a;
                for (int l = 0; l < lanes; l++)
                    dc[l] = one;
            }
            break;
        case TO_ADD:
        case TO_SUB:
        case TO_MUL:
        case TO_NEG:
            /* the commonest operations without a call per lane; an overflow
             * is an error here as in ms_tape_eval (later operations such as
             * comparisons or exp(-inf) could hide it) */
            batch_arith(o, S, w, lanes, want && o->gd);
            for (int l = 0; l < lanes; l++)
                if (!isfinite(d0[l])) {
                    *bad_lane = l;
                    *what = "result is not a finite number (overflow)";
                    return MS_ERR_EVAL;
                }
            break;
        case TO_DIV:
        case TO_U:
            if (batch_div_u(o, S, w, lanes, want && o->gd, bad_lane, what))
                return MS_ERR_EVAL;
            break;
        default: {
            const double *a0 = COMP(o->a, 0), *b0 = COMP(o->b, 0), *c0 = COMP(o->c, 0);
            double *p0 = P, *p1 = P + L, *p2 = P + 2 * L;
            for (int l = 0; l < lanes; l++) {
                double r, p[3];
                if (op_eval(o->op, a0[l], b0[l], c0[l], o->k, want && o->gd, &r, p, what)) {
                    *bad_lane = l;
                    return MS_ERR_EVAL;
                }
                p0[l] = p[0];
                p1[l] = p[1];
                p2[l] = p[2];
                d0[l] = r;
            }
            if (!o->gd || !want)
                break;
            for (int c = 1; c <= nv; c++) {
                const double *ac = COMP(o->a, c), *bc = COMP(o->b, c), *cc = COMP(o->c, c);
                double *dc = COMP(o->dst, c);
                if (o->ga && !o->gb && !o->gc)
                    for (int l = 0; l < lanes; l++)
                        dc[l] = p0[l] * ac[l];
                else if (o->ga && o->gb && !o->gc)
                    for (int l = 0; l < lanes; l++)
                        dc[l] = p0[l] * ac[l] + p1[l] * bc[l];
                else if (!o->ga && o->gb && !o->gc)
                    for (int l = 0; l < lanes; l++)
                        dc[l] = p1[l] * bc[l];
                else
                    for (int l = 0; l < lanes; l++)
                        dc[l] = (o->ga ? p0[l] * ac[l] : 0) + (o->gb ? p1[l] * bc[l] : 0) + (o->gc ? p2[l] * cc[l] : 0);
            }
        }
        }
    }
    const double *r0 = COMP(t->result, 0);
    for (int l = 0; l < lanes; l++) {
        if (!isfinite(r0[l])) {
            *bad_lane = l;
            *what = "result is not a finite number (overflow)";
            return MS_ERR_EVAL;
        }
        val[l] = r0[l];
        for (int j = 0; j < nv && want; j++) {
            grad[l * nv + j] = t->result_has_grad ? COMP(t->result, 1 + j)[l] : 0;
            if (!isfinite(grad[l * nv + j])) {
                *bad_lane = l;
                *what = "derivative is not a finite number (overflow)";
                return MS_ERR_EVAL;
            }
        }
    }
#undef COMP
    return MS_OK;
}
