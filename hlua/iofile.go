package hlua

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	glua "github.com/yuin/gopher-lua"
)

// Scripts read small files on every request (seed 000 opens a token file
// per request), and gopher-lua's io.open is heavy for that: an os.File
// that Go offers to its poller (a failing epoll_ctl for a regular file),
// 4 KiB of buffer, a seek, all collected after. io.open in read mode on a
// regular file of at most smallFile bytes reads it whole instead, with
// open, fstat, read and close, into a file object that reads from
// memory: the same methods (read, lines, seek, close…), the same results.
// Other modes, other files, and errors go to gopher-lua's io.open.

const smallFile = 64 << 10

// memFile is a file read whole at open.
type memFile struct {
	data   []byte
	pos    int
	closed bool
}

const memFileClass = "switchyard.memfile"

// openFastIO replaces io.open, io.type and io.close with versions that
// know memory files.
func openFastIO(L *glua.LState) {
	io, ok := L.GetGlobal("io").(*glua.LTable)
	if !ok {
		return
	}
	origOpen, _ := io.RawGetString("open").(*glua.LFunction)
	origType, _ := io.RawGetString("type").(*glua.LFunction)
	origClose, _ := io.RawGetString("close").(*glua.LFunction)
	if origOpen == nil || origType == nil || origClose == nil {
		return
	}
	meta := L.NewTypeMetatable(memFileClass)
	methods := L.NewTable()
	L.SetFuncs(methods, memFileMethods)
	meta.RawSetString("__index", methods)
	meta.RawSetString("__tostring", L.NewFunction(func(L *glua.LState) int {
		if f := checkMemFile(L); f.closed {
			L.Push(glua.LString("file (closed)"))
		} else {
			L.Push(glua.LString(fmt.Sprintf("file (%p)", f)))
		}
		return 1
	}))
	delegate := func(L *glua.LState, fn *glua.LFunction) int {
		top := L.GetTop()
		L.Push(fn)
		for i := 1; i <= top; i++ {
			L.Push(L.Get(i))
		}
		L.Call(top, glua.MultRet)
		return L.GetTop() - top
	}
	io.RawSetString("open", L.NewFunction(func(L *glua.LState) int {
		path := L.CheckString(1)
		mode := L.OptString(2, "r")
		if mode != "r" && mode != "rb" {
			return delegate(L, origOpen)
		}
		data, err, small := readSmall(path)
		if err != nil {
			L.Push(glua.LNil)
			L.Push(glua.LString(err.Error()))
			L.Push(glua.LNumber(1)) // as gopher-lua's io.open
			return 3
		}
		if !small {
			return delegate(L, origOpen)
		}
		ud := L.NewUserData()
		ud.Value = &memFile{data: data}
		L.SetMetatable(ud, meta)
		L.Push(ud)
		return 1
	}))
	io.RawSetString("type", L.NewFunction(func(L *glua.LState) int {
		if ud, ok := L.Get(1).(*glua.LUserData); ok {
			if f, ok := ud.Value.(*memFile); ok {
				if f.closed {
					L.Push(glua.LString("closed file"))
				} else {
					L.Push(glua.LString("file"))
				}
				return 1
			}
		}
		return delegate(L, origType)
	}))
	io.RawSetString("close", L.NewFunction(func(L *glua.LState) int {
		if ud, ok := L.Get(1).(*glua.LUserData); ok {
			if _, ok := ud.Value.(*memFile); ok {
				return memFileClose(L)
			}
		}
		return delegate(L, origClose)
	}))
}

// readSmall reads a regular file of at most smallFile bytes; small is
// false (and nothing read) for another kind of file or a larger one.
func readSmall(path string) (data []byte, err error, small bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}, false
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size > smallFile {
		return nil, nil, false
	}
	// One byte more than the size, so that a file that grew since the
	// fstat is seen to have (and read through the slow path).
	buf := make([]byte, st.Size+1)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "read", Path: path, Err: err}, false
		}
		if m == 0 {
			break
		}
		n += m
		if n < len(buf) && n >= int(st.Size) {
			// A regular file reads short only at its end: no read
			// for the end-of-file answer.
			break
		}
	}
	if n == len(buf) {
		return nil, nil, false
	}
	return buf[:n], nil, true
}

func checkMemFile(L *glua.LState) *memFile {
	ud := L.CheckUserData(1)
	f, ok := ud.Value.(*memFile)
	if !ok {
		L.ArgError(1, "file expected")
	}
	return f
}

// openMemFile is checkMemFile for the methods that need an open file.
func openMemFile(L *glua.LState) *memFile {
	f := checkMemFile(L)
	if f.closed {
		L.RaiseError("attempt to use a closed file")
	}
	return f
}

var memFileMethods = map[string]glua.LGFunction{
	"close": memFileClose,
	"read": func(L *glua.LState) int {
		f := openMemFile(L)
		if L.GetTop() == 1 {
			return f.read(L, glua.LString("*l"))
		}
		// Formats are read in turn; the first that finds nothing gives
		// nil and ends the list.
		top, n := L.GetTop(), 0
		for i := 2; i <= top; i++ {
			n += f.read(L, L.Get(i))
			if L.Get(-1) == glua.LNil {
				break
			}
		}
		return n
	},
	"lines": func(L *glua.LState) int {
		f := openMemFile(L)
		L.Push(L.NewFunction(func(L *glua.LState) int {
			if f.closed {
				L.RaiseError("file is already closed")
			}
			return f.read(L, glua.LString("*l"))
		}))
		return 1
	},
	"seek": func(L *glua.LState) int {
		f := openMemFile(L)
		whence := L.OptString(2, "cur")
		off := L.OptInt(3, 0)
		base := 0
		switch whence {
		case "set":
		case "cur":
			base = f.pos
		case "end":
			base = len(f.data)
		default:
			L.ArgError(2, "invalid option '"+whence+"'")
		}
		pos := base + off
		if pos < 0 {
			L.Push(glua.LNil)
			L.Push(glua.LString("Invalid argument"))
			L.Push(glua.LNumber(22))
			return 3
		}
		f.pos = pos
		L.Push(glua.LNumber(pos))
		return 1
	},
	"setvbuf": func(L *glua.LState) int {
		openMemFile(L)
		L.Push(glua.LTrue)
		return 1
	},
	"flush": func(L *glua.LState) int {
		openMemFile(L)
		L.Push(L.Get(1))
		return 1
	},
	"write": func(L *glua.LState) int {
		openMemFile(L)
		L.Push(glua.LNil)
		L.Push(glua.LString("bad file descriptor"))
		L.Push(glua.LNumber(9))
		return 3
	},
}

func memFileClose(L *glua.LState) int {
	f := openMemFile(L)
	f.closed, f.data = true, nil
	L.Push(glua.LTrue)
	return 1
}

// read pushes what one read format gives (nil at the end of the file)
// and returns how many values it pushed.
func (f *memFile) read(L *glua.LState, format glua.LValue) int {
	rest := f.data[min(f.pos, len(f.data)):]
	if n, ok := format.(glua.LNumber); ok {
		size := int(n)
		if size == 0 {
			if len(rest) == 0 {
				L.Push(glua.LNil)
			} else {
				L.Push(glua.LString(""))
			}
			return 1
		}
		if len(rest) == 0 {
			L.Push(glua.LNil)
			return 1
		}
		size = min(size, len(rest))
		f.pos += size
		L.Push(glua.LString(rest[:size]))
		return 1
	}
	spec := strings.TrimPrefix(glua.LVAsString(format), "*")
	switch {
	case strings.HasPrefix(spec, "a"):
		f.pos += len(rest)
		L.Push(glua.LString(rest))
	case strings.HasPrefix(spec, "l"), strings.HasPrefix(spec, "L"):
		if len(rest) == 0 {
			L.Push(glua.LNil)
			return 1
		}
		end, next := len(rest), len(rest)
		if i := strings.IndexByte(string(rest), '\n'); i >= 0 {
			end, next = i, i+1
			switch {
			case spec[0] == 'L':
				end = next
			case i > 0 && rest[i-1] == '\r':
				// gopher-lua's "*l" drops a "\r\n" whole (Lua 5.3
				// keeps the '\r'): the same answer whatever the
				// file's size.
				end = i - 1
			}
		}
		f.pos += next
		L.Push(glua.LString(rest[:end]))
	case strings.HasPrefix(spec, "n"):
		i := 0
		for i < len(rest) && (rest[i] == ' ' || rest[i] == '\t' || rest[i] == '\n' || rest[i] == '\r') {
			i++
		}
		j := i
		for j < len(rest) && strings.IndexByte("0123456789+-.eExXabcdefABCDEF", rest[j]) >= 0 {
			j++
		}
		v, err := strconv.ParseFloat(string(rest[i:j]), 64)
		if err != nil {
			if n, err2 := strconv.ParseInt(string(rest[i:j]), 0, 64); err2 == nil {
				v, err = float64(n), nil
			}
		}
		if err != nil {
			L.Push(glua.LNil)
			return 1
		}
		f.pos += j
		L.Push(glua.LNumber(v))
	default:
		L.ArgError(2, "invalid format")
	}
	return 1
}
