package server

import (
	"errors"
	"io"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// maxDrain is how much of a body over the limit is read and dropped before
// the 413 is sent. Most HTTP clients (Python's urllib and requests, many
// others) write the whole request before they read the answer: a server
// that answers and closes while they still send resets the connection
// under them, and they report "connection reset" or "broken pipe" instead
// of the 413. Draining lets them finish sending and read it. Beyond
// maxDrain the connection is closed instead: reading more would let one
// request make the server read without end.
const maxDrain = 8 << 20

// limitBody is echo's body limit (413 on Content-Length, or while a
// chunked body is read) with the 413 made readable: the rest of the body,
// up to maxDrain, is read before the answer; a larger one closes the
// connection after it.
func limitBody(limit string) echo.MiddlewareFunc {
	limited, bulk := middleware.BodyLimit(limit), middleware.BodyLimit(maxBulkBody)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h, hBulk := limited(next), bulk(next)
		return func(c echo.Context) error {
			body := c.Request().Body // before BodyLimit wraps it
			run := h
			if c.Path() == routeBulk {
				run = hBulk
			}
			err := run(c)
			if body == nil || !errors.Is(err, echo.ErrStatusRequestEntityTooLarge) {
				return err
			}
			n, _ := io.CopyN(io.Discard, body, maxDrain+1)
			if n > maxDrain {
				c.Response().Header().Set(echo.HeaderConnection, "close")
			}
			return err
		}
	}
}
