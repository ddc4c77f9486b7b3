package main

import (
	"io"
	"testing"

	"github.com/rosterhq/roster/server"
)

func TestParseServe_rateLimit(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    server.RateLimit
		wantErr bool
	}{
		{name: "off by default", want: server.RateLimit{}},
		{name: "environment", env: map[string]string{"ROSTER_RATE_LIMIT": "100"}, want: server.RateLimit{Rate: 100}},
		{name: "flag with burst", args: []string{"--rate-limit", "50:200"}, want: server.RateLimit{Rate: 50, Burst: 200}},
		{name: "flag beats environment", args: []string{"--rate-limit=off"}, env: map[string]string{"ROSTER_RATE_LIMIT": "100"}, want: server.RateLimit{}},
		{name: "bad value", args: []string{"--rate-limit", "fast"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseServe(tt.args, env(tt.env), io.Discard)
			if tt.wantErr {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.cfg.RateLimit != tt.want {
				t.Errorf("rate limit %+v, want %+v", o.cfg.RateLimit, tt.want)
			}
		})
	}
}
