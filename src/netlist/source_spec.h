/* source_spec.h — independent-source waveforms given outside the netlist:
 * a file of lines "NAME SPEC" (memspice run/grad --inputs), where NAME is
 * one of the circuit's V or I sources and SPEC is exactly what may follow
 * the nodes of a V or I card ("dc 0.3", "0.3", "pwl(0 0 1n 1) r=0",
 * "pulse(0 1 1n)", "sin(0 1 1meg)", ...).  The file goes through the
 * netlist's own lexer ('*' comment lines, ';' comments, '+' continuation
 * lines, lower case) and source parser (devices/source_parse.c), so the two
 * never disagree about the syntax or its defaults. */
#ifndef MS_NETLIST_SOURCE_SPEC_H
#define MS_NETLIST_SOURCE_SPEC_H

#include "../solver/circuit.h"

typedef struct MsSourceSpec {
    int source;        /* the circuit's source id */
    MsWave wave;       /* finished with the netlist's .tran (PULSE/SIN/EXP defaults) */
} MsSourceSpec;

typedef struct MsSourceSpecs {
    MsSourceSpec *spec;
    int n;
} MsSourceSpecs;

/* Read the file at path for circuit c.  Errors (MS_ERR_IO, _SYNTAX,
 * _SEMANTIC, _UNSUPPORTED) name the file, line and column: an unknown
 * source, a source given twice, a bad waveform.  Values are numbers (with
 * SPICE suffixes) or {expressions} of numbers: the netlist's .params are
 * not visible here. */
int ms_source_specs_read(MsCircuit *c, const char *path, MsSourceSpecs *out, MsError *err);
/* Every waveform of s as an override of its source in w. */
void ms_source_specs_apply(const MsSourceSpecs *s, MsWork *w);
void ms_source_specs_free(MsSourceSpecs *s);

#endif
