package sample

import "testing"

// Header names compare ignoring ASCII case, and only letters fold: '@' and
// '`' differ by the case bit but are not letters.
func TestEqualFold(t *testing.T) {
	tests := []struct {
		b, s string
		want bool
	}{
		{"Host", "host", true},
		{"HOST", "hOsT", true},
		{"x-key", "X-Key", true},
		{"Hos", "host", false},
		{"x_key", "x-key", false},
		// '@' and '`' differ only by the case bit but are not letters.
		{"@", "`", false},
		{"[", "{", false},
	}
	for _, tc := range tests {
		if got := equalFold([]byte(tc.b), tc.s); got != tc.want {
			t.Errorf("%q %q: got %v", tc.b, tc.s, got)
		}
	}
}
