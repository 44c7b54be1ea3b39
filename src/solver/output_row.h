/* output_row.h — turning the solution vector into a row of saved vectors. */
#ifndef MS_OUTPUT_ROW_H
#define MS_OUTPUT_ROW_H

#include "circuit.h"

/* Start a result with the circuit's saved vectors. */
void ms_result_for_circuit(const MsCircuit *c, MsResult *r, const char *plotname, int with_time);
/* Append the saved values of x at time t. */
void ms_result_record(const MsCircuit *c, MsResult *r, double t, const double *x);

#endif
