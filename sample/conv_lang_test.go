package sample

import "testing"

func TestLanguage(t *testing.T) {
	tests := []struct{ in, list, def, want string }{
		{"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "de;en;fr", "", "fr"},
		{"fr-CH, fr;q=0.9, en;q=0.8", "en;de", "", "en"},
		{"en-US", "en", "", "en"},
		{"en", "en-US", "", "<none>"},
		{"en", "en-US", "es", "es"},
		{"EN", "en", "es", "es"}, // case counts, as in haproxy
		{"de;q=0.1, en;q=0.2", "de;en", "", "en"},
		{"de;q=0, en;q=0", "de;en", "xx", "xx"},
		{"de;q=0.5, en;q=0.5", "en;de", "", "de"}, // the first of equal weights
		{"de;q=2, en", "en;de", "", "de"},         // bound to 1
		{"de;q=abc, en", "en;de", "", "de"},       // unreadable: 1
		{"de ;  q = 0.3 , en;q=0.29", "en;de", "", "de"},
		{"de;level=1;q=0.1, en;q=0.5", "en;de", "", "de"}, // not q: 1
		{"de fr, en;q=0.1", "de;en;fr", "", "en"},         // de not followed by , or ;
		{"", "en", "es", "es"},
		{"", "en", "", "<none>"},
		{",,; ,en;q=0.5", "en", "", "en"},
		{"-x", "a;;b", "def", "def"}, // an empty language matched is no match
		{"en;q=0.9999", "en", "", "en"},
		{"en;q=0.0001, fr;q=0.001", "en;fr", "", "fr"},
	}
	for _, tt := range tests {
		v, ok := convLanguage(nil, []arg{{set: true, s: tt.list}, {set: tt.def != "", s: tt.def}}, Str([]byte(tt.in)))
		got := "<none>"
		if ok {
			got = string(v.Str)
		}
		if got != tt.want {
			t.Errorf("%q,language(%s,%s) = %q, want %q", tt.in, tt.list, tt.def, got, tt.want)
		}
	}
	e, err := ParseExpr(nil, `str("da, en-gb;q=0.8, en;q=0.7"),language(en;da)`)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(e.Eval(convCtx())); got != "da" {
		t.Errorf("got %q", got)
	}
}
