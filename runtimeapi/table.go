package runtimeapi

import "strings"

// The commands, haproxy 2.6.12's (every cli_kw_list of the Debian build)
// in the order haproxy registers them (link order: the order decides
// between suggestions of equal distance), with their usage lines as its
// help prints them. Those switchyard implements have a handler in
// handlers; the others answer that they are not supported yet, and are
// still listed by help and suggested, as in haproxy, so that help reads
// the same. A command without a usage line is not listed.

type command struct {
	name  string // its words, space-separated
	words []string
	usage string
	flags uint8
	run   func(c *call) // nil: not supported yet
}

// Command flags, haproxy's ACCESS_EXPERT and ACCESS_EXPERIMENTAL.
const (
	expertOnly uint8 = 1 << iota
	experimentalOnly
)

var commandTable = []struct {
	name, usage string
	flags       uint8
}{
	// ssl_sock.c
	{"show tls-keys", "show tls-keys [id|*]                    : show tls keys references or dump tls ticket keys when id specified", 0},
	{"set ssl tls-key", "set ssl tls-key [id|file] <key>         : set the next TLS key for the <id> or <file> listener to <key>", 0},
	{"set ssl ocsp-response", "set ssl ocsp-response <resp|payload>    : update a certificate's OCSP Response from a base64-encode DER", 0},
	{"show ssl ocsp-response", "show ssl ocsp-response [id]             : display the IDs of the OCSP responses used in memory, or the details of a single OCSP response", 0},
	{"show ssl providers", "show ssl providers                      : show loaded SSL providers", 0},
	// ssl_crtlist.c
	{"add ssl crt-list", "add ssl crt-list <list> <cert> [opts]*  : add to crt-list file <list> a line <cert> or a payload", 0},
	{"del ssl crt-list", "del ssl crt-list <list> <cert[:line]>   : delete a line <cert> from crt-list file <list>", 0},
	{"show ssl crt-list", "show ssl crt-list [-n] [<list>]         : show the list of crt-lists or the content of a crt-list file <list>", 0},
	// ssl_ckch.c
	{"new ssl cert", "new ssl cert <certfile>                 : create a new certificate file to be used in a crt-list or a directory", 0},
	{"set ssl cert", "set ssl cert <certfile> <payload>       : replace a certificate file", 0},
	{"commit ssl cert", "commit ssl cert <certfile>              : commit a certificate file", 0},
	{"abort ssl cert", "abort ssl cert <certfile>               : abort a transaction for a certificate file", 0},
	{"del ssl cert", "del ssl cert <certfile>                 : delete an unused certificate file", 0},
	{"show ssl cert", "show ssl cert [<certfile>]              : display the SSL certificates used in memory, or the details of a file", 0},
	{"new ssl ca-file", "new ssl ca-file <cafile>                : create a new CA file to be used in a crt-list", 0},
	{"set ssl ca-file", "set ssl ca-file <cafile> <payload>      : replace a CA file", 0},
	{"commit ssl ca-file", "commit ssl ca-file <cafile>             : commit a CA file", 0},
	{"abort ssl ca-file", "abort ssl ca-file <cafile>              : abort a transaction for a CA file", 0},
	{"del ssl ca-file", "del ssl ca-file <cafile>                : delete an unused CA file", 0},
	{"show ssl ca-file", "show ssl ca-file [<cafile>[:<index>]]   : display the SSL CA files used in memory, or the details of a <cafile>, or a single certificate of index <index> of a CA file <cafile>", 0},
	{"new ssl crl-file", "new ssl crlfile <crlfile>               : create a new CRL file to be used in a crt-list", 0},
	{"set ssl crl-file", "set ssl crl-file <crlfile> <payload>    : replace a CRL file", 0},
	{"commit ssl crl-file", "commit ssl crl-file <crlfile>           : commit a CRL file", 0},
	{"abort ssl crl-file", "abort ssl crl-file <crlfile>            : abort a transaction for a CRL file", 0},
	{"del ssl crl-file", "del ssl crl-file <crlfile>              : delete an unused CRL file", 0},
	{"show ssl crl-file", "show ssl crl-file [<crlfile[:<index>>]] : display the SSL CRL files used in memory, or the details of a <crlfile>, or a single CRL of index <index> of CRL file <crlfile>", 0},
	// stream.c
	{"show sess", "show sess [id]                          : report the list of current sessions or dump this exact session", 0},
	{"shutdown session", "shutdown session [id]                   : kill a specific session", 0},
	{"shutdown sessions server", "shutdown sessions server <bk>/<srv>     : kill sessions on a server", 0},
	// stats.c
	{"clear counters", "clear counters [all]                    : clear max statistics counters (or all counters)", 0},
	{"show info", "show info [desc|json|typed|float]*      : report information about the running process", 0},
	{"show stat", "show stat [desc|json|no-maint|typed|up]*: report counters for each proxy and server", 0},
	{"show schema json", "show schema json                        : report schema used for stats", 0},
	// server.c
	{"disable agent", "disable agent                           : disable agent checks", 0},
	{"disable health", "disable health                          : disable health checks", 0},
	{"disable server", "disable server (DEPRECATED)             : disable a server for maintenance (use 'set server' instead)", 0},
	{"enable agent", "enable agent                            : enable agent checks", 0},
	{"enable health", "enable health                           : enable health checks", 0},
	{"enable server", "enable server  (DEPRECATED)             : enable a disabled server (use 'set server' instead)", 0},
	{"set maxconn server", "set maxconn server <bk>/<srv>           : change a server's maxconn setting", 0},
	{"set server", "set server <bk>/<srv> [opts]            : change a server's state, weight, address or ssl", 0},
	{"get weight", "get weight <bk>/<srv>                   : report a server's current weight", 0},
	{"set weight", "set weight <bk>/<srv>  (DEPRECATED)     : change a server's weight (use 'set server' instead)", 0},
	{"add server", "add server <bk>/<srv>                   : create a new server", 0},
	{"del server", "del server <bk>/<srv>                   : remove a dynamically added server", 0},
	// stick_table.c
	{"clear table", "clear table <table> [<filter>]*         : remove an entry from a table (filter: data/key)", 0},
	{"set table", "set table <table> key <k> [data.* <v>]* : update or create a table entry's data", 0},
	{"show table", "show table <table> [<filter>]*          : report table usage stats or dump this table's contents (filter: data/key)", 0},
	// peers.c
	{"show peers", "show peers [dict|-] [section]           : dump some information about all the peers or this peers section", 0},
	// resolvers.c
	{"show resolvers", "show resolvers [id]                     : dumps counters from all resolvers section and associated name servers", 0},
	// cli.c
	{"help", "", 0},
	{"prompt", "", 0},
	{"quit", "", 0},
	{"_getsocks", "", 0},
	{"expert-mode", "", 0},
	{"experimental-mode", "", 0},
	{"set maxconn global", "set maxconn global <value>              : change the per-process maxconn setting", 0},
	{"set rate-limit", "set rate-limit <setting> <value>        : change a rate limiting value", 0},
	{"set severity-output", "set severity-output [none|number|string]: set presence of severity level in feedback information", 0},
	{"set timeout", "set timeout [cli] <delay>               : change a timeout setting", 0},
	{"show env", "show env [var]                          : dump environment variables known to the process", 0},
	{"show cli sockets", "show cli sockets                        : dump list of cli sockets", 0},
	{"show cli level", "show cli level                          : display the level of the current CLI session", 0},
	{"show fd", "show fd [num]                           : dump list of file descriptors in use or a specific one", 0},
	{"show activity", "show activity                           : show per-thread activity stats (for support/developers)", 0},
	{"show version", "show version                            : show version of the current process", 0},
	{"operator", "operator                                : lower the level of the current CLI session to operator", 0},
	{"user", "user                                    : lower the level of the current CLI session to user", 0},
	// proxy.c
	{"disable frontend", "disable frontend <frontend>             : temporarily disable specific frontend", 0},
	{"enable frontend", "enable frontend <frontend>              : re-enable specific frontend", 0},
	{"set maxconn frontend", "set maxconn frontend <frontend> <value> : change a frontend's maxconn setting", 0},
	{"show servers conn", "show servers conn [<backend>]           : dump server connections status (all or for a single backend)", 0},
	{"show servers state", "show servers state [<backend>]          : dump volatile server information (all or for a single backend)", 0},
	{"show backend", "show backend                            : list backends in the current running config", 0},
	{"shutdown frontend", "shutdown frontend <frontend>            : stop a specific frontend", 0},
	{"set dynamic-cookie-key backend", "set dynamic-cookie-key backend <bk> <k> : change a backend secret key for dynamic cookies", 0},
	{"enable dynamic-cookie backend", "enable dynamic-cookie backend <bk>      : enable dynamic cookies on a specific backend", 0},
	{"disable dynamic-cookie backend", "disable dynamic-cookie backend <bk>     : disable dynamic cookies on a specific backend", 0},
	{"show errors", "show errors [<px>] [request|response]   : report last request and/or response errors for each proxy", 0},
	// cache.c
	{"show cache", "show cache                              : show cache status", 0},
	// http_client.c
	{"httpclient", "httpclient <method> <URI>               : launch an HTTP request", expertOnly},
	// vars.c
	{"get var", "get var <name>                          : retrieve contents of a process-wide variable", 0},
	{"set var", "set var <name> [fmt|expr] {<fmt>|<expr>}: set variable from an expression or a format", experimentalOnly},
	// debug.c
	{"debug dev bug", "debug dev bug                           : call BUG_ON() and crash", expertOnly},
	{"debug dev check", "debug dev check                         : call CHECK_IF() and possibly crash", expertOnly},
	{"debug dev close", "debug dev close  <fd>                   : close this file descriptor", expertOnly},
	{"debug dev delay", "debug dev delay  [ms]                   : sleep this long", expertOnly},
	{"debug dev fd", "debug dev fd                            : scan for rogue/unhandled FDs", expertOnly},
	{"debug dev exit", "debug dev exit   [code]                 : immediately exit the process", expertOnly},
	{"debug dev hex", "debug dev hex    <addr> [len]           : dump a memory area", expertOnly},
	{"debug dev log", "debug dev log    [msg] ...              : send this msg to global logs", expertOnly},
	{"debug dev loop", "debug dev loop   [ms]                   : loop this long", expertOnly},
	{"debug dev panic", "debug dev panic                         : immediately trigger a panic", expertOnly},
	{"debug dev sched", "debug dev sched  {task|tasklet} [k=v]*  : stress the scheduler", expertOnly},
	{"debug dev stream", "debug dev stream [k=v]*                 : show/manipulate stream flags", expertOnly},
	{"debug dev sym", "debug dev sym    <addr>                 : resolve symbol address", expertOnly},
	{"debug dev tkill", "debug dev tkill  [thr] [sig]            : send signal to thread", expertOnly},
	{"debug dev warn", "debug dev warn                          : call WARN_ON() and possibly crash", expertOnly},
	{"debug dev write", "debug dev write  [size]                 : write that many bytes in return", expertOnly},
	{"show libs", "show libs                               : show loaded object files and libraries", 0},
	{"show threads", "show threads                            : show some threads debugging information", 0},
	// sink.c
	{"show events", "show events [<sink>] [-w] [-n]          : show event sink state", 0},
	// map.c
	{"add acl", "add acl [@<ver>] <acl> <pattern>        : add an acl entry", 0},
	{"clear acl", "clear acl [@<ver>] <acl>                : clear the contents of this acl", 0},
	{"commit acl", "commit acl @<ver> <acl>                 : commit the ACL at this version", 0},
	{"del acl", "del acl <acl> [<key>|#<ref>]            : delete acl entries matching <key>", 0},
	{"get acl", "get acl <acl> <value>                   : report the patterns matching a sample for an ACL", 0},
	{"prepare acl", "prepare acl <acl>                       : prepare a new version for atomic ACL replacement", 0},
	{"show acl", "show acl [@<ver>] <acl>]                : report available acls or dump an acl's contents", 0},
	{"add map", "add map [@<ver>] <map> <key> <val>      : add a map entry (payload supported instead of key/val)", 0},
	{"clear map", "clear map [@<ver>] <map>                : clear the contents of this map", 0},
	{"commit map", "commit map @<ver> <map>                 : commit the map at this version", 0},
	{"del map", "del map <map> [<key>|#<ref>]            : delete map entries matching <key>", 0},
	{"get map", "get map <acl> <value>                   : report the keys and values matching a sample for a map", 0},
	{"prepare map", "prepare map <acl>                       : prepare a new version for atomic map replacement", 0},
	{"set map", "set map <map> [<key>|#<ref>] <value>    : modify a map entry", 0},
	{"show map", "show map [@ver] [map]                   : report available maps or dump a map's contents", 0},
	// pool.c
	{"show pools", "show pools                              : report information about the memory pools usage", 0},
	// trace.c
	{"trace", "trace [<module>|0] [cmd [args...]]      : manage live tracing (empty to list, 0 to stop all)", 0},
	{"show trace", "show trace [<module>]                   : show live tracing state", 0},
	// activity.c
	{"set profiling", "set profiling <what> {auto|on|off}      : enable/disable resource profiling (tasks,memory)", 0},
	{"show profiling", "show profiling [<what>|<#lines>|byaddr]*: show profiling state (all,status,tasks,memory)", 0},
	{"show tasks", "show tasks                              : show running tasks", 0},
	// errors.c
	{"show startup-logs", "show startup-logs                       : report logs emitted during HAProxy startup", 0},
	// acme.c, haproxy 3.2 (beyond 2.6): without a usage line, so that
	// help reads as 2.6's; docs/cli.md lists them.
	{"acme renew", "", 0},
	{"acme status", "", 0},
}

// commands is commandTable with the handlers attached.
var commands []*command

func init() {
	for _, e := range commandTable {
		commands = append(commands, &command{name: e.name, words: strings.Fields(e.name), usage: e.usage, flags: e.flags, run: handlers[e.name]})
	}
	for name := range handlers {
		if findCommand(strings.Fields(name)) == nil {
			panic("runtimeapi: handler of an unknown command: " + name)
		}
	}
}

// findCommand returns the first command whose words begin args, as
// haproxy's cli_find_kw (extra words are the command's arguments).
func findCommand(args []string) *command {
next:
	for _, cmd := range commands {
		for i, w := range cmd.words {
			if arg(args, i) != w {
				continue next
			}
		}
		return cmd
	}
	return nil
}
