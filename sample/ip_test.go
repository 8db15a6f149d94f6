package sample

import "testing"

func TestParseIPv4Sample(t *testing.T) {
	tests := []struct{ in, want string }{
		{"10.1.2.3", "10.1.2.3"},
		{"10.1.2.3:8080", "10.1.2.3"}, // parsing stops at the first other byte
		{"010.001.2.3", "10.1.2.3"},
		{"10.1.2.256", ""},
		{"10.1.2", ""},
		{"10.1.2.3.4", ""},
		{".1.2.3", ""},
		{"1..2.3", ""},
		{"", ""},
	}
	for _, tt := range tests {
		a, ok := parseIPv4([]byte(tt.in))
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("parseIPv4(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInetAton(t *testing.T) {
	tests := []struct{ in, want string }{
		{"127.1", "127.0.0.1"},
		{"10.12", "10.0.0.12"},
		{"192.168.1", "192.168.0.1"},
		{"2130706433", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"010.0.0.1", "8.0.0.1"},
		{"1.2.3.4", "1.2.3.4"},
		{"1.2.3.4.5", ""},
		{"256.1", ""},
		{"1.65536", "1.1.0.0"},
		{"1.16777216", ""},
		{"08.1", ""},
		{"a.b", ""},
		{"1.", ""},
	}
	for _, tt := range tests {
		a, ok := parseInetAton(tt.in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != tt.want {
			t.Errorf("parseInetAton(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
