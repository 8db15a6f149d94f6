package stats

// The renderers. Each appends to dst and returns it, as strconv's Append
// functions do, so that callers reuse their buffers.

// AppendCSV appends `show stat`'s CSV: the "# pxname,svname,…" header
// (haproxy 2.6.12's, with its trailing comma), then one line per row.
func AppendCSV(dst []byte, rows []Row) []byte { return dst }

// AppendTyped appends `show stat typed`: one line per non-empty field,
// "T.iid.sid.pos.name.1:OTS:type:value".
func AppendTyped(dst []byte, rows []Row) []byte { return dst }

// AppendJSON appends `show stat json`.
func AppendJSON(dst []byte, rows []Row) []byte { return dst }

// AppendInfo appends `show info`: "Name: value" lines.
func AppendInfo(dst []byte, info *InfoRow) []byte { return dst }

// AppendInfoTyped appends `show info typed`.
func AppendInfoTyped(dst []byte, info *InfoRow) []byte { return dst }

// AppendInfoJSON appends `show info json`.
func AppendInfoJSON(dst []byte, info *InfoRow) []byte { return dst }
