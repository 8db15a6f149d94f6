package stats

// moduleColumns are the columns haproxy 2.6.12 prints after the `-`
// separator: the counters of its stats modules (SSL, HTTP/2, HTTP/1), in
// the order it registers them. Scripts that read the CSV by position count
// on them being there. The first NumMod are those our rows carry (Row.Mods:
// the SSL module's); the others' cells stay empty, and the typed and JSON
// outputs leave them out.
var moduleColumns = [...]string{
	"ssl_sess", "ssl_reused_sess", "ssl_failed_handshake",
	"h2_headers_rcvd", "h2_data_rcvd", "h2_settings_rcvd",
	"h2_rst_stream_rcvd", "h2_goaway_rcvd",
	"h2_detected_conn_protocol_errors", "h2_detected_strm_protocol_errors",
	"h2_rst_stream_resp", "h2_goaway_resp", "h2_open_connections",
	"h2_backend_open_streams", "h2_total_connections",
	"h2_backend_total_streams",
	"h1_open_connections", "h1_open_streams", "h1_total_connections",
	"h1_total_streams", "h1_bytes_in", "h1_bytes_out",
	"h1_spliced_bytes_in", "h1_spliced_bytes_out",
}

// Mod is a stats module field that rows carry, numbered from 0; its
// position in the typed and JSON outputs is NumStat+Mod, as in haproxy,
// which numbers the modules' fields after its own.
type Mod int

// The "ssl" module's fields, which frontends, listeners, backends and
// servers all have.
const (
	MSslSess Mod = iota
	MSslReusedSess
	MSslFailedHandshake
	NumMod
)

// ModName returns a module field's name.
func ModName(m Mod) string { return moduleColumns[m] }

// AppendCSVHeader appends the "# pxname,svname,…" line of `show stat`.
// Every name is followed by a comma, hence the trailing one; `-` marks
// where the fixed fields end and the modules' begin.
func AppendCSVHeader(dst []byte) []byte {
	dst = append(dst, "# "...)
	for i := range StatFields {
		dst = append(dst, StatFields[i].Name...)
		dst = append(dst, ',')
	}
	dst = append(dst, "-,"...)
	for _, m := range moduleColumns {
		dst = append(dst, m...)
		dst = append(dst, ',')
	}
	return append(dst, '\n')
}

// AppendCSVRow appends one row as a CSV line, in the header's columns.
func AppendCSVRow(dst []byte, r *Row) []byte {
	for i := range r.Fields {
		dst = appendCSVValue(dst, &r.Fields[i])
		dst = append(dst, ',')
	}
	dst = append(dst, "-,"...)
	for i := range r.Mods {
		dst = appendCSVValue(dst, &r.Mods[i])
		dst = append(dst, ',')
	}
	for range len(moduleColumns) - len(r.Mods) {
		dst = append(dst, ',')
	}
	return append(dst, '\n')
}

// AppendCSV appends `show stat`'s CSV: the header line, then one line per
// row, each cell followed by a comma. An empty field is an empty cell. No
// empty line follows: haproxy's CLI adds one after every answer, its HTTP
// ";csv" does not.
func AppendCSV(dst []byte, rows []Row) []byte {
	dst = AppendCSVHeader(dst)
	for i := range rows {
		dst = AppendCSVRow(dst, &rows[i])
	}
	return dst
}
