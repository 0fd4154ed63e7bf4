package udp

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"
)

// Retransmission is the repeat schedule of SOAP-over-UDP's Appendix I
// ("Retransmission"): after a message's first transmission,
//
//	RETRY := UnicastRepeat (or MulticastRepeat when sent to a multicast group)
//	T := a random delay in [MinDelay, MaxDelay]
//	while RETRY > 0:
//	    wait T; transmit the message again; RETRY--
//	    T := min(2*T, UpperDelay)
//
// so a message goes out 1 + UnicastRepeat (1 + MulticastRepeat) times,
// every copy with the same bytes and so the same wsa:MessageID.
type Retransmission struct {
	UnicastRepeat   int           // repeats of a message sent to a unicast address
	MulticastRepeat int           // repeats of a message sent to a multicast group
	MinDelay        time.Duration // lower bound of the first delay
	MaxDelay        time.Duration // upper bound of the first delay
	UpperDelay      time.Duration // bound of every delay as it doubles
}

// The SOAP-over-UDP retransmission parameters wws uses by default.
//
// Source: Appendix I of the SOAP-over-UDP specification of September 2004
// (BEA, Lexmark, Microsoft, Ricoh;
// http://specs.xmlsoap.org/ws/2004/09/soap-over-udp/soap-over-udp.pdf),
// the draft the SOAP-over-UDP 1.1 OASIS Standard (1 July 2009,
// http://docs.oasis-open.org/ws-dd/soapoverudp/1.1/os/wsdd-soapoverudp-1.1-spec-os.html)
// grew from, with the algorithm above. The 1.1 standard also has an
// Appendix I "Retransmission", but its text could not be read when this was
// written (the stored copies of the standard were reachable only up to
// their first pages), so its values are unverified here, and wws uses the
// 2004 values that the widely used implementations carry (christgau/wsdd,
// python-ws-discovery, JMEDS, Skjegstad's java-ws-discovery; the delays are
// the same in every source). Two implementations written against the 1.1
// standard, WCF 4's WS-Discovery UdpTransportBindingElement and
// java-ws-discovery's SOAPOverUDP11, use UNICAST_UDP_REPEAT 1 and
// MULTICAST_UDP_REPEAT 2 with the same delays, which suggests the 1.1 table
// lowered the counts; give ExtraRetransmission such a Retransmission to use
// them. (Mono 6.8's soap.udp client, for comparison, sends every unicast
// message 3 times.)
const (
	UnicastUDPRepeat   = 2                      // UNICAST_UDP_REPEAT
	MulticastUDPRepeat = 4                      // MULTICAST_UDP_REPEAT
	UDPMinDelay        = 50 * time.Millisecond  // UDP_MIN_DELAY
	UDPMaxDelay        = 250 * time.Millisecond // UDP_MAX_DELAY
	UDPUpperDelay      = 500 * time.Millisecond // UDP_UPPER_DELAY
)

// DefaultRetransmission is the schedule a Conn uses unless
// ExtraRetransmission says otherwise.
var DefaultRetransmission = Retransmission{
	UnicastRepeat:   UnicastUDPRepeat,
	MulticastRepeat: MulticastUDPRepeat,
	MinDelay:        UDPMinDelay,
	MaxDelay:        UDPMaxDelay,
	UpperDelay:      UDPUpperDelay,
}

// NoRetransmission turns repeats off: every message is transmitted once.
var NoRetransmission = Retransmission{}

// maxRepeat bounds the repeat counts accepted.
const maxRepeat = 256

func (r Retransmission) check() error {
	switch {
	case r.UnicastRepeat < 0 || r.MulticastRepeat < 0 || r.UnicastRepeat > maxRepeat || r.MulticastRepeat > maxRepeat:
		return fmt.Errorf("soap.udp: repeat counts %d and %d must be in 0..%d", r.UnicastRepeat, r.MulticastRepeat, maxRepeat)
	case r.MinDelay < 0 || r.MaxDelay < r.MinDelay || r.UpperDelay < 0:
		return fmt.Errorf("soap.udp: retransmission delays %v, %v, %v must satisfy 0 <= MinDelay <= MaxDelay, UpperDelay >= 0", r.MinDelay, r.MaxDelay, r.UpperDelay)
	}
	return nil
}

// repeats returns the number of repeats for a destination.
func (r Retransmission) repeats(to netip.Addr) int {
	if to.IsMulticast() {
		return r.MulticastRepeat
	}
	return r.UnicastRepeat
}

// firstDelay draws the first delay T.
func (r Retransmission) firstDelay() time.Duration {
	t := r.MinDelay
	if r.MaxDelay > r.MinDelay {
		t += rand.N(r.MaxDelay - r.MinDelay + 1)
	}
	return min(t, r.UpperDelay)
}

// next returns the delay after t.
func (r Retransmission) next(t time.Duration) time.Duration {
	return min(2*t, r.UpperDelay)
}

// owner is a sender whose repeats can be cancelled or waited for together:
// a client Conn, or one accepted Conn of a listener. Its fields are guarded
// by the scheduler's mutex.
type owner struct {
	pending   int           // entries in the queue or being transmitted
	drained   chan struct{} // closed when pending drops to 0; nil while 0
	cancelled bool          // Abort: no more repeats
	released  bool          // closed: repeats left to the socket's owner
}

// entry is one message waiting for its next repeat.
type entry struct {
	due   time.Time
	data  []byte
	to    netip.AddrPort
	left  int           // repeats still to send
	delay time.Duration // the delay after the next repeat
	upper time.Duration // the bound of the delay as it doubles
	own   *owner
	index int
}

type queue []*entry

func (q queue) Len() int           { return len(q) }
func (q queue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q queue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}
func (q *queue) Push(x any) {
	e := x.(*entry)
	e.index = len(*q)
	*q = append(*q, e)
}
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	e.index = -1
	return e
}

// scheduler sends the repeats of one socket's messages: a time-ordered
// queue served by one goroutine, which runs only while the queue is not
// empty. Its mutex is never held across I/O, so cancelling (Abort) never
// waits for a transmission.
type scheduler struct {
	send     func(b []byte, to netip.AddrPort) error
	maxBytes int

	mu        sync.Mutex
	q         queue
	bytes     int
	running   bool
	stopped   bool
	noOrphans bool          // dropReleased was called: released owners get no more repeats
	wake      chan struct{} // size 1: the head of the queue changed
	stop      chan struct{} // closed by close
	done      chan struct{} // closed when the goroutine that last ran ends
}

func newScheduler(send func([]byte, netip.AddrPort) error, maxBytes int) *scheduler {
	d := make(chan struct{})
	close(d)
	return &scheduler{send: send, maxBytes: maxBytes, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: d}
}

// add schedules the repeats of data (already transmitted once) to to. data
// is copied. It reports false when nothing was scheduled: no repeats, the
// pending-bytes bound reached, the owner cancelled or the scheduler closed.
func (s *scheduler) add(o *owner, rt Retransmission, data []byte, to netip.AddrPort) bool {
	n := rt.repeats(to.Addr())
	if n <= 0 {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped || o.cancelled || o.released && s.noOrphans || s.bytes+len(data) > s.maxBytes {
		return false
	}
	t := rt.firstDelay()
	e := &entry{
		due:   time.Now().Add(t),
		data:  append([]byte(nil), data...),
		to:    to,
		left:  n,
		delay: rt.next(t),
		upper: rt.UpperDelay,
		own:   o,
	}
	heap.Push(&s.q, e)
	s.bytes += len(e.data)
	s.hold(o)
	if e.index == 0 {
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	if !s.running {
		s.running = true
		s.done = make(chan struct{})
		go s.run(s.done)
	}
	return true
}

// hold and release count an owner's pending entries; s.mu is held.
func (s *scheduler) hold(o *owner) {
	if o.pending == 0 {
		o.drained = make(chan struct{})
	}
	o.pending++
}

func (s *scheduler) release(o *owner) {
	o.pending--
	if o.pending == 0 {
		close(o.drained)
		o.drained = nil
	}
}

// run serves the queue until it is empty or the scheduler is closed.
func (s *scheduler) run(done chan struct{}) {
	defer close(done)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		s.mu.Lock()
		if s.stopped || len(s.q) == 0 {
			s.running = false
			s.mu.Unlock()
			return
		}
		now := time.Now()
		e := s.q[0]
		if wait := e.due.Sub(now); wait > 0 {
			s.mu.Unlock()
			if timer == nil {
				timer = time.NewTimer(wait)
			} else {
				timer.Reset(wait)
			}
			select {
			case <-timer.C:
			case <-s.wake:
			case <-s.stop:
			}
			continue
		}
		heap.Pop(&s.q)
		s.mu.Unlock()

		s.send(e.data, e.to)

		s.mu.Lock()
		e.left--
		if e.left > 0 && !e.own.cancelled && !s.stopped && !(e.own.released && s.noOrphans) {
			e.due = time.Now().Add(e.delay)
			e.delay = min(2*e.delay, e.upper)
			heap.Push(&s.q, e)
		} else {
			s.bytes -= len(e.data)
			s.release(e.own)
		}
		s.mu.Unlock()
	}
}

// cancel drops o's pending repeats (Abort). It never blocks on I/O; a
// repeat being transmitted at that moment still completes.
func (s *scheduler) cancel(o *owner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o.cancelled = true
	s.dropLocked(func(e *entry) bool { return e.own == o })
}

// dropLocked removes the entries f selects; s.mu is held.
func (s *scheduler) dropLocked(f func(*entry) bool) {
	kept := s.q[:0]
	for _, e := range s.q {
		if f(e) {
			s.bytes -= len(e.data)
			s.release(e.own)
			continue
		}
		kept = append(kept, e)
	}
	for i := len(kept); i < len(s.q); i++ {
		s.q[i] = nil
	}
	s.q = kept
	heap.Init(&s.q)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// dropReleased drops the repeats of owners already closed (Listener.Close).
func (s *scheduler) dropReleased() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.noOrphans = true
	s.dropLocked(func(e *entry) bool { return e.own.released })
}

// wait waits until o has no pending repeats, cancel1 or cancel2 is closed,
// or the scheduler is closed. It reports whether o drained.
func (s *scheduler) wait(o *owner, cancel1, cancel2 <-chan struct{}) bool {
	s.mu.Lock()
	ch := o.drained
	s.mu.Unlock()
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	case <-cancel1:
		return false
	case <-cancel2:
		return false
	case <-s.stop:
		return false
	}
}

// close stops the scheduler: pending repeats are dropped and the goroutine
// ends. It returns a channel closed once the goroutine has ended.
func (s *scheduler) close() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.stopped {
		s.stopped = true
		close(s.stop)
		s.dropLocked(func(*entry) bool { return true })
	}
	return s.done
}
