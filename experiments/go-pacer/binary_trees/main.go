// binary_trees: the Go twin of experiments/workloads/binary_trees.lox (same depths, same
// trees, same checks). A tree node is padded to 104 bytes of fields, a gclox instance's
// footprint (Go rounds it to its 112-byte size class).
package main

import (
	"fmt"
	"os"
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
