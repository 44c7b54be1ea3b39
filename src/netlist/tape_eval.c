/* tape_eval.c — evaluating tapes with forward-mode derivatives (see tape.h). */
#include "tape.h"

#include <math.h>
#include <string.h>

static double sgn(double x) { return x > 0 ? 1 : x < 0 ? -1 : 0; }

int ms_tape_op_value(MsTapeOpcode op, double a, double b, double c, double *v, const char **what)
{
    double r;
    switch (op) {
    case TO_MOV: r = a; break;
    case TO_NEG: r = -a; break;
    case TO_NOT: r = a == 0; break;
    case TO_ADD: r = a + b; break;
    case TO_SUB: r = a - b; break;
    case TO_MUL: r = a * b; break;
    case TO_DIV:
        if (b == 0) { *what = "division by zero"; return MS_ERR_EVAL; }
        r = a / b;
        break;
    case TO_POW:
        if (a < 0 && b != floor(b)) { *what = "negative number to a non-integer power"; return MS_ERR_EVAL; }
        r = pow(a, b);
        break;
    case TO_PWR: r = sgn(a) * pow(fabs(a), b); break;
    case TO_EQ: r = a == b; break;
    case TO_NE: r = a != b; break;
    case TO_LT: r = a < b; break;
    case TO_LE: r = a <= b; break;
    case TO_GT: r = a > b; break;
    case TO_GE: r = a >= b; break;
    case TO_AND: r = a != 0 && b != 0; break;
    case TO_OR: r = a != 0 || b != 0; break;
    case TO_ABS: r = fabs(a); break;
    case TO_SQRT:
        if (a < 0) { *what = "square root of a negative number"; return MS_ERR_EVAL; }
        r = sqrt(a);
        break;
    case TO_EXP: r = exp(a); break;
    case TO_LN:
    case TO_LOG10:
        if (a <= 0) { *what = "logarithm of a non-positive number"; return MS_ERR_EVAL; }
        r = op == TO_LN ? log(a) : log10(a);
        break;
    case TO_SIN: r = sin(a); break;
    case TO_COS: r = cos(a); break;
    case TO_TAN: r = tan(a); break;
    case TO_ASIN:
    case TO_ACOS:
        if (fabs(a) > 1) { *what = "asin/acos of a number outside [-1, 1]"; return MS_ERR_EVAL; }
        r = op == TO_ASIN ? asin(a) : acos(a);
        break;
    case TO_ATAN: r = atan(a); break;
    case TO_SINH: r = sinh(a); break;
    case TO_COSH: r = cosh(a); break;
    case TO_TANH: r = tanh(a); break;
    case TO_FLOOR: r = floor(a); break;
    case TO_CEIL: r = ceil(a); break;
    case TO_INT: r = trunc(a); break;
    case TO_NINT: r = round(a); break;
    case TO_SGN: r = sgn(a); break;
    case TO_U: r = a > 0; break;
    case TO_URAMP: r = a > 0 ? a : 0; break;
    case TO_ATAN2: r = atan2(a, b); break;
    case TO_MIN: r = fmin(a, b); break;
    case TO_MAX: r = fmax(a, b); break;
    case TO_LIMIT: r = a < b ? b : a > c ? c : a; break;
    default: *what = "internal: bad tape operation"; return MS_ERR_EVAL;
    }
    if (!isfinite(r)) {
        *what = "result is not a finite number (overflow)";
        return MS_ERR_EVAL;
    }
    *v = r;
    return MS_OK;
}

/* d op / d operand for operands a, b, c at result r. */
static void partials(MsTapeOpcode op, double a, double b, double c, double r, double d[3])
{
    (void)c;
    d[0] = d[1] = d[2] = 0;
    switch (op) {
    case TO_MOV: d[0] = 1; break;
    case TO_NEG: d[0] = -1; break;
    case TO_ADD: d[0] = 1; d[1] = 1; break;
    case TO_SUB: d[0] = 1; d[1] = -1; break;
    case TO_MUL: d[0] = b; d[1] = a; break;
    case TO_DIV: d[0] = 1 / b; d[1] = -r / b; break;
    case TO_POW:
        d[0] = b == 0 ? 0 : b * pow(a, b - 1);
        d[1] = a > 0 ? r * log(a) : 0;
        break;
    case TO_PWR:
        d[0] = a == 0 ? (b == 1 ? 1 : 0) : b * pow(fabs(a), b - 1);
        d[1] = a != 0 ? r * log(fabs(a)) : 0;
        break;
    case TO_ABS: d[0] = sgn(a); break;
    case TO_SQRT: d[0] = r > 0 ? 0.5 / r : 0; break;
    case TO_EXP: d[0] = r; break;
    case TO_LN: d[0] = 1 / a; break;
    case TO_LOG10: d[0] = 1 / (a * 2.302585092994045684); break;
    case TO_SIN: d[0] = cos(a); break;
    case TO_COS: d[0] = -sin(a); break;
    case TO_TAN: d[0] = 1 + r * r; break;
    case TO_ASIN: d[0] = fabs(a) < 1 ? 1 / sqrt(1 - a * a) : 0; break;
    case TO_ACOS: d[0] = fabs(a) < 1 ? -1 / sqrt(1 - a * a) : 0; break;
    case TO_ATAN: d[0] = 1 / (1 + a * a); break;
    case TO_SINH: d[0] = cosh(a); break;
    case TO_COSH: d[0] = sinh(a); break;
    case TO_TANH: d[0] = 1 - r * r; break;
    case TO_URAMP: d[0] = a > 0; break;
    case TO_ATAN2: {
        double s = a * a + b * b;
        if (s > 0) {
            d[0] = b / s;
            d[1] = -a / s;
        }
        break;
    }
    case TO_MIN: d[a <= b ? 0 : 1] = 1; break;
    case TO_MAX: d[a >= b ? 0 : 1] = 1; break;
    case TO_LIMIT: d[a < b ? 1 : a > c ? 2 : 0] = 1; break;
    default: break;   /* comparisons, logic, floor, sgn, u: derivative 0 */
    }
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
        case TO_CONST:
        case TO_TIME:
            d[0] = o->op == TO_CONST ? o->k : time;
            memset(d + 1, 0, (size_t)nv * sizeof *d);
            break;
        case TO_VAR:
            d[0] = x[t->vars[o->a].unk];
            memset(d + 1, 0, (size_t)nv * sizeof *d);
            d[1 + o->a] = 1;
            break;
        default: {
            const double *A = S + (size_t)o->a * w, *B = S + (size_t)o->b * w, *C = S + (size_t)o->c * w;
            double r, p[3];
            int rc = ms_tape_op_value(o->op, A[0], B[0], C[0], &r, what);
            if (rc)
                return rc;
            partials(o->op, A[0], B[0], C[0], r, p);
            /* d may alias an operand (MOV into a select's result): read first */
            for (int k = 1; k <= nv; k++) {
                double g = 0;
                if (p[0] != 0) g += p[0] * A[k];
                if (p[1] != 0) g += p[1] * B[k];
                if (p[2] != 0) g += p[2] * C[k];
                d[k] = g;
            }
            d[0] = r;
        }
        }
        pc++;
    }
    const double *res = S + (size_t)t->result * w;
    *val = res[0];
    memcpy(grad, res + 1, (size_t)nv * sizeof *grad);
    return MS_OK;
}
