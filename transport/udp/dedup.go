package udp

import (
	"hash/maphash"
	"time"
)

// dupCache remembers the MessageIDs received on a socket, to drop the
// repeats of a message (SOAP-over-UDP senders repeat every message with
// the same MessageID). It holds at most n IDs, each for at most window:
// the oldest ID is forgotten when the cache is full, and any ID older than
// window is forgotten when the next one arrives. IDs are kept as 64-bit
// hashes with a per-cache random seed, so memory is fixed (about 40 bytes
// an entry) whatever the IDs' length; two different IDs colliding among
// 4096 has a probability below 10^-12.
//
// A dupCache is not safe for concurrent use; its user serialises access.
type dupCache struct {
	seed   maphash.Seed
	window time.Duration
	ring   []dupEntry // FIFO of the IDs seen, oldest at head
	head   int
	size   int
	seen   map[uint64]time.Time // hash -> when it was (last) recorded
}

type dupEntry struct {
	h  uint64
	at time.Time
}

// newDupCache returns a cache of n entries, or nil (no suppression) for n <= 0.
func newDupCache(n int, window time.Duration) *dupCache {
	if n <= 0 {
		return nil
	}
	return &dupCache{seed: maphash.MakeSeed(), window: window, ring: make([]dupEntry, n), seen: make(map[uint64]time.Time, min(n, 1024))}
}

// duplicate reports whether id was seen within the window, and records it
// otherwise. A nil cache, or an empty id, never reports a duplicate.
func (c *dupCache) duplicate(id []byte, now time.Time) bool {
	if c == nil || len(id) == 0 {
		return false
	}
	h := maphash.Bytes(c.seed, id)
	c.expire(now)
	if at, ok := c.seen[h]; ok && now.Sub(at) < c.window {
		return true
	}
	if c.size == len(c.ring) {
		c.evict()
	}
	c.ring[(c.head+c.size)%len(c.ring)] = dupEntry{h: h, at: now}
	c.size++
	c.seen[h] = now
	return false
}

// expire forgets the IDs recorded a window or more before now.
func (c *dupCache) expire(now time.Time) {
	for c.size > 0 && now.Sub(c.ring[c.head].at) >= c.window {
		c.evict()
	}
}

// evict forgets the oldest entry.
func (c *dupCache) evict() {
	e := c.ring[c.head]
	if at, ok := c.seen[e.h]; ok && at.Equal(e.at) {
		delete(c.seen, e.h)
	}
	c.ring[c.head] = dupEntry{}
	c.head = (c.head + 1) % len(c.ring)
	c.size--
}

// len returns the number of IDs remembered.
func (c *dupCache) len() int {
	if c == nil {
		return 0
	}
	return len(c.seen)
}
