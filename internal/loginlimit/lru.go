package loginlimit

// bucketLRU holds the limiter's buckets by key, at most cap of them; adding
// one more evicts the least recently used. Every operation is O(1).
type bucketLRU struct {
	cap  int
	m    map[uint64]*lruEntry
	root lruEntry // root.next is the most recently used, root.prev the least
}

type lruEntry struct {
	key        uint64
	b          bucket
	prev, next *lruEntry
}

func newBucketLRU(capacity int) *bucketLRU {
	l := &bucketLRU{cap: max(1, capacity), m: map[uint64]*lruEntry{}}
	l.root.prev, l.root.next = &l.root, &l.root
	return l
}

// get returns the entry of key, now the most recently used, or nil.
func (l *bucketLRU) get(key uint64) *lruEntry {
	e := l.m[key]
	if e != nil {
		l.unlink(e)
		l.pushFront(e)
	}
	return e
}

// peek returns the entry of key without using it, or nil.
func (l *bucketLRU) peek(key uint64) *lruEntry { return l.m[key] }

// add inserts an entry for key, which must be absent; when full, it takes
// the place (and the memory) of the least recently used.
func (l *bucketLRU) add(key uint64, b bucket) *lruEntry {
	var e *lruEntry
	if len(l.m) >= l.cap {
		e = l.root.prev
		l.remove(e)
	} else {
		e = new(lruEntry)
	}
	*e = lruEntry{key: key, b: b}
	l.m[key] = e
	l.pushFront(e)
	return e
}

func (l *bucketLRU) remove(e *lruEntry) {
	l.unlink(e)
	delete(l.m, e.key)
}

func (l *bucketLRU) len() int { return len(l.m) }

func (l *bucketLRU) unlink(e *lruEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
}

func (l *bucketLRU) pushFront(e *lruEntry) {
	e.prev, e.next = &l.root, l.root.next
	l.root.next.prev = e
	l.root.next = e
}
