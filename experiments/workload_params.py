"""A workload's sizes: its `var NAME = VALUE; // param` lines (experiments/src/workloads.rs).

The committed values make a file run alone; a tool that wants other sizes rewrites those lines.
"""
import re

PARAM = re.compile(r"^var (\w+) = [^;]*; // param$", re.MULTILINE)


def with_params(text, **params):
    """`text` with each named parameter's value replaced; a name the text does not declare as a
    parameter is an error (a renamed parameter must not leave a tool at the default size)."""
    declared = set(PARAM.findall(text))
    missing = set(params) - declared
    if missing:
        raise ValueError(f"no `var NAME = ...; // param` line for {sorted(missing)}")

    def replace(m):
        name = m[1]
        return f"var {name} = {params[name]}; // param" if name in params else m[0]

    return PARAM.sub(replace, text)
