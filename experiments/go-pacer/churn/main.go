// churn: the Go twin of experiments/workloads/steady_churn.lox. LIVE nodes stay reachable
// from a global list; CHURN iterations each allocate two short-lived nodes. A node is padded
// to 104 bytes of fields (Go rounds it to its 112-byte size class), the footprint of a gclox
// instance; go_pacer_compare.py scales the counts so both programs hold and allocate the same
// bytes.
package main

import (
	"fmt"
	"os"
	"strconv"
)

type Node struct {
	v    int
	next *Node
	pad  [11]int
}

var keep *Node

// sink makes the short-lived nodes escape to the heap, as every Lox object lives there.
var sink *Node

func main() {
	live, _ := strconv.Atoi(os.Args[1])
	churn, _ := strconv.Atoi(os.Args[2])
	for i := 0; i < live; i++ {
		keep = &Node{v: i, next: keep}
	}
	sum := 0
	for i := 0; i < churn; i++ {
		a := &Node{v: i}
		sink = &Node{v: i, next: a}
		sum += sink.next.v
	}
	fmt.Println(sum)
}
