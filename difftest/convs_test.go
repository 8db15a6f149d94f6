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
	fields := "%a %A %b %B %h %e %k %l %I %p %P %j %u %w %U %W %V %z %Z %% %c|%x|%X|%D|%r|%R|%T|%F|%C|%y|%G|%g|%n|%t|%Q|%Ex|%Od|%Ed|%E%|%OP|%OG|%Ox|%"
	flags := "%-d|%_d|%0d|%0e|%-e|%_e|%_m|%-m|%-j|%_j|%0k|%-k|%-l|%0l|%-H|%_H|%-I|%-M|%_S|%-y|%_y|%-U|%_V|%-W|%-g|%^a|%^A|%^b|%^B|%^h|%^p|%^P|%^c|%-D|%_T|%^r|%^Q|%-Q|%^Oa|%-Od|%_Oe|%-Ed|%^z|%^Z|%-Y|%_C|%0G|%-s|%-u|%_w|%^-b|%-^b|%_0d|%0_d|%-_d"
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
		{name: "utime-flags", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1704067200),utime(" + flags + ")] %[int(1700000000),utime(" + flags + ")] %[int(1690000000),ltime(" + flags + ")]")},
		{name: "ltime-utc", exact: true, req: get, env: utc,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z)] %[int(1700000000),ltime(" + fields + ",86400)]")},
		{name: "ltime-paris", exact: true, req: get, env: paris,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z)] %[int(1690000000),ltime(%c %s %z %Z)] %[int(1700000000),ltime(" + fields + ")] " +
				"%[int(1690000000),utime(%s %Z %z)] %[int(1700000000),utime(%s)] %[int(1679792400),utime(%s)] %[int(1679794200),utime(%s)] %[int(1698542000),utime(%s)] %[int(1698537600),ltime(%s %H)] %[int(1698541200),ltime(%s %H %Z)]")},
		{name: "utime-s-new-york", exact: true, req: get, env: []string{"TZ=America/New_York"},
			cfg: showConv("%[int(1690000000),utime(%s)] %[int(1700000000),utime(%s)] %[int(1690000000),ltime(%s %c %Z %z)]")},
		{name: "utime-s-lord-howe", exact: true, req: get, env: []string{"TZ=Australia/Lord_Howe"},
			cfg: showConv("%[int(1690000000),utime(%s)] %[int(1700000000),utime(%s)] %[int(1700000000),ltime(%s %c %Z %z)]")},
		{name: "ltime-kolkata", exact: true, req: get, env: kolkata,
			cfg: showConv("%[int(1700000000),ltime(%Y-%m-%dT%H:%M:%S %s %z %Z,60)] %[int(1700000000),utime(%H %Z %z)]")},
	})
}

func TestConvLanguage(t *testing.T) {
	al := []string{
		"fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "en-US", "EN", "de;q=0.1, en;q=0.2", "de;q=0, en;q=0",
		"de;q=0.5, en;q=0.5", "de;q=2, en", "de;q=abc, en", "de ;  q = 0.3 , en;q=0.29", "de;level=1;q=0.1, en;q=0.5",
		"de fr, en;q=0.1", "", ",,; ,en;q=0.5", "-x", "en;q=0.9999", "en;q=0.0001, fr;q=0.001", "da, en-gb;q=0.8, en;q=0.7",
		"fr;q=1.0, de", "fr;q=0.", "*", "es-419;q=0.9, pt-BR",
	}
	var req string
	for _, v := range al {
		req += "GET / HTTP/1.1\r\nHost: a\r\nAccept-Language: " + v + "\r\n\r\n"
	}
	runCases(t, []tcase{
		{name: "language", exact: true, req: req, n: len(al),
			cfg: showConv("[%[req.fhdr(accept-language),language(en;de;fr;da;pt)]] [%[req.fhdr(accept-language),language(en-US;es;pt-BR;-x;a;;b,none)]] " +
				"[%[req.fhdr(accept-language),language(de,zz)]] [%[req.fhdr(accept-language),language()]] [%[req.fhdr(accept-language),language(*)]]")},
	})
}

func TestConvBackendState(t *testing.T) {
	probe := "[%[str(be),nbsrv]] [%[str(other),nbsrv]] [%[str(nope),nbsrv]] [%[str(fe),nbsrv]] [%[str(#2),nbsrv]] [%[str(#3),nbsrv]] [%[str(#99),nbsrv]] [%[str(),nbsrv]] " +
		"[%[str(be/s1),srv_queue]] [%[str(s1),srv_queue]] [%[str(be/#1),srv_queue]] [%[str(be/#9),srv_queue]] [%[str(be/nope),srv_queue]] " +
		"[%[str(nope/s1),srv_queue]] [%[str(other/o2),srv_queue]] [%[str(o1),srv_queue]] [%[str(l1),srv_queue]] [%[str(ls/l1),srv_queue]] [%[str(/s1),srv_queue]]"
	ret := "    http-request return status 200 content-type text/plain lf-string \"" + probe + "\"\n"
	servers := `
backend other
    server o1 "127.0.0.1:${S1_PORT}"
    server o2 "127.0.0.1:${S1_PORT}" disabled
    server o3 "127.0.0.1:${S1_PORT}" backup

listen ls
    bind "127.0.0.1:${FE2_PORT}"
    server l1 "127.0.0.1:${S1_PORT}"
` + ret
	runCases(t, []tcase{
		{name: "in-frontend", exact: true, req: get, cfg: withFE(ret) + servers},
		{name: "in-backend", exact: true, req: get, cfg: withBE(ret) + servers},
		{name: "in-listen", exact: true, steps: []step{{fe: "FE2_PORT", send: get, read: 1}}, cfg: simple + servers},
		{name: "in-frontend-response", exact: true, req: get, cfg: withFE("    http-response set-header X-L \"%[str(s1),srv_queue]\"\n") + servers},
		{name: "in-frontend-response-acl", req: get, cfg: withFE("    http-response set-header X-Q yes if { str(s1),srv_queue -m found }\n") + servers,
			deviation: "a condition of a frontend's http-response rule: haproxy looks for the server in the frontend (none), switchyard in the stream's backend (docs/configuration.md)"},
		{name: "in-acl", exact: true, req: get, cfg: withFE("    http-request return status 200 content-type text/plain string yes if { str(other),nbsrv 1 } { str(be/s1),srv_queue 0 } !{ str(s1),srv_queue -m found }\n") + servers},
	})
}

func TestConvCapture(t *testing.T) {
	decl := "    declare capture request len 5\n    capture request header X-H len 3\n    declare capture response len 4\n"
	show := "    http-request return status 200 content-type text/plain lf-string \"[%[var(txn.a)]] [%[var(txn.b)]] [%[var(txn.c)]] [%[var(txn.d)]] [%[capture.req.hdr(0)]] [%[capture.req.hdr(1)]]\"\n" +
		"    http-after-response set-header X-R \"[%[capture.res.hdr(0)]]\"\n"
	runCases(t, []tcase{
		{name: "request-and-response-slots", exact: true, req: hdrReq("X-H: header"),
			cfg: withFE(decl +
				"    http-request set-var(txn.a) str(abcdefgh),capture-req(0)\n" +
				"    http-request set-var(txn.b) str(xy),capture-req(2)\n" +
				"    http-request set-var(txn.c) int(123456),capture-res(0)\n" +
				"    http-request set-var(txn.d) str(q),capture-res(1)\n" + show)},
		{name: "overwrites-header-capture", exact: true, req: hdrReq("X-H: header"),
			cfg: withFE(decl + "    http-request set-var(txn.a) str(zzzz),capture-req(1)\n" + show)},
		{name: "from-backend-rules", exact: true, req: get,
			cfg: withBoth(decl, "    http-request set-var(txn.a) str(backend),capture-req(0)\n    http-request set-var(txn.b) str(xy),capture-req(1)\n"+show)},
		{name: "no-slots", exact: true, req: get,
			cfg: withFE("    http-request set-var(txn.a) str(abc),capture-req(0)\n    http-request set-var(txn.c) str(abc),capture-res(0)\n" + show)},
		{name: "response-rules", exact: true, req: get,
			cfg: withFE(decl + "    http-response set-header X-C \"%[res.hdr(x-origin),capture-res(0)] %[capture.res.hdr(0)] %[str(longer),capture-req(0)] %[capture.req.hdr(0)]\"\n")},
		{name: "logged", req: "GET / HTTP/1.1\r\nhost: x\r\nX-H: header\r\nconnection: close\r\n\r\n", logs: 1,
			cfg: logFE(decl+"    http-request set-var(txn.a) str(abcdefgh),capture-req(0)\n    http-request set-var(txn.a) str(resp),capture-res(0)\n"+
				"    http-response set-var(txn.a) str(late),capture-req(1)\n", "    log-format \"%hr %hs %[capture.req.hdr(0)]\"\n")},
	})
}

// In a TCP stream: the slots are the frontend's, read by the log.
func TestConvTCP(t *testing.T) {
	runCases(t, []tcase{
		{name: "tcp-capture-and-state", logs: 1, tcp: true, cfg: `frontend fe
    mode tcp
    bind "127.0.0.1:${FE_PORT}"
    log "127.0.0.1:${LOG_PORT}" format raw local0
    declare capture request len 3
    tcp-request content set-var(sess.a) str(abcdef),capture-req(0)
    tcp-request content set-var(sess.b) str(xyz),capture-req(1)
    tcp-request content set-var(sess.c) str(be),nbsrv
    tcp-request content set-var(sess.d) str(be/s1),srv_queue
    tcp-request content set-var(sess.e) int(1700000000),http_date
    tcp-request content set-var(sess.f) str(en;q=0.5),language(fr;en)
    log-format "%[capture.req.hdr(0)] [%[var(sess.a)]] [%[var(sess.b)]] [%[var(sess.c)]] [%[var(sess.d)]] [%[var(sess.e)]] [%[var(sess.f)]] [%[str(s1),srv_queue]] %ts"
    default_backend be
backend be
    mode tcp
    server s1 "127.0.0.1:${S1_PORT}"
`, steps: []step{{send: "hello", shut: true, raw: 5}}},
	})
}
