package logformat

import (
	"testing"
	"time"

	"switchyard/sample"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{diffBodyFormat, diffLogFormat, "%", "%{", "%[", "%{+Q}[path", "a  b %%", "%{+X,-Q}o%ci%[str(x),upper]"} {
		f.Add(s)
	}
	c := ctxFor(req("GET /a?b HTTP/1.1", "Host: h"))
	st := &Stream{Frontend: "fe", Accept: time.Unix(0, 0)}
	f.Fuzz(func(t *testing.T, s string) {
		for _, o := range []Options{
			{Flags: HTTPValue, HTTPMode: true, Avail: sample.SrcL4 | sample.SrcHTTPReq},
			{Flags: LogFormat, Avail: sample.SrcL4},
		} {
			if fm, err := ParseOptions(s, o); err == nil {
				fm.Append(nil, c, st)
			}
		}
	})
}
