import { useState } from "preact/hooks";
import { Organization, client, ok, t } from "../api";
import { Input, Pager, ProblemBox, When, usePaged } from "../ui";

export function Organizations() {
  const [nonce, setNonce] = useState(0);
  const list = usePaged<Organization>(
    (cursor) => ok(client.GET("/v1/tenants/{tenant_id}/organizations", { params: { path: t(), query: { limit: 20, cursor } } })),
    [nonce],
  );
  const [name, setName] = useState("");
  const [external, setExternal] = useState("");
  const [error, setError] = useState<unknown>(null);
  async function create(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      await ok(client.POST("/v1/tenants/{tenant_id}/organizations", { params: { path: t() }, body: { name, ...(external ? { external_id: external } : {}) } }));
      setName("");
      setExternal("");
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }
  async function remove(o: Organization) {
    setError(null);
    try {
      await ok(client.DELETE("/v1/tenants/{tenant_id}/organizations/{organization_id}", { params: { path: { ...t(), organization_id: o.id } } }));
      setNonce((n) => n + 1);
    } catch (err) {
      setError(err);
    }
  }
  return (
    <section>
      <h1 tabIndex={-1}>Organizations</h1>
      <p class="muted">Assignments can be scoped to an organization; deleting one removes the assignments scoped to it.</p>
      <ProblemBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>Organization</th>
            <th>External id</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.items.map((o) => (
            <tr key={o.id}>
              <td>
                {o.name} <code>{o.id}</code>
              </td>
              <td>{o.external_id}</td>
              <td>
                <When at={o.created_at} />
              </td>
              <td>
                <button type="button" onClick={() => remove(o)} aria-label={`Delete ${o.name}`}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager p={list} label="Organizations" />
      <form onSubmit={create} class="card" aria-label="Create organization">
        <h2>Create an organization</h2>
        <div class="row">
          <Input label="Name" name="name" value={name} set={setName} error={error} required />
          <Input label="External id" name="external_id" value={external} set={setExternal} error={error} />
        </div>
        <ProblemBox error={error} fields={["name", "external_id"]} />
        <button type="submit">Create organization</button>
      </form>
    </section>
  );
}
