/* input_sets.h — the input files of `memspice run|grad --inputs DIR`: one
 * set of source overrides per file (syntax: src/netlist/source_spec.h). */
#ifndef MS_CLI_INPUT_SETS_H
#define MS_CLI_INPUT_SETS_H

#include "../netlist/source_spec.h"

typedef struct MsInputSet {
    char *path;           /* DIR/NAME, as messages name it */
    char *name;           /* NAME */
    char *stem;           /* NAME without its last extension: the output's name */
    MsSourceSpecs specs;
} MsInputSet;

typedef struct MsInputSets {
    MsInputSet *set;
    int n;
} MsInputSets;

/* Every regular file of dir whose name does not start with '.', in strcmp
 * order of the names, read for circuit c.  An error (a file that does not
 * read, no files, two files with one stem) names the file; nothing is kept. */
int ms_input_sets_read(MsCircuit *c, const char *dir, MsInputSets *out, MsError *err);
void ms_input_sets_free(MsInputSets *s);

#endif
