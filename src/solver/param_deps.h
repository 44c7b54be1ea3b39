/* param_deps.h — trainable .params of a loaded circuit (see param_deps.c). */
#ifndef MS_PARAM_DEPS_H
#define MS_PARAM_DEPS_H

#include "circuit.h"
#include "../netlist/tape.h"

/* At load, after setup: the derivatives of the dependent values and the
 * terms of every trainable .param. */
int ms_pdep_setup(MsCircuit *c, MsError *err);
/* Set trainable .param j: every value computed from it and every tape that
 * reads it follow (the caller re-stamps G_L, C_L).  On an evaluation error
 * nothing changes. */
int ms_pdep_set(MsCircuit *c, int j, double value, MsError *err);
/* wq . dq/dp_j + wf . df/dp_j at ev (the adjoint's parameter term). */
double ms_pdep_dot(const MsCircuit *c, int j, const MsEval *ev, const MsSourceEval *se, const double *wq,
                    const double *wf);
/* w . d x_0 / d p_j for a "uic" start (devices' initial values computed from p_j). */
double ms_pdep_dinitial(const MsCircuit *c, int j, const double *w);
/* sum over .ic values v_i computed from p_j of w[unk_i] dv_i/dp_j: with uic
 * (w = dL/dx_0, x_0 = the .ic values), or at a DC start (w = mu, whose rows
 * x_i - v_i = 0 give -mu . dR/dp_j). */
double ms_pdep_dic(const MsCircuit *c, int j, const double *w, int uic);
void ms_pdep_free(MsCircuit *c);

#endif
