package sample

import (
	"bytes"
	"fmt"
	"os"
)

// loadPatternFile reads ACL patterns from a file, one per line, and hands
// each to add. As in haproxy, lines starting with '#' are comments, leading
// blanks are stripped and the pattern runs to the end of the line (inner
// and trailing blanks included); blank lines are skipped. In map mode
// (-M) only the first word of each line is the pattern. name is the file
// as written in the configuration, for messages.
func loadPatternFile(path, name string, mapMode bool, add func(string) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("failed to open pattern file <%s>", name)
	}
	for n, line := range bytes.Split(data, []byte("\n")) {
		if len(line) > 0 && line[0] == '#' {
			continue
		}
		line = bytes.TrimLeft(line, " \t")
		if i := bytes.IndexByte(line, '\r'); i >= 0 {
			line = line[:i]
		}
		if mapMode {
			if i := bytes.IndexAny(line, " \t"); i >= 0 {
				line = line[:i]
			}
		}
		if len(line) == 0 {
			continue
		}
		if err := add(string(line)); err != nil {
			return fmt.Errorf("%v at line %d of file '%s'", err, n+1, name)
		}
	}
	return nil
}
