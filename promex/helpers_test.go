package promex

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"switchyard/stats"
)

// family is one metric family of a text exposition, as written.
type family struct {
	name, help, typ string
	series          []series
}

type series struct {
	name   string // the sample's name (a histogram's has _bucket, _sum, _count)
	labels string // as written, between the braces
	value  float64
}

// parseText reads an exposition in order, after checking that the
// Prometheus library accepts it.
func parseText(t *testing.T, text string) []family {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	if _, err := p.TextToMetricFamilies(strings.NewReader(text)); err != nil {
		t.Fatalf("invalid exposition: %v\n%s", err, head(text))
	}
	var fams []family
	for _, line := range strings.Split(text, "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "# HELP "):
			name, help, _ := strings.Cut(line[len("# HELP "):], " ")
			fams = append(fams, family{name: name, help: help})
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(line[len("# TYPE "):], " ")
			if len(fams) == 0 || fams[len(fams)-1].name != name {
				fams = append(fams, family{name: name})
			}
			fams[len(fams)-1].typ = typ
		case strings.HasPrefix(line, "#"):
		default:
			sp := strings.LastIndexByte(line, ' ')
			key, val := line[:sp], line[sp+1:]
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatalf("bad value in %q", line)
			}
			name, labels := key, ""
			if i := strings.IndexByte(key, '{'); i >= 0 {
				name, labels = key[:i], strings.TrimSuffix(key[i+1:], "}")
			}
			if len(fams) == 0 {
				t.Fatalf("sample before any family: %q", line)
			}
			f := &fams[len(fams)-1]
			f.series = append(f.series, series{name, labels, v})
		}
	}
	return fams
}

func head(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func famByName(fams []family, name string) *family {
	for i := range fams {
		if fams[i].name == name {
			return &fams[i]
		}
	}
	return nil
}

// sample returns the value of a family's series with those labels.
func sample(t *testing.T, fams []family, name, labels string) float64 {
	t.Helper()
	base := name
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if f := famByName(fams, strings.TrimSuffix(name, suffix)); f != nil && strings.HasSuffix(name, suffix) {
			base = strings.TrimSuffix(name, suffix)
		}
	}
	f := famByName(fams, base)
	if f == nil {
		t.Fatalf("no family %s", base)
	}
	for _, s := range f.series {
		if s.name == name && s.labels == labels {
			return s.value
		}
	}
	t.Fatalf("no series %s{%s}", name, labels)
	return 0
}

func hasSeries(fams []family, name, labels string) bool {
	f := famByName(fams, name)
	if f == nil {
		return false
	}
	for _, s := range f.series {
		if s.labels == labels {
			return true
		}
	}
	return false
}

func sameValue(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b))
}

// scrapeText runs the exporter on a query string.
func scrapeText(t *testing.T, src Source, query string) (int, string, string) {
	t.Helper()
	var b bytes.Buffer
	status, ct, err := Write(&b, query, src)
	if err != nil {
		t.Fatal(err)
	}
	return status, ct, b.String()
}

// row builds a stats row from field values: uint64 and int become u64,
// int64 s32, float64 flt, string str.
func row(typ stats.ObjType, kv ...any) stats.Row {
	r := stats.Row{Type: typ}
	for i := 0; i < len(kv); i += 2 {
		f := kv[i].(stats.Stat)
		switch v := kv[i+1].(type) {
		case int:
			r.Fields[f] = stats.MkU64("MCP", uint64(v))
		case uint64:
			r.Fields[f] = stats.MkU64("MCP", v)
		case int64:
			r.Fields[f] = stats.MkS32("MAP", v)
		case float64:
			r.Fields[f] = stats.MkFlt("MaP", v)
		case string:
			r.Fields[f] = stats.MkStr("SGP", v)
		}
	}
	return r
}
