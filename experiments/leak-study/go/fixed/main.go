// The seed case in Go, fixed: Close removes the session from the registry, so a session
// and its transactions die with the request.
//
//	GODEBUG=gctrace=1 go run ./fixed > fixed.log 2>&1
package main

import (
	"fmt"
	"os"
)

type Tx struct {
	id       int
	payload  []byte
	next     *Tx
	onCommit func() int
}

type Session struct {
	id    int
	txs   *Tx
	entry *Entry
}

type Entry struct {
	session *Session
	next    *Entry
}

type Registry struct {
	head  *Entry
	count int
}

func (r *Registry) add(s *Session) {
	e := &Entry{session: s, next: r.head}
	s.entry = e
	r.head = e
	r.count++
}

// remove unlinks s (the fixed program calls it when a request ends).
func (r *Registry) remove(s *Session) {
	var prev *Entry
	for e := r.head; e != nil; e = e.next {
		if e.session == s {
			if prev == nil {
				r.head = e.next
			} else {
				prev.next = e.next
			}
			r.count--
			return
		}
		prev = e
	}
}

func (s *Session) begin(i int) {
	tx := &Tx{id: i, payload: make([]byte, 32), next: s.txs}
	tx.onCommit = func() int { return tx.id }
	s.txs = tx
}

var registry Registry

// checksum keeps the work observable so the compiler cannot drop it.
var checksum int

// sink makes each request's scratch buffers escape to the heap, as a real handler's would.
var sink []byte

func request(id int, release bool) {
	s := &Session{id: id}
	registry.add(s)
	for i := 0; i < 3; i++ {
		s.begin(i)
	}
	for tx := s.txs; tx != nil; tx = tx.next {
		checksum += tx.onCommit()
	}
	// Garbage a request makes whether or not it leaks: buffers it formats and drops.
	for i := 0; i < 32; i++ {
		buf := make([]byte, 256)
		buf[i] = byte(id)
		sink = buf
		checksum += int(buf[i])
	}
	if release {
		registry.remove(s)
	}
}

func main() {
	const requests = 500000
	for id := 0; id < requests; id++ {
		request(id, true)
		if id%100000 == 0 {
			fmt.Fprintf(os.Stdout, "served %d requests, %d sessions registered\n", id, registry.count)
		}
	}
	fmt.Printf("done: %d sessions registered, checksum %d\n", registry.count, checksum)
}
