// Package promex is haproxy's Prometheus exporter (`http-request
// use-service prometheus-exporter`), computed from the stats rows that
// `show stat` and `show info` print, plus switchyard's own metrics.
//
// # Use
//
// A Source (the admin surface) gives the rows, the stick tables and the
// extras. Serve or Handler answer through net/http; switchyard's own HTTP
// layer calls ParseQuery, sends the status and headers (ContentType and
// CacheControl, or haproxy's 400 page BadRequestBody on an error), then
// Options.Write for the body, or Write to do both into one io.Writer.
//
// # Compatibility with haproxy 2.6.12
//
// Families, their order (metric by metric, each over all objects: global,
// frontends, listeners, backends, servers, stick tables), HELP texts,
// TYPEs, label names, label order and label values are those of haproxy
// 2.6.12's exporter, checked by a differential test against the real
// binary. A field an object does not have is written as NaN, as haproxy
// does; metrics haproxy leaves out (HTTP metrics of TCP proxies, check
// metrics of unchecked servers, aggregates of backends without servers,
// tables of size 0) are left out. The query string is read as 2.6.12
// reads it: see ParseQuery. Known differences:
//
//   - Numbers are written by the Prometheus library: 0 and 0.001 where
//     haproxy prints 0.000000 and 0.001000, 1.796522525e+09 where it
//     prints 1796522525. The values are the same; a Prometheus server
//     reads both alike.
//   - The queue, connect, response and total time averages
//     (*_time_average_seconds) are the rows' (`show stat`'s qtime, ctime,
//     rtime, ttime): the average over the last 1024 requests, or over
//     all of them until there are 1024. haproxy's exporter divides by
//     1024 from the start, so it shows smaller averages for a backend or
//     server that has served fewer than 1024 requests; after that both
//     agree.
//   - Servers whose checks are paused (in maintenance, after `disable
//     health`) have no check columns in the rows, so no check metric here.
//     haproxy 2.6.12 still writes their last check's
//     haproxy_server_check_duration_seconds, and counts their last check
//     status in haproxy_backend_agg_check_status; the latter was fixed
//     later (commit 3790eb4f8, "fix backend_agg_check_status", meant for
//     2.4 and up) and switchyard follows the fix.
//   - The `metrics` filter is haproxy 3.0's; 2.6 ignores it.
//
// # switchyard's metrics
//
// A scrape writes them only when asked: with the `switchyard-metrics` key
// (Options.Switchyard), or for a family the `metrics` filter names.
// Otherwise a scrape is haproxy's families alone, as haproxy's exporter
// writes them, and the Source's Extras and Certificates are not read:
// tools and tests made for haproxy's exporter get what they expect (the
// histograms alone would add 17 lines per backend and per server;
// haproxy's prometheus.vtc logs the whole body at each of its expects,
// and VTest's 2 MiB log cannot hold a body much bigger than haproxy's).
// When written, they follow haproxy's, each under the scope of its
// object, and the `metrics` filter applies to them too. Their names and
// labels are an interface, as haproxy's are.
//
// Process (scope global); a family whose value is unknown (0 in Extras)
// is not written:
//
//   - switchyard_process_fds_used (gauge): file descriptors open.
//   - switchyard_process_fds_limit (gauge): the most the process may open
//     (RLIMIT_NOFILE).
//   - switchyard_process_fds_utilization_ratio (gauge, 0 to 1): used over
//     limit. Accepting fails at 1: alert well below.
//   - switchyard_process_memory_used_bytes (gauge): memory held from the
//     system.
//   - switchyard_process_memory_limit_bytes (gauge): the limit the process
//     runs under (-m, GOMEMLIMIT, the cgroup).
//   - switchyard_process_memory_utilization_ratio (gauge, 0 to 1): used
//     over limit.
//   - switchyard_process_connections_utilization_ratio (gauge, 0 to 1):
//     current connections over the process's maxconn (`show info`
//     CurrConns / Maxconn). At 1, new connections wait in the kernel's
//     backlog.
//
// Frontends (scope frontend):
//
//   - switchyard_frontend_connections_utilization_ratio{proxy} (gauge, 0
//     to 1): current sessions over the frontend's maxconn (scur / slim).
//   - switchyard_frontend_ssl_certificate_expiry_seconds{proxy,listener,file,serial}
//     (gauge): seconds until a certificate a TLS bind serves expires (its
//     notAfter), negative once it has; one series per certificate and
//     bind, listener naming the bind as haproxy's listener series do (its
//     `name`, or sock-N), file the certificate's file, serial its serial
//     number in upper-case hex (a renewed certificate is a new series).
//   - switchyard_frontend_ssl_certificate_expiry_timestamp_seconds{proxy,listener,file,serial}
//     (gauge): the same notAfter as a Unix timestamp, for alerts that
//     compare it with time().
//
// Backends (scope backend):
//
//   - switchyard_backend_response_time_seconds{proxy} (histogram): time to
//     the server's response headers (haproxy's Tr) of the backend's HTTP
//     requests, in seconds, in buckets from 1 ms to 30 s. Gives the
//     quantiles the averages hide:
//     histogram_quantile(0.99, rate(switchyard_backend_response_time_seconds_bucket[5m])).
//
// Servers (scope server; no-maint leaves out the servers in maintenance
// here too):
//
//   - switchyard_server_response_time_seconds{proxy,server} (histogram):
//     the same per server.
//   - switchyard_server_check_transitions_total{proxy,server,to} (counter):
//     changes of the server's health state to "up" and to "down" since the
//     process started. A steady server has a rate of 0; a flapping one
//     shows in rate(switchyard_server_check_transitions_total[10m]) > 0 on
//     both labels, before its downtime adds up.
//   - switchyard_server_connections_utilization_ratio{proxy,server}
//     (gauge, 0 to 1): current sessions over the server's maxconn, for
//     servers that have one. At 1 requests queue (haproxy_server_current_queue).
package promex
