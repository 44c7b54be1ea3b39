/* elaborate.h — deck to circuit: subcircuit flattening with parameters,
 * node numbering (ground = 0), device instances grouped by kind. */
#ifndef MS_ELABORATE_H
#define MS_ELABORATE_H

#include "../solver/circuit.h"
#include "tape.h"

/* Fill c->groups, c->unk_* (nodes only), c->source_name, c->ics from c->deck. */
int ms_elaborate(MsCircuit *c, MsError *err);

/* Append an unknown named name (copied) of kind; returns its index (>= 1). */
int ms_circuit_add_unknown(MsCircuit *c, const char *name, int kind);

/* Index of a node by flattened name, or -1; "0" and "gnd" are 0. */
int ms_circuit_find_node(const MsCircuit *c, const char *name);

#endif
