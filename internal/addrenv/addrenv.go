// Package addrenv expands environment variables in addresses as haproxy's
// env_expand does for every address it parses (bind, server, log
// targets): $NAME and ${NAME} wherever they are, outside quotes too, which
// the configuration lexer leaves alone.
package addrenv

import (
	"os"
	"strings"
)

// Expand substitutes $NAME and ${NAME}; an unset variable is empty. Names
// are letters, digits and underscores; "${" without its closing brace
// takes the name as far as it goes, as haproxy reads it.
func Expand(s string) string {
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
		for k < len(s) && isNameByte(s[k]) {
			k++
		}
		b.WriteString(os.Getenv(s[j:k]))
		if brace && k < len(s) && s[k] == '}' {
			k++
		}
		s = s[k:]
	}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
