package sample

import "fmt"

// headerFetches read request header fields. "hdr" is direction-dependent
// in haproxy; only requests exist here so far, so it is req.hdr.
var headerFetches = []fetchDef{
	{name: "hdr", args: hdrArgs, validate: validateOcc, out: tStr, src: SrcHTTPReq, fn: fetchHdrSplit},
	{name: "hdr_cnt", args: args(0, argStr), out: tInt, src: SrcHTTPReq, fn: fetchHdrCntSplit},
	{name: "hdr_val", args: hdrArgs, validate: validateOcc, out: tInt, src: SrcHTTPReq, fn: fetchHdrVal},
	{name: "req.fhdr", args: hdrArgs, validate: validateOcc, out: tStr, src: SrcHTTPReq, fn: fetchHdrFull},
	{name: "req.fhdr_cnt", args: args(0, argStr), out: tInt, src: SrcHTTPReq, fn: fetchHdrCntFull},
	{name: "req.hdr", args: hdrArgs, validate: validateOcc, out: tStr, src: SrcHTTPReq, fn: fetchHdrSplit},
	{name: "req.hdr_cnt", args: args(0, argStr), out: tInt, src: SrcHTTPReq, fn: fetchHdrCntSplit},
	{name: "req.hdr_val", args: hdrArgs, validate: validateOcc, out: tInt, src: SrcHTTPReq, fn: fetchHdrVal},
}

// hdrArgs is (name[,occurrence]).
var hdrArgs = args(0, argStr, argInt)

// maxOccHistory is how far back from the last value a negative occurrence
// may reach, as haproxy's MAX_HDR_HISTORY.
const maxOccHistory = 10

func validateOcc(a []arg) error {
	if a[1].set && a[1].i < -maxOccHistory {
		return fmt.Errorf("header occurrence must be >= %d", -maxOccHistory)
	}
	return nil
}

func fetchHdrSplit(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	return fetchHeader(c, a, cur, true)
}

func fetchHdrFull(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	return fetchHeader(c, a, cur, false)
}

// fetchHeader returns one value of a header: the requested occurrence, or
// the last one. From an ACL without an occurrence it returns every value in
// turn. Without any argument it finds nothing, while an empty name ("hdr()")
// means any header: both are haproxy's behaviour.
func fetchHeader(c *Ctx, a []arg, cur cursor, split bool) (Value, cursor, bool) {
	if c.Req == nil || !a[0].set {
		return Value{}, cursor{}, false
	}
	occ := int(a[1].i)
	if occ == 0 && cur.all {
		v, i, j, ok := nextElem(c.Req, a[0].s, split, cur.i, cur.j)
		return Str(v), cursor{all: true, more: true, i: i, j: j}, ok
	}
	if occ == 0 {
		occ = -1
	}
	v, ok := nthElem(c.Req, a[0].s, split, occ)
	return Str(v), cursor{}, ok
}

func fetchHdrCntSplit(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	return fetchHeaderCount(c, a, true)
}

func fetchHdrCntFull(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
	return fetchHeaderCount(c, a, false)
}

func fetchHeaderCount(c *Ctx, a []arg, split bool) (Value, cursor, bool) {
	if c.Req == nil {
		return Value{}, cursor{}, false
	}
	return Int(int64(countElems(c.Req, a[0].s, split))), cursor{}, true
}

// fetchHdrVal is hdr() read as a decimal integer.
func fetchHdrVal(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
	v, next, ok := fetchHeader(c, a, cur, true)
	return Int(leadingInt(v.Str)), next, ok
}
