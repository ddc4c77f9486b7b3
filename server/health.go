package server

import (
	"context"

	"github.com/rosterhq/roster/gen"
)

// GetHealthz answers as long as the process serves requests.
func (s *Server) GetHealthz(ctx context.Context, _ gen.GetHealthzRequestObject) (gen.GetHealthzResponseObject, error) {
	return gen.GetHealthz200JSONResponse{Body: gen.Health{Status: "ok"}}, nil
}

// GetReadyz answers 503 while the database cannot be reached, so that a load
// balancer stops sending traffic this replica cannot serve.
func (s *Server) GetReadyz(ctx context.Context, _ gen.GetReadyzRequestObject) (gen.GetReadyzResponseObject, error) {
	if err := s.Store.Ping(ctx); err != nil {
		return gen.GetReadyz503JSONResponse{Status: "unavailable"}, nil
	}
	return gen.GetReadyz200JSONResponse{Body: gen.Health{Status: "ok"}}, nil
}
