package runtimeapi

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"time"

	"switchyard/admin"
)

// session is one connection to the CLI, haproxy's cli appctx: it reads
// commands, runs them at the session's level and writes their answers.
//
// The protocol is haproxy's (cli_io_handler):
//   - a command ends at a newline or an unescaped ';'; every answer is
//     followed by an empty line ("\n"), or by "\n> " in interactive mode;
//   - without `prompt`, the connection closes after an answer once nothing
//     more was received (commands sent together all run);
//   - a line ending with "<<" starts a payload: the lines that follow, up
//     to an empty one, are the command's payload ("+ " is the prompt of
//     each in interactive mode);
//   - a command line with its payload may not exceed tune.bufsize; a
//     longer one, or a line cut by the end of the connection, closes it
//     without an answer;
//   - the session closes after the stats timeout without input.
type session struct {
	srv  *Server
	conn net.Conn
	br   *bufio.Reader
	out  []byte

	level        admin.Level
	sockLevel    admin.Level // the socket's, which `user` does not lower
	exposeFD     bool        // the socket's expose-fd listeners
	expert       bool
	experimental bool
	interactive  bool
	severity     severityOutput
	timeout      time.Duration
	noLF         bool // the last command asked for no empty line after it
	quit         bool
	// master: a session of the master CLI (-S); onWorker: its commands
	// go to the worker's CLI (after a bare "@1").
	master, onWorker bool
}

// severityOutput is set severity-output: how the answers of messages are
// prefixed with their syslog severity.
type severityOutput uint8

const (
	sevNone severityOutput = iota
	sevNumber
	sevString
)

func parseSeverityOutput(s string) (severityOutput, bool) {
	switch s {
	case "none":
		return sevNone, true
	case "number":
		return sevNumber, true
	case "string":
		return sevString, true
	}
	return 0, false
}

// errLineTooLong ends a session whose command does not fit the buffer.
var errLineTooLong = errors.New("command longer than tune.bufsize")

// run serves the session until it ends.
func (s *session) run() {
	var cmd []byte // a command line waiting for its payload
	var payload []byte
	inPayload := false
	for {
		limit := s.srv.bufSize() - 1 - len(cmd) - len(payload)
		line, err := s.readLine(inPayload, limit)
		if err != nil {
			return
		}
		if inPayload {
			if len(line) > 0 {
				payload = append(append(payload, line...), '\n')
				if s.interactive && !s.send("+ ") {
					return
				}
				continue
			}
			// The empty line ends the payload; its last newline is not
			// part of it.
			if n := len(payload); n > 0 {
				payload = payload[:n-1]
			}
			s.exec(string(cmd), string(payload))
			cmd, payload, inPayload = nil, nil, false
		} else if len(line) >= len(payloadPattern) && string(line[len(line)-len(payloadPattern):]) == payloadPattern {
			cmd, inPayload = append(cmd[:0], line...), true
			if s.interactive && !s.send("+ ") {
				return
			}
			continue
		} else {
			s.exec(string(line), "")
		}
		if !s.endCommand() {
			return
		}
	}
}

// endCommand writes a command's answer and the prompt that follows it,
// and says whether the session goes on.
func (s *session) endCommand() bool {
	if s.quit {
		return false
	}
	switch {
	case s.interactive && s.master:
		s.out = append(s.out, s.masterPrompt()...)
	case s.interactive:
		s.out = append(s.out, "\n> "...)
	case !s.noLF:
		s.out = append(s.out, '\n')
	}
	s.noLF = false
	if !s.flush() {
		return false
	}
	// Without prompt, the connection ends with the last command the
	// client had sent; pipelined commands still run.
	return s.interactive || s.br.Buffered() > 0
}

// readLine reads one command line (up to '\n' or an unescaped ';') or one
// payload line (up to '\n'), without its delimiter nor a '\r' before it.
// A line longer than limit, or cut by the end of the input, is an error.
func (s *session) readLine(payload bool, limit int) ([]byte, error) {
	if s.timeout > 0 {
		s.conn.SetReadDeadline(time.Now().Add(s.timeout))
	}
	var line []byte
	escaped := false
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return nil, err
		}
		if len(line) >= limit {
			return nil, errLineTooLong
		}
		switch {
		case escaped:
			escaped = false
		case c == '\\' && !payload:
			escaped = true
		case c == '\n' || (c == ';' && !payload):
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		}
		line = append(line, c)
	}
}

// exec runs one command line and leaves its answer in s.out.
func (s *session) exec(line, payload string) {
	if s.master {
		rest, handled := s.masterExec(line)
		if handled {
			return
		}
		line = rest
	}
	args, hasPayload := splitWords(line)
	c := &call{s: s, args: args, payload: payload, hasPayload: hasPayload, sev: sevData}
	cmd := findCommand(args)
	if cmd == nil {
		cmd = luaCommand(s, args) // core.register_cli (cmd_lua.go)
	}
	switch {
	case cmd == nil:
		c.msg(logInfo, usage(s, args, false))
	case cmd.flags&expertOnly != 0 && !s.expert:
		c.err("This command is restricted to expert mode only.\n")
	case cmd.flags&experimentalOnly != 0 && !s.experimental:
		c.err("This command is restricted to experimental mode only.\n")
	case cmd.run == nil:
		c.err("'" + cmd.name + "' is not supported yet by switchyard.\n")
	default:
		cmd.run(c)
	}
	s.out = c.render(s.out)
}

// send writes text at once (prompts within a payload).
func (s *session) send(text string) bool {
	s.out = append(s.out, text...)
	return s.flush()
}

func (s *session) flush() bool {
	if len(s.out) == 0 {
		return true
	}
	if s.timeout > 0 {
		s.conn.SetWriteDeadline(time.Now().Add(s.timeout))
	}
	_, err := s.conn.Write(s.out)
	s.out = s.out[:0]
	return err == nil
}

// Syslog severities of messages, as haproxy's LOG_* (cli_msg, cli_err).
const (
	logErr     = 3
	logWarning = 4
	logNotice  = 5
	logInfo    = 6
	sevData    = -1 // a dump (show …): never prefixed
)

var severityNames = [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// call is one command being run: its words, its payload and its answer.
// An answer is either data (the output of show and get commands) or one
// message with a severity, which `set severity-output` prefixes.
type call struct {
	s          *session
	args       []string
	payload    string
	hasPayload bool
	text       []byte
	sev        int
}

// arg is the i-th word, or "".
func (c *call) arg(i int) string { return arg(c.args, i) }

// data appends to a dump.
func (c *call) data(b []byte) { c.text = append(c.text, b...) }

// msg answers with a message of severity sev (haproxy's cli_msg).
func (c *call) msg(sev int, text string) {
	c.text, c.sev = append(c.text[:0], text...), sev
}

// err answers with an error (cli_err).
func (c *call) err(text string) { c.msg(logErr, text) }

// need refuses a command above the session's level, as cli_has_level.
func (c *call) need(l admin.Level) bool {
	if c.s.level < l {
		c.err(admin.ErrPermission.Error())
		return false
	}
	return true
}

// fail answers with an error of the admin surface, or with ok when there
// is none.
func (c *call) fail(err error, sev int) bool {
	if err == nil {
		return false
	}
	c.msg(sev, err.Error())
	return true
}

func (c *call) render(dst []byte) []byte {
	if c.sev == sevData || c.s.severity == sevNone || len(c.text) == 0 {
		return append(dst, c.text...)
	}
	if c.s.severity == sevNumber {
		dst = append(dst, '[')
		dst = strconv.AppendInt(dst, int64(c.sev), 10)
	} else {
		dst = append(dst, '[')
		dst = append(dst, severityNames[c.sev]...)
	}
	dst = append(dst, "]: "...)
	return append(dst, c.text...)
}
