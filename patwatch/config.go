package patwatch

import (
	"fmt"
	"path/filepath"
	"time"

	"switchyard/config"
	"switchyard/sample"
)

// The global keywords, switchyard extensions named so that they cannot
// collide with a keyword haproxy may add (haproxy's are dotted, tune.*,
// or single words):
//
//	pattern-files-poll-interval <time>   how often files are polled; 0: never
//	pattern-files-nowatch <file> ...     files left as loaded
//
// Turning watching off for a file is a global keyword rather than an
// option of the ACL or map converter because haproxy's syntax has no room
// for one that haproxy would still accept: an unknown ACL flag or a third
// map argument makes the configuration invalid for haproxy.

// settingsKey is where the settings live in config.Global.Ext.
type settingsKey struct{}

// Settings are what the global section says about watching.
type Settings struct {
	Interval time.Duration
	// NoWatch holds the files of pattern-files-nowatch, as written and
	// as absolute paths.
	NoWatch map[string]bool
}

func init() {
	config.RegisterKeyword(config.SecGlobal, "pattern-files-poll-interval", func(c *config.Context, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("'pattern-files-poll-interval' expects <time> (0 to turn polling off)")
		}
		d, err := config.ParseDuration(args[0])
		if err != nil {
			return fmt.Errorf("'pattern-files-poll-interval': %v", err)
		}
		s := settings(c.Global())
		s.Interval = d
		return nil
	})
	config.RegisterKeyword(config.SecGlobal, "pattern-files-nowatch", func(c *config.Context, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("'pattern-files-nowatch' expects one or more file names")
		}
		s := settings(c.Global())
		for _, f := range args {
			s.NoWatch[f] = true
			if abs, err := filepath.Abs(f); err == nil {
				s.NoWatch[abs] = true
			}
		}
		return nil
	})
}

// settings returns the global section's settings, creating them.
func settings(g *config.Global) *Settings {
	if s, ok := g.Ext[settingsKey{}].(*Settings); ok {
		return s
	}
	s := &Settings{Interval: DefaultInterval, NoWatch: map[string]bool{}}
	g.Ext.Set(settingsKey{}, s)
	return s
}

// SettingsOf returns what a configuration's global section says, with the
// defaults for what it does not.
func SettingsOf(g *config.Global) Settings {
	if s, ok := g.Ext[settingsKey{}].(*Settings); ok {
		return *s
	}
	return Settings{Interval: DefaultInterval}
}

// Options turns settings into watching options.
func (s Settings) Options() Options {
	return Options{Interval: s.Interval, Skip: func(ref *sample.PatternRef) bool {
		if s.NoWatch[ref.Name] || s.NoWatch[ref.Path] {
			return true
		}
		abs, err := filepath.Abs(ref.Path)
		return err == nil && s.NoWatch[abs]
	}}
}
