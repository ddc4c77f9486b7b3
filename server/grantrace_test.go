package server_test

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rosterhq/roster/server/servertest"
)

// grantRaceDuration bounds each path's race; long enough for the old code's
// window (a grant passed within a few dozen requests) many times over.
const grantRaceDuration = 700 * time.Millisecond

// TestGrantRace: a caller who may grant roles but holds little races an
// administrator who toggles `assignable` on a `*:*` role, trying to grant
// itself that role on every path at once. Whether a role may be granted,
// and whether the caller covers it, is decided inside the write's own
// transaction, so no interleaving lets a grant through: every attempt is
// refused and the caller never holds *:*. (Before, the escalation check
// read `assignable` apart from the store and skipped roles it saw as not
// assignable, and a grant passed within a second.)
func TestGrantRace(t *testing.T) {
	paths := []struct {
		name string
		req  func(x *grantRaceEnv) (method, path, body string)
	}{
		{"put-add", func(x *grantRaceEnv) (string, string, string) {
			return "PUT", x.base + "/users/me/roles/role_x", ""
		}},
		{"post user roles", func(x *grantRaceEnv) (string, string, string) {
			return "POST", x.base + "/users/me/roles", `{"role_id":"role_x"}`
		}},
		{"patch user roles", func(x *grantRaceEnv) (string, string, string) {
			return "PATCH", x.base + "/users/" + x.attackerID, `{"roles":["role_x","` + x.attackerRole + `"]}`
		}},
		{"relationships", func(x *grantRaceEnv) (string, string, string) {
			return "POST", x.base + "/roles/role_x/relationships/assigned_users", `{"data":[{"type":"users","id":"` + x.attackerID + `"}]}`
		}},
		{"its group's roles", func(x *grantRaceEnv) (string, string, string) {
			return "POST", x.base + "/groups/" + x.group + "/roles", `{"role_id":"role_x"}`
		}},
		{"inherits_from on its own role", func(x *grantRaceEnv) (string, string, string) {
			return "PUT", x.base + "/roles/" + x.attackerRole, `{"inherits_from":["role_x"]}`
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			x := newGrantRaceEnv(t)
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var toggles, attempts, granted atomic.Int64
			wg.Add(1)
			go func() {
				defer wg.Done()
				for on := false; ; on = !on {
					select {
					case <-stop:
						return
					default:
					}
					body := `{"assignable":false}`
					if on {
						body = `{"assignable":true}`
					}
					if resp, _ := x.env.Do("PUT", x.base+"/roles/role_x", x.admin, body); resp.StatusCode == http.StatusOK {
						toggles.Add(1)
					}
				}
			}()
			for range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						select {
						case <-stop:
							return
						default:
						}
						method, path, body := p.req(x)
						resp, b := x.env.Do(method, path, x.attacker, body)
						attempts.Add(1)
						if resp.StatusCode < 300 && granted.Add(1) == 1 {
							t.Errorf("a grant went through: %d %s", resp.StatusCode, b)
						}
					}
				}()
			}
			time.Sleep(grantRaceDuration)
			close(stop)
			wg.Wait()
			t.Logf("%d attempts against %d toggles: %d granted", attempts.Load(), toggles.Load(), granted.Load())
			require.Positive(t, toggles.Load())
			require.Zero(t, granted.Load())
			perms := mustCall(t, x.env, x.attacker, "GET", x.base+"/users/me/permissions", "", 200)["permissions"].([]any)
			require.NotContains(t, perms, "*:*")
		})
	}
}

type grantRaceEnv struct {
	env                             *servertest.Env
	base, admin, attacker           string
	attackerID, attackerRole, group string
}

// newGrantRaceEnv: role_x holds *:*; the attacker holds a role of its own
// with what the six paths need (and roles:write, which alone once sufficed
// through inherits_from), and belongs to a group.
func newGrantRaceEnv(t *testing.T) *grantRaceEnv {
	env := servertest.New(t)
	x := &grantRaceEnv{env: env, base: "/v1/tenants/race", admin: newAPITenant(t, env, "race")}
	mustCall(t, env, x.admin, "POST", x.base+"/roles", `{"name":"x","display_name":"X","permissions":["*:*"]}`, 201)
	mustCall(t, env, x.admin, "POST", x.base+"/roles", `{"name":"attacker","display_name":"A",`+
		`"permissions":["roles:read","roles:write","users:read","users:write","groups:read","groups:write","assignments:write"]}`, 201)
	x.attackerRole = "role_attacker"
	x.attackerID = mustCall(t, env, x.admin, "POST", x.base+"/users", `{"email":"mallory@race.test","roles":["role_attacker"]}`, 201)["id"].(string)
	x.attacker = mustCall(t, env, x.admin, "POST", x.base+"/users/"+x.attackerID+"/tokens", `{"name":"m"}`, 201)["token"].(string)
	x.group = mustCall(t, env, x.admin, "POST", x.base+"/groups", `{"name":"team"}`, 201)["id"].(string)
	mustCall(t, env, x.admin, "POST", x.base+"/groups/"+x.group+"/relationships/members", `{"data":[{"type":"users","id":"`+x.attackerID+`"}]}`, 204)
	return x
}
