/* main.c — memspice command-line entry: dispatch to subcommands. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "memspice %s — SPICE-class transient simulator with a differentiable solver\n"
            "\n"
            "usage: memspice <command> [options]\n"
            "\n"
            "commands:\n"
            "  run NETLIST [-o FILE]   simulate a netlist (.op, .dc, .ac, .tran); write results to\n"
            "                          ngspice raw (.raw), CSV (.csv) or HDF5 (.h5)\n"
            "  check NETLIST...        compare memspice with ngspice (libngspice): tables, plots\n"
            "  grad NETLIST            the .loss of a transient and its exact gradient with\n"
            "                          respect to the .trainable values and parameters\n"
            "  train NETLIST --data SET  train a network netlist on a data set (MNIST,\n"
            "                          Fashion-MNIST, IDX, HDF5) through the circuit; evaluate\n"
            "                          it with stuck-at faults\n"
            "\n"
            "options:\n"
            "  -h, --help              this help; 'memspice COMMAND --help' for a command's options\n"
            "  --version               print the version\n",
            MS_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("memspice %s\n", MS_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return ms_cmd_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "check"))
        return ms_cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "grad"))
        return ms_cmd_grad(argc - 1, argv + 1);
    if (!strcmp(cmd, "train"))
        return ms_cmd_train(argc - 1, argv + 1);
    fprintf(stderr, "memspice: error: unknown command '%s' (see 'memspice --help')\n", cmd);
    return 2;
}
