// Package patwatch keeps the pattern files and maps of a running
// configuration (ACL -f files, map converters' files) in step with the
// disk: a file that changes is read again and its new content put in
// service at once for every ACL and converter that uses it, without a
// reload of the configuration. A file with a bad line keeps its previous
// content; the error is logged as "file:line: message" and counted on the
// reference (sample.PatternRef.ReloadErrors).
//
// Changes are found two ways. fsnotify watches the directories holding
// the files, which sees edits in place, atomic renames over the file and
// Kubernetes' ConfigMap and Secret updates (a "..data" symlink swapped in
// the directory). Network file systems (SMB/CIFS, NFS) deliver no inotify
// events for changes made by other machines, so the files are also
// polled: their status (size, times, inode) is compared at an interval,
// and a file whose status changed is read again. Reading a file again
// puts it in service only if its bytes changed.
package patwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"switchyard/sample"
)

// DefaultInterval is the poll interval when the configuration sets none.
const DefaultInterval = 5 * time.Second

// settle is how long events must stop before files are read: a writer
// filling a file in place sends several, and one read is enough.
const settle = 100 * time.Millisecond

// Options say how to watch.
type Options struct {
	// Interval between two polls of the files' status; 0 turns polling
	// off (fsnotify still watches).
	Interval time.Duration
	// Skip says whether a reference is left alone (pattern-files-nowatch).
	Skip func(ref *sample.PatternRef) bool
	// NoEvents turns fsnotify off: polling only (tests).
	NoEvents bool
	// Checked, when set, is called after every pass over the files, for
	// tests.
	Checked func()
}

// File is a file kept in step with the disk: a pattern file, or a
// certificate or crt-list of the TLS binds (ssl.Store).
type File interface {
	// FilePath is the file's path.
	FilePath() string
	// Reload reads the file again and puts it in service if its content
	// changed; on an error the previous content stays.
	Reload() (changed bool, err error)
	// CountError counts a failed reload where the file's users show it.
	CountError()
	// Kind names the file in log lines ("pattern file", "certificate").
	Kind() string
}

// patternFile is a pattern reference as a watched File.
type patternFile struct{ *sample.PatternRef }

func (p patternFile) FilePath() string { return p.Path }
func (p patternFile) Kind() string     { return "pattern file" }

// Watch follows the files of refs, and the other files given, until ctx
// ends. It returns nil then, or an error if nothing can be watched at
// all; fsnotify failing alone (no inotify instances left) leaves polling,
// with a warning.
func Watch(ctx context.Context, refs *sample.PatternRefs, opt Options, log *slog.Logger, others ...File) error {
	w := &watcher{log: log, opt: opt, state: map[File]fileState{}}
	if refs == nil {
		refs = sample.NewPatternRefs()
	}
	for _, ref := range refs.Refs() {
		if ref.Virtual {
			continue // no file: "virt@" references change at run time only
		}
		if opt.Skip != nil && opt.Skip(ref) {
			continue
		}
		w.refs = append(w.refs, patternFile{ref})
	}
	w.refs = append(w.refs, others...)
	if len(w.refs) == 0 {
		<-ctx.Done()
		return nil
	}
	var events <-chan fsnotify.Event
	var errs <-chan error
	if !opt.NoEvents {
		events, errs = w.notify()
	}
	if w.fsw != nil {
		defer w.fsw.Close()
	}
	if events == nil && opt.Interval <= 0 {
		log.Warn("pattern files are not watched: no file events and polling is off")
		<-ctx.Done()
		return nil
	}
	// A file may have changed between the load of the configuration and
	// now: the first pass reads every file (unchanged bytes cost nothing
	// but the read).
	w.check(true)
	var tick <-chan time.Time
	if opt.Interval > 0 {
		t := time.NewTicker(opt.Interval)
		defer t.Stop()
		tick = t.C
	}
	settleTimer := time.NewTimer(time.Hour)
	settleTimer.Stop()
	defer settleTimer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
			w.check(false)
		case _, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			settleTimer.Reset(settle)
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			log.Warn("watching pattern files", "err", err)
			// Events may have been lost (queue overflow): look at all.
			settleTimer.Reset(settle)
		case <-settleTimer.C:
			w.check(false)
		}
	}
}

type watcher struct {
	log   *slog.Logger
	opt   Options
	refs  []File
	state map[File]fileState
	fsw   *fsnotify.Watcher
}

// notify starts fsnotify on the directories of the files. The directory
// is watched rather than the file: a rename over the file, or a symlink
// swapped in the directory, replaces the inode a file watch would follow.
// For a file reached through symlinks the directories of the link and of
// its target are watched.
func (w *watcher) notify() (<-chan fsnotify.Event, <-chan error) {
	fsw, err := fsnotify.NewWatcher()
	if err != nil {
		w.log.Warn("pattern files: file events unavailable, polling only", "err", err)
		return nil, nil
	}
	dirs := map[string]bool{}
	for _, ref := range w.refs {
		dirs[filepath.Dir(ref.FilePath())] = true
		if real, err := filepath.EvalSymlinks(ref.FilePath()); err == nil {
			dirs[filepath.Dir(real)] = true
		}
	}
	added := 0
	for d := range dirs {
		if err := fsw.Add(d); err != nil {
			w.log.Warn("pattern files: cannot watch directory, polling only there", "dir", d, "err", err)
			continue
		}
		added++
	}
	if added == 0 {
		fsw.Close()
		return nil, nil
	}
	w.fsw = fsw
	return fsw.Events, fsw.Errors
}

// fileState is what polling compares: any change means "read again".
type fileState struct {
	size        int64
	mtime       time.Time
	ctime       int64
	ino, dev    uint64
	exists      bool
	errReported bool
}

func stat(path string) fileState {
	fi, err := os.Stat(path) // through symlinks: the content's status
	if err != nil {
		return fileState{}
	}
	st := fileState{size: fi.Size(), mtime: fi.ModTime(), exists: true}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino, st.dev = sys.Ino, uint64(sys.Dev)
		st.ctime = sys.Ctim.Nano()
	}
	return st
}

// check reads again the files whose status changed (all of them if all).
func (w *watcher) check(all bool) {
	for _, ref := range w.refs {
		st := stat(ref.FilePath())
		old, seen := w.state[ref]
		st.errReported = old.errReported
		same := seen && old.exists == st.exists && old.size == st.size && old.mtime.Equal(st.mtime) &&
			old.ctime == st.ctime && old.ino == st.ino && old.dev == st.dev
		if same && !all {
			continue
		}
		w.state[ref] = st
		if !st.exists {
			// A file being replaced may be missing for a moment; a file
			// that is gone keeps its last content, as haproxy keeps what
			// it loaded.
			if !old.errReported {
				w.log.Warn(fmt.Sprintf("%s: %s missing; keeping its previous content", ref.FilePath(), ref.Kind()))
				ref.CountError()
				st.errReported = true
				w.state[ref] = st
			}
			continue
		}
		st.errReported = false
		w.state[ref] = st
		w.reload(ref)
	}
	if w.opt.Checked != nil {
		w.opt.Checked()
	}
}

func (w *watcher) reload(ref File) {
	changed, err := ref.Reload()
	var le *sample.LineError
	switch {
	case errors.As(err, &le) && le.Line > 0:
		w.log.Error(fmt.Sprintf("%s:%d: %s; keeping the previous content", ref.FilePath(), le.Line, le.Msg))
	case err != nil:
		w.log.Error(fmt.Sprintf("%s: %v; keeping the previous content", ref.FilePath(), err))
	case changed:
		if p, ok := ref.(patternFile); ok {
			w.log.Info("pattern file reloaded", "file", p.Path, "entries", p.Len())
		} else {
			w.log.Info(ref.Kind()+" reloaded", "file", ref.FilePath())
		}
	}
}
