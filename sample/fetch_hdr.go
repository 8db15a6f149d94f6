package sample

import "fmt"

// headerFetches read header fields. The fetch "hdr" depends on the
// direction, as in haproxy 2.6: the request's headers, or the response's
// while response rules run; hdr_cnt and hdr_val are the request's only (and
// the ACL keyword hdr is req.hdr, see aclKeywords).
var headerFetches = []fetchDef{
	{name: "hdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPMsg, fn: hdrFetch(dirHeaders, true)},
	{name: "hdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: hdrCount(reqHeaders, true)},
	{name: "hdr_val", args: hdrArgs, validate: validateOcc, out: TypeInt, src: SrcHTTPReq, fn: hdrValue(reqHeaders)},
	{name: "req.fhdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPReq, fn: hdrFetch(reqHeaders, false)},
	{name: "req.fhdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: hdrCount(reqHeaders, false)},
	{name: "req.hdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPReq, fn: hdrFetch(reqHeaders, true)},
	{name: "req.hdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPReq, fn: hdrCount(reqHeaders, true)},
	{name: "req.hdr_val", args: hdrArgs, validate: validateOcc, out: TypeInt, src: SrcHTTPReq, fn: hdrValue(reqHeaders)},
	{name: "res.fhdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPRes, fn: hdrFetch(resHeaders, false)},
	{name: "res.fhdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: hdrCount(resHeaders, false)},
	{name: "res.hdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPRes, fn: hdrFetch(resHeaders, true)},
	{name: "res.hdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: hdrCount(resHeaders, true)},
	{name: "res.hdr_val", args: hdrArgs, validate: validateOcc, out: TypeInt, src: SrcHTTPRes, fn: hdrValue(resHeaders)},
	{name: "shdr", args: hdrArgs, validate: validateOcc, out: TypeStr, src: SrcHTTPRes, fn: hdrFetch(resHeaders, true)},
	{name: "shdr_cnt", args: args(0, ArgStr), out: TypeInt, src: SrcHTTPRes, fn: hdrCount(resHeaders, true)},
	{name: "shdr_val", args: hdrArgs, validate: validateOcc, out: TypeInt, src: SrcHTTPRes, fn: hdrValue(resHeaders)},
}

// reqHeaders, resHeaders and dirHeaders pick the header list a fetch
// reads (nil when there is none yet).
func reqHeaders(c *Ctx) HeaderList {
	if c.Req == nil {
		return nil
	}
	return c.Req
}

func resHeaders(c *Ctx) HeaderList {
	if c.Resp == nil {
		return nil
	}
	return c.Resp
}

func dirHeaders(c *Ctx) HeaderList {
	if c.OnResponse {
		return resHeaders(c)
	}
	return reqHeaders(c)
}

// hdrArgs is (name[,occurrence]).
var hdrArgs = args(0, ArgStr, ArgInt)

// maxOccHistory is how far back from the last value a negative occurrence
// may reach, as haproxy's MAX_HDR_HISTORY.
const maxOccHistory = 10

func validateOcc(a []arg) error {
	if a[1].set && a[1].i < -maxOccHistory {
		return fmt.Errorf("header occurrence must be >= %d", -maxOccHistory)
	}
	return nil
}

// hdrFetch returns one value of a header of the list that pick chooses:
// the requested occurrence, or the last one. From an ACL without an
// occurrence it returns every value in turn. Without any argument it finds
// nothing, while an empty name ("hdr()") means any header: both are
// haproxy's behaviour. With split, list-valued headers give one value per
// element.
func hdrFetch(pick func(*Ctx) HeaderList, split bool) fetchFunc {
	return func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
		return fetchHeader(pick(c), a, cur, split)
	}
}

func fetchHeader(h HeaderList, a []arg, cur cursor, split bool) (Value, cursor, bool) {
	if h == nil || !a[0].set {
		return Value{}, cursor{}, false
	}
	occ := int(a[1].i)
	if occ == 0 && cur.all {
		v, i, j, ok := nextElem(h, a[0].s, split, cur.i, cur.j)
		return Str(v), cursor{all: true, more: true, i: i, j: j}, ok
	}
	if occ == 0 {
		occ = -1
	}
	v, ok := nthElem(h, a[0].s, split, occ)
	return Str(v), cursor{}, ok
}

// hdrCount counts the values hdrFetch would return.
func hdrCount(pick func(*Ctx) HeaderList, split bool) fetchFunc {
	return func(c *Ctx, a []arg, _ cursor) (Value, cursor, bool) {
		h := pick(c)
		if h == nil {
			return Value{}, cursor{}, false
		}
		return Int(int64(countElems(h, a[0].s, split))), cursor{}, true
	}
}

// hdrValue is hdrFetch read as a decimal integer.
func hdrValue(pick func(*Ctx) HeaderList) fetchFunc {
	return func(c *Ctx, a []arg, cur cursor) (Value, cursor, bool) {
		v, next, ok := fetchHeader(pick(c), a, cur, true)
		return Int(leadingInt(v.Str)), next, ok
	}
}
