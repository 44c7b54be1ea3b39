/* setup.h — from elaborated devices to the numeric skeleton: extra unknowns
 * (branches, internal nodes), the sparsity pattern in CSC form with each
 * device's entry slots, the constant linear stamps and KLU's analysis. */
#ifndef MS_SETUP_H
#define MS_SETUP_H

#include "circuit.h"

int ms_circuit_setup(MsCircuit *c, MsError *err);
/* (Re)write G_L, C_L from the element values and list their non-zeros. */
void ms_circuit_stamp_linear(MsCircuit *c);

#endif
