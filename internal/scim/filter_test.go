package scim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNormalizeFilter(t *testing.T) {
	for in, want := range map[string]string{
		`userName eq "a"`:                                          `userName eq "a"`,
		`emails[type eq "work"].value eq "x@y.z"`:                  `emails[type eq "work" and value eq "x@y.z"]`,
		`emails[type eq "work"].value eq "a]b" and active eq true`: `emails[type eq "work" and value eq "a]b"] and active eq true`,
		`emails[type eq "work" or type eq "home"].value pr`:        `emails[(type eq "work" or type eq "home") and value pr]`,
		`members[value eq "x"]`:                                    `members[value eq "x"]`,
		`userName eq "[x].y eq"`:                                   `userName eq "[x].y eq"`,
	} {
		require.Equal(t, want, normalizeFilter(in), in)
		_, err := Users.ParseFilter(in)
		switch in {
		case `members[value eq "x"]`: // not a User attribute
			require.Error(t, err)
		case `emails[type eq "work" or type eq "home"].value pr`: // the parser has no () inside []
			require.Error(t, err)
		default:
			require.NoError(t, err, in)
		}
	}
}
