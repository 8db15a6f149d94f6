package config

import "testing"

// Keyword cases of the pattern edit actions; keywordCases appends them.
func init() { moreKeywordCases = append(moreKeywordCases, patternKeywordCases) }

func patternKeywordCases() []kwCase {
	var cases []kwCase
	for _, set := range []string{"http-request", "http-response"} {
		for _, a := range []struct{ name, args string }{
			{"add-acl", "%[src]"}, {"del-acl", "%[src]"}, {"del-map", "%[src]"}, {"set-map", "%[src] v"},
		} {
			kw := set + " " + a.name
			load := "mode http\nacl loaded str(x) -f @D@/body.txt\n"
			op := map[string]PatternOp{"add-acl": OpAddACL, "del-acl": OpDelACL, "set-map": OpSetMap, "del-map": OpDelMap}[a.name]
			cases = append(cases,
				kwCase{kw: kw, in: inNamed, src: load + kw + "(@D@/body.txt) " + a.args + " if loaded",
					check: func(t *testing.T, _ *Config, px *Proxy) {
						t.Helper()
						rules := px.HTTPRequest
						if set == "http-response" {
							rules = px.HTTPResponse
						}
						pa, ok := rules[0].Args.(*PatternAction)
						if !ok || pa.Op != op || pa.Ref == nil || rules[0].Cond == nil {
							t.Errorf("rule %+v", rules[0].Args)
						}
					}},
				// A map converter loads the file too (and works in a
				// defaults section, where acl lines are refused).
				kwCase{kw: kw, in: inNamed, src: "mode http\nhttp-request set-var(txn.m) str(x),map(@D@/body.txt)\n" + kw + "(@D@/body.txt) " + a.args},
				kwCase{kw: kw, in: inNamed, src: "mode http\n" + kw + "(@D@/nope.lst) " + a.args,
					err: "t.cfg:3: ..."},
				kwCase{kw: kw, in: inNamed, src: load + kw + "() " + a.args, err: "t.cfg:4: ..."},
			)
		}
	}
	return cases
}
