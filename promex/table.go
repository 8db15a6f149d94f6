package promex

import (
	dto "github.com/prometheus/client_model/go"

	"switchyard/stats"
)

// The exporter's tables: names, help texts and types are haproxy 2.6.12's
// exporter's, as it prints them (scraped from the reference binary, which
// differs from the v2.6.0 source: the agg_* backend metrics, and the four
// info fields that 2.6.12 moved to the end of `show info`, hence of
// haproxy_process_*). Dashboards and alerts key on them: never reword.

const (
	tGauge   = dto.MetricType_GAUGE
	tCounter = dto.MetricType_COUNTER
)

// processMetric is one haproxy_process_* metric: an info field.
type processMetric struct {
	name  string
	help  string
	typ   dto.MetricType
	field stats.Info
}

// processMetrics are in 2.6.12's order: that of its `show info`.
var processMetrics = [...]processMetric{
	{"haproxy_process_nbthread", "Number of started threads (global.nbthread)", tGauge, stats.INbthread},
	{"haproxy_process_nbproc", "Number of started worker processes (historical, always 1)", tGauge, stats.INbproc},
	{"haproxy_process_relative_process_id", "Relative worker process number (1)", tGauge, stats.IProcessNum},
	{"haproxy_process_uptime_seconds", "How long ago this worker process was started (seconds)", tGauge, stats.IUptimeSec},
	{"haproxy_process_pool_failures_total", "Number of failed pool allocations since this worker was started", tCounter, stats.IPoolFailed},
	{"haproxy_process_max_fds", "Hard limit on the number of per-process file descriptors", tGauge, stats.IUlimitN},
	{"haproxy_process_max_sockets", "Hard limit on the number of per-process sockets", tGauge, stats.IMaxsock},
	{"haproxy_process_max_connections", "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)", tGauge, stats.IMaxconn},
	{"haproxy_process_hard_max_connections", "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)", tGauge, stats.IHardMaxconn},
	{"haproxy_process_current_connections", "Current number of connections on this worker process", tGauge, stats.ICurrConn},
	{"haproxy_process_connections_total", "Total number of connections on this worker process since started", tCounter, stats.ICumConn},
	{"haproxy_process_requests_total", "Total number of requests on this worker process since started", tCounter, stats.ICumReq},
	{"haproxy_process_max_ssl_connections", "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited", tGauge, stats.IMaxSslConns},
	{"haproxy_process_current_ssl_connections", "Current number of SSL endpoints on this worker process (front+back)", tGauge, stats.ICurrSslConns},
	{"haproxy_process_ssl_connections_total", "Total number of SSL endpoints on this worker process since started (front+back)", tCounter, stats.ICumSslConns},
	{"haproxy_process_max_pipes", "Hard limit on the number of pipes for splicing, 0=unlimited", tGauge, stats.IMaxpipes},
	{"haproxy_process_pipes_used_total", "Current number of pipes in use in this worker process", tCounter, stats.IPipesUsed},
	{"haproxy_process_pipes_free_total", "Current number of allocated and available pipes in this worker process", tCounter, stats.IPipesFree},
	{"haproxy_process_current_connection_rate", "Number of front connections created on this worker process over the last second", tGauge, stats.IConnRate},
	{"haproxy_process_limit_connection_rate", "Hard limit for ConnRate (global.maxconnrate)", tGauge, stats.IConnRateLimit},
	{"haproxy_process_max_connection_rate", "Highest ConnRate reached on this worker process since started (in connections per second)", tGauge, stats.IMaxConnRate},
	{"haproxy_process_current_session_rate", "Number of sessions created on this worker process over the last second", tGauge, stats.ISessRate},
	{"haproxy_process_limit_session_rate", "Hard limit for SessRate (global.maxsessrate)", tGauge, stats.ISessRateLimit},
	{"haproxy_process_max_session_rate", "Highest SessRate reached on this worker process since started (in sessions per second)", tGauge, stats.IMaxSessRate},
	{"haproxy_process_current_ssl_rate", "Number of SSL connections created on this worker process over the last second", tGauge, stats.ISslRate},
	{"haproxy_process_limit_ssl_rate", "Hard limit for SslRate (global.maxsslrate)", tGauge, stats.ISslRateLimit},
	{"haproxy_process_max_ssl_rate", "Highest SslRate reached on this worker process since started (in connections per second)", tGauge, stats.IMaxSslRate},
	{"haproxy_process_current_frontend_ssl_key_rate", "Number of SSL keys created on frontends in this worker process over the last second", tGauge, stats.ISslFrontendKeyRate},
	{"haproxy_process_max_frontend_ssl_key_rate", "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)", tGauge, stats.ISslFrontendMaxKeyRate},
	{"haproxy_process_frontend_ssl_reuse", "Percent of frontend SSL connections which did not require a new key", tGauge, stats.ISslFrontendSessionReusePct},
	{"haproxy_process_current_backend_ssl_key_rate", "Number of SSL keys created on backends in this worker process over the last second", tGauge, stats.ISslBackendKeyRate},
	{"haproxy_process_max_backend_ssl_key_rate", "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)", tGauge, stats.ISslBackendMaxKeyRate},
	{"haproxy_process_ssl_cache_lookups_total", "Total number of SSL session ID lookups in the SSL session cache on this worker since started", tCounter, stats.ISslCacheLookups},
	{"haproxy_process_ssl_cache_misses_total", "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started", tCounter, stats.ISslCacheMisses},
	{"haproxy_process_http_comp_bytes_in_total", "Number of bytes submitted to the HTTP compressor in this worker process over the last second", tCounter, stats.ICompressBpsIn},
	{"haproxy_process_http_comp_bytes_out_total", "Number of bytes emitted by the HTTP compressor in this worker process over the last second", tCounter, stats.ICompressBpsOut},
	{"haproxy_process_limit_http_comp", "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled", tGauge, stats.ICompressBpsRateLim},
	{"haproxy_process_current_zlib_memory", "Amount of memory currently used by HTTP compression on the current worker process (in bytes)", tGauge, stats.IZlibMemUsage},
	{"haproxy_process_max_zlib_memory", "Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)", tGauge, stats.IMaxZlibMemUsage},
	{"haproxy_process_current_tasks", "Total number of tasks in the current worker process (active + sleeping)", tGauge, stats.ITasks},
	{"haproxy_process_current_run_queue", "Total number of active tasks+tasklets in the current worker process", tGauge, stats.IRunQueue},
	{"haproxy_process_idle_time_percent", "Percentage of last second spent waiting in the current worker thread", tGauge, stats.IIdlePct},
	{"haproxy_process_stopping", "1 if the worker process is currently stopping, otherwise zero", tGauge, stats.IStopping},
	{"haproxy_process_jobs", "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)", tGauge, stats.IJobs},
	{"haproxy_process_unstoppable_jobs", "Current number of unstoppable jobs on the current worker process (master connections)", tGauge, stats.IUnstoppableJobs},
	{"haproxy_process_listeners", "Current number of active listeners on the current worker process", tGauge, stats.IListeners},
	{"haproxy_process_active_peers", "Current number of verified active peers connections on the current worker process", tGauge, stats.IActivePeers},
	{"haproxy_process_connected_peers", "Current number of peers having passed the connection step on the current worker process", tGauge, stats.IConnectedPeers},
	{"haproxy_process_dropped_logs_total", "Total number of dropped logs for current worker process since started", tCounter, stats.IDroppedLogs},
	{"haproxy_process_busy_polling_enabled", "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)", tGauge, stats.IBusyPolling},
	{"haproxy_process_failed_resolutions", "Total number of failed DNS resolutions in current worker process since started", tCounter, stats.IFailedResolutions},
	{"haproxy_process_bytes_out_total", "Total number of bytes emitted by current worker process since started", tCounter, stats.ITotalBytesOut},
	{"haproxy_process_spliced_bytes_out_total", "Total number of bytes emitted by current worker process through a kernel pipe since started", tCounter, stats.ITotalSplicedBytesOut},
	{"haproxy_process_bytes_out_rate", "Number of bytes emitted by current worker process over the last second", tGauge, stats.IBytesOutRate},
	{"haproxy_process_recv_logs_total", "Total number of log messages received by log-forwarding listeners on this worker process since started", tCounter, stats.ICumLogMsgs},
	{"haproxy_process_build_info", "Build info", tGauge, stats.IBuildInfo},
	{"haproxy_process_max_memory_bytes", "Worker process's hard limit on memory usage in byes (-m on command line)", tGauge, stats.IMemmaxBytes},
	{"haproxy_process_pool_allocated_bytes", "Amount of memory allocated in pools (in bytes)", tGauge, stats.IPoolAllocBytes},
	{"haproxy_process_pool_used_bytes", "Amount of pool memory currently used (in bytes)", tGauge, stats.IPoolUsedBytes},
	{"haproxy_process_start_time_seconds", "Start time in seconds", tGauge, stats.IStartTimeSec},
}

// objMask is the set of object types a stat metric is exported for.
type objMask uint8

const (
	oFrontend objMask = 1 << iota
	oListener
	oBackend
	oServer
)

// kind says how a stat metric's series are made from a row.
type kind uint8

const (
	kPlain         kind = iota // the field's value
	kMilliseconds              // the field (ms) in seconds
	kCheckDuration             // the field (ms) in seconds, if the server has it
	kHTTP                      // the field's value, for proxies in mode http only
	kResponses                 // one series per response class (code label), mode http only
	kStatus                    // one 0/1 series per state (state label)
	kCheckStatus               // one 0/1 series per check status, if checks run
	kCheckCode                 // the check's code, 0 below layer 5, if checks run
	kAggServer                 // backend: servers counted per state
	kAggCheck                  // backend: servers counted per check status
)

// statMetric is one haproxy_{frontend,listener,backend,server}_* metric.
type statMetric struct {
	name  string // without the object's prefix
	help  string
	typ   dto.MetricType
	field stats.Stat
	objs  objMask
	kind  kind
}

// statMetrics are in stat field order, which is the order haproxy dumps
// them in for each object type.
var statMetrics = [...]statMetric{
	{"current_queue", "Number of current queued connections", tGauge, stats.FQcur, oBackend | oServer, kPlain},
	{"max_queue", "Highest value of queued connections encountered since process started", tGauge, stats.FQmax, oBackend | oServer, kPlain},
	{"current_sessions", "Number of current sessions on the frontend, backend or server", tGauge, stats.FScur, oFrontend | oListener | oBackend | oServer, kPlain},
	{"max_sessions", "Highest value of current sessions encountered since process started", tGauge, stats.FSmax, oFrontend | oListener | oBackend | oServer, kPlain},
	{"limit_sessions", "Frontend/listener/server's maxconn, backend's fullconn", tGauge, stats.FSlim, oFrontend | oListener | oBackend | oServer, kPlain},
	{"sessions_total", "Total number of sessions since process started", tCounter, stats.FStot, oFrontend | oListener | oBackend | oServer, kPlain},
	{"bytes_in_total", "Total number of request bytes since process started", tCounter, stats.FBin, oFrontend | oListener | oBackend | oServer, kPlain},
	{"bytes_out_total", "Total number of response bytes since process started", tCounter, stats.FBout, oFrontend | oListener | oBackend | oServer, kPlain},
	{"requests_denied_total", "Total number of denied requests since process started", tCounter, stats.FDreq, oFrontend | oListener | oBackend, kPlain},
	{"responses_denied_total", "Total number of denied responses since process started", tCounter, stats.FDresp, oFrontend | oListener | oBackend | oServer, kPlain},
	{"request_errors_total", "Total number of invalid requests since process started", tCounter, stats.FEreq, oFrontend | oListener, kPlain},
	{"connection_errors_total", "Total number of failed connections to server since the worker process started", tCounter, stats.FEcon, oBackend | oServer, kPlain},
	{"response_errors_total", "Total number of invalid responses since the worker process started", tCounter, stats.FEresp, oBackend | oServer, kPlain},
	{"retry_warnings_total", "Total number of server connection retries since the worker process started", tCounter, stats.FWretr, oBackend | oServer, kPlain},
	{"redispatch_warnings_total", "Total number of server redispatches due to connection failures since the worker process started", tCounter, stats.FWredis, oBackend | oServer, kPlain},
	{"status", "Current status of the service, per state label value.", tGauge, stats.FStatus, oFrontend | oListener | oBackend | oServer, kStatus},
	{"weight", "Server's effective weight, or sum of active servers' effective weights for a backend", tGauge, stats.FWeight, oBackend | oServer, kPlain},
	{"active_servers", "Total number of active UP servers with a non-zero weight", tGauge, stats.FAct, oBackend, kPlain},
	{"backup_servers", "Total number of backup UP servers with a non-zero weight", tGauge, stats.FBck, oBackend, kPlain},
	{"check_failures_total", "Total number of failed individual health checks per server/backend, since the worker process started", tCounter, stats.FChkfail, oServer, kPlain},
	{"check_up_down_total", "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started", tCounter, stats.FChkdown, oBackend | oServer, kPlain},
	{"check_last_change_seconds", "How long ago the last server state changed, in seconds", tGauge, stats.FLastchg, oBackend | oServer, kPlain},
	{"downtime_seconds_total", "Total time spent in DOWN state, for server or backend", tCounter, stats.FDowntime, oBackend | oServer, kPlain},
	{"queue_limit", "Limit on the number of connections in queue, for servers only (maxqueue argument)", tGauge, stats.FQlimit, oServer, kPlain},
	{"current_throttle", "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)", tGauge, stats.FThrottle, oServer, kPlain},
	{"loadbalanced_total", "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)", tCounter, stats.FLbtot, oBackend | oServer, kPlain},
	{"limit_session_rate", "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)", tGauge, stats.FRateLim, oFrontend, kPlain},
	{"max_session_rate", "Highest value of sessions per second observed since the worker process started", tGauge, stats.FRateMax, oFrontend | oBackend | oServer, kPlain},
	{"check_status", "Status of last health check, per state label value.", tGauge, stats.FCheckStatus, oServer, kCheckStatus},
	{"check_code", "layer5-7 code, if available of the last health check.", tGauge, stats.FCheckCode, oServer, kCheckCode},
	{"check_duration_seconds", "Total duration of the latest server health check, in seconds.", tGauge, stats.FCheckDuration, oServer, kCheckDuration},
	{"http_responses_total", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started", tCounter, stats.FHrsp1xx, oFrontend | oBackend | oServer, kResponses},
	{"http_requests_rate_max", "Highest value of http requests observed since the worker process started", tGauge, stats.FReqRateMax, oFrontend, kHTTP},
	{"http_requests_total", "Total number of HTTP requests processed by this object since the worker process started", tCounter, stats.FReqTot, oFrontend | oBackend, kHTTP},
	{"client_aborts_total", "Total number of requests or connections aborted by the client since the worker process started", tCounter, stats.FCliAbrt, oBackend | oServer, kPlain},
	{"server_aborts_total", "Total number of requests or connections aborted by the server since the worker process started", tCounter, stats.FSrvAbrt, oBackend | oServer, kPlain},
	{"http_comp_bytes_in_total", "Total number of bytes submitted to the HTTP compressor for this object since the worker process started", tCounter, stats.FCompIn, oFrontend | oBackend, kHTTP},
	{"http_comp_bytes_out_total", "Total number of bytes emitted by the HTTP compressor for this object since the worker process started", tCounter, stats.FCompOut, oFrontend | oBackend, kHTTP},
	{"http_comp_bytes_bypassed_total", "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)", tCounter, stats.FCompByp, oFrontend | oBackend, kHTTP},
	{"http_comp_responses_total", "Total number of HTTP responses that were compressed for this object since the worker process started", tCounter, stats.FCompRsp, oFrontend | oBackend, kHTTP},
	{"last_session_seconds", "How long ago some traffic was seen on this object on this worker process, in seconds", tGauge, stats.FLastsess, oBackend | oServer, kPlain},
	{"queue_time_average_seconds", "Avg. queue time for last 1024 successful connections.", tGauge, stats.FQtime, oBackend | oServer, kMilliseconds},
	{"connect_time_average_seconds", "Avg. connect time for last 1024 successful connections.", tGauge, stats.FCtime, oBackend | oServer, kMilliseconds},
	{"response_time_average_seconds", "Avg. response time for last 1024 successful connections.", tGauge, stats.FRtime, oBackend | oServer, kMilliseconds},
	{"total_time_average_seconds", "Avg. total time for last 1024 successful connections.", tGauge, stats.FTtime, oBackend | oServer, kMilliseconds},
	{"connections_rate_max", "Highest value of connections per second observed since the worker process started", tGauge, stats.FConnRateMax, oFrontend, kPlain},
	{"connections_total", "Total number of new connections accepted on this frontend since the worker process started", tCounter, stats.FConnTot, oFrontend, kPlain},
	{"intercepted_requests_total", "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started", tCounter, stats.FIntercepted, oFrontend, kHTTP},
	{"denied_connections_total", "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started", tCounter, stats.FDcon, oFrontend | oListener, kPlain},
	{"denied_sessions_total", "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started", tCounter, stats.FDses, oFrontend | oListener, kPlain},
	{"failed_header_rewriting_total", "Total number of failed HTTP header rewrites since the worker process started", tCounter, stats.FWrew, oFrontend | oListener | oBackend | oServer, kPlain},
	{"connection_attempts_total", "Total number of outgoing connection attempts on this backend/server since the worker process started", tCounter, stats.FConnect, oBackend | oServer, kPlain},
	{"connection_reuses_total", "Total number of reused connection on this backend/server since the worker process started", tCounter, stats.FReuse, oBackend | oServer, kPlain},
	{"http_cache_lookups_total", "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started", tCounter, stats.FCacheLookups, oFrontend | oBackend, kHTTP},
	{"http_cache_hits_total", "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started", tCounter, stats.FCacheHits, oFrontend | oBackend, kHTTP},
	{"idle_connections_current", "Current number of idle connections available for reuse on this server", tGauge, stats.FSrvIcur, oServer, kPlain},
	{"idle_connections_limit", "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)", tGauge, stats.FSrvIlim, oServer, kPlain},
	{"max_queue_time_seconds", "Maximum observed time spent in the queue", tGauge, stats.FQtMax, oBackend | oServer, kMilliseconds},
	{"max_connect_time_seconds", "Maximum observed time spent waiting for a connection to complete", tGauge, stats.FCtMax, oBackend | oServer, kMilliseconds},
	{"max_response_time_seconds", "Maximum observed time spent waiting for a server response", tGauge, stats.FRtMax, oBackend | oServer, kMilliseconds},
	{"max_total_time_seconds", "Maximum observed total request+response time (request+queue+connect+response+processing)", tGauge, stats.FTtMax, oBackend | oServer, kMilliseconds},
	{"internal_errors_total", "Total number of internal errors since process started", tCounter, stats.FEint, oFrontend | oListener | oBackend | oServer, kPlain},
	{"unsafe_idle_connections_current", "Current number of unsafe idle connections", tGauge, stats.FIdleConnCur, oServer, kPlain},
	{"safe_idle_connections_current", "Current number of safe idle connections", tGauge, stats.FSafeConnCur, oServer, kPlain},
	{"used_connections_current", "Current number of connections in use", tGauge, stats.FUsedConnCur, oServer, kPlain},
	{"need_connections_current", "Estimated needed number of connections", tGauge, stats.FNeedConnEst, oServer, kPlain},
	{"uweight", "Server's user weight, or sum of active servers' user weights for a backend", tGauge, stats.FUweight, oBackend | oServer, kPlain},
	{"agg_server_status", "Backend's aggregated gauge of servers' status", tGauge, stats.FAggSrvStatus, oBackend, kAggServer},
	{"agg_server_check_status", "Backend's aggregated gauge of servers' state check status", tGauge, stats.FAggSrvCheckStatus, oBackend, kAggServer},
	{"agg_check_status", "Backend's aggregated gauge of servers' state check status", tGauge, stats.FAggCheckStatus, oBackend, kAggCheck},
}

// States, in the order haproxy dumps their series.
var (
	frontendStates = [...]string{"DOWN", "UP"}
	backendStates  = [...]string{"DOWN", "UP"}
	listenerStates = [...]string{"WAITING", "OPEN", "FULL"}
	serverStates   = [...]string{"DOWN", "UP", "MAINT", "DRAIN", "NOLB"}
	// checkStatuses are haproxy's check statuses whose result is at least
	// "failed" (those a finished check can end in), in its enum order.
	checkStatuses = [...]string{"HANA", "SOCKERR", "L4OK", "L4TOUT", "L4CON",
		"L6OK", "L6TOUT", "L6RSP", "L7TOUT", "L7RSP", "L7OK", "L7OKC",
		"L7STS", "PROCERR", "PROCTOUT", "PROCOK"}
	responseCodes = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx", "other"}
)

const (
	srvDown = iota
	srvUp
	srvMaint
	srvDrain
	srvNolb
)
