package config

import (
	"os"
	"strings"
)

// envExpand substitutes $NAME and ${NAME} in an address, wherever they
// are, as haproxy's env_expand does for every address it parses (bind,
// server, log targets): outside quotes too, which the configuration lexer
// leaves alone. An unset variable is empty. Names are letters, digits and
// underscores; "${" without its closing brace takes the name as far as it
// goes, as haproxy reads it.
func envExpand(s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '$')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := i + 1
		brace := j < len(s) && s[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(s) && (lexIsAlnum(s[k]) || s[k] == '_') {
			k++
		}
		b.WriteString(os.Getenv(s[j:k]))
		if brace && k < len(s) && s[k] == '}' {
			k++
		}
		s = s[k:]
	}
}
