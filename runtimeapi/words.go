package runtimeapi

// maxArgs is haproxy's MAX_CLI_ARGS: words past it are ignored.
const maxArgs = 64

// payloadPattern ends a command line whose payload follows on the next
// lines, up to an empty line.
const payloadPattern = "<<"

// splitWords cuts a command line into words as haproxy's
// cli_parse_request: blanks (spaces, tabs) separate words, a backslash
// makes the next character part of the word (an escaped blank does not
// separate, "\\" is a backslash), and a last word "<<" is not a word but
// announces a payload.
func splitWords(line string) (args []string, payload bool) {
	p := 0
	for len(args) < maxArgs && p < len(line) {
		for p < len(line) && (line[p] == ' ' || line[p] == '\t') {
			p++
		}
		if p == len(line) {
			break
		}
		if line[p:] == payloadPattern {
			return args, true
		}
		var w []byte
		for p < len(line) && line[p] != ' ' && line[p] != '\t' {
			c := line[p]
			p++
			if c == '\\' {
				if p == len(line) {
					break // a trailing backslash escapes nothing
				}
				c = line[p]
				p++
			}
			w = append(w, c)
		}
		args = append(args, string(w))
	}
	return args, false
}

// arg is args[i], or "" past the end, as haproxy's args array padded with
// empty strings.
func arg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
