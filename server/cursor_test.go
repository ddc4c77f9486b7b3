package server

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/internal/rbac"
)

func TestCursor_roundTrip(t *testing.T) {
	for _, key := range []string{"usr_abc", "role_Editor", "evt_1", "a:b/c?d=e", "ünïcode"} {
		c := encodeCursor(key)
		require.NotNil(t, c)
		require.NotContains(t, *c, key, "cursors are opaque")
		got, err := decodeCursor(c)
		require.NoError(t, err)
		require.Equal(t, key, got)
	}
}

func TestCursor_lastPageIsNull(t *testing.T) {
	require.Nil(t, encodeCursor(""))
}

func TestCursor_absentMeansFirstPage(t *testing.T) {
	for _, c := range []*string{nil, ptr("")} {
		got, err := decodeCursor(c)
		require.NoError(t, err)
		require.Empty(t, got)
	}
}

func TestCursor_rejectsWhatWasNotIssued(t *testing.T) {
	tests := map[string]string{
		"not base64":        "***",
		"raw id":            "usr_abc",
		"no version":        base64.RawURLEncoding.EncodeToString([]byte("usr_abc")),
		"other version":     base64.RawURLEncoding.EncodeToString([]byte("v2:usr_abc")),
		"empty key":         base64.RawURLEncoding.EncodeToString([]byte("v1:")),
		"padded std base64": base64.StdEncoding.EncodeToString([]byte("v1:usr_abc?")),
	}
	for name, c := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := decodeCursor(&c)
			require.True(t, rbac.IsCode(err, rbac.EInvalid), "%v", err)
			var e *rbac.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, "cursor", e.Fields[0].Field)
		})
	}
}

func TestPage_defaults(t *testing.T) {
	p, err := page(nil, nil)
	require.NoError(t, err)
	require.Equal(t, rbac.Page{Limit: 20}, p)
	p, err = page(ptr(100), encodeCursor("usr_x"))
	require.NoError(t, err)
	require.Equal(t, rbac.Page{Limit: 100, After: "usr_x"}, p)
	_, err = page(ptr(0), nil)
	require.True(t, rbac.IsCode(err, rbac.EInvalid))
}

func ptr[T any](v T) *T { return &v }

func TestCursorSeal_opensOnlyItsOwnList(t *testing.T) {
	s := newCursorSeal([]byte("k"))
	list := []byte("ListUsers\x00{\"TenantId\":\"acme\"}")
	for _, position := range []string{"usr_abc", "role_Editor", "a:b/c?d=e", "ünïcode"} {
		c := s.seal(list, position)
		require.NotContains(t, c, position, "cursors are opaque")
		got, err := s.open(list, c)
		require.NoError(t, err)
		require.Equal(t, position, got)
	}
	c := s.seal(list, "usr_abc")
	refused := map[string]func() (string, error){
		"another list":   func() (string, error) { return s.open([]byte("ListUsers\x00{\"TenantId\":\"globex\"}"), c) },
		"another key":    func() (string, error) { return newCursorSeal([]byte("other")).open(list, c) },
		"a random key":   func() (string, error) { return newCursorSeal(nil).open(list, c) },
		"truncated":      func() (string, error) { return s.open(list, c[:len(c)-2]) },
		"the inner form": func() (string, error) { return s.open(list, *encodeCursor("usr_abc")) },
		"not base64":     func() (string, error) { return s.open(list, "***") },
		"no position": func() (string, error) {
			return s.open(list, base64.RawURLEncoding.EncodeToString(append([]byte{1}, s.mac(list, "")...)))
		},
		"another version": func() (string, error) {
			b, _ := base64.RawURLEncoding.DecodeString(c)
			b[0] = 2
			return s.open(list, base64.RawURLEncoding.EncodeToString(b))
		},
	}
	for name, open := range refused {
		t.Run(name, func(t *testing.T) {
			_, err := open()
			var e *rbac.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, rbac.EInvalid, e.Code)
			require.Equal(t, "cursor", e.Fields[0].Field)
		})
	}
}
