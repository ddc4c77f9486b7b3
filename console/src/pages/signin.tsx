import { useState } from "preact/hooks";
import { ApiError, Session, client, ok, setSession } from "../api";
import { Input, ProblemBox } from "../ui";

// SignIn asks for a tenant and a token, and finds out whether the token is
// the platform operator's (it may list tenants) or a tenant user's.
export function SignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [tenant, setTenant] = useState("default");
  const [token, setToken] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const s: Session = { token: token.trim(), tenant: tenant.trim(), operator: false };
    setSession(s); // for the probes below; cleared again on failure
    try {
      try {
        await ok(client.GET("/v1/tenants", { params: { query: { limit: 1 } } }));
        s.operator = true;
        await ok(client.GET("/v1/tenants/{tenant_id}", { params: { path: { tenant_id: s.tenant } } }));
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 403) throw err;
        // A tenant user's token: its own tenant answers, any other is 404.
        await ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}", { params: { path: { tenant_id: s.tenant, user_id: "me" } } }));
      }
      setToken("");
      onSignedIn(s);
    } catch (err) {
      setSession(null);
      if (err instanceof ApiError && err.status === 401) {
        setError(new ApiError(401, { title: "Sign-in failed", detail: "The token was not accepted.", errors: [{ field: "token", message: "not a valid token" }] }));
      } else if (err instanceof ApiError && err.status === 404) {
        setError(new ApiError(404, { title: "Sign-in failed", detail: "This token has no access to that tenant.", errors: [{ field: "tenant", message: "no such tenant for this token" }] }));
      } else {
        setError(err);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <h1 tabIndex={-1}>Roster console</h1>
      <form onSubmit={submit} aria-label="Sign in">
        <Input label="Tenant" name="tenant" value={tenant} set={setTenant} error={error} required autoComplete="off" />
        <Input
          label="Token"
          name="token"
          type="password"
          value={token}
          set={setToken}
          error={error}
          required
          autoComplete="off"
          hint="Kept in this tab only, and forgotten when you sign out or close it."
        />
        <ProblemBox error={error} fields={["tenant", "token"]} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    </main>
  );
}
