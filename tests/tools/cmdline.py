"""cmdline.py — the command line of the comparison tools (wavecmp.py,
printcmp.py): positional arguments and options that each take one value."""


def split_options(argv, defaults):
    """argv[1:] as (positional arguments, {option: value}); the options are
    the keys of defaults (each followed by its value), missing ones keep
    their default."""
    args, opts = [], dict(defaults)
    i = 1
    while i < len(argv):
        if argv[i] in opts:
            opts[argv[i]] = argv[i + 1]
            i += 2
        else:
            args.append(argv[i])
            i += 1
    return args, opts
