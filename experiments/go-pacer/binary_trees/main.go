// binary_trees: the Go twin of experiments/workloads/binary_trees.lox (same depths, same
// trees, same checks). A tree node is padded to 104 bytes of fields, a gclox instance's
// footprint (Go rounds it to its 112-byte size class).
//
// Usage: binary_trees [maxDepth [trace.out]]. With a second argument the run writes Go's
// execution trace there (runtime/trace), from which experiments/go_mmu.py reads Go's own MMU.
package main

import (
	"fmt"
	"os"
	"runtime/trace"
	"strconv"
)

type Tree struct {
	left, right *Tree
	pad         [11]int
}

func (t *Tree) check() int {
	if t.left == nil {
		return 1
	}
	return 1 + t.left.check() + t.right.check()
}

func bottomUp(depth int) *Tree {
	if depth == 0 {
		return &Tree{}
	}
	depth--
	return &Tree{left: bottomUp(depth), right: bottomUp(depth)}
}

func main() {
	maxDepth := 14
	if len(os.Args) > 1 {
		maxDepth, _ = strconv.Atoi(os.Args[1])
	}
	if len(os.Args) > 2 {
		out, err := os.Create(os.Args[2])
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := trace.Start(out); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer func() {
			trace.Stop()
			out.Close()
		}()
	}
	minDepth := 4
	fmt.Println(bottomUp(maxDepth + 1).check())
	longLived := bottomUp(maxDepth)
	for depth := minDepth; depth <= maxDepth; depth += 2 {
		iterations := 1 << (maxDepth - depth + minDepth)
		check := 0
		for i := 0; i < iterations; i++ {
			check += bottomUp(depth).check()
		}
		fmt.Println(iterations, depth, check)
	}
	fmt.Println(longLived.check())
}
