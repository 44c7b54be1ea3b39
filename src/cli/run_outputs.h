/* run_outputs.h — which result of `memspice run` goes where.
 *
 * One rule for every combination of analyses: -o OUT gets the main result,
 * the transient if the netlist has one, else the DC sweep, else the AC
 * sweep, else the operating point; each sweep that is not the main result
 * goes beside it, its analysis' name before the extension: OUT_dc.EXT,
 * OUT_ac.EXT (out.raw -> out_dc.raw, out_ac.raw).  With -o - every result
 * goes to stdout, the main one first.  --inputs applies the same rule to
 * each input file's OUTDIR/<stem>.EXT. */
#ifndef MS_CLI_RUN_OUTPUTS_H
#define MS_CLI_RUN_OUTPUTS_H

#include "sweep.h"

/* The results one run produced (NULL: the analysis did not run). */
typedef struct MsRunResults {
    const MsResult *op, *dc, *tran, *ac;
} MsRunResults;

/* Up to three (result, file) pairs in writing order; returns their number.
 * paths[i] is malloc'ed (free each). */
int ms_run_outputs(const MsRunResults *r, const char *out, const MsResult *res[3], char *paths[3]);

/* OUT with "_TAG" before its extension ("-" stays "-"); malloc'ed. */
char *ms_run_sibling_path(const char *out, const char *tag);

/* --inputs: an error naming the files when a sibling output of one input
 * file would be the main output of another (inputs "a" and "a_ac" of a
 * netlist with .tran and .ac both write OUTDIR/a_ac.EXT). */
int ms_run_outputs_check_stems(const MsSweep *s, MsError *err);

#endif
