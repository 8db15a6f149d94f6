package runtimeapi

import (
	"math"
	"sort"
	"strings"
)

// The help and "Unknown command" answers, as haproxy's cli_gen_usage_msg:
// the commands whose first words match those typed, or, when the typed
// words go further than any command, the few whose remaining words look
// closest (a comparison of letter-pair fingerprints), sorted by their
// usage line; then help, prompt and quit. Help lists every command the
// session's modes show, whatever its level: haproxy does not hide what
// needs a higher level (running it answers "Permission denied").

const (
	maxMatches   = 5 // CLI_MAX_MATCHES
	prefixWordNb = 5 // CLI_PREFIX_KW_NB
)

const usageTail = "  help [<command>]                        : list matching or all commands\n" +
	"  prompt                                  : toggle interactive mode with prompt\n" +
	"  quit                                    : disconnect\n"

// visible says whether a command is shown in this session's modes.
func (s *session) visible(cmd *command) bool {
	return (cmd.flags&expertOnly == 0 || s.expert) && (cmd.flags&experimentalOnly == 0 || s.experimental)
}

// usage builds the answer to `help [words]` (isHelp, args without "help")
// or to an unknown command.
func usage(s *session, args []string, isHelp bool) string {
	cmds := withLuaCommands(s) // core.register_cli's too (cmd_lua.go)
	// The longest run of words matching a visible command's first words.
	length := 0
	for _, cmd := range cmds {
		if !s.visible(cmd) {
			continue
		}
		for i := 0; i < prefixWordNb && i < len(cmd.words); i++ {
			if arg(args, i) == "" || cmd.words[i] != args[i] {
				break
			}
			length = max(length, i+1)
		}
	}
	var b strings.Builder
	switch {
	case isHelp:
		b.WriteString("The following commands are valid at this level:\n")
	case length == 0 && arg(args, 0) == "":
		b.WriteString("Unknown command. Please enter one of the following commands only:\n")
	default:
		b.WriteString("Unknown command, but maybe one of the following ones is a better match:\n")
	}
	prefixMatches := func(cmd *command) bool {
		for i := 0; i < length; i++ {
			if i >= len(cmd.words) || arg(args, i) == "" || cmd.words[i] != args[i] {
				return false
			}
		}
		return true
	}
	type match struct {
		cmd  *command
		dist int
	}
	var matches [maxMatches]match
	for i := range matches {
		matches[i].dist = math.MaxInt
	}
	if arg(args, length) != "" {
		for _, cmd := range cmds {
			if !s.visible(cmd) || cmd.usage == "" || !prefixMatches(cmd) {
				continue
			}
			var typed, known fingerprint
			total := 0
			for i := length; i < prefixWordNb && arg(args, i) != ""; i++ {
				typed.add(args[i])
				total += len(args[i])
			}
			for i := length; i < prefixWordNb && i < len(cmd.words); i++ {
				known.add(cmd.words[i])
				total += len(cmd.words[i])
			}
			d := typed.distance(&known)
			// Insert in order, keeping the best ones; a later command
			// of equal distance stays after the earlier one.
			if d < 5*total/2 && d < matches[maxMatches-1].dist {
				matches[maxMatches-1] = match{cmd, d}
				for i := maxMatches - 2; i >= 0 && matches[i+1].dist < matches[i].dist; i-- {
					matches[i], matches[i+1] = matches[i+1], matches[i]
				}
			}
		}
	}
	var entries []*command
	if matches[0].cmd != nil {
		for _, m := range matches {
			// Candidates much farther than the best are left out.
			if m.cmd == nil || m.dist > 5*matches[0].dist/2 {
				break
			}
			entries = append(entries, m.cmd)
		}
	} else {
		for _, cmd := range cmds {
			if s.visible(cmd) && cmd.usage != "" && prefixMatches(cmd) {
				entries = append(entries, cmd)
			}
		}
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].usage < entries[j].usage })
	for _, cmd := range entries {
		b.WriteString("  ")
		b.WriteString(cmd.usage)
		b.WriteByte('\n')
	}
	b.WriteString(usageTail)
	return b.String()
}

// fingerprint is haproxy's word fingerprint (update_word_fingerprint):
// which letters a word holds and how often each pair of letters follows
// one another, letters folded to 26 classes plus digits and others.
type fingerprint [1024]uint8

func (fp *fingerprint) add(word string) {
	from := 28 // begin
	for i := 0; i < len(word); i++ {
		c := word[i]
		var to int
		switch {
		case c >= 'a' && c <= 'z':
			to = int(c-'a') + 1
		case c >= 'A' && c <= 'Z':
			to = int(c-'A') + 1
		case c >= '0' && c <= '9':
			to = 27
		default:
			to = 28
		}
		fp[to] = 1
		fp[32*from+to]++
		from = to
	}
	fp[32*from+28]++ // end
}

// distance is word_fingerprint_distance: the sum of the differences.
func (fp *fingerprint) distance(o *fingerprint) int {
	d := 0
	for i := range fp {
		k := int(fp[i]) - int(o[i])
		if k < 0 {
			k = -k
		}
		d += k
	}
	return d
}
