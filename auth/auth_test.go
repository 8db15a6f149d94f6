package auth

import "testing"

// Vectors made by `openssl passwd -5/-6` (glibc's algorithm) and by
// bcrypt; Drepper's own test vectors for the rounds= form.
func TestVerify(t *testing.T) {
	for _, c := range []struct {
		hash, pass string
	}{
		{"$6$k6y3o.eP$r9Sz9CmJmZ9d2I0iVUtMU97TAuPb.wxBMcQXnJYBdOXM8ke4KBoMm/av4oCeolTx/yufUnlpDOROuxGqD6sb41", "alicepw"},
		{"$5$rounds=2000$saltysalt$NvLqKUjcDFrS5m8bj98/4iM/8fmczHqzHoMn2SEea44", "bobpw"},
		{"$5$saltstring$jfZe1.O5rA9aUKHLYLEqMjNCNYEqmZMJ.KAMmcgZPz5", "Hello"},
		{"$6$saltstring$aQzKv7HhksN4CNT5HySRdxOEHxZvlWWP2je/lOgbrHx5iLYj3NJfVnC287n/dwkODYWL1.LZUdO9vX84fkCna/", "Hello"},
		{"$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!"},
		{"$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA", "Hello world!"},
		{"$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.", "Hello world!"},
		// Too few rounds: crypt(3) uses 1000 and says so, so a string
		// with rounds=10 never matches (haproxy compares the strings).
		{"$5$rounds=1000$roundstoolow$yfvwcWrQ8l/K0DAWyuPMDNHpIVlTQebY9l/gL972bIC", "the minimum number is still observed"},
		{"$2a$04$qV8Drsdsfus6/5splReKTOMhSFzyNSg7lOhM/N80zehXpQEA2N4nW", "carolpw"},
		{"$2y$04$qV8Drsdsfus6/5splReKTOMhSFzyNSg7lOhM/N80zehXpQEA2N4nW", "carolpw"},
		{"$2b$04$qV8Drsdsfus6/5splReKTOMhSFzyNSg7lOhM/N80zehXpQEA2N4nW", "carolpw"},
	} {
		if !Verify(c.hash, c.pass) {
			got, _ := shaCrypt(c.pass, c.hash)
			t.Errorf("%s: %q not accepted (computed %s)", c.hash, c.pass, got)
		}
		if Verify(c.hash, c.pass+"x") {
			t.Errorf("%s: wrong password accepted", c.hash)
		}
	}
	if Verify("$1$abc$def", "x") || Supported("$1$abc$def") {
		t.Error("MD5 crypt is not supported")
	}
}

func TestUserlist(t *testing.T) {
	l := New("L")
	if err := l.AddGroup("g"); err != nil {
		t.Fatal(err)
	}
	if l.AddGroup("g") == nil {
		t.Error("duplicate group accepted")
	}
	if err := l.AddUser("u", "pw", true, []string{"g"}); err != nil {
		t.Fatal(err)
	}
	if l.AddUser("u", "pw", true, nil) == nil {
		t.Error("duplicate user accepted")
	}
	if l.AddUser("v", "$1$x$y", false, nil) == nil {
		t.Error("unsupported hash accepted")
	}
	if !l.Check("u", []byte("pw")) || l.Check("u", []byte("pw2")) || l.Check("x", []byte("pw")) {
		t.Error("Check")
	}
	if !l.JoinGroup("u", "h") || l.JoinGroup("nobody", "g") {
		t.Error("JoinGroup")
	}
	if u, g := l.UndeclaredGroup(); u != "u" || g != "h" {
		t.Errorf("UndeclaredGroup = %s %s", u, g)
	}
}
