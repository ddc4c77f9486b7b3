// Package auth makes and recognises bearer token secrets. Secrets are 32 random
// bytes; only their SHA-256 is ever stored, so a database leak reveals no usable
// token. (A slow KDF is for low-entropy passwords, not for random keys.)
package auth
