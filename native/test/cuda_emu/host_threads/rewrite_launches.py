#!/usr/bin/env python3
"""Rewrites `kernel<<<grid, block>>>(args);` into `::emu::launch(dim3(grid), dim3(block),
[&] { kernel(args); });` so that a .cu file compiles with g++ against shim/cuda_runtime.h.
usage: rewrite_launches.py in.cu out.cpp"""
import re, sys

src = open(sys.argv[1]).read()
out, pos = [], 0
while True:
    i = src.find('<<<', pos)
    if i < 0:
        out.append(src[pos:])
        break
    # the kernel name before <<<: an identifier, optionally with template arguments
    m = re.search(r'([A-Za-z_][\w:]*(?:<[^<>;]*>)?)\s*$', src[pos:i])
    start = pos + m.start(1)
    j = src.find('>>>', i)
    config = src[i + 3:j]
    k = src.index('(', j)
    depth, e = 0, k
    while True:
        if src[e] == '(':
            depth += 1
        elif src[e] == ')':
            depth -= 1
            if depth == 0:
                break
        e += 1
    # split the config at the top-level comma
    d, split = 0, None
    for n, ch in enumerate(config):
        if ch in '([<':
            d += 1
        elif ch in ')]>':
            d -= 1
        elif ch == ',' and d == 0:
            split = n
            break
    grid, block = config[:split], config[split + 1:]
    out.append(src[pos:start])
    out.append(f'::emu::launch(dim3({grid.strip()}), dim3({block.strip()}), [&] {{ {m.group(1)}{src[k:e + 1]}; }})')
    pos = e + 1
open(sys.argv[2], 'w').write(''.join(out))
