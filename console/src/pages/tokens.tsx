import { useState } from "preact/hooks";
import { Token, client, ok, t } from "../api";
import { CopyButton, Dialog, Input, Pager, ProblemBox, When, splitList, toRFC3339, usePaged } from "../ui";

// Tokens lists a user's tokens (never their secrets), mints one (its secret
// is shown once, in a dialog, with a copy button) and revokes them.
export function Tokens({ id }: { id: string }) {
  const [nonce, setNonce] = useState(0);
  const list = usePaged<Token>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/users/{user_id}/tokens", { params: { path: { ...t(), user_id: id }, query: { limit: 20, cursor } } })),
    [id, nonce],
  );
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState("");
  const [expires, setExpires] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [secret, setSecret] = useState<string | null>(null);

  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    const ex = toRFC3339(expires);
    const sc = splitList(scopes);
    try {
      const tok = await ok(
        client.POST("/v1/tenants/{tenant_id}/users/{user_id}/tokens", {
          params: { path: { ...t(), user_id: id } },
          body: { name, ...(sc.length ? { scopes: sc } : {}), ...(ex ? { expires_at: ex } : {}) },
        }),
      );
      setSecret(tok.token);
      setName("");
      setScopes("");
      setExpires("");
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }

  async function revoke(tok: Token) {
    setError(null);
    try {
      await ok(client.DELETE("/v1/tenants/{tenant_id}/users/{user_id}/tokens/{token_id}", { params: { path: { ...t(), user_id: id, token_id: tok.id } } }));
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }

  return (
    <section aria-labelledby="tokens-h">
      <h2 id="tokens-h">Tokens</h2>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>Expires</th>
            <th>Last used</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((tok) => (
            <tr key={tok.id}>
              <td>
                {tok.name} <code>{tok.id}</code>
              </td>
              <td>{tok.scopes?.map((s) => <code class="perm" key={s}>{s}</code>) ?? <span class="muted">all of the user's</span>}</td>
              <td>
                <When at={tok.expires_at} />
              </td>
              <td>
                <When at={tok.last_used_at} />
              </td>
              <td>
                <When at={tok.created_at} />
              </td>
              <td>
                <button type="button" onClick={() => revoke(tok)} aria-label={`Revoke ${tok.name}`}>
                  Revoke
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ProblemBox error={list.error} />
      <Pager p={list} label="Tokens" />
      <form onSubmit={create} class="card" aria-label="Create token">
        <h3>Create a token</h3>
        <div class="row">
          <Input label="Name" name="name" value={name} set={setName} error={error} required />
          <Input label="Scopes (optional)" name="scopes" value={scopes} set={setScopes} error={error} hint="permission patterns, separated by spaces" />
          <Input label="Expires at (optional)" name="expires_at" type="datetime-local" value={expires} set={setExpires} error={error} />
        </div>
        <ProblemBox error={error} fields={["name", "scopes", "expires_at"]} />
        <button type="submit">Create token</button>
      </form>
      <Dialog title="New token" open={secret !== null} onClose={() => setSecret(null)}>
        <p>This is the token's secret. It is shown this once: copy it now.</p>
        <p>
          <code class="secret" data-testid="secret">
            {secret}
          </code>
        </p>
        <CopyButton text={secret ?? ""} label="Copy token" />
      </Dialog>
    </section>
  );
}
