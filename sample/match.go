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
	mVer                      // integer ranges written as versions, "3.1" (req.ssl_ver's)
)

// matchNames are the names accepted by -m, indexed by method.
var matchNames = [...]string{
	mFound: "found", mBool: "bool", mInt: "int", mIP: "ip", mBin: "bin", mLen: "len",
	mStr: "str", mBeg: "beg", mSub: "sub", mDir: "dir", mDom: "dom", mEnd: "end", mReg: "reg",
	// The ACL keywords' own methods have no -m name.
	mMeth: "", mVer: "",
}

func lookupMatch(name string) (matchMethod, bool) {
	for m, n := range matchNames {
		if n == name && n != "" {
			return matchMethod(m), true
		}
	}
	return 0, false
}

// refName names the method as `get acl` does: versions are integers
// there.
func (m matchMethod) refName() string {
	if m == mVer {
		return "int"
	}
	return matchNames[m]
}

// expect is the type samples are cast to before they are compared.
func (m matchMethod) expect() Type {
	switch m {
	case mFound, mBool, mInt, mVer:
		return TypeInt
	case mIP:
		return TypeAddr
	case mBin:
		return TypeBin
	case mMeth:
		return TypeMeth
	}
	return TypeStr
}

// takesRanges says whether patterns are integer ranges, which the eq, ge,
// gt, le and lt operators rewrite.
func (m matchMethod) takesRanges() bool { return m == mInt || m == mLen || m == mVer }

// defaultMatch is the method implied by a sample type, when there is one.
func defaultMatch(t Type) (matchMethod, bool) {
	switch t {
	case TypeBool:
		return mBool, true
	case TypeInt:
		return mInt, true
	case TypeAddr, TypeIPv4, TypeIPv6:
		return mIP, true
	case TypeStr:
		return mStr, true
	}
	return 0, false
}

// patternSet holds compiled patterns for one method: the patterns of an
// ACL line, or the keys of a pattern file or map. Patterns are added at
// load; lookup runs on the request path and must not allocate. v has
// already been cast to the method's type.
//
// Each pattern carries an id, its entry's position in its file (noID for
// patterns written on the line); lookup returns the id of the pattern that
// matches, which is how a map finds its value. When several match, the
// one haproxy picks wins: the longest prefix for ip and beg (haproxy's
// trees), the first in file order otherwise.
type patternSet interface {
	add(pattern string, f patFlags, id int32) error
	lookup(c *Ctx, v Value) (int32, bool)
}

// noID is the id of a pattern that has no entry (written on the line).
const noID = -1

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
	case mVer:
		return &rangeSet{dotted: true}
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
