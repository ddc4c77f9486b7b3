package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// sendWholeThenRead is a client that writes its whole request before it
// reads a byte of the answer, as Python's urllib and requests do.
func sendWholeThenRead(t *testing.T, url string, body []byte) (*http.Response, error) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	head := fmt.Sprintf("POST /v1/tenants/acme/roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", servertest.OperatorToken, len(body))
	if _, err := io.Copy(conn, io.MultiReader(strings.NewReader(head), bytes.NewReader(body))); err != nil {
		return nil, err
	}
	return http.ReadResponse(bufio.NewReader(conn), nil)
}

// A body over the limit is answered 413 also to a client that sends all
// of it before reading: up to 8 MiB of it is read and dropped first, so
// the connection is not reset under the client (it was, for 2 MiB and up).
func TestPayloadTooLarge_readableByClientsThatSendEverythingFirst(t *testing.T) {
	env := servertest.New(t)
	newTenant(t, env, "acme")
	for _, size := range []int{2 << 20, 7 << 20} {
		t.Run(fmt.Sprintf("%d MiB", size>>20), func(t *testing.T) {
			resp, err := sendWholeThenRead(t, env.URL, bytes.Repeat([]byte("a"), size))
			require.NoError(t, err, "the client could not send its body or read the answer")
			defer resp.Body.Close()
			require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
			require.False(t, resp.Close, "the body was read, so the connection stays usable")
		})
	}
	t.Run("over 8 MiB the connection closes after the answer", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(env.URL, "http://"))
		require.NoError(t, err)
		defer conn.Close()
		require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
		_, err = fmt.Fprintf(conn, "POST /v1/tenants/acme/roles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
			"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n", servertest.OperatorToken, 64<<20)
		require.NoError(t, err)
		// Send 8 MiB and a little more in the background; the server
		// answers once it has read its 8 MiB.
		go func() { _, _ = io.Copy(conn, io.LimitReader(zeros{}, 9<<20)) }()
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		require.True(t, resp.Close, "Connection: close")
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }
