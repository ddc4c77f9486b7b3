package main

import (
	"io"
	"slices"
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

func TestParseServe_corsOrigins(t *testing.T) {
	o, err := parseServe(nil, env(map[string]string{"ROSTER_CORS_ORIGINS": "https://a.example.test,https://b.example.test"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"https://a.example.test", "https://b.example.test"}; !slices.Equal(o.cfg.CORSOrigins, want) {
		t.Errorf("from the environment: %q, want %q", o.cfg.CORSOrigins, want)
	}
	o, err = parseServe([]string{"--cors-origins", "http://localhost:5173"}, env(map[string]string{"ROSTER_CORS_ORIGINS": "https://a.example.test"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://localhost:5173"}; !slices.Equal(o.cfg.CORSOrigins, want) {
		t.Errorf("the flag beats the environment: %q, want %q", o.cfg.CORSOrigins, want)
	}
	if o, _ := parseServe(nil, env(nil), io.Discard); o.cfg.CORSOrigins != nil {
		t.Errorf("off by default, got %q", o.cfg.CORSOrigins)
	}
}
