package promex

import (
	"bufio"
	"bytes"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"switchyard/internal/yield"
)

// The encoder builds one metric family at a time as client_model's
// MetricFamily and has expfmt write it, so that the text is the
// Prometheus library's own. A scrape of a thousand servers makes some
// hundred thousand series: their structures come from arenas that live
// in a pooled encoder and are reused family after family and scrape after
// scrape, instead of being allocated one by one.

// arenaChunk is how many values an arena allocates at once; chunks are
// never moved, so the pointers handed out stay valid.
const arenaChunk = 1024

type arena[T any] struct {
	chunks [][]T
	n      int
}

// next returns a zeroed value, valid until reset.
func (a *arena[T]) next() *T {
	c := a.n / arenaChunk
	if c == len(a.chunks) {
		a.chunks = append(a.chunks, make([]T, arenaChunk))
	}
	p := &a.chunks[c][a.n%arenaChunk]
	a.n++
	var zero T
	*p = zero
	return p
}

func (a *arena[T]) reset() { a.n = 0 }

// labels is the label set of a series: the object's labels and at most
// one more (state, code); `le` is expfmt's.
type labels = [4]*dto.LabelPair

type encoder struct {
	w    *bufio.Writer
	err  error
	pace yield.Pacer

	mf      dto.MetricFamily
	name    string
	help    string
	typ     dto.MetricType
	metrics []*dto.Metric
	// lines counts the sample lines of metrics; continued says the
	// family's HELP and TYPE lines are written.
	lines     int
	continued bool
	scratch   bytes.Buffer

	// Per family.
	ms arena[dto.Metric]
	gs arena[dto.Gauge]
	cs arena[dto.Counter]
	hs arena[dto.Histogram]
	bs arena[dto.Bucket]
	fs arena[float64]
	us arena[uint64]
	ls arena[labels]
	// bucketPtrs backs the histograms' bucket lists.
	bucketPtrs []*dto.Bucket

	// Per scrape: the objects' label pairs and label sets.
	pairs   arena[dto.LabelPair]
	objSets arena[labels]
}

func (e *encoder) begin(name, help string, typ dto.MetricType) {
	e.name, e.help, e.typ = name, help, typ
	e.metrics = e.metrics[:0]
}

// sample adds a gauge or counter series, as the family's type says.
func (e *encoder) sample(lbl []*dto.LabelPair, v float64) {
	m := e.ms.next()
	m.Label = lbl
	f := e.fs.next()
	*f = v
	if e.typ == tCounter {
		c := e.cs.next()
		c.Value = f
		m.Counter = c
	} else {
		g := e.gs.next()
		g.Value = f
		m.Gauge = g
	}
	e.metrics = append(e.metrics, m)
	e.lines++
	e.flushIfFull()
}

// sampleWith adds a series labelled with the object's labels and one more.
func (e *encoder) sampleWith(obj []*dto.LabelPair, extra *dto.LabelPair, v float64) {
	l := e.ls.next()
	n := copy(l[:], obj)
	l[n] = extra
	e.sample(l[:n+1], v)
}

// histogram adds a histogram series.
func (e *encoder) histogram(lbl []*dto.LabelPair, h *Histogram) {
	m := e.ms.next()
	m.Label = lbl
	hp := e.hs.next()
	count := e.us.next()
	*count = h.Count
	sum := e.fs.next()
	*sum = h.Sum
	hp.SampleCount, hp.SampleSum = count, sum
	start := len(e.bucketPtrs)
	for i, ub := range h.Bounds {
		b := e.bs.next()
		u := e.fs.next()
		*u = ub
		c := e.us.next()
		if i < len(h.Cumulative) {
			*c = h.Cumulative[i]
		}
		b.UpperBound, b.CumulativeCount = u, c
		e.bucketPtrs = append(e.bucketPtrs, b)
	}
	// The slice is cut to its length so that a later append to
	// bucketPtrs (which may move it) never writes into it.
	hp.Bucket = e.bucketPtrs[start:len(e.bucketPtrs):len(e.bucketPtrs)]
	m.Histogram = hp
	e.metrics = append(e.metrics, m)
	e.lines += len(h.Bounds) + 3 // the buckets, +Inf, sum and count
	e.flushIfFull()
}

// chunkLines is how many sample lines the encoder gathers before writing
// them: a few hundred microseconds of work, after which the requests
// sharing the core may run (a family of a thousand servers' histograms
// is some 17,000 lines, milliseconds in one piece).
const chunkLines = 2048

// flushIfFull writes the series gathered so far once they make a chunk.
func (e *encoder) flushIfFull() {
	if e.lines >= chunkLines {
		e.flush()
	}
}

// flush writes the series gathered so far and recycles their structures.
// The first chunk of a family is expfmt's text as is; a later chunk is
// expfmt's text of the same family with fewer series, written without
// the HELP and TYPE lines the first already gave.
func (e *encoder) flush() {
	if len(e.metrics) > 0 && e.err == nil {
		e.mf.Name, e.mf.Help, e.mf.Type = &e.name, &e.help, &e.typ
		e.mf.Metric = e.metrics
		if !e.continued {
			_, e.err = expfmt.MetricFamilyToText(e.w, &e.mf)
		} else {
			e.scratch.Reset()
			if _, e.err = expfmt.MetricFamilyToText(&e.scratch, &e.mf); e.err == nil {
				_, e.err = e.w.Write(skipComments(e.scratch.Bytes()))
			}
		}
		e.continued = true
		// A scrape of many servers is tens of milliseconds of CPU:
		// between chunks, let the requests waiting for the same core
		// run, so that a scrape delays each by a slice of work rather
		// than the whole scrape.
		e.pace.Maybe()
	}
	e.lines = 0
	e.ms.reset()
	e.gs.reset()
	e.cs.reset()
	e.hs.reset()
	e.bs.reset()
	e.fs.reset()
	e.us.reset()
	e.ls.reset()
	clear(e.bucketPtrs)
	e.bucketPtrs = e.bucketPtrs[:0]
	clear(e.metrics)
	e.metrics = e.metrics[:0]
}

// end writes the rest of the family. A family no object has writes
// nothing (haproxy prints no header for a metric no object has).
func (e *encoder) end() {
	e.flush()
	e.continued = false
}

// skipComments drops the leading comment lines (HELP, TYPE) of a
// family's text.
func skipComments(b []byte) []byte {
	for len(b) > 0 && b[0] == '#' {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return nil
		}
		b = b[i+1:]
	}
	return b
}

// objLabels returns an object's label set: names[i]=values[i].
func (e *encoder) objLabels(names []*string, values ...*string) []*dto.LabelPair {
	l := e.objSets.next()
	for i, v := range values {
		p := e.pairs.next()
		p.Name, p.Value = names[i], v
		l[i] = p
	}
	return l[:len(values):len(values)]
}

// endScrape drops the scrape's references (to its rows' strings) before
// the encoder goes back to the pool.
func (e *encoder) endScrape() {
	for _, c := range e.pairs.chunks {
		clear(c)
	}
	for _, c := range e.objSets.chunks {
		clear(c)
	}
	e.pairs.reset()
	e.objSets.reset()
	e.mf.Metric = nil
}
