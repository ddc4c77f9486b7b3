package app

import "net/http"

// HTTPServer exposes the running http.Server so tests can check its limits.
func (m *Main) HTTPServer() *http.Server {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.srv
}
