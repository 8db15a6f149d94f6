package difftest

import (
	"testing"
)

// The converters of haproxy 2.6 that format dates, pick a language, count
// a backend's servers and fill capture slots: each case shows their output
// in the body of a response switchyard and haproxy return.

// showConv is a frontend returning the log-format text body.
func showConv(body string) string {
	return withFE("    http-request return status 200 content-type text/plain lf-string \"" + body + "\"\n")
}

func TestConvDates(t *testing.T) {
	utc := []string{"TZ=UTC"}
	paris := []string{"TZ=Europe/Paris"}
	kolkata := []string{"TZ=Asia/Kolkata"}
	fields := "%a %A %b %B %h %e %k %l %I %p %P %j %u %w %U %W %V %z %Z %% %c|%x|%X|%D|%r|%R|%T|%F|%C|%y|%G|%g|%n|%t|%Q|%Ex|%Od|%Ed|%"
	runCases(t, []tcase{
		{name: "http-date", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),http_date] %[int(784111777),http_date] %[date,http_date,length] %[int(-1),http_date]")},
		{name: "http-date-offset", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),http_date(3600)] %[int(1700000000),http_date(-1700000000)] %[int(1700000000),http_date(-1700000001)]")},
		{name: "http-date-units", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),http_date(0,s)] %[int(1700000000123),http_date(0,ms)] %[int(1700000000005),http_date(0,ms)] " +
				"%[int(1700000000000),http_date(1500,ms)] %[int(1700000000000042),http_date(0,us)] %[int(1700000000999999),http_date(1,us)] " +
				"%[int(-1500),http_date(0,ms)]")},
		{name: "utime-formats", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),utime(%Y-%m-%dT%H:%M:%S)] %[int(1700000000),utime(" + fields + ")]")},
		{name: "utime-offset", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),utime(%Y-%m-%dT%H:%M:%S,-3600)] %[int(1704067199),utime(%U %W %V %G %g %j,0)] " +
				"%[int(1704067200),utime(%U %W %V %G %g %j %u %w %s)] %[int(-1),utime(%Y-%m-%d %H:%M:%S %a %j %U %W %V %G)] " +
				"%[int(1700000000),utime()] %[str(1700000000),utime(%s,1)]")},
		{name: "ltime-utc", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z)] %[int(1700000000),ltime(" + fields + ",86400)]")},
		{name: "ltime-paris", exact: true, req: get, env: paris,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z)] %[int(1690000000),ltime(%c %s %z %Z)] %[int(1700000000),ltime(" + fields + ")]")},
		{name: "ltime-kolkata", exact: true, req: get, env: kolkata,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z,60)] %[int(1700000000),utime(%H %Z %z)]")},
	})
}
