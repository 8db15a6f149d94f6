package addrenv

import "testing"

func TestExpand(t *testing.T) {
	t.Setenv("AE_HOST", "192.0.2.1")
	t.Setenv("AE_PORT", "80")
	for in, want := range map[string]string{
		"${AE_HOST}:${AE_PORT}": "192.0.2.1:80",
		"$AE_HOST:$AE_PORT":     "192.0.2.1:80",
		"${AE_UNSET}:80":        ":80",
		"127.0.0.1:8080":        "127.0.0.1:8080",
		"${AE_HOST":             "192.0.2.1",
		"a$":                    "a",
	} {
		if got := Expand(in); got != want {
			t.Errorf("Expand(%q) = %q, want %q", in, got, want)
		}
	}
}
