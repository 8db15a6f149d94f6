package sample

// matchMethod is how an ACL compares samples with its patterns (-m).
type matchMethod uint8

const (
	mFound matchMethod = iota // the sample exists; patterns are ignored
	mBool                     // the sample, as an integer, is not zero
	mInt                      // integer ranges
	mIP                       // addresses and networks
	mBin                      // hex-encoded byte strings, exact
	mLen                      // ranges over the string's length
	mStr                      // exact string
	mBeg                      // prefix
	mSub                      // substring
	mDir                      // a slash-delimited part
	mDom                      // a dot-delimited part
	mEnd                      // suffix
	mReg                      // regular expression
	mMeth                     // the "method" ACL keyword's own matcher
)

// matchNames are the names accepted by -m, indexed by method.
var matchNames = [...]string{
	mFound: "found", mBool: "bool", mInt: "int", mIP: "ip", mBin: "bin", mLen: "len",
	mStr: "str", mBeg: "beg", mSub: "sub", mDir: "dir", mDom: "dom", mEnd: "end", mReg: "reg",
}

func lookupMatch(name string) (matchMethod, bool) {
	for m, n := range matchNames {
		if n == name && n != "" {
			return matchMethod(m), true
		}
	}
	return 0, false
}

// expect is the type samples are cast to before they are compared.
func (m matchMethod) expect() smpType {
	switch m {
	case mFound, mBool, mInt:
		return tInt
	case mIP:
		return tAddr
	case mBin:
		return tBin
	case mMeth:
		return tMeth
	}
	return tStr
}

// takesRanges says whether patterns are integer ranges, which the eq, ge,
// gt, le and lt operators rewrite.
func (m matchMethod) takesRanges() bool { return m == mInt || m == mLen }

// defaultMatch is the method implied by a sample type, when there is one.
func defaultMatch(t smpType) (matchMethod, bool) {
	switch t {
	case tBool:
		return mBool, true
	case tInt:
		return mInt, true
	case tAddr, tIPv4, tIPv6:
		return mIP, true
	case tStr:
		return mStr, true
	}
	return 0, false
}

// patternSet holds the compiled patterns of one ACL line for one method.
// Patterns are added at config time; match runs on the request path and
// must not allocate. v has already been cast to the method's type.
type patternSet interface {
	add(pattern string, f patFlags) error
	match(c *Ctx, v Value) bool
}

// patFlags are the ACL flags in force when a pattern was given.
type patFlags struct {
	icase bool // -i
	noDNS bool // -n
}

func newPatternSet(m matchMethod) patternSet {
	switch m {
	case mFound:
		return foundSet{}
	case mBool:
		return boolSet{}
	case mInt:
		return &rangeSet{}
	case mLen:
		return &rangeSet{length: true}
	case mIP:
		return newIPSet()
	case mBin:
		return &binSet{}
	case mStr:
		return newStrSet()
	case mReg:
		return &regSet{}
	case mMeth:
		return &methSet{}
	}
	return &affixSet{method: m}
}
