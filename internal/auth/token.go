package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// SecretPrefix marks Roster secrets so that secret scanners and people can
// recognise a leaked one.
const SecretPrefix = "rst_"

// NewSecret returns a fresh random secret and its hash.
func NewSecret() (secret, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported platforms
	}
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, Hash(secret)
}

// Hash is the stored form of a secret.
func Hash(secret string) string {
	sum := Digest(secret)
	return hex.EncodeToString(sum[:])
}

// Digest is the SHA-256 of a secret, of which Hash is the hex form.
func Digest(secret string) [32]byte { return sha256.Sum256([]byte(secret)) }

// NewID returns prefix + a random URL-safe string, for ids such as usr_… and tok_….
func NewID(prefix string) string {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	return prefix + strings.ToLower(base32NoPad(b[:]))
}

const alphabet = "abcdefghijklmnopqrstuvwxyz234567"

func base32NoPad(b []byte) string {
	var sb strings.Builder
	var buf uint64
	bits := 0
	for _, c := range b {
		buf = buf<<8 | uint64(c)
		bits += 8
		for bits >= 5 {
			bits -= 5
			sb.WriteByte(alphabet[(buf>>uint(bits))&31])
		}
	}
	if bits > 0 {
		sb.WriteByte(alphabet[(buf<<uint(5-bits))&31])
	}
	return sb.String()
}
