// The field tables, taken from haproxy 2.6's stat_fields and info_fields:
// the names, the order and the descriptions are its interface, which
// scripts and exporters read. The three agg_* columns are those of 2.6.12,
// the reference binary.

package stats

// Stat fields, in haproxy's CSV column order.
const (
	FPxname Stat = iota
	FSvname
	FQcur
	FQmax
	FScur
	FSmax
	FSlim
	FStot
	FBin
	FBout
	FDreq
	FDresp
	FEreq
	FEcon
	FEresp
	FWretr
	FWredis
	FStatus
	FWeight
	FAct
	FBck
	FChkfail
	FChkdown
	FLastchg
	FDowntime
	FQlimit
	FPid
	FIid
	FSid
	FThrottle
	FLbtot
	FTracked
	FType
	FRate
	FRateLim
	FRateMax
	FCheckStatus
	FCheckCode
	FCheckDuration
	FHrsp1xx
	FHrsp2xx
	FHrsp3xx
	FHrsp4xx
	FHrsp5xx
	FHrspOther
	FHanafail
	FReqRate
	FReqRateMax
	FReqTot
	FCliAbrt
	FSrvAbrt
	FCompIn
	FCompOut
	FCompByp
	FCompRsp
	FLastsess
	FLastChk
	FLastAgt
	FQtime
	FCtime
	FRtime
	FTtime
	FAgentStatus
	FAgentCode
	FAgentDuration
	FCheckDesc
	FAgentDesc
	FCheckRise
	FCheckFall
	FCheckHealth
	FAgentRise
	FAgentFall
	FAgentHealth
	FAddr
	FCookie
	FMode
	FAlgo
	FConnRate
	FConnRateMax
	FConnTot
	FIntercepted
	FDcon
	FDses
	FWrew
	FConnect
	FReuse
	FCacheLookups
	FCacheHits
	FSrvIcur
	FSrvIlim
	FQtMax
	FCtMax
	FRtMax
	FTtMax
	FEint
	FIdleConnCur
	FSafeConnCur
	FUsedConnCur
	FNeedConnEst
	FUweight
	FAggSrvStatus
	FAggSrvCheckStatus
	FAggCheckStatus
	NumStat
)

// StatFields are the names and descriptions of the stat fields.
var StatFields = [NumStat]NameDesc{
	FPxname:            {"pxname", "Proxy name"},
	FSvname:            {"svname", "Server name"},
	FQcur:              {"qcur", "Number of current queued connections"},
	FQmax:              {"qmax", "Highest value of queued connections encountered since process started"},
	FScur:              {"scur", "Number of current sessions on the frontend, backend or server"},
	FSmax:              {"smax", "Highest value of current sessions encountered since process started"},
	FSlim:              {"slim", "Frontend/listener/server's maxconn, backend's fullconn"},
	FStot:              {"stot", "Total number of sessions since process started"},
	FBin:               {"bin", "Total number of request bytes since process started"},
	FBout:              {"bout", "Total number of response bytes since process started"},
	FDreq:              {"dreq", "Total number of denied requests since process started"},
	FDresp:             {"dresp", "Total number of denied responses since process started"},
	FEreq:              {"ereq", "Total number of invalid requests since process started"},
	FEcon:              {"econ", "Total number of failed connections to server since the worker process started"},
	FEresp:             {"eresp", "Total number of invalid responses since the worker process started"},
	FWretr:             {"wretr", "Total number of server connection retries since the worker process started"},
	FWredis:            {"wredis", "Total number of server redispatches due to connection failures since the worker process started"},
	FStatus:            {"status", "Frontend/listen status: OPEN/WAITING/FULL/STOP; backend: UP/DOWN; server: last check status"},
	FWeight:            {"weight", "Server's effective weight, or sum of active servers' effective weights for a backend"},
	FAct:               {"act", "Total number of active UP servers with a non-zero weight"},
	FBck:               {"bck", "Total number of backup UP servers with a non-zero weight"},
	FChkfail:           {"chkfail", "Total number of failed individual health checks per server/backend, since the worker process started"},
	FChkdown:           {"chkdown", "Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started"},
	FLastchg:           {"lastchg", "How long ago the last server state changed, in seconds"},
	FDowntime:          {"downtime", "Total time spent in DOWN state, for server or backend"},
	FQlimit:            {"qlimit", "Limit on the number of connections in queue, for servers only (maxqueue argument)"},
	FPid:               {"pid", "Relative worker process number (1)"},
	FIid:               {"iid", "Frontend or Backend numeric identifier ('id' setting)"},
	FSid:               {"sid", "Server numeric identifier ('id' setting)"},
	FThrottle:          {"throttle", "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)"},
	FLbtot:             {"lbtot", "Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)"},
	FTracked:           {"tracked", "Name of the other server this server tracks for its state"},
	FType:              {"type", "Type of the object (Listener, Frontend, Backend, Server)"},
	FRate:              {"rate", "Total number of sessions processed by this object over the last second (sessions for listeners/frontends, requests for backends/servers)"},
	FRateLim:           {"rate_lim", "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)"},
	FRateMax:           {"rate_max", "Highest value of sessions per second observed since the worker process started"},
	FCheckStatus:       {"check_status", "Status report of the server's latest health check, prefixed with '*' if a check is currently in progress"},
	FCheckCode:         {"check_code", "HTTP/SMTP/LDAP status code reported by the latest server health check"},
	FCheckDuration:     {"check_duration", "Total duration of the latest server health check, in milliseconds"},
	FHrsp1xx:           {"hrsp_1xx", "Total number of HTTP responses with status 100-199 returned by this object since the worker process started"},
	FHrsp2xx:           {"hrsp_2xx", "Total number of HTTP responses with status 200-299 returned by this object since the worker process started"},
	FHrsp3xx:           {"hrsp_3xx", "Total number of HTTP responses with status 300-399 returned by this object since the worker process started"},
	FHrsp4xx:           {"hrsp_4xx", "Total number of HTTP responses with status 400-499 returned by this object since the worker process started"},
	FHrsp5xx:           {"hrsp_5xx", "Total number of HTTP responses with status 500-599 returned by this object since the worker process started"},
	FHrspOther:         {"hrsp_other", "Total number of HTTP responses with status <100, >599 returned by this object since the worker process started (error -1 included)"},
	FHanafail:          {"hanafail", "Total number of failed checks caused by an 'on-error' directive after an 'observe' condition matched"},
	FReqRate:           {"req_rate", "Number of HTTP requests processed over the last second on this object"},
	FReqRateMax:        {"req_rate_max", "Highest value of http requests observed since the worker process started"},
	FReqTot:            {"req_tot", "Total number of HTTP requests processed by this object since the worker process started"},
	FCliAbrt:           {"cli_abrt", "Total number of requests or connections aborted by the client since the worker process started"},
	FSrvAbrt:           {"srv_abrt", "Total number of requests or connections aborted by the server since the worker process started"},
	FCompIn:            {"comp_in", "Total number of bytes submitted to the HTTP compressor for this object since the worker process started"},
	FCompOut:           {"comp_out", "Total number of bytes emitted by the HTTP compressor for this object since the worker process started"},
	FCompByp:           {"comp_byp", "Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)"},
	FCompRsp:           {"comp_rsp", "Total number of HTTP responses that were compressed for this object since the worker process started"},
	FLastsess:          {"lastsess", "How long ago some traffic was seen on this object on this worker process, in seconds"},
	FLastChk:           {"last_chk", "Short description of the latest health check report for this server (see also check_desc)"},
	FLastAgt:           {"last_agt", "Short description of the latest agent check report for this server (see also agent_desc)"},
	FQtime:             {"qtime", "Time spent in the queue, in milliseconds, averaged over the 1024 last requests (backend/server)"},
	FCtime:             {"ctime", "Time spent waiting for a connection to complete, in milliseconds, averaged over the 1024 last requests (backend/server)"},
	FRtime:             {"rtime", "Time spent waiting for a server response, in milliseconds, averaged over the 1024 last requests (backend/server)"},
	FTtime:             {"ttime", "Total request+response time (request+queue+connect+response+processing), in milliseconds, averaged over the 1024 last requests (backend/server)"},
	FAgentStatus:       {"agent_status", "Status report of the server's latest agent check, prefixed with '*' if a check is currently in progress"},
	FAgentCode:         {"agent_code", "Status code reported by the latest server agent check"},
	FAgentDuration:     {"agent_duration", "Total duration of the latest server agent check, in milliseconds"},
	FCheckDesc:         {"check_desc", "Textual description of the latest health check report for this server"},
	FAgentDesc:         {"agent_desc", "Textual description of the latest agent check report for this server"},
	FCheckRise:         {"check_rise", "Number of successful health checks before declaring a server UP (server 'rise' setting)"},
	FCheckFall:         {"check_fall", "Number of failed health checks before declaring a server DOWN (server 'fall' setting)"},
	FCheckHealth:       {"check_health", "Current server health check level (0..fall-1=DOWN, fall..rise-1=UP)"},
	FAgentRise:         {"agent_rise", "Number of successful agent checks before declaring a server UP (server 'rise' setting)"},
	FAgentFall:         {"agent_fall", "Number of failed agent checks before declaring a server DOWN (server 'fall' setting)"},
	FAgentHealth:       {"agent_health", "Current server agent check level (0..fall-1=DOWN, fall..rise-1=UP)"},
	FAddr:              {"addr", "Server's address:port, shown only if show-legends is set, or at levels oper/admin for the CLI"},
	FCookie:            {"cookie", "Backend's cookie name or Server's cookie value, shown only if show-legends is set, or at levels oper/admin for the CLI"},
	FMode:              {"mode", "'mode' setting (tcp/http/health/cli)"},
	FAlgo:              {"algo", "Backend's load balancing algorithm, shown only if show-legends is set, or at levels oper/admin for the CLI"},
	FConnRate:          {"conn_rate", "Number of new connections accepted over the last second on the frontend for this worker process"},
	FConnRateMax:       {"conn_rate_max", "Highest value of connections per second observed since the worker process started"},
	FConnTot:           {"conn_tot", "Total number of new connections accepted on this frontend since the worker process started"},
	FIntercepted:       {"intercepted", "Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started"},
	FDcon:              {"dcon", "Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started"},
	FDses:              {"dses", "Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started"},
	FWrew:              {"wrew", "Total number of failed HTTP header rewrites since the worker process started"},
	FConnect:           {"connect", "Total number of outgoing connection attempts on this backend/server since the worker process started"},
	FReuse:             {"reuse", "Total number of reused connection on this backend/server since the worker process started"},
	FCacheLookups:      {"cache_lookups", "Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started"},
	FCacheHits:         {"cache_hits", "Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started"},
	FSrvIcur:           {"srv_icur", "Current number of idle connections available for reuse on this server"},
	FSrvIlim:           {"src_ilim", "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)"},
	FQtMax:             {"qtime_max", "Maximum observed time spent in the queue, in milliseconds (backend/server)"},
	FCtMax:             {"ctime_max", "Maximum observed time spent waiting for a connection to complete, in milliseconds (backend/server)"},
	FRtMax:             {"rtime_max", "Maximum observed time spent waiting for a server response, in milliseconds (backend/server)"},
	FTtMax:             {"ttime_max", "Maximum observed total request+response time (request+queue+connect+response+processing), in milliseconds (backend/server)"},
	FEint:              {"eint", "Total number of internal errors since process started"},
	FIdleConnCur:       {"idle_conn_cur", "Current number of unsafe idle connections"},
	FSafeConnCur:       {"safe_conn_cur", "Current number of safe idle connections"},
	FUsedConnCur:       {"used_conn_cur", "Current number of connections in use"},
	FNeedConnEst:       {"need_conn_est", "Estimated needed number of connections"},
	FUweight:           {"uweight", "Server's user weight, or sum of active servers' user weights for a backend"},
	FAggSrvStatus:      {"agg_server_status", "Backend's aggregated gauge of servers' status"},
	FAggSrvCheckStatus: {"agg_server_check_status", "[DEPRECATED] Backend's aggregated gauge of servers' status"},
	FAggCheckStatus:    {"agg_check_status", "Backend's aggregated gauge of servers' state check status"},
}

// Info fields, in the order of `show info`: haproxy's enum order, which is
// also the position the typed and JSON outputs print (the *_bytes and
// Start_time_sec fields were appended late, hence their place at the end).
const (
	IName Info = iota
	IVersion
	IReleaseDate
	INbthread
	INbproc
	IProcessNum
	IPid
	IUptime
	IUptimeSec
	IMemmaxMb
	IPoolAllocMb
	IPoolUsedMb
	IPoolFailed
	IUlimitN
	IMaxsock
	IMaxconn
	IHardMaxconn
	ICurrConn
	ICumConn
	ICumReq
	IMaxSslConns
	ICurrSslConns
	ICumSslConns
	IMaxpipes
	IPipesUsed
	IPipesFree
	IConnRate
	IConnRateLimit
	IMaxConnRate
	ISessRate
	ISessRateLimit
	IMaxSessRate
	ISslRate
	ISslRateLimit
	IMaxSslRate
	ISslFrontendKeyRate
	ISslFrontendMaxKeyRate
	ISslFrontendSessionReusePct
	ISslBackendKeyRate
	ISslBackendMaxKeyRate
	ISslCacheLookups
	ISslCacheMisses
	ICompressBpsIn
	ICompressBpsOut
	ICompressBpsRateLim
	IZlibMemUsage
	IMaxZlibMemUsage
	ITasks
	IRunQueue
	IIdlePct
	INode
	IDescription
	IStopping
	IJobs
	IUnstoppableJobs
	IListeners
	IActivePeers
	IConnectedPeers
	IDroppedLogs
	IBusyPolling
	IFailedResolutions
	ITotalBytesOut
	ITotalSplicedBytesOut
	IBytesOutRate
	IDebugCommandsIssued
	ICumLogMsgs
	IBuildInfo
	IMemmaxBytes
	IPoolAllocBytes
	IPoolUsedBytes
	IStartTimeSec
	ITainted
	NumInfo
)

// InfoFields are the names and descriptions of the info fields.
var InfoFields = [NumInfo]NameDesc{
	IName:                       {"Name", "Product name"},
	IVersion:                    {"Version", "Product version"},
	IReleaseDate:                {"Release_date", "Date of latest source code update"},
	INbthread:                   {"Nbthread", "Number of started threads (global.nbthread)"},
	INbproc:                     {"Nbproc", "Number of started worker processes (historical, always 1)"},
	IProcessNum:                 {"Process_num", "Relative worker process number (1)"},
	IPid:                        {"Pid", "This worker process identifier for the system"},
	IUptime:                     {"Uptime", "How long ago this worker process was started (days+hours+minutes+seconds)"},
	IUptimeSec:                  {"Uptime_sec", "How long ago this worker process was started (seconds)"},
	IMemmaxMb:                   {"Memmax_MB", "Worker process's hard limit on memory usage in MB (-m on command line)"},
	IPoolAllocMb:                {"PoolAlloc_MB", "Amount of memory allocated in pools (in MB)"},
	IPoolUsedMb:                 {"PoolUsed_MB", "Amount of pool memory currently used (in MB)"},
	IPoolFailed:                 {"PoolFailed", "Number of failed pool allocations since this worker was started"},
	IUlimitN:                    {"Ulimit-n", "Hard limit on the number of per-process file descriptors"},
	IMaxsock:                    {"Maxsock", "Hard limit on the number of per-process sockets"},
	IMaxconn:                    {"Maxconn", "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)"},
	IHardMaxconn:                {"Hard_maxconn", "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)"},
	ICurrConn:                   {"CurrConns", "Current number of connections on this worker process"},
	ICumConn:                    {"CumConns", "Total number of connections on this worker process since started"},
	ICumReq:                     {"CumReq", "Total number of requests on this worker process since started"},
	IMaxSslConns:                {"MaxSslConns", "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited"},
	ICurrSslConns:               {"CurrSslConns", "Current number of SSL endpoints on this worker process (front+back)"},
	ICumSslConns:                {"CumSslConns", "Total number of SSL endpoints on this worker process since started (front+back)"},
	IMaxpipes:                   {"Maxpipes", "Hard limit on the number of pipes for splicing, 0=unlimited"},
	IPipesUsed:                  {"PipesUsed", "Current number of pipes in use in this worker process"},
	IPipesFree:                  {"PipesFree", "Current number of allocated and available pipes in this worker process"},
	IConnRate:                   {"ConnRate", "Number of front connections created on this worker process over the last second"},
	IConnRateLimit:              {"ConnRateLimit", "Hard limit for ConnRate (global.maxconnrate)"},
	IMaxConnRate:                {"MaxConnRate", "Highest ConnRate reached on this worker process since started (in connections per second)"},
	ISessRate:                   {"SessRate", "Number of sessions created on this worker process over the last second"},
	ISessRateLimit:              {"SessRateLimit", "Hard limit for SessRate (global.maxsessrate)"},
	IMaxSessRate:                {"MaxSessRate", "Highest SessRate reached on this worker process since started (in sessions per second)"},
	ISslRate:                    {"SslRate", "Number of SSL connections created on this worker process over the last second"},
	ISslRateLimit:               {"SslRateLimit", "Hard limit for SslRate (global.maxsslrate)"},
	IMaxSslRate:                 {"MaxSslRate", "Highest SslRate reached on this worker process since started (in connections per second)"},
	ISslFrontendKeyRate:         {"SslFrontendKeyRate", "Number of SSL keys created on frontends in this worker process over the last second"},
	ISslFrontendMaxKeyRate:      {"SslFrontendMaxKeyRate", "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)"},
	ISslFrontendSessionReusePct: {"SslFrontendSessionReuse_pct", "Percent of frontend SSL connections which did not require a new key"},
	ISslBackendKeyRate:          {"SslBackendKeyRate", "Number of SSL keys created on backends in this worker process over the last second"},
	ISslBackendMaxKeyRate:       {"SslBackendMaxKeyRate", "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)"},
	ISslCacheLookups:            {"SslCacheLookups", "Total number of SSL session ID lookups in the SSL session cache on this worker since started"},
	ISslCacheMisses:             {"SslCacheMisses", "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started"},
	ICompressBpsIn:              {"CompressBpsIn", "Number of bytes submitted to the HTTP compressor in this worker process over the last second"},
	ICompressBpsOut:             {"CompressBpsOut", "Number of bytes emitted by the HTTP compressor in this worker process over the last second"},
	ICompressBpsRateLim:         {"CompressBpsRateLim", "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled"},
	IZlibMemUsage:               {"ZlibMemUsage", "Amount of memory currently used by HTTP compression on the current worker process (in bytes)"},
	IMaxZlibMemUsage:            {"MaxZlibMemUsage", "Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)"},
	ITasks:                      {"Tasks", "Total number of tasks in the current worker process (active + sleeping)"},
	IRunQueue:                   {"Run_queue", "Total number of active tasks+tasklets in the current worker process"},
	IIdlePct:                    {"Idle_pct", "Percentage of last second spent waiting in the current worker thread"},
	INode:                       {"node", "Node name (global.node)"},
	IDescription:                {"description", "Node description (global.description)"},
	IStopping:                   {"Stopping", "1 if the worker process is currently stopping, otherwise zero"},
	IJobs:                       {"Jobs", "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)"},
	IUnstoppableJobs:            {"Unstoppable Jobs", "Current number of unstoppable jobs on the current worker process (master connections)"},
	IListeners:                  {"Listeners", "Current number of active listeners on the current worker process"},
	IActivePeers:                {"ActivePeers", "Current number of verified active peers connections on the current worker process"},
	IConnectedPeers:             {"ConnectedPeers", "Current number of peers having passed the connection step on the current worker process"},
	IDroppedLogs:                {"DroppedLogs", "Total number of dropped logs for current worker process since started"},
	IBusyPolling:                {"BusyPolling", "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)"},
	IFailedResolutions:          {"FailedResolutions", "Total number of failed DNS resolutions in current worker process since started"},
	ITotalBytesOut:              {"TotalBytesOut", "Total number of bytes emitted by current worker process since started"},
	ITotalSplicedBytesOut:       {"TotalSplicdedBytesOut", "Total number of bytes emitted by current worker process through a kernel pipe since started"},
	IBytesOutRate:               {"BytesOutRate", "Number of bytes emitted by current worker process over the last second"},
	IDebugCommandsIssued:        {"DebugCommandsIssued", "Number of debug commands issued on this process (anything > 0 is unsafe)"},
	ICumLogMsgs:                 {"CumRecvLogs", "Total number of log messages received by log-forwarding listeners on this worker process since started"},
	IBuildInfo:                  {"Build info", "Build info"},
	IMemmaxBytes:                {"Memmax_bytes", "Worker process's hard limit on memory usage in byes (-m on command line)"},
	IPoolAllocBytes:             {"PoolAlloc_bytes", "Amount of memory allocated in pools (in bytes)"},
	IPoolUsedBytes:              {"PoolUsed_bytes", "Amount of pool memory currently used (in bytes)"},
	IStartTimeSec:               {"Start_time_sec", "Start time in seconds"},
	ITainted:                    {"Tainted", "Experimental features used"},
}
