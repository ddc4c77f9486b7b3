package auth

import (
	"regexp"
	"strings"
	"testing"
)

func TestNewSecret(t *testing.T) {
	s1, h1 := NewSecret()
	s2, h2 := NewSecret()
	if s1 == s2 || h1 == h2 {
		t.Fatal("two secrets are equal")
	}
	if !strings.HasPrefix(s1, SecretPrefix) || len(s1) < len(SecretPrefix)+43 {
		t.Fatalf("secret %q too short for 32 bytes", s1)
	}
	if Hash(s1) != h1 || strings.Contains(h1, s1) {
		t.Fatal("hash does not match or reveals the secret")
	}
}

func TestNewID(t *testing.T) {
	id := NewID("usr_")
	if !regexp.MustCompile(`^usr_[a-z2-7]{20}$`).MatchString(id) {
		t.Fatalf("bad id %q", id)
	}
	if NewID("usr_") == id {
		t.Fatal("ids repeat")
	}
}
