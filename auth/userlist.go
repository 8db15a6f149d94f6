// Package auth holds userlists (haproxy's `userlist` sections) and checks
// passwords against them: clear text, crypt(3) SHA-256 ($5$) and SHA-512
// ($6$), and bcrypt ($2a$, $2b$, $2y$).
package auth

import (
	"crypto/subtle"
	"fmt"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Userlist is one userlist section.
type Userlist struct {
	Name   string
	users  map[string]*user
	groups []string // declared groups, in order
}

type user struct {
	name     string
	secret   string // a crypt(3) string, or the password itself
	insecure bool
	groups   []string
}

// New returns an empty userlist.
func New(name string) *Userlist { return &Userlist{Name: name, users: map[string]*user{}} }

// AddGroup declares a group and, optionally, its users (who may be
// declared later).
func (u *Userlist) AddGroup(name string) error {
	for _, g := range u.groups {
		if g == name {
			return fmt.Errorf("group '%s' already exists in userlist '%s'", name, u.Name)
		}
	}
	u.groups = append(u.groups, name)
	return nil
}

// HasGroup says whether a group is declared.
func (u *Userlist) HasGroup(name string) bool {
	for _, g := range u.groups {
		if g == name {
			return true
		}
	}
	return false
}

// AddUser declares a user with a password (insecure: in clear) and groups.
// A hashed password must be of a kind Check supports.
func (u *Userlist) AddUser(name, secret string, insecure bool, groups []string) error {
	if u.users[name] != nil {
		return fmt.Errorf("user '%s' already exists in userlist '%s'", name, u.Name)
	}
	if !insecure && !Supported(secret) {
		return fmt.Errorf("password hash of user '%s' is of a kind not supported yet by switchyard (only $5$, $6$ and $2a$/$2b$/$2y$)", name)
	}
	u.users[name] = &user{name: name, secret: secret, insecure: insecure, groups: groups}
	return nil
}

// JoinGroup adds a declared user to a group (group ... users ...).
func (u *Userlist) JoinGroup(userName, group string) bool {
	us := u.users[userName]
	if us == nil {
		return false
	}
	for _, g := range us.groups {
		if g == group {
			return true
		}
	}
	us.groups = append(us.groups, group)
	return true
}

// Groups lists the groups of a user.
func (u *Userlist) Groups(name string) []string {
	if us := u.users[name]; us != nil {
		return us.groups
	}
	return nil
}

// UserGroupsDeclared reports the first group a user names that is not
// declared, if any.
func (u *Userlist) UndeclaredGroup() (user, group string) {
	for _, us := range u.users {
		for _, g := range us.groups {
			if !u.HasGroup(g) {
				return us.name, g
			}
		}
	}
	return "", ""
}

// Check says whether the password is the user's.
func (u *Userlist) Check(name string, password []byte) bool {
	us := u.users[name]
	if us == nil {
		return false
	}
	if us.insecure {
		return subtle.ConstantTimeCompare([]byte(us.secret), password) == 1
	}
	return Verify(us.secret, string(password))
}

// Supported says whether Verify knows the kind of a crypt(3) string.
func Supported(hash string) bool {
	for _, p := range []string{"$5$", "$6$", "$2a$", "$2b$", "$2y$"} {
		if strings.HasPrefix(hash, p) {
			return true
		}
	}
	return false
}

// Verify checks a password against a crypt(3) string.
func Verify(hash, password string) bool {
	switch {
	case strings.HasPrefix(hash, "$5$"), strings.HasPrefix(hash, "$6$"):
		got, ok := shaCrypt(password, hash)
		return ok && subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
	case strings.HasPrefix(hash, "$2"):
		h := hash
		if strings.HasPrefix(h, "$2y$") {
			h = "$2a$" + h[4:] // the same algorithm under PHP's name
		}
		return bcrypt.CompareHashAndPassword([]byte(h), []byte(password)) == nil
	}
	return false
}
