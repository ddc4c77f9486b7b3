package scim

import (
	"testing"

	filter "github.com/scim2/filter-parser/v2"

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

// The fast path for `attr eq "value"` gives what the parser gives.
func TestParseSimpleEq(t *testing.T) {
	for _, in := range []string{
		`userName eq "ann@x.test"`, `userName EQ "Ann"`, `name.givenName eq "Ann"`,
		`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x"`, `externalId eq ""`,
	} {
		fast, ok := parseSimpleEq(in)
		require.True(t, ok, in)
		slow, err := filter.ParseFilter([]byte(in))
		require.NoError(t, err, in)
		require.Equal(t, slow, fast, in)
	}
	// The value is a JSON string (RFC 7644 §3.4.2.2): escapes are decoded,
	// which the general parser leaves as they are.
	e, ok := parseSimpleEq(`userName eq "a \"quoted\" \\ name"`)
	require.True(t, ok)
	require.Equal(t, `a "quoted" \ name`, e.(*filter.AttributeExpression).CompareValue)
	for _, in := range []string{`userName eq "a" and active eq true`, `emails[type eq "work"]`, `userName ne "a"`,
		`userName eq "a" or userName eq "b"`, `active eq true`, `userName eq "unterminated`} {
		_, ok := parseSimpleEq(in)
		require.False(t, ok, in)
	}
}
