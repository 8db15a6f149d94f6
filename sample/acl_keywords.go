package sample

// aclKeyword is an ACL-only criterion: an alias for a fetch with its own
// default match method, such as path_beg for "path -m beg".
type aclKeyword struct {
	fetch  string
	method matchMethod
}

// aclKeywords holds haproxy's request-side ACL derivatives: each family of
// fetches with the suffixes _beg, _dir, _dom, _end, _len, _reg and _sub.
var aclKeywords = buildACLKeywords()

func buildACLKeywords() map[string]aclKeyword {
	families := []struct{ prefix, fetch string }{
		{"base", "base"}, {"cook", "req.cook"}, {"hdr", "req.hdr"},
		{"path", "path"}, {"url", "url"}, {"urlp", "urlp"},
	}
	suffixes := []struct {
		suffix string
		method matchMethod
	}{
		{"", mStr}, {"_beg", mBeg}, {"_dir", mDir}, {"_dom", mDom},
		{"_end", mEnd}, {"_len", mLen}, {"_reg", mReg}, {"_sub", mSub},
	}
	m := map[string]aclKeyword{
		"method":  {"method", mMeth},
		"req_ver": {"req.ver", mStr},
		// As ACL criteria these two read the request, whatever the rule.
		"payload":    {"req.payload", mBin},
		"payload_lv": {"req.payload_lv", mBin},
		// Versions as "3.1", for the fetch's own name too.
		"req.ssl_ver": {"req.ssl_ver", mVer},
		"req_ssl_ver": {"req.ssl_ver", mVer},
	}
	for _, f := range families {
		for _, s := range suffixes {
			m[f.prefix+s.suffix] = aclKeyword{f.fetch, s.method}
		}
	}
	return m
}

// predefinedACLs are haproxy's built-in named ACLs (section 7.4), as the
// words of an equivalent acl line. A nil entry is one we cannot evaluate
// yet because it needs TCP content inspection.
var predefinedACLs = map[string][]string{
	"FALSE":          {"always_false"},
	"HTTP":           {"req.proto_http"},
	"HTTP_1.0":       {"req.ver", "1.0"},
	"HTTP_1.1":       {"req.ver", "1.1"},
	"HTTP_2.0":       {"req.ver", "2.0"},
	"HTTP_CONTENT":   {"req.hdr_val(content-length)", "gt", "0"},
	"HTTP_URL_ABS":   {"url_reg", "^[^/:]*://"},
	"HTTP_URL_SLASH": {"url_beg", "/"},
	"HTTP_URL_STAR":  {"url", "*"},
	"LOCALHOST":      {"src", "127.0.0.1/8", "::1"},
	"METH_CONNECT":   {"method", "CONNECT"},
	"METH_DELETE":    {"method", "DELETE"},
	"METH_GET":       {"method", "GET", "HEAD"},
	"METH_HEAD":      {"method", "HEAD"},
	"METH_OPTIONS":   {"method", "OPTIONS"},
	"METH_POST":      {"method", "POST"},
	"METH_PUT":       {"method", "PUT"},
	"METH_TRACE":     {"method", "TRACE"},
	"RDP_COOKIE":     nil,
	"REQ_CONTENT":    {"req.len", "gt", "0"},
	"TRUE":           {"always_true"},
	"WAIT_END":       {"wait_end"},
}
