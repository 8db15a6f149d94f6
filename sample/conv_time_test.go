package sample

import (
	"testing"
	"time"
)

// The expected strings are what glibc 2.36's strftime and haproxy 2.6
// print for the same dates.
func TestTimeConvs(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	saved := time.Local
	time.Local = paris
	defer func() { time.Local = saved }()
	tests := []struct{ expr, want string }{
		{"int(1700000000),http_date", "Tue, 14 Nov 2023 22:13:20 GMT"},
		{"int(784111777),http_date", "Sun, 06 Nov 1994 08:49:37 GMT"},
		{"int(1700000000),http_date(3600)", "Tue, 14 Nov 2023 23:13:20 GMT"},
		{"int(1700000000),http_date(-1700000000)", "Thu, 01 Jan 1970 00:00:00 GMT"},
		{"int(1700000000),http_date(0,s)", "Tue, 14 Nov 2023 22:13:20 GMT"},
		{"int(1700000000123),http_date(0,ms)", "Tue, 14 Nov 2023 22:13:20.123 GMT"},
		{"int(1700000000005),http_date(0,ms)", "Tue, 14 Nov 2023 22:13:20.5 GMT"},
		{"int(1700000000000),http_date(1500,ms)", "Tue, 14 Nov 2023 22:13:21.500 GMT"},
		{"int(1700000000000042),http_date(0,us)", "Tue, 14 Nov 2023 22:13:20.42 GMT"},
		{"int(-1),http_date", "Sun, 13 Jun 1141709097 06:26:07 GMT"},
		{"int(1700000000),utime(%Y-%m-%dT%H:%M:%S)", "2023-11-14T22:13:20"},
		{"int(1700000000),ltime(%Y-%m-%dT%H:%M:%S)", "2023-11-14T23:13:20"},
		{"int(1700000000),utime(%Y-%m-%dT%H:%M:%S,-3600)", "2023-11-14T21:13:20"},
		{"int(1700000000),utime(%a %A %b %B %h %e %k %l %I %p %P %j %u %w %U %W %V %z %Z %%)",
			"Tue Tuesday Nov November Nov 14 22 10 10 PM pm 318 2 2 46 46 46 +0000 GMT %"},
		{"int(1700000000),ltime(%a %A %b %B %h %e %k %l %I %p %P %j %u %w %U %W %V %s %z %Z %%)",
			"Tue Tuesday Nov November Nov 14 23 11 11 PM pm 318 2 2 46 46 46 1700000000 +0100 CET %"},
		{"int(1700000000),utime(%c|%x|%X|%D|%r|%R|%T|%F|%C|%y|%G|%g)",
			"Tue Nov 14 22:13:20 2023|11/14/23|22:13:20|11/14/23|10:13:20 PM|22:13|22:13:20|2023-11-14|20|23|2023|23"},
		{"int(1700000000),utime(%Q|%Ex|%Od|%Ed|%)", "%Q|11/14/23|14|%Ed|%"},
		{"int(1690000000),utime(%s)", "1689996400"}, // summer: standard time still
		{"int(1700000000),utime(%E%|%OP|%Es|%OG|%Ox|%E)", "%|pm|1699996400|2023|%Ox|%E"},
		{"int(1704067199),utime(%U %W %V %G %g %j)", "53 52 52 2023 23 365"},
		{"int(1704067200),utime(%U %W %V %G %g %j %u %w)", "00 01 01 2024 24 001 1 1"},
		{"int(-1),utime(%Y-%m-%d %H:%M:%S %a %j %U %W %V %G)", "1141709097-06-13 06:26:07 Sun 164 24 23 23 1141709097"},
		{"int(1704067200),utime(%-d|%_d|%0e|%-e|%_m|%-j|%_j|%0k|%-H|%_y|%^a|%^B|%^p|%^P|%^c|%-D|%^Q|%^Oa|%-Od|%-Ed|%^z|%-Y|%_C)",
			"1| 1|01|1| 1|1|  1|00|0|24|MON|JANUARY|AM|am|MON JAN  1 00:00:00 2024|01/01/24|%^Q|%^OA|1|%-Ed|+0000|2024|20"},
		{"int(1700000000),utime()", ""},
		{"int(1700000000),utime", ""},               // a mandatory string read as empty, as haproxy
		{"str(1700000000),utime(%s)", "1699996400"}, // %s reads gmtime's fields as local time, as glibc
	}
	for _, tt := range tests {
		e, err := ParseExpr(nil, tt.expr)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tt.expr, err)
			continue
		}
		if got := text(e.Eval(convCtx())); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
	for _, bad := range []string{"int(1),http_date(0,m)", "int(1),http_date(,ms)", "int(1),utime(%10Y)", "int(1),utime(%-4d)", "int(1),utime(%#Z)", "int(1),utime(%+4Y)", "int(1),utime(%-z)", "int(1),ltime(%_z)"} {
		if _, err := ParseExpr(nil, bad); err == nil {
			t.Errorf("ParseExpr(%q) accepted", bad)
		}
	}
}
